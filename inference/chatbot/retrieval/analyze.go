package retrieval

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/russian"

	"github.com/oqim/oqim/models/portalkb/uztranslit"
)

// Terms appends the search terms of text to dst and returns it. Documents
// and queries go through the same function, so a word yields the same
// terms whichever script or apostrophe it was typed with:
//
//   - Cyrillic words are transliterated to Uzbek Latin; words without
//     Uzbek-only letters (ў, қ, ғ, ҳ) may also be Russian, so they add
//     their Russian snowball stem, transliterated as well.
//   - Latin words add their English snowball stem and their Uzbek form.
//   - Uzbek forms are folded (apostrophes dropped, x→h, q→k, ye→e, the
//     letters people confuse or type without the modifier) and lose common
//     suffixes (uzbekStem).
//
// Stop words of the three languages yield nothing.
func Terms(dst []string, text string) []string {
	dst, _, _ = termsOfWords(dst, nil, nil, false, text)
	return dst
}

// termsOfWords is Terms that, when withWords is set, also records in
// words the index of the word each term came from, so a search can tell
// a word it does not know from a word with one unknown form, and in raws,
// per word, the word itself in lower case (empty when it yielded no
// terms): for what a search asks of a word it does not know (is it
// Russian typed in Latin letters, a number, a verb).
func termsOfWords(dst []string, words []int32, raws []string, withWords bool, text string) ([]string, []int32, []string) {
	var word []rune
	var buf strings.Builder
	var nw int32
	// A Cyrillic text with ў қ ғ ҳ anywhere is Uzbek, even in its words
	// without them ("Паспортни қандай алмаштирсам").
	uzText := strings.ContainsAny(text, "ўқғҳЎҚҒҲ")
	flush := func() {
		if len(word) == 0 {
			return
		}
		n := len(dst)
		dst = wordTerms(dst, &buf, word, uzText)
		if withWords {
			for range dst[n:] {
				words = append(words, nw)
			}
			// The raw word, for a last resort the search computes only
			// when none of the word's terms is known.
			raw := ""
			if len(dst) > n {
				raw = string(word)
			}
			raws = append(raws, raw)
		}
		nw++
		word = word[:0]
	}
	rs := []rune(text)
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word = append(word, unicode.ToLower(r))
		case uztranslit.IsApostrophe(r) && len(word) > 0 && i+1 < len(rs) && unicode.IsLetter(rs[i+1]):
			// oʻ, gʻ and the tutuq belgisi stay inside the word.
			word = append(word, 'ʻ')
		case r == '-' && string(word) == "one" && strings.HasPrefix(strings.ToLower(string(rs[i+1:])), "stop"):
			// "one-stop" is one word, "onestop": alone, "one" is a stop
			// word ("a new one"); other compounds ("one-time") keep their
			// second word as a term.
		default:
			flush()
		}
	}
	flush()
	return dst, words, raws
}

// latinWord reports whether w may be Russian typed in Latin letters: no
// Cyrillic, and no Uzbek apostrophe (oʻ, gʻ).
func latinWord(w string) bool {
	for _, r := range w {
		if uztranslit.IsCyrillic(r) || r == 'ʻ' {
			return false
		}
	}
	return true
}

// russianOfLatin is the folded Russian stem of a Latin word, found by
// writing it back in Cyrillic.
func russianOfLatin(buf *strings.Builder, w string) string {
	ru := russianDerivation(fold(buf, uztranslit.ToLatin(russian.Stem(uztranslit.ToCyrillic(w), false))))
	if utf8.RuneCountInString(ru) < 3 {
		return ""
	}
	return ru
}

func wordTerms(dst []string, buf *strings.Builder, w []rune, uzText bool) []string {
	if len(w) > 40 {
		// Nothing in the knowledge base is this long; it is noise or an
		// attempt to blow up the fuzzy matcher.
		return dst
	}
	cyr, uzOnly, digits := false, false, true
	for _, r := range w {
		if !unicode.IsDigit(r) {
			digits = false
		}
		if uztranslit.IsCyrillic(r) {
			cyr = true
			switch r {
			case 'ў', 'қ', 'ғ', 'ҳ':
				uzOnly = true
			}
		}
	}
	if digits {
		if len(w) < 2 {
			return dst
		}
		return append(dst, string(w))
	}
	raw := string(w)
	var latin string
	if cyr {
		latin = uztranslit.ToLatin(raw)
	} else {
		latin = raw
	}
	folded := fold(buf, latin)
	if isStop(folded) || (cyr && ruStop[raw]) || (!cyr && (enStop[raw] || ruLatinStop[raw])) {
		return dst
	}
	if utf8.RuneCountInString(folded) < 2 {
		return dst
	}
	// A Cyrillic word of a text without ў қ ғ ҳ may be Russian, whose
	// dative plural ("вопросам") ends like the Uzbek conditional.
	uz := uzbekStem(folded, !cyr || uzOnly || uzText)
	if isStop(uz) {
		return dst
	}
	dst = append(dst, uz)
	var other string
	switch {
	case cyr && !uzOnly:
		other = russianDerivation(fold(buf, uztranslit.ToLatin(russian.Stem(raw, false))))
	case !cyr:
		other = englishDerivation(english.Stem(strings.ReplaceAll(raw, "ʻ", ""), false))
	}
	if other != "" && other != uz && other != folded {
		dst = append(dst, other)
	}
	return dst
}

// fold maps Uzbek Latin spelling variants onto one form: apostrophes go,
// x and h (х/ҳ) and q and k (қ/к) merge, because citizens typing on
// Russian keyboards or phones mix them, and "ye" becomes "e" so that
// Cyrillic "е" and Latin "ye" meet.
func fold(buf *strings.Builder, s string) string {
	buf.Reset()
	prev := rune(0)
	for _, r := range s {
		r = unicode.ToLower(r)
		switch {
		case uztranslit.IsApostrophe(r):
			continue
		case r == 'x':
			r = 'h'
		case r == 'q':
			r = 'k'
		case r == 'e' && prev == 'y':
			// Drop the y written before e.
			str := buf.String()
			buf.Reset()
			buf.WriteString(str[:len(str)-1])
		}
		buf.WriteRune(r)
		prev = r
	}
	return buf.String()
}

// uzbekSuffixes are common Uzbek inflectional and derivational endings in
// folded spelling (q is k), longest first. They are stripped up to three
// times while at least three letters remain, which is enough to bring
// "roʻyxatdan", "roʻyxatga" and "roʻyxatini" onto "royhat".
var uzbekSuffixes = []string{
	"mokchiman", "mokchimiz", "mokchi", "yapman", "yapmiz", "yapti", "ayotgan", "ilgan", "lariga", "larini", "larida",
	"laridan", "larning", "lardan", "larga", "larni", "larda", "dagi", "ning", "lari", "ishni", "ishga", "ishda",
	"ingiz", "imiz", "mizni", "sini", "sidan", "siga", "sida", "lash", "lik", "ligi", "mok", "gan", "lar", "dan", "tan", "ish", "ini", "man",
	"miz", "dir", "mi", "ga", "ka", "da", "ta", "ni", "si", "im", "ng", "ib", "i",
}

// conditionalSuffixes are the conditional of "how could I ...":
// "almashtirsam", "to'ldirsak"; stripped only from a word that is surely
// Uzbek (see uzbekStem).
var conditionalSuffixes = []string{"sangiz", "sam", "sak"}

func uzbekStem(s string, conditional bool) string {
	if conditional {
		for _, suf := range conditionalSuffixes {
			if strings.HasSuffix(s, suf) && utf8.RuneCountInString(s)-utf8.RuneCountInString(suf) >= 3 {
				s = s[:len(s)-len(suf)]
				break
			}
		}
	}
	for pass := 0; pass < 3; pass++ {
		stripped := false
		for _, suf := range uzbekSuffixes {
			if strings.HasSuffix(s, suf) && utf8.RuneCountInString(s)-utf8.RuneCountInString(suf) >= 3 {
				s = s[:len(s)-len(suf)]
				stripped = true
				break
			}
		}
		if !stripped {
			break
		}
	}
	return uzbekVoice(s)
}

// uzbekVoice drops a verb's voice or verbal-noun ending after a vowel:
// the causative -t, the passive -n and the noun -sh, so that "ulatmoqchiman"
// (I want to have it connected), "ulanish" (connection) and "ulash"
// (to connect) all meet on "ula". At least three letters stay.
func uzbekVoice(s string) string {
	if distinctVoices[s] {
		return s
	}
	for _, suf := range []string{"sh", "t", "n"} {
		rest, ok := strings.CutSuffix(s, suf)
		if !ok || utf8.RuneCountInString(rest) < 3 {
			continue
		}
		if strings.ContainsRune("aeiou", rune(rest[len(rest)-1])) {
			return rest
		}
	}
	return s
}

// distinctVoices are stems whose voices name different things, kept
// whole: "ajrash-" (to divorce) is not "ajrat-" (to allocate), and a
// question about divorce was answered with a subsidy.
var distinctVoices = map[string]bool{"ajrash": true}

// uzbekVerbEndings are endings of Uzbek finite verbs and converbs in
// folded spelling (q is k, x is h): person endings after the tenses, the
// present continuous (-yap-, -mokda), intention (-mokchi), the
// conditional (-sa), the converb (-ib) and the evidential (-ibdi), each
// also with the question particle -mi.
var uzbekVerbEndings = []string{
	"mokchiman", "mokchimiz", "mokchisiz", "mokchi", "mokda",
	"yapman", "yapmiz", "yapsiz", "yapti", "yapsan",
	"ayman", "aymiz", "aysiz", "aydi", "aman", "amiz", "asiz", "adi",
	"ganman", "ganmiz", "gandim", "gandik", "ibdi", "ibman", "ibmiz",
	"dim", "dik", "ding", "dingiz", "sam", "sak", "sangiz", "sa", "ib",
}

// russianVerbEndings are endings of Russian verbs: the infinitive, the
// past and the present third person, with the reflexive -ся.
var russianVerbEndings = []string{
	"ться", "тся", "ть", "ти", "лся", "лась", "лись", "лось", "ла", "ло", "ли", "л",
	"ет", "ют", "ят", "ит", "ут", "ешь", "ишь",
}

// verbLike reports whether w (lower case) has the shape of a verb. A
// question's unknown verb ("I want to get", "they refuse") rarely names
// what it is about, unlike an unknown noun (divorce, guardianship), so
// search weighs it less.
func verbLike(buf *strings.Builder, w string) bool {
	if utf8.RuneCountInString(w) < 4 {
		return false
	}
	cyr, uzOnly := false, false
	for _, r := range w {
		if uztranslit.IsCyrillic(r) {
			cyr = true
			switch r {
			case 'ў', 'қ', 'ғ', 'ҳ':
				uzOnly = true
			}
		}
	}
	if cyr && !uzOnly {
		for _, e := range russianVerbEndings {
			if strings.HasSuffix(w, e) {
				return true
			}
		}
	}
	f := fold(buf, uztranslit.ToLatin(w))
	f = strings.TrimSuffix(strings.TrimSuffix(f, "mikan"), "mi")
	for _, e := range uzbekVerbEndings {
		if strings.HasSuffix(f, e) && utf8.RuneCountInString(f)-utf8.RuneCountInString(e) >= 2 {
			return true
		}
	}
	return false
}
