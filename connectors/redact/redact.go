// Package redact removes personal identifiers from text before it leaves
// the request that brought it: before it is stored, put on Kafka, written
// into a handoff ticket or sent to an LLM. It knows the Uzbek and Russian
// forms people actually type:
//
//   - passports and ID cards: two series letters, Latin or Cyrillic, and
//     seven digits, spaced or not (AA1234567, АА 123 45 67, AB-1234567,
//     AC №1234567);
//   - PINFL (JShShIR), the 14-digit personal number, grouped any way;
//   - phone numbers: +998 and 998 forms in any grouping, foreign numbers
//     written with +, and the nine-digit local form (90 123 45 67,
//     (93) 123-45-67, 90.123.45.67, 901234567);
//   - bank cards (Uzcard 8600, Humo 9860, Visa, Mastercard): 13 to 19
//     digits, contiguous or in fours, that pass the Luhn check;
//   - e-mail addresses.
//
// Digits may be separated by spaces, no-break spaces (U+00A0, U+202F,
// U+2007), thin spaces, dashes, dots, underscores, slashes and
// parentheses, be digits of another script, and carry an Uzbek case
// ending glued to them ("AA1234567ni"). One redactor serves every
// surface, so no two parts of Oqim disagree about what is personal.
package redact

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Placeholders that replace what was removed; they tell an operator or a
// model that something was there without carrying it.
const (
	Passport = "[PASSPORT]"
	PINFL    = "[PINFL]"
	Phone    = "[PHONE]"
	Card     = "[CARD]"
	Email    = "[EMAIL]"
)

// Counts says how many identifiers of each kind were removed.
type Counts struct {
	Passport, PINFL, Phone, Card, Email int
}

// Total is the number of identifiers removed.
func (c Counts) Total() int { return c.Passport + c.PINFL + c.Phone + c.Card + c.Email }

// Redactor is safe for concurrent use.
type Redactor struct {
	email *regexp.Regexp
}

// New returns a redactor.
func New() *Redactor {
	return &Redactor{
		// Local part and domain in any script (internationalised
		// addresses exist); the domain needs at least one dot.
		email: regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+`),
	}
}

// Redact returns s with identifiers replaced by placeholders.
func (r *Redactor) Redact(s string) (string, Counts) {
	var c Counts
	if strings.IndexByte(s, '@') >= 0 {
		s = r.email.ReplaceAllStringFunc(s, func(string) string { c.Email++; return Email })
	}
	s = asciiDigits(s)
	if !hasDigit(s) {
		return s, c
	}
	var b strings.Builder
	last := 0 // s[last:] is not yet copied
	for i := 0; i < len(s); {
		start, ok := runStart(s, i)
		if !ok {
			i++
			continue
		}
		groups, end := scanRun(s, start)
		for _, sp := range classifyRun(s, start, groups) {
			b.WriteString(s[last:sp.from])
			b.WriteString(sp.kind.placeholder())
			sp.kind.count(&c)
			last = sp.to
		}
		i = end
	}
	if last == 0 {
		return s, c
	}
	b.WriteString(s[last:])
	return b.String(), c
}

type kind uint8

const (
	kPassport kind = iota + 1
	kPINFL
	kPhone
	kCard
)

func (k kind) placeholder() string {
	switch k {
	case kPassport:
		return Passport
	case kPINFL:
		return PINFL
	case kCard:
		return Card
	}
	return Phone
}

func (k kind) count(c *Counts) {
	switch k {
	case kPassport:
		c.Passport++
	case kPINFL:
		c.PINFL++
	case kCard:
		c.Card++
	default:
		c.Phone++
	}
}

// group is one run of consecutive digits: s[from:to], n digits.
type group struct{ from, to int }

func (g group) n() int { return g.to - g.from }

// span is a stretch of s to replace.
type span struct {
	from, to int
	kind     kind
}

// maxDigits is the longest identifier (a 19-digit card); it bounds the
// work per run, so a text of a million separated digits costs linear time.
const maxDigits = 19

// maxSep is how many separator characters other than spaces may stand
// between two digit groups of one number, as ")" in "(90) 123";
// maxSpaces is how many spaces may stand beside them, as in
// "90 - 123 - 45 - 67".
const (
	maxSep    = 2
	maxSpaces = 2
)

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// asciiDigits writes every decimal digit of another script (full-width
// １２３, Arabic-Indic ١٢٣) as its ASCII digit, so that a number typed
// with them is found too. Text without them is returned as it is.
func asciiDigits(s string) string {
	other := false
	for _, r := range s {
		if r > unicode.MaxASCII && unicode.IsDigit(r) {
			other = true
			break
		}
	}
	if !other {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r > unicode.MaxASCII && unicode.IsDigit(r) {
			return '0' + digitValue(r)
		}
		return r
	}, s)
}

// digitValue is the value of a Unicode decimal digit: each script's
// digits are ten consecutive code points from zero (mathematical digits
// stand in several such sets one after another).
func digitValue(r rune) rune {
	z := r
	for unicode.IsDigit(z - 1) {
		z--
	}
	return (r - z) % 10
}

// isSep reports whether r may stand between the digit groups of one
// number.
func isSep(r rune) bool {
	switch r {
	case ' ', '\t', '-', '.', '(', ')', '_', '/', '\u00a0', '\u202f', '\u2007', '\u2009', '\u2010', '\u2011', '\u2012', '\u2013':
		return true
	}
	return isInvisible(r)
}

// runStart reports whether a number starts at s[i]: a digit that does not
// continue an earlier digit.
func runStart(s string, i int) (int, bool) {
	if !isDigit(s[i]) {
		return 0, false
	}
	return i, i == 0 || !isDigit(s[i-1])
}

// scanRun reads the digit groups of the number starting at s[start] and
// returns them with the offset just past the last one.
func scanRun(s string, start int) ([]group, int) {
	var gs []group
	i := start
	for {
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		gs = append(gs, group{i, j})
		// Look past at most maxSep separators and maxSpaces spaces for
		// the next group.
		k, seps, spaces := j, 0, 0
		for k < len(s) {
			r, size := utf8.DecodeRuneInString(s[k:])
			if !isSep(r) {
				break
			}
			if r == ' ' || r == '\u00a0' {
				if spaces == maxSpaces {
					break
				}
				spaces++
			} else {
				if seps == maxSep {
					break
				}
				seps++
			}
			k += size
		}
		if k == j || k >= len(s) || !isDigit(s[k]) {
			return gs, j
		}
		i = k
	}
}

// classifyRun picks, left to right, the longest stretches of groups that
// form an identifier.
func classifyRun(s string, runFrom int, gs []group) []span {
	var out []span
	for i := 0; i < len(gs); {
		best, bestKind := -1, kind(0)
		digits := 0
		for j := i; j < len(gs); j++ {
			digits += gs[j].n()
			if digits > maxDigits {
				break
			}
			if k := classify(s, gs[i:j+1], digits); k != 0 {
				if bestKind == kPhone && mobileShape(gs[i:best+1]) {
					// "90 123 45 67 93 765 43 21": a phone in its usual
					// grouping, then another; not one PINFL and four
					// digits left over.
					break
				}
				best, bestKind = j, k
			}
		}
		if best < 0 {
			i++
			continue
		}
		sp := span{from: gs[i].from, to: gs[best].to, kind: bestKind}
		sp = widen(s, sp)
		out = append(out, sp)
		i = best + 1
	}
	return out
}

// mobileShape reports groups of 2, 3, 2 and 2 digits, the way a mobile
// number without its country code is written.
func mobileShape(gs []group) bool {
	return len(gs) == 4 && gs[0].n() == 2 && gs[1].n() == 3 && gs[2].n() == 2 && gs[3].n() == 2
}

// widen takes in what belongs to the identifier around its digits: a
// leading + or ( of a phone, a closing ), and a passport's series letters.
func widen(s string, sp span) span {
	switch sp.kind {
	case kPhone:
		if sp.from > 0 && s[sp.from-1] == '(' {
			sp.from--
		}
		if sp.from > 0 && s[sp.from-1] == '+' {
			sp.from--
		} else if sp.from > 1 && s[sp.from-1] == ' ' && s[sp.from-2] == '+' {
			sp.from -= 2
		}
	case kPassport:
		sp.from = seriesStart(s, sp.from)
	}
	return sp
}

// classify says what the groups gs (digits in all) form, or 0.
func classify(s string, gs []group, digits int) kind {
	first, last := gs[0], gs[len(gs)-1]
	if r, _ := utf8.DecodeRuneInString(s[last.to:]); unicode.IsLetter(r) && !caseSuffixAt(s, last.to) {
		// Digits glued to the letters after them are a code such as
		// 0AA…, not the end of an identifier; but Uzbek glues its case
		// endings to a number ("AA1234567ni", "998901234567ga").
		return 0
	}
	plus := hasPlus(s, first.from)
	switch {
	case digits == 12 && strings.HasPrefix(s[first.from:], "998"):
		return kPhone
	case plus && digits >= 10 && digits <= 15:
		return kPhone
	case digits == 14:
		return kPINFL
	case digits >= 13 && digits <= 19 && isCard(s, gs, digits):
		return kCard
	case digits == 9 && !groupedInThrees(gs):
		// 150 000 000 (money grouped in threes) is not a phone.
		return kPhone
	case digits == 7 && !groupedInThrees(gs) && seriesStart(s, first.from) < first.from:
		// A two-letter word before an amount ("da 1 250 000 so'm") is
		// not a series: passports are never grouped in thousands.
		return kPassport
	}
	return 0
}

func hasPlus(s string, at int) bool {
	for k := at - 1; k >= 0 && at-k <= 2; k-- {
		switch s[k] {
		case '+':
			return true
		case ' ', '(':
			continue
		}
		return false
	}
	return false
}

// isCard accepts card numbers as they are printed: four groups of four
// digits, the way every card shows its number, whatever the check digit
// (a mistyped card is still a card), or an Uzcard or Humo number; or
// contiguous, or in fours with a
// shorter last group, when the Luhn check passes.
func isCard(s string, gs []group, digits int) bool {
	if digits == 16 && len(gs) == 4 {
		return gs[0].n() == 4 && gs[1].n() == 4 && gs[2].n() == 4
	}
	if digits == 16 && len(gs) == 1 && (strings.HasPrefix(s[gs[0].from:], "8600") || strings.HasPrefix(s[gs[0].from:], "9860")) {
		// Uzcard and Humo numbers, mistyped or not.
		return true
	}
	if len(gs) > 1 {
		for _, g := range gs[:len(gs)-1] {
			if g.n() != 4 {
				return false
			}
		}
		if gs[len(gs)-1].n() > 4 {
			return false
		}
	}
	return luhn(s, gs)
}

// groupedInThrees reports the thousands grouping of amounts: a first group
// of one to three digits and every later group of three.
func groupedInThrees(gs []group) bool {
	if len(gs) == 1 || gs[0].n() > 3 {
		return false
	}
	for _, g := range gs[1:] {
		if g.n() != 3 {
			return false
		}
	}
	return true
}

func luhn(s string, gs []group) bool {
	sum, double := 0, false
	for gi := len(gs) - 1; gi >= 0; gi-- {
		for k := gs[gi].to - 1; k >= gs[gi].from; k-- {
			d := int(s[k] - '0')
			if double {
				if d *= 2; d > 9 {
					d -= 9
				}
			}
			sum += d
			double = !double
		}
	}
	return sum%10 == 0
}

// seriesStart returns where a passport series ends before at: two letters
// (Latin or Cyrillic, any case) that start a word, then up to three
// separators (space, dash, №, #, colon, slash, an invisible one), and
// optionally a word for "number" between them ("АА № 1234567", "AA N
// 1234567", "серия АА номер 1234567", "seriyasi AA raqami 1234567"). It
// returns at when there is none.
func seriesStart(s string, at int) int {
	k := skipSeriesSeps(s, at)
	if w := numberWordBefore(s[:k]); w > 0 && k-w < at {
		if k2 := skipSeriesSeps(s, k-w); k2 < k-w {
			k = k2
		}
	}
	// With more than one separator or a word for "number" between, the
	// series is written in capitals as passports print it: a small word
	// before a reference number ("ответ на № 1234567", "ta raqami
	// 1234567") is not one.
	wide := utf8.RuneCountInString(s[k:at]) > 1
	from := k
	for n := 0; n < 2; n++ {
		r, size := utf8.DecodeLastRuneInString(s[:from])
		if !seriesLetter(r) || wide && !unicode.IsUpper(r) {
			return at
		}
		from -= size
	}
	if from > 0 {
		if r, _ := utf8.DecodeLastRuneInString(s[:from]); unicode.IsLetter(r) || unicode.IsDigit(r) {
			return at
		}
	}
	return from
}

// skipSeriesSeps steps back over up to three separators before at.
func skipSeriesSeps(s string, at int) int {
	k := at
	for n := 0; n < 3 && k > 0; n++ {
		r, size := utf8.DecodeLastRuneInString(s[:k])
		if !isSeriesSep(r) {
			break
		}
		k -= size
	}
	return k
}

func isSeriesSep(r rune) bool {
	switch r {
	case ' ', '\u00a0', '-', '№', '#', ':', '/', '_', '.':
		return true
	}
	return isInvisible(r)
}

// numberWords are the words for "number" said between a passport's series
// and its number, lower case.
var numberWords = []string{"n", "no", "nr", "номер", "nomer", "raqami", "raqam", "рақами", "рақам", "number", "num"}

// numberWordBefore returns the length of a word for "number" that ends s
// as a whole word, or 0.
func numberWordBefore(s string) int {
	i := len(s)
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		if !unicode.IsLetter(r) {
			break
		}
		i -= size
	}
	word := s[i:]
	if word == "" || !slices.ContainsFunc(numberWords, func(w string) bool { return strings.EqualFold(word, w) }) {
		return 0
	}
	if i > 0 {
		if r, _ := utf8.DecodeLastRuneInString(s[:i]); !isSeriesSep(r) {
			return 0
		}
	}
	return len(s) - i
}

// isInvisible reports the characters that show nothing (zero-width space,
// joiners, word joiner, soft hyphen, byte-order mark), which a pasted
// number may carry between its digits.
func isInvisible(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\u00ad', '\ufeff':
		return true
	}
	return false
}

// caseSuffixes are the Uzbek case and plural endings, Latin and Cyrillic,
// that are written glued to a number.
var caseSuffixes = map[string]bool{
	"ni": true, "ga": true, "ka": true, "qa": true, "da": true, "ta": true, "dan": true, "tan": true,
	"ning": true, "gacha": true, "lik": true, "dagi": true, "ning'": true, "lar": true, "larni": true,
	"ни": true, "га": true, "ка": true, "қа": true, "да": true, "та": true, "дан": true, "тан": true,
	"нинг": true, "гача": true, "лик": true, "даги": true, "лар": true, "ларни": true,
}

// caseSuffixAt reports whether the letters at s[at:] are one of
// caseSuffixes, as a whole word.
func caseSuffixAt(s string, at int) bool {
	end := at
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if !unicode.IsLetter(r) {
			break
		}
		end += size
	}
	return caseSuffixes[strings.ToLower(s[at:end])]
}

func seriesLetter(r rune) bool {
	return (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || (r >= 'А' && r <= 'я') || r == 'Ё' || r == 'ё'
}
