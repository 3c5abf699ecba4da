// Package ident makes the stable identifiers that generated data and the
// knowledge bases derive from names, so one name gives one id everywhere.
package ident

import "strings"

// Slug lower-cases s and keeps its ASCII letters and digits, joining the
// runs between them with single dashes: "Acute otitis media (AOM)" →
// "acute-otitis-media-aom". Any other character, non-ASCII letters
// included, separates words; ids stay plain ASCII for URLs and SQL.
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
