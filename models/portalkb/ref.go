package portalkb

import (
	"regexp"
)

// helpRef is the Ref of the portal FAQ entries: help the portal gives,
// in words Oqim wrote, not a decree.
const helpRef = "my.gov.uz help, summarised by Oqim"

var (
	annexRef   = regexp.MustCompile(`^Decree PQ-(\d+) of ([\d.]+), annex (\d+), item (\d+)$`)
	roadmapRef = regexp.MustCompile(`^Decree PQ-(\d+) of ([\d.]+), roadmap item (\d+), service (\d+)$`)
)

// RefIn is ref, an entry's source as the knowledge base writes it in
// English, in lang: a citizen asking in Uzbek or Russian reads the
// decree's name in that language. A ref of another shape is returned as
// it is.
func RefIn(ref string, lang Lang) string {
	if ref == helpRef {
		switch lang {
		case UzLatn:
			return "my.gov.uz yordami, Oqim qisqacha bayoni"
		case UzCyrl:
			return "my.gov.uz ёрдами, Oqim қисқача баёни"
		case Ru:
			return "справка my.gov.uz в изложении Oqim"
		}
		return ref
	}
	if m := annexRef.FindStringSubmatch(ref); m != nil {
		switch lang {
		case UzLatn:
			return "PQ-" + m[1] + "-son qaror (" + m[2] + "), " + m[3] + "-ilova, " + m[4] + "-band"
		case UzCyrl:
			return "ПҚ-" + m[1] + "-сон қарор (" + m[2] + "), " + m[3] + "-илова, " + m[4] + "-банд"
		case Ru:
			return "Постановление ПП-" + m[1] + " от " + m[2] + ", приложение " + m[3] + ", пункт " + m[4]
		}
	}
	if m := roadmapRef.FindStringSubmatch(ref); m != nil {
		switch lang {
		case UzLatn:
			return "PQ-" + m[1] + "-son qaror (" + m[2] + "), yoʻl xaritasi " + m[3] + "-band, " + m[4] + "-xizmat"
		case UzCyrl:
			return "ПҚ-" + m[1] + "-сон қарор (" + m[2] + "), йўл харитаси " + m[3] + "-банд, " + m[4] + "-хизмат"
		case Ru:
			return "Постановление ПП-" + m[1] + " от " + m[2] + ", дорожная карта, пункт " + m[3] + ", услуга " + m[4]
		}
	}
	return ref
}
