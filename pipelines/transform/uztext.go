// Package transform holds the pure, allocation-free transforms of the
// ingest hot path: Uzbek text normalisation and search keys, region and
// district code mapping, and a fast UTC time parser.
//
// Every text function appends to a caller-supplied buffer and returns it,
// in the style of strconv.AppendInt, so a caller that reuses its buffer
// allocates nothing per record. Tables are built once, at package
// initialisation or by a constructor; calls only read them, so every
// function and method here is safe for concurrent use.
//
// The rules, aliases and their sources are in README.md next to this file.
package transform

import (
	"unicode"
	"unicode/utf8"
)

// The two modifier letters of the official Uzbek Latin alphabet.
const (
	// Turned comma (U+02BB), the mark of oʻ and gʻ.
	TurnedComma = 'ʻ'
	// Apostrophe (U+02BC), the tutuq belgisi (glottal stop).
	Apostrophe = 'ʼ'
)

// isApostrophe reports whether r is one of the characters that agencies,
// keyboards and OCR put where Uzbek writes ʻ or ʼ.
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '`', // ASCII apostrophe and grave accent
		0x00B4,         // ´ acute accent
		0x2018, 0x2019, // ‘ ’ quotation marks
		0x201B,         // ‛ reversed quotation mark
		0x2032,         // ′ prime
		0x02B9,         // ʹ modifier prime
		0x02BB, 0x02BC, // ʻ ʼ the two correct ones
		0x02BD, // ʽ reversed comma
		0xFF07: // ＇ fullwidth apostrophe
		return true
	}
	return false
}

// Letter kinds, for the context rules of е and ц.
const (
	kCons  uint8 = iota // consonant
	kVowel              // vowel
	kE                  // е: ye at word start and after vowels and signs, else e
	kTs                 // ц: ts after vowels, else s
	kHard               // ъ: ʼ, or nothing before е ё ю я
	kSoft               // ь: nothing, or y before о
)

// Context of the previous letter within a word.
const (
	pNone  uint8 = iota // word start
	pVowel              // after a vowel
	pCons               // after a consonant (or digit, or other letter)
	pSign               // after ъ or ь
)

type cyrLetter struct {
	lat   string // lower-case Latin transliteration
	kind  uint8
	upper bool
	ok    bool
	lower rune // lower-case Cyrillic form
}

// cyrTab is indexed by rune-0x400 over the Cyrillic block U+0400..U+04FF.
var cyrTab [0x100]cyrLetter

// Homoglyphs: letters that look alike in the two scripts and that OCR and
// hurried typists swap.
var (
	latToCyr [128]rune   // Latin look-alike → Cyrillic letter
	cyrToLat [0x100]rune // Cyrillic look-alike (rune-0x400) → Latin letter
)

func init() {
	// upper, lower, Latin, kind. Uzbek Cyrillic alphabet (1940, as used in
	// the decree) with the official Latin of 1995 as amended; then Russian
	// letters the Uzbek alphabet lacks, and Karakalpak letters, for search
	// keys.
	letters := []struct {
		up, lo rune
		lat    string
		kind   uint8
	}{
		{'А', 'а', "a", kVowel}, {'Б', 'б', "b", kCons}, {'В', 'в', "v", kCons},
		{'Г', 'г', "g", kCons}, {'Д', 'д', "d", kCons}, {'Е', 'е', "e", kE},
		{'Ё', 'ё', "yo", kVowel}, {'Ж', 'ж', "j", kCons}, {'З', 'з', "z", kCons},
		{'И', 'и', "i", kVowel}, {'Й', 'й', "y", kCons}, {'К', 'к', "k", kCons},
		{'Л', 'л', "l", kCons}, {'М', 'м', "m", kCons}, {'Н', 'н', "n", kCons},
		{'О', 'о', "o", kVowel}, {'П', 'п', "p", kCons}, {'Р', 'р', "r", kCons},
		{'С', 'с', "s", kCons}, {'Т', 'т', "t", kCons}, {'У', 'у', "u", kVowel},
		{'Ф', 'ф', "f", kCons}, {'Х', 'х', "x", kCons}, {'Ц', 'ц', "s", kTs},
		{'Ч', 'ч', "ch", kCons}, {'Ш', 'ш', "sh", kCons}, {'Ъ', 'ъ', "ʼ", kHard},
		{'Ь', 'ь', "", kSoft}, {'Э', 'э', "e", kVowel}, {'Ю', 'ю', "yu", kVowel},
		{'Я', 'я', "ya", kVowel}, {'Ў', 'ў', "oʻ", kVowel}, {'Қ', 'қ', "q", kCons},
		{'Ғ', 'ғ', "gʻ", kCons}, {'Ҳ', 'ҳ', "h", kCons},
		// Russian.
		{'Щ', 'щ', "sh", kCons}, {'Ы', 'ы', "i", kVowel},
		// Karakalpak (and Kazakh) letters: nearest Uzbek Latin letter.
		{'Ә', 'ә', "a", kVowel}, {'Ө', 'ө', "o", kVowel}, {'Ү', 'ү', "u", kVowel},
		{'Ұ', 'ұ', "u", kVowel}, {'Ң', 'ң', "ng", kCons}, {'І', 'і', "i", kVowel},
		{'Һ', 'һ', "h", kCons}, {'Ҡ', 'ҡ', "q", kCons}, {'Ј', 'ј', "j", kCons},
	}
	for _, l := range letters {
		cyrTab[l.up-0x400] = cyrLetter{lat: l.lat, kind: l.kind, upper: true, ok: true, lower: l.lo}
		cyrTab[l.lo-0x400] = cyrLetter{lat: l.lat, kind: l.kind, ok: true, lower: l.lo}
	}
	for _, p := range []struct{ lat, cyr rune }{
		{'a', 'а'}, {'c', 'с'}, {'e', 'е'}, {'o', 'о'}, {'p', 'р'}, {'x', 'х'}, {'y', 'у'}, {'k', 'к'},
		{'A', 'А'}, {'B', 'В'}, {'C', 'С'}, {'E', 'Е'}, {'H', 'Н'}, {'K', 'К'}, {'M', 'М'},
		{'O', 'О'}, {'P', 'Р'}, {'T', 'Т'}, {'X', 'Х'}, {'Y', 'У'},
	} {
		latToCyr[p.lat] = p.cyr
		cyrToLat[p.cyr-0x400] = p.lat
	}
	cyrToLat['і'-0x400] = 'i'
	cyrToLat['І'-0x400] = 'I'
	cyrToLat['ј'-0x400] = 'j'
	cyrToLat['Ј'-0x400] = 'J'
}

func isCyr(r rune) bool { return r >= 0x400 && r < 0x500 && cyrTab[r-0x400].ok }

func isASCIILetter(r rune) bool { return r < 0x80 && (r|0x20) >= 'a' && (r|0x20) <= 'z' }

func isLetter(r rune) bool {
	if r < 0x80 {
		return isASCIILetter(r)
	}
	return isCyr(r) || (unicode.IsLetter(r) && !isApostrophe(r))
}

// decode returns the rune at b[i] and its width, with an ASCII fast path.
func decode(b []byte, i int) (rune, int) {
	if c := b[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRune(b[i:])
}

// resolve reads the letter at b[i] as the word's script sees it: Latin
// look-alikes become Cyrillic in a Cyrillic word and the other way round,
// and a decomposed й ў ё (base letter + combining breve or diaeresis) is
// read as one letter.
func resolve(b []byte, i int, cyrWord bool) (rune, int) {
	r, n := decode(b, i)
	if cyrWord {
		if r < 0x80 && latToCyr[r] != 0 {
			r = latToCyr[r]
		}
	} else if r >= 0x400 && r < 0x500 && cyrToLat[r-0x400] != 0 {
		return cyrToLat[r-0x400], n
	}
	if i+n+1 < len(b) && b[i+n] == 0xCC { // U+0300..U+033F combining marks
		switch {
		case b[i+n+1] == 0x86: // U+0306 combining breve
			switch r {
			case 'у':
				return 'ў', n + 2
			case 'У':
				return 'Ў', n + 2
			case 'и':
				return 'й', n + 2
			case 'И':
				return 'Й', n + 2
			}
		case b[i+n+1] == 0x88: // U+0308 combining diaeresis
			switch r {
			case 'е':
				return 'ё', n + 2
			case 'Е':
				return 'Ё', n + 2
			}
		}
	}
	return r, n
}

// isTurnBase reports whether an apostrophe after r marks oʻ or gʻ.
func isTurnBase(r rune) bool {
	switch r {
	case 'o', 'O', 'g', 'G', 'о', 'О':
		return true
	}
	return false
}

// wordEnd scans the word starting at b[i] (which must be a word rune) and
// returns its end and whether it is to be read as Cyrillic. A word is a
// run of letters, digits and combining marks, with apostrophes inside it
// (between two letters, or after o or g).
func wordEnd(b []byte, i int, prevCyr bool) (end int, cyrWord bool) {
	var cyrOnly, latOnly, cyrAll, latAll int
	var prev rune = -1
	for i < len(b) {
		r, n := decode(b, i)
		switch {
		case r < 0x80 && isASCIILetter(r):
			latAll++
			if latToCyr[r] == 0 {
				latOnly++
			}
		case isCyr(r):
			cyrAll++
			if cyrToLat[r-0x400] == 0 {
				cyrOnly++
			}
		case r >= '0' && r <= '9':
		case isApostrophe(r):
			if prev < 0 || !isLetter(prev) {
				goto done
			}
			if !isTurnBase(prev) {
				if i+n >= len(b) {
					goto done
				}
				if next, _ := decode(b, i+n); !isLetter(next) {
					goto done
				}
			}
		case r >= 0x80 && (unicode.IsLetter(r) || unicode.Is(unicode.Mn, r)):
		default:
			goto done
		}
		prev = r
		i += n
	}
done:
	switch {
	case cyrOnly != latOnly:
		cyrWord = cyrOnly > latOnly
	case cyrAll != latAll:
		cyrWord = cyrAll > latAll
	default:
		cyrWord = prevCyr
	}
	return i, cyrWord
}

func isWordStart(r rune) bool {
	return isLetter(r) || (r >= '0' && r <= '9') || (r >= 0x80 && unicode.Is(unicode.Mn, r))
}

func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return true
	}
	return r >= 0x80 && unicode.IsSpace(r)
}

// Options of the text engine.
const (
	oTranslit uint8 = 1 << iota // Cyrillic → Latin
	oLower                      // lower-case everything
	oCollapse                   // whitespace runs → one space, trimmed
	oFold                       // anything outside a word is a separator
)

func upperASCII(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 32
	}
	return c
}

// asciiLetter returns an ASCII letter as written out under opt, whether
// it is a vowel or a consonant (for the apostrophe rules) and whether it
// was upper case. Small enough to inline into both loops that call it.
func asciiLetter(c byte, opt uint8) (out byte, class uint8, upper bool) {
	upper = c < 'a'
	class = pCons
	switch c | 0x20 {
	case 'a', 'e', 'i', 'o', 'u':
		class = pVowel
	}
	if opt&oLower != 0 {
		c = lowerASCII(c)
	}
	return c, class, upper
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

// appendWord emits the word b[i:end].
//
// A modifier letter (ʻ ʼ, from an apostrophe or ъ) is held back until the
// next output: it is written before a letter, and at the word's end or
// before a digit or mark only if it is ʻ (after o or g) or the mode is not
// fold. So a search key never holds a ʼ that a second fold would drop.
func appendWord(dst, b []byte, i, end int, cyrWord bool, opt uint8) []byte {
	prev := pNone
	prevUpper := false
	wstart := len(dst)
	var mod rune // pending modifier letter
	flush := func(dst []byte, letterNext bool) []byte {
		if mod != 0 && (letterNext || mod == TurnedComma || opt&oFold == 0) {
			dst = utf8.AppendRune(dst, mod)
		}
		mod = 0
		return dst
	}
	// afterLetter reports whether the output so far ends in a letter, and
	// whether that letter is o or g.
	afterLetter := func(dst []byte) (bool, bool) {
		if len(dst) == wstart {
			return false, false
		}
		lr, _ := utf8.DecodeLastRune(dst[wstart:])
		return isLetter(lr), isTurnBase(lr)
	}
	latinWord := opt&oTranslit == 0 || !cyrWord
	for i < end {
		// Fast path: an ASCII letter or digit of a Latin word, nothing pending.
		if c := b[i]; c < utf8.RuneSelf && latinWord && mod == 0 && c != '\'' && c != '`' {
			if c >= '0' && c <= '9' {
				prev = pNone
			} else {
				c, prev, prevUpper = asciiLetter(c, opt)
			}
			dst = append(dst, c)
			i++
			continue
		}
		var r rune
		var n int
		if opt&oTranslit != 0 {
			r, n = resolve(b, i, cyrWord)
		} else {
			r, n = decode(b, i)
		}
		switch {
		case r < 0x80 && r != '\'' && r != '`':
			c := byte(r)
			if isASCIILetter(r) {
				dst = flush(dst, true)
				c, prev, prevUpper = asciiLetter(c, opt)
			} else {
				dst = flush(dst, false)
				prev = pNone // digit
			}
			dst = append(dst, c)
		case isCyr(r) && opt&oTranslit != 0:
			l := &cyrTab[r-0x400]
			var lat string
			switch l.kind {
			case kE:
				if prev == pCons {
					lat = "e"
				} else {
					lat = "ye"
				}
				prev = pVowel
			case kTs:
				if prev == pVowel {
					lat = "ts"
				} else {
					lat = "s"
				}
				prev = pCons
			case kHard:
				// The tutuq ʼ after a letter, but nothing before е ё ю я
				// (объект → obyekt); after o or g it is ʻ, like every
				// modifier there.
				if ok, turn := afterLetter(dst); ok {
					mod = Apostrophe
					if turn {
						mod = TurnedComma
					}
					if i+n < end {
						if nx, _ := resolve(b, i+n, cyrWord); isCyr(nx) {
							switch cyrTab[nx-0x400].lower {
							case 'е', 'ё', 'ю', 'я':
								mod = 0
							}
						}
					}
				}
				prev = pSign
			case kSoft:
				if i+n < end {
					if nx, _ := resolve(b, i+n, cyrWord); isCyr(nx) && cyrTab[nx-0x400].lower == 'о' {
						lat = "y"
					}
				}
				prev = pSign
			case kVowel:
				lat = l.lat
				prev = pVowel
			default:
				lat = l.lat
				prev = pCons
			}
			if lat == "" {
				break
			}
			dst = flush(dst, true)
			if !l.upper || opt&oLower != 0 {
				dst = append(dst, lat...)
				prevUpper = l.upper
				break
			}
			// Upper case: "Sh" in a capitalised word, "SH" in an
			// all-capitals one (the next letter is upper case too, or
			// this is the last letter and the one before was).
			allCaps := prevUpper
			if i+n < end {
				if nx, _ := resolve(b, i+n, cyrWord); isLetter(nx) {
					allCaps = unicode.IsUpper(nx)
				}
			}
			dst = append(dst, upperASCII(lat[0]))
			for k := 1; k < len(lat); k++ {
				if allCaps {
					dst = append(dst, upperASCII(lat[k]))
				} else {
					dst = append(dst, lat[k])
				}
			}
			prevUpper = true
		case isApostrophe(r):
			// Inside a word by construction of wordEnd.
			if ok, turn := afterLetter(dst); ok {
				mod = Apostrophe
				if turn {
					mod = TurnedComma
				}
			} else if opt&oFold == 0 {
				dst = append(dst, b[i:i+n]...)
			}
			prev = pCons
		default:
			letter := isLetter(r)
			dst = flush(dst, letter)
			if opt&oLower != 0 {
				r = unicode.ToLower(r)
				if r < 0x80 {
					dst = append(dst, byte(r))
				} else {
					dst = utf8.AppendRune(dst, r)
				}
			} else {
				dst = append(dst, b[i:i+n]...)
			}
			if letter {
				prev = pCons
				prevUpper = unicode.IsUpper(r)
			}
		}
		i += n
	}
	return flush(dst, false)
}

// appendText is the engine behind every text function.
func appendText(dst, b []byte, opt uint8) []byte {
	start := len(dst)
	pendingSpace := false
	prevCyr := false
	for i := 0; i < len(b); {
		r, n := decode(b, i)
		if isWordStart(r) {
			end, cyrWord := wordEnd(b, i, prevCyr)
			mark := len(dst)
			if pendingSpace && len(dst) > start {
				dst = append(dst, ' ')
			}
			before := len(dst)
			dst = appendWord(dst, b, i, end, cyrWord, opt)
			if len(dst) == before {
				dst = dst[:mark] // the word vanished (a lone ь): keep the space pending
			} else {
				pendingSpace = false
			}
			prevCyr = cyrWord
			i = end
			continue
		}
		switch {
		case opt&oFold != 0:
			// Keep . , - / : between two digits (numbers, dates).
			if !pendingSpace && r < 0x80 && (r == '.' || r == ',' || r == '-' || r == '/' || r == ':') &&
				len(dst) > start && isDigit(dst[len(dst)-1]) && i+1 < len(b) && isDigit(b[i+1]) {
				dst = append(dst, byte(r))
			} else {
				pendingSpace = true
			}
		case opt&oCollapse != 0 && isSpace(r):
			pendingSpace = true
		default:
			if pendingSpace {
				if len(dst) > start {
					dst = append(dst, ' ')
				}
				pendingSpace = false
			}
			if opt&oLower != 0 && r >= 0x80 {
				dst = utf8.AppendRune(dst, unicode.ToLower(r))
			} else if opt&oLower != 0 {
				dst = append(dst, lowerASCII(byte(r)))
			} else {
				dst = append(dst, b[i:i+n]...)
			}
		}
		i += n
	}
	return dst
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// AppendApostrophes appends src to dst with the Uzbek modifier letters
// unified and nothing else changed: an apostrophe-like character (' ` ´
// ‘ ’ ‛ ′ ʹ ʻ ʼ ʽ ＇) inside a word becomes ʻ (U+02BB) after o or g, in
// any case, and ʼ (U+02BC) otherwise. One that is not inside a word (an
// opening or closing quote) is kept as it is.
func AppendApostrophes(dst, src []byte) []byte {
	return appendText(dst, src, 0)
}

// AppendLatin appends src to dst transliterated from Uzbek Cyrillic to the
// official Uzbek Latin alphabet, keeping case, with apostrophes unified as
// AppendApostrophes does. Latin text passes through; a word mixing the
// scripts (OCR) is read in the script most of its letters belong to, so
// "Тoшкент" with a Latin o gives "Toshkent". Whitespace and punctuation
// are kept.
func AppendLatin(dst, src []byte) []byte {
	return appendText(dst, src, oTranslit)
}

// AppendNormalizeUz appends the normalised form of Uzbek text for display
// and joins: whitespace runs become one space and are trimmed, apostrophes
// are unified, and Cyrillic is transliterated to Latin unless Detect says
// the text is Russian, in which case it keeps its letters.
func AppendNormalizeUz(dst, src []byte) []byte {
	if Detect(src) == LangRussian {
		return appendText(dst, src, oCollapse)
	}
	return appendText(dst, src, oTranslit|oCollapse)
}

// AppendFold appends the search key of src: lower case, Cyrillic (Uzbek
// or Russian) transliterated with the Uzbek table, apostrophes unified,
// every run of whitespace and punctuation made one space and trimmed at
// both ends, except that . , - / : between two digits are kept.
func AppendFold(dst, src []byte) []byte {
	return appendText(dst, src, oTranslit|oLower|oFold)
}

// NormalizeUz is AppendNormalizeUz for strings; it allocates the result.
func NormalizeUz(s string) string { return string(AppendNormalizeUz(nil, []byte(s))) }

// Fold is AppendFold for strings; it allocates the result.
func Fold(s string) string { return string(AppendFold(nil, []byte(s))) }

// Latin is AppendLatin for strings; it allocates the result.
func Latin(s string) string { return string(AppendLatin(nil, []byte(s))) }

// Lang is what Detect finds.
type Lang uint8

const (
	// LangLatin: no Cyrillic letters.
	LangLatin Lang = iota
	// LangUzbek: Cyrillic text read as Uzbek.
	LangUzbek
	// LangRussian: Cyrillic text read as Russian.
	LangRussian
)

func (l Lang) String() string {
	switch l {
	case LangUzbek:
		return "uz"
	case LangRussian:
		return "ru"
	}
	return "latin"
}

// Detect tells Uzbek Cyrillic from Russian. Text without Cyrillic letters
// is LangLatin. Otherwise any of the letters only Uzbek uses (ў қ ғ ҳ)
// makes it Uzbek; failing that, any of the letters Uzbek Cyrillic does not
// have in native words (ы щ) or the soft sign ь makes it Russian; failing
// that, common function and administrative words decide (Russian: и в на
// по для от город область район улица республика; Uzbek: ва билан учун
// ҳам вилояти шаҳри тумани кўчаси), and a tie is Uzbek.
func Detect(src []byte) Lang {
	var cyr, uz, ru int
	for i := 0; i < len(src); {
		r, n := decode(src, i)
		i += n
		if r < 0x400 || r >= 0x500 {
			continue
		}
		cyr++
		switch r {
		case 'ў', 'Ў', 'қ', 'Қ', 'ғ', 'Ғ', 'ҳ', 'Ҳ':
			uz++
		case 'ы', 'Ы', 'щ', 'Щ', 'ь', 'Ь':
			ru++
		}
	}
	switch {
	case cyr == 0:
		return LangLatin
	case uz > 0:
		return LangUzbek
	case ru > 0:
		return LangRussian
	}
	// Word lists: lower-case each Cyrillic word into a small stack buffer.
	var buf [32]byte
	for i := 0; i < len(src); {
		r, n := decode(src, i)
		if !isCyr(r) {
			i += n
			continue
		}
		w := buf[:0]
		for i < len(src) {
			r, n = decode(src, i)
			if !isCyr(r) {
				break
			}
			if len(w)+2 <= len(buf) {
				w = utf8.AppendRune(w, cyrTab[r-0x400].lower)
			} else {
				w = buf[:len(buf)] // too long for any listed word
			}
			i += n
		}
		switch langWords[string(w)] {
		case LangUzbek:
			uz++
		case LangRussian:
			ru++
		}
	}
	if ru > uz {
		return LangRussian
	}
	return LangUzbek
}

var langWords = map[string]Lang{
	"и": LangRussian, "в": LangRussian, "на": LangRussian, "по": LangRussian,
	"для": LangRussian, "от": LangRussian, "город": LangRussian, "область": LangRussian,
	"район": LangRussian, "улица": LangRussian, "республика": LangRussian, "г": LangRussian,
	"ва": LangUzbek, "билан": LangUzbek, "учун": LangUzbek, "вилояти": LangUzbek,
	"шаҳри": LangUzbek, "тумани": LangUzbek, "кўчаси": LangUzbek, "ҳам": LangUzbek,
}
