// Package uztranslit converts Uzbek text between the Latin alphabet
// (1995, with oʻ and gʻ written with U+02BB) and the Cyrillic alphabet.
//
// ToCyrillic is what the knowledge-base builder uses to write the uz-Cyrl
// text from the uz-Latn text it was authored in; ToLatin is what search
// uses to bring Cyrillic input onto the same terms as Latin input. Both
// accept every apostrophe citizens type for oʻ, gʻ and the tutuq belgisi:
// ', `, ’, ‘, ʼ and ʻ.
//
// The conversion is rule based and knows no dictionary, so it has the usual
// limits: "ye" after a consonant becomes "ъе" (obyekt, объект) but "yo",
// "yu" and "ya" never take the hard sign, and "ts" becomes "ц" only in the
// "-tsiya" ending and at the start of a word, because inside native words
// it is a morpheme boundary ("ketsa" is "кетса").
package uztranslit

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

var callCentre = strings.NewReplacer("call-markaz", "koll-markaz", "Call-markaz", "Koll-markaz", "call markaz", "koll markaz")

// IsApostrophe reports whether r is one of the marks written for oʻ, gʻ
// or the tutuq belgisi.
func IsApostrophe(r rune) bool {
	switch r {
	case '\'', '`', '’', '‘', 'ʼ', 'ʻ', '´', 'ʹ':
		return true
	}
	return false
}

var latinToCyr = map[rune]string{
	'a': "а", 'b': "б", 'c': "ц", 'd': "д", 'e': "е", 'f': "ф", 'g': "г",
	'h': "ҳ", 'i': "и", 'j': "ж", 'k': "к", 'l': "л", 'm': "м", 'n': "н",
	'o': "о", 'p': "п", 'q': "қ", 'r': "р", 's': "с", 't': "т", 'u': "у",
	'v': "в", 'w': "в", 'x': "х", 'y': "й", 'z': "з",
}

// ToCyrillic transliterates Uzbek Latin text to Uzbek Cyrillic. Characters
// that are not Latin letters (digits, punctuation, Cyrillic) pass through.
func ToCyrillic(s string) string {
	// "call-markaz" (call centre) keeps its English spelling in Latin
	// text, and c, which Uzbek Latin has only in ch, would become ц.
	s = callCentre.Replace(s)
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s) * 2)
	lower := func(i int) rune {
		if i < 0 || i >= len(rs) {
			return 0
		}
		return unicode.ToLower(rs[i])
	}
	isLetter := func(i int) bool { return i >= 0 && i < len(rs) && unicode.IsLetter(rs[i]) }
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		lr := unicode.ToLower(r)
		upper := r != lr
		// A whole-word capital (an abbreviation such as "ID") keeps a
		// capital second letter of a digraph.
		allUpper := upper && (i+1 < len(rs) && unicode.IsUpper(rs[i+1]))
		out := ""
		adv := 0
		next := lower(i + 1)
		switch {
		case (lr == 'o' || lr == 'g') && i+1 < len(rs) && IsApostrophe(rs[i+1]):
			if lr == 'o' {
				out = "ў"
			} else {
				out = "ғ"
			}
			adv = 1
		case lr == 's' && next == 'h':
			out, adv = "ш", 1
		case lr == 'c' && next == 'h':
			out, adv = "ч", 1
		case lr == 'y' && next == 'o' && !(i+2 < len(rs) && IsApostrophe(rs[i+2])):
			out, adv = "ё", 1
		case lr == 'y' && next == 'u':
			out, adv = "ю", 1
		case lr == 'y' && next == 'a':
			out, adv = "я", 1
		case lr == 'y' && next == 'e':
			// After a consonant "ye" is the hard sign and е: obyekt, объект.
			out, adv = "е", 1
			if isLetter(i-1) && !strings.ContainsRune("aeiouʻ'", lower(i-1)) && !IsApostrophe(rs[i-1]) {
				out = "ъе"
			}
		case lr == 't' && next == 's' && (!isLetter(i-1) || (lower(i+2) == 'i' && lower(i+3) == 'y' && lower(i+4) == 'a')):
			out, adv = "ц", 1
		case lr == 'e' && !isLetter(i-1):
			out = "э"
		case IsApostrophe(r):
			// A tutuq belgisi between letters is the hard sign; other
			// apostrophes are quotation marks and stay.
			if isLetter(i-1) && isLetter(i+1) {
				out = "ъ"
			} else {
				out = string(r)
			}
		default:
			if c, ok := latinToCyr[lr]; ok {
				out = c
			} else {
				out = string(r)
			}
		}
		if upper {
			if allUpper {
				out = strings.ToUpper(out)
			} else {
				first, size := utf8.DecodeRuneInString(out)
				out = string(unicode.ToUpper(first)) + out[size:]
			}
		}
		b.WriteString(out)
		i += adv
	}
	return b.String()
}

var cyrToLatin = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'ғ': "gʻ", 'д': "d", 'е': "e",
	'ё': "yo", 'ж': "j", 'з': "z", 'и': "i", 'й': "y", 'к': "k", 'қ': "q",
	'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s",
	'т': "t", 'у': "u", 'ў': "oʻ", 'ф': "f", 'х': "x", 'ҳ': "h", 'ц': "ts",
	'ч': "ch", 'ш': "sh", 'щ': "sh", 'ъ': "ʼ", 'ы': "i", 'ь': "", 'э': "e",
	'ю': "yu", 'я': "ya",
	// Kazakh and Karakalpak look-alikes that OCR and keyboards produce.
	'ү': "u", 'ө': "o", 'һ': "h", 'і': "i",
}

// ToLatin transliterates Uzbek Cyrillic text to Uzbek Latin. "е" at the
// start of a word or after a vowel becomes "ye", as the Latin alphabet
// spells it. Other characters pass through.
func ToLatin(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	prevLetter, prevVowel := false, false
	for _, r := range s {
		lr := unicode.ToLower(r)
		out, ok := cyrToLatin[lr]
		if !ok {
			b.WriteRune(r)
			prevLetter, prevVowel = unicode.IsLetter(r), false
			continue
		}
		if lr == 'е' && (!prevLetter || prevVowel) {
			out = "ye"
		}
		if r != lr && out != "" {
			first, size := utf8.DecodeRuneInString(out)
			out = string(unicode.ToUpper(first)) + out[size:]
		}
		b.WriteString(out)
		prevLetter = true
		prevVowel = strings.ContainsRune("аеёиоуўэюя", lr)
	}
	return b.String()
}

// IsCyrillic reports whether r is a Cyrillic letter.
func IsCyrillic(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }
