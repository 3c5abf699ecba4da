// Package redact removes personal identifiers from citizens' messages
// before they are stored, logged, put on Kafka or sent to an LLM: passport
// numbers (two letters and seven digits, Latin or Cyrillic letters, such as
// AA1234567), PINFL (the 14-digit personal identification number) and
// phone numbers (+998 and local nine-digit forms).
package redact

import (
	"regexp"
)

// Placeholders that replace what was removed; they tell an operator or a
// model that something was there without carrying it.
const (
	Passport = "[PASSPORT]"
	PINFL    = "[PINFL]"
	Phone    = "[PHONE]"
)

// Redactor holds the compiled patterns; it is safe for concurrent use.
type Redactor struct {
	passport, pinfl, phoneIntl, phoneLocal *regexp.Regexp
}

// New compiles the patterns.
func New() *Redactor {
	return &Redactor{
		// Series letters may be typed in Cyrillic (АА) and separated from
		// the number by a space or a dash.
		passport: regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}])([A-ZА-Я]{2}[\s\-№]?\d{7})($|[^\p{N}])`),
		// PINFL: 14 digits, possibly grouped by spaces.
		pinfl: regexp.MustCompile(`(^|\D)(\d[\s\-]?){13}\d($|\D)`),
		// +998 or 998 followed by nine digits with any grouping.
		phoneIntl: regexp.MustCompile(`(?:\+\s?)?998[\s\-()]*\d{2}[\s\-()]*\d{3}[\s\-]*\d{2}[\s\-]*\d{2}`),
		// Local form: operator code and seven digits, such as 90 123 45 67
		// or (93) 123-45-67; a bare run of nine digits counts too.
		phoneLocal: regexp.MustCompile(`(^|\D)\(?\d{2}\)?[\s\-]?\d{3}[\s\-]?\d{2}[\s\-]?\d{2}($|\D)`),
	}
}

// Counts says how many identifiers of each kind were removed.
type Counts struct {
	Passport, PINFL, Phone int
}

// Total is the number of identifiers removed.
func (c Counts) Total() int { return c.Passport + c.PINFL + c.Phone }

// Redact returns s with identifiers replaced by placeholders.
func (r *Redactor) Redact(s string) (string, Counts) {
	var c Counts
	// The order matters: a PINFL contains runs that look like phone
	// numbers, and an international phone number contains a local one.
	s = replaceKeepEdges(r.pinfl, s, PINFL, &c.PINFL)
	s = r.phoneIntl.ReplaceAllStringFunc(s, func(string) string { c.Phone++; return Phone })
	s = replaceKeepEdges(r.phoneLocal, s, Phone, &c.Phone)
	s = replaceKeepEdges(r.passport, s, Passport, &c.Passport)
	return s, c
}

// replaceKeepEdges replaces matches of re, whose first and last groups are
// the one-character boundaries around the identifier, keeping those.
func replaceKeepEdges(re *regexp.Regexp, s, with string, n *int) string {
	for {
		loc := re.FindStringSubmatchIndex(s)
		if loc == nil {
			return s
		}
		// Group 1 is the leading boundary and the last group the trailing
		// one; the identifier lies between them.
		start, end := loc[3], loc[len(loc)-2]
		*n++
		s = s[:start] + with + s[end:]
	}
}
