package portalkb

import (
	"fmt"
	"regexp"
)

// helpRef is the Ref of the portal FAQ entries: help the portal gives,
// in words Oqim wrote, not a decree.
const helpRef = "my.gov.uz help, summarised by Oqim"

// The two shapes of a decree's Ref, and each shape in the other language
// forms (decree number, date, then annex and item, or roadmap item and
// service).
var (
	annexRef   = regexp.MustCompile(`^Decree PQ-(\d+) of ([\d.]+), annex (\d+), item (\d+)$`)
	roadmapRef = regexp.MustCompile(`^Decree PQ-(\d+) of ([\d.]+), roadmap item (\d+), service (\d+)$`)
	refForms   = map[Lang]struct{ help, annex, roadmap string }{
		UzLatn: {"my.gov.uz yordami, Oqim qisqacha bayoni", "PQ-%s-son qaror (%s), %s-ilova, %s-band", "PQ-%s-son qaror (%s), yoʻl xaritasi %s-band, %s-xizmat"},
		UzCyrl: {"my.gov.uz ёрдами, Oqim қисқача баёни", "ПҚ-%s-сон қарор (%s), %s-илова, %s-банд", "ПҚ-%s-сон қарор (%s), йўл харитаси %s-банд, %s-хизмат"},
		Ru:     {"справка my.gov.uz в изложении Oqim", "Постановление ПП-%s от %s, приложение %s, пункт %s", "Постановление ПП-%s от %s, дорожная карта, пункт %s, услуга %s"},
	}
)

// RefIn is ref, an entry's source as the knowledge base writes it in
// English, in lang: a citizen asking in Uzbek or Russian reads the
// decree's name in that language. English, and a ref of another shape,
// are returned as they are.
func RefIn(ref string, lang Lang) string {
	f, ok := refForms[lang]
	if !ok {
		return ref
	}
	if ref == helpRef {
		return f.help
	}
	for _, shape := range []struct {
		re   *regexp.Regexp
		form string
	}{{annexRef, f.annex}, {roadmapRef, f.roadmap}} {
		if m := shape.re.FindStringSubmatch(ref); m != nil {
			return fmt.Sprintf(shape.form, m[1], m[2], m[3], m[4])
		}
	}
	return ref
}
