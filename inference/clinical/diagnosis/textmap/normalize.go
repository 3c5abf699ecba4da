package textmap

import (
	"strings"
	"unicode"
)

// cyrToLat transliterates Cyrillic letters to Uzbek Latin. Russian letters
// go through the same table, so Russian phrases in the lexicon and in
// notes meet in one alphabet, and text mixing the two scripts (common in
// OCR output) comes out whole.
var cyrToLat = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "yo",
	'ж': "j", 'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m",
	'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u",
	'ф': "f", 'х': "x", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "sh", 'ъ': "'",
	'ы': "i", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
	'ў': "o'", 'қ': "q", 'ғ': "g'", 'ҳ': "h",
}

// isApostrophe reports whether r is one of the marks used for oʻ, gʻ and
// the tutuq belgisi.
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '`', '’', '‘', 'ʼ', 'ʻ', '´', '′':
		return true
	}
	return false
}

// NormalizeWord returns the matching form of one word: lower case, Latin
// script, every apostrophe variant written as '.
func NormalizeWord(w string) string {
	var b strings.Builder
	first := true
	for _, r := range w {
		r = unicode.ToLower(r)
		switch {
		case isApostrophe(r):
			b.WriteByte('\'')
		case r == 'е' && first:
			b.WriteString("ye") // Uzbek Cyrillic writes ye- as е- at the start of a word
		case r >= 'а' && r <= 'я' || r == 'ё' || r == 'ў' || r == 'қ' || r == 'ғ' || r == 'ҳ':
			b.WriteString(cyrToLat[r])
		default:
			b.WriteRune(r)
		}
		first = false
	}
	return strings.Trim(b.String(), "'")
}

// token is a word of the input, or a clause boundary.
type token struct {
	norm       string
	start, end int  // byte offsets in the original text
	boundary   bool // punctuation or a conjunction that ends negation scope
}

// clauseBreaker reports whether a word ends the scope of a negation, as in
// "isitma yo'q, lekin yo'tal bor". Russian "но" normalises to "no", which in
// English is a negation, so the script of the word decides.
func clauseBreaker(norm string, cyrillic bool) bool {
	switch norm {
	case "lekin", "ammo", "biroq", "but", "however", "odnako":
		return true
	case "no":
		return cyrillic
	}
	return false
}

func hasCyrillic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

// tokenize splits text into words (letters, digits, apostrophes inside a
// word) and boundaries (. , ; : ! ? and clause-breaking conjunctions).
func tokenize(text string) []token {
	var toks []token
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		n := NormalizeWord(text[start:end])
		if n != "" {
			toks = append(toks, token{norm: n, start: start, end: end, boundary: clauseBreaker(n, hasCyrillic(text[start:end]))})
		}
		start = -1
	}
	for i, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || (isApostrophe(r) && start >= 0) || (r == '-' && start >= 0):
			if start < 0 {
				start = i
			}
		default:
			flush(i)
			if strings.ContainsRune(".,;:!?\n()", r) {
				toks = append(toks, token{start: i, end: i + 1, boundary: true})
			}
		}
	}
	flush(len(text))
	return toks
}
