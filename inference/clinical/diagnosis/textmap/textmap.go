// Package textmap maps clinical free text (notes, transcripts) in Uzbek
// (Latin or Cyrillic), Russian or English to evidences of the diagnostic
// knowledge base. The offline mode uses a lexicon with fuzzy matching and
// negation detection; LLMExtractor asks an OpenAI-compatible model and
// keeps only evidences the knowledge base knows.
package textmap

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/oqim/oqim/models/ddxplus"
)

//go:embed lexicon.txt
var lexiconText []byte

// Match is one evidence found in the text.
type Match struct {
	Evidence string // evidence code
	Value    string // value code for categorical and multi-choice evidences
	Present  bool   // false when the text negates it
	Phrase   string // the words of the text that matched
	Start    int    // byte offsets of Phrase in the text
	End      int
}

// Mapper finds evidences in text. It is immutable and safe for concurrent
// use.
type Mapper struct {
	terms []term
	sites []siteTerm
	// categorical maps each categorical evidence to its default value:
	// the engine takes one value of such an evidence.
	categorical map[string]string
}

type finding struct{ evidence, value string }

type term struct {
	words    []string
	verb     bool // the last word is an Uzbek verb stem
	family   bool // said of a relative: only in a sentence about the family
	findings []finding
}

// New builds a mapper from the embedded lexicon and the names of kb's
// yes/no evidences. Every code of the lexicon must exist in kb.
func New(kb *ddxplus.KB) (*Mapper, error) {
	byPhrase := map[string]*term{}
	var order []string
	add := func(phrase string, fs []finding, family bool) {
		words, verb := phraseWords(phrase)
		if len(words) == 0 {
			return
		}
		key := strings.Join(words, " ")
		if verb {
			key += "~"
		}
		if family {
			key = "family " + key
		}
		t, ok := byPhrase[key]
		if !ok {
			t = &term{words: words, verb: verb, family: family}
			byPhrase[key] = t
			order = append(order, key)
		}
		for _, f := range fs {
			if !containsFinding(t.findings, f) {
				t.findings = append(t.findings, f)
			}
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(lexiconText))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		codes, phrases, ok := strings.Cut(line, " | ")
		if !ok {
			return nil, fmt.Errorf("textmap: lexicon.txt:%d: want \"findings | phrases\"", n)
		}
		var fs []finding
		codes, family := strings.CutPrefix(codes, "family ")
		if codes == "none" {
			// Words that read as nothing, so that no shorter phrase
			// inside them is read: "подъём тяжести" (lifting) holds
			// "тяжесть" (a heavy pain).
			codes = ""
		}
		for _, c := range strings.Fields(codes) {
			code, value, _ := strings.Cut(c, "=")
			i, ok := kb.EvidenceIndex(code)
			if !ok {
				return nil, fmt.Errorf("textmap: lexicon.txt:%d: unknown evidence %q", n, code)
			}
			ev := &kb.Evidences[i]
			if (ev.Type == ddxplus.Binary) != (value == "") || (value != "" && ev.ValueIndex(value) < 0) {
				return nil, fmt.Errorf("textmap: lexicon.txt:%d: bad value %q for evidence %s", n, value, code)
			}
			fs = append(fs, finding{code, value})
		}
		for _, p := range strings.Split(phrases, ";") {
			add(p, fs, family)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("textmap: lexicon: %w", err)
	}
	// The names of yes/no evidences are phrases too, when short enough to
	// be said in a note.
	for _, ev := range kb.Evidences {
		if ev.Type != ddxplus.Binary {
			continue
		}
		for _, name := range []string{ev.Name.En, ev.Name.Uz, ev.Name.Ru} {
			if len(strings.Fields(name)) <= 3 && !strings.ContainsAny(name, ",()") {
				add(name, []finding{{ev.Code, ""}}, false)
			}
		}
	}
	sites, err := loadSites(kb)
	if err != nil {
		return nil, err
	}
	m := &Mapper{sites: sites, categorical: map[string]string{}}
	for _, ev := range kb.Evidences {
		if ev.Type == ddxplus.Categorical {
			m.categorical[ev.Code] = ev.Default
		}
	}
	for _, k := range order {
		m.terms = append(m.terms, *byPhrase[k])
	}
	return m, nil
}

func hasValues(fs []finding) bool {
	for _, f := range fs {
		if f.value != "" {
			return true
		}
	}
	return false
}

func containsFinding(fs []finding, f finding) bool {
	for _, g := range fs {
		if g == f {
			return true
		}
	}
	return false
}

func phraseWords(p string) ([]string, bool) {
	p = strings.TrimSpace(p)
	verb := strings.HasSuffix(p, "~")
	p = strings.TrimSuffix(p, "~")
	var words []string
	for _, t := range tokenize(p) {
		if !t.boundary && t.norm != "" {
			words = append(words, t.norm)
		}
	}
	return words, verb
}

// Negation cues, in normalised form. Pre-cues negate what follows them
// ("нет температуры", "no fever", "denies cough"); post-cues what precedes
// them ("isitma yo'q", "температуры нет").
var (
	preNegation = map[string]bool{
		"no": true, "not": true, "denies": true, "denied": true, "deny": true, "without": true,
		"negative": true, "never": true, "nor": true, "ne": true, "net": true, "netu": true,
		"bez": true, "otritsaet": true, "otritsayet": true, "hech": true,
	}
	postNegation = map[string]bool{
		"ne": true, "yo'q": true, "yoq": true, "yo'qligi": true, "emas": true, "net": true, "netu": true,
		"absent": true, "denied": true, "negative": true, "kuzatilmadi": true, "kuzatilmaydi": true,
		"aniqlanmadi": true, "otsutstvuet": true, "otsutstvuyut": true,
	}
)

const (
	preScope  = 3 // words between a pre-cue and the phrase it negates
	postScope = 2 // words between a phrase and the post-cue that negates it
)

// Extract implements Extractor with the lexicon; it never fails.
func (m *Mapper) Extract(_ context.Context, text string) (*Extraction, error) {
	return &Extraction{Matches: m.Map(text)}, nil
}

// Map returns the evidences named in text. When an evidence is both
// affirmed and negated, the affirmation wins: a missed symptom costs more
// than a superfluous question.
func (m *Mapper) Map(text string) []Match {
	toks := tokenize(text)
	type cand struct {
		t          *term
		start, end int // token range [start, end)
		negVerb    bool
		typos      int
	}
	var cands []cand
	family := familySentences(text, toks)
	// The terms whose first word a word matches, worked out once per
	// distinct word: fuzzy matching against every term at every token
	// cost tens of microseconds a token.
	starts := map[string][]int32{}
	for i := range toks {
		if toks[i].boundary {
			continue
		}
		first, ok := starts[toks[i].norm]
		if !ok {
			first = m.firstWordMatches(toks[i].norm)
			starts[toks[i].norm] = first
		}
		for _, ti := range first {
			t := &m.terms[ti]
			if t.family && !family[i] {
				continue
			}
			if end, neg, typos, ok := matchAt(toks, i, t); ok {
				cands = append(cands, cand{t, i, end, neg, typos})
			}
		}
	}
	// Longest phrases first, then leftmost; each word belongs to one phrase.
	sort.SliceStable(cands, func(a, b int) bool {
		// What a sentence says of a relative is not the patient's own.
		if fa, fb := cands[a].t.family, cands[b].t.family; fa != fb {
			return fa
		}
		la, lb := len(cands[a].t.words), len(cands[b].t.words)
		if la != lb {
			return la > lb
		}
		if cands[a].start != cands[b].start {
			return cands[a].start < cands[b].start
		}
		// Of two phrases on the same words, the one written as said wins
		// over one reached through a forgiven typo ("po'st tashlaydi",
		// it peels, is not "po'st tashlamaydi", it does not).
		if cands[a].typos != cands[b].typos {
			return cands[a].typos < cands[b].typos
		}
		// "yo'talmayapti" is the verb stem with -ma-, not the noun.
		return cands[a].negVerb && !cands[b].negVerb
	})
	used := make([]bool, len(toks))
	var out []Match
	for _, c := range cands {
		free := true
		for k := c.start; k < c.end; k++ {
			free = free && !used[k]
		}
		if !free {
			continue
		}
		for k := c.start; k < c.end; k++ {
			used[k] = true
		}
		negated := c.negVerb || negatedAt(toks, c.start, c.end)
		if negated && hasValues(c.t.findings) {
			continue // "no chest pain" says nothing about pain elsewhere
		}
		for _, f := range c.t.findings {
			if f.evidence == feverEvidence && !negated && (normalTemperatureAfter(text[toks[c.end-1].end:]) || saidNormal(toks, c.start, c.end)) {
				// "температура 36,6" is a measured normal temperature, and
				// "температура нормальная" one said to be: no fever, as
				// "температуры нет" is.
				negated = true
			}
			out = append(out, Match{
				Evidence: f.evidence, Value: f.value, Present: !negated,
				Phrase: text[toks[c.start].start:toks[c.end-1].end],
				Start:  toks[c.start].start, End: toks[c.end-1].end,
			})
		}
	}
	out = append(out, m.findSites(text, toks, used)...)
	out = append(out, readScales(text, toks)...)
	sort.SliceStable(out, func(a, b int) bool { return out[a].Start < out[b].Start })
	return m.oneValue(resolve(out))
}

// firstWordMatches lists the terms whose first word matches word as
// matchAt would compare it.
func (m *Mapper) firstWordMatches(word string) []int32 {
	var out []int32
	for ti := range m.terms {
		t := &m.terms[ti]
		if wordMatches(t.words[0], word, t.verb && len(t.words) == 1) {
			out = append(out, int32(ti))
		}
	}
	return out
}

// resolve keeps one match per evidence and value: affirmed over negated,
// then the first.
func resolve(ms []Match) []Match {
	idx := map[finding]int{}
	var out []Match
	for _, m := range ms {
		k := finding{m.Evidence, m.Value}
		if i, ok := idx[k]; ok {
			if m.Present && !out[i].Present {
				out[i] = m
			}
			continue
		}
		idx[k] = len(out)
		out = append(out, m)
	}
	return out
}

// matchAt matches t at token i, allowing one extra word between the words
// of a phrase ("боль в области груди"). It returns the end of the match,
// whether an Uzbek verb stem carried the negative -ma-, and how many words
// matched only by forgiving a typo.
func matchAt(toks []token, i int, t *term) (end int, negVerb bool, typos int, ok bool) {
	k := i
	for wi, w := range t.words {
		if wi > 0 && k < len(toks) && !toks[k].boundary && !preNegation[toks[k].norm] && !postNegation[toks[k].norm] &&
			!wordMatches(w, toks[k].norm, t.verb && wi == len(t.words)-1) {
			k++ // skip one filler word, never a negation ("глаза не уводит")
		}
		if k >= len(toks) || toks[k].boundary {
			return 0, false, 0, false
		}
		last := wi == len(t.words)-1
		if !wordMatches(w, toks[k].norm, t.verb && last) {
			return 0, false, 0, false
		}
		if !strings.HasPrefix(toks[k].norm, w) {
			typos++
		}
		if t.verb && last {
			negVerb = strings.HasPrefix(strings.TrimPrefix(toks[k].norm, w), "ma")
		}
		k++
	}
	return k, negVerb, typos, true
}

// wordMatches compares a lexicon word with a word of the text. Words of
// four letters or more match as prefixes (Uzbek and Russian endings);
// from five letters they forgive one typo, two from eight letters, but
// never in the first letter, where a change makes another word more often
// than a slip of the hand ("kundan", since the day, is not "tunda", at
// night); shorter words must match exactly, give or take a two-letter
// ending.
func wordMatches(lex, word string, stem bool) bool {
	if lex == word {
		return true
	}
	n := utf8.RuneCountInString(lex)
	if stem {
		return strings.HasPrefix(word, lex)
	}
	if n <= 3 {
		return strings.HasPrefix(word, lex) && utf8.RuneCountInString(word)-n <= 2
	}
	if strings.HasPrefix(word, lex) {
		return true
	}
	if n == 4 {
		// A typo in a four-letter word makes another word too often
		// across the three languages ("pale" and "palm", "плече").
		return false
	}
	if l, w := firstRune(lex), firstRune(word); l != w && !sameSound(l, w) {
		return false
	}
	if realWord(word) {
		return false
	}
	if uzNegative(lex) != uzNegative(word) {
		// Uzbek negates a verb with -ma- ("tarqalmaydi", does not
		// spread): a typo forgiven there would read "tarqaladi", it
		// spreads, as its denial.
		return false
	}
	allowed := 1
	if n >= 8 {
		allowed = 2
	}
	return prefixDistance(lex, word, allowed) <= allowed
}

// realWords are stems of everyday words (in normalised spelling) that lie
// one edit from a lexicon word: forgiven as typos they would invent
// findings, and summaries use them all the time. "o'tirganda" (when
// sitting) read as "o'tkir", a sharp pain; "больнице" (in hospital), as
// "болит", it hurts; "kasalligi" (disease) as "кашль", a cough;
// "аллергологический" (of the allergy history) as "аллерген".
var realWords = [...]string{"o'tir", "bolnits", "kasal", "allergolog"}

// realWord reports a word of realWords, never taken for a typo.
func realWord(w string) bool {
	for _, r := range realWords {
		if strings.HasPrefix(w, r) {
			return true
		}
	}
	return false
}

// uzNegative reports an Uzbek verb form with the negative -ma-.
func uzNegative(w string) bool {
	for _, e := range [...]string{"maydi", "madi", "magan", "masin", "maslik", "mayap", "maymiz", "maysiz", "mang"} {
		if strings.Contains(w, e) {
			return true
		}
	}
	return false
}

// sameSound reports letters Uzbek writers exchange at a word's start as
// anywhere: h and x (ҳ and х, a Russian keyboard having only х), q and k.
func sameSound(a, b rune) bool {
	pair := func(x, y rune) bool { return a == x && b == y || a == y && b == x }
	return pair('h', 'x') || pair('q', 'k')
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// prefixDistance is the smallest edit distance between a and any prefix of
// b, counting an adjacent transposition as one edit; once it is sure to
// exceed limit it stops, with a number above limit. This is what a text's
// every distinct word is compared with, term by term: ASCII words (the
// whole lexicon, nearly every normalised word) go byte by byte and the
// rows of short ones live on the stack.
func prefixDistance(a, b string, limit int) int {
	if isASCII(a) && isASCII(b) {
		return prefixEdits([]byte(a), []byte(b), limit)
	}
	return prefixEdits([]rune(a), []rune(b), limit)
}

func prefixEdits[E byte | rune](a, b []E, limit int) int {
	if len(b) > len(a)+2 {
		b = b[:len(a)+2]
	}
	// Three rows of the table; short words' on the stack.
	var stack [3 * stackRow]int
	w := len(b) + 1
	buf := stack[:]
	if 3*w > len(buf) {
		buf = make([]int, 3*w)
	}
	prev2, prev, cur := buf[:w], buf[w:2*w], buf[2*w:3*w]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return rowMin // a row's least value never falls in the rows after it
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return slices.Min(prev)
}

// stackRow is the longest table row prefixEdits keeps on the stack.
const stackRow = 48

// negatedAt looks for a negation cue around tokens [start, end) within the
// same clause.
func negatedAt(toks []token, start, end int) bool {
	for k, n := start-1, 0; k >= 0 && n <= preScope && !toks[k].boundary; k, n = k-1, n+1 {
		if preNegation[toks[k].norm] {
			return true
		}
	}
	for k, n := end, 0; k < len(toks) && n <= postScope && !toks[k].boundary; k, n = k+1, n+1 {
		if postNegation[toks[k].norm] {
			// Russian "не" after a phrase negates it only as "не повышена",
			// "не было", "не отмечается": otherwise it belongs to a verb
			// ("боль не проходит").
			if toks[k].norm == "ne" && !negatesSubject(toks, k+1) {
				continue
			}
			return true
		}
	}
	return false
}

func negatesSubject(toks []token, k int) bool {
	if k >= len(toks) || toks[k].boundary {
		return false
	}
	for _, p := range []string{"povish", "bil", "otmecha", "bespoko", "nablyuda", "vyyavl", "viyavl"} {
		if strings.HasPrefix(toks[k].norm, p) {
			return true
		}
	}
	return false
}

// oneValue keeps one value of each categorical evidence: the first that
// is not the default ("travelled to Europe" over "not abroad"), else the
// first.
func (m *Mapper) oneValue(ms []Match) []Match {
	pick := map[string]int{}
	for i, x := range ms {
		def, ok := m.categorical[x.Evidence]
		if !ok || x.Value == "" || !x.Present {
			continue
		}
		j, seen := pick[x.Evidence]
		if !seen || (ms[j].Value == def && x.Value != def) {
			pick[x.Evidence] = i
		}
	}
	out := ms[:0:0]
	for i, x := range ms {
		if j, ok := pick[x.Evidence]; ok && x.Value != "" && x.Present && j != i {
			continue
		}
		out = append(out, x)
	}
	return out
}

// feverEvidence is DDXPlus's fever, felt or measured.
const feverEvidence = "E_91"

// measuredTemperature is a body temperature said right after the word for
// it, "тела"/"tana"/"body" allowed between: "36,6", ": 36.8", "- 37",
// "до 38,5" (up to).
var measuredTemperature = regexp.MustCompile(`^\s*(?:(?:тела|tela|tana|body)\s+)?[:=\-–]?\s*(?:до\s+|up to\s+)?(3[4-9]|4[0-2])(?:[.,](\d+)|\s(\d)\b)?\b`)

// laterTemperature is any further value in the same sentence: the top of a
// range ("37-38", "37 to 39", "37,2 - 38 gacha") or an evening's "до 38,2".
var laterTemperature = regexp.MustCompile(`(?:^|[^\d.,])(3[4-9]|4[0-2])(?:[.,](\d+)|\s(\d)\b)?\b`)

// duration is a count of time after a number: "36 часов" is how long.
var duration = regexp.MustCompile(`^\s*(час|сут|дн|день|дня|недел|мес|лет|год|soat|kun|hafta|oy\b|yil|hour|h\b|day|week|month|year|min|мин)`)

// saidNormal reports a word of normality right before the phrase
// [start, end) or right after it: "нормальная температура", "температура
// в норме", "harorat me'yorida", "normal temperature". A negation ("не
// нормальная") or a verb of normalising ("не нормализуется") keeps the
// fever, and a normal word further on is about something else ("fever
// despite normal white count").
func saidNormal(toks []token, start, end int) bool {
	normal := func(w string) bool {
		return hasAnyPrefix(w, "norm", "me'yor", "meyor") && !hasAnyPrefix(w, "normaliz", "normalis")
	}
	if start > 0 && !toks[start-1].boundary && normal(toks[start-1].norm) && !(start > 1 && preNegation[toks[start-2].norm]) {
		return true
	}
	k := end
	if k < len(toks) && !toks[k].boundary && (toks[k].norm == "v" || toks[k].norm == "in") {
		k++ // "в норме"
	}
	return k < len(toks) && !toks[k].boundary && normal(toks[k].norm)
}

// normalTemperatureAfter reports a measured temperature under 37.5 °C at
// the start of rest, with no value at or over 37.5 later in its sentence.
func normalTemperatureAfter(rest string) bool {
	if end := strings.IndexAny(rest, ";!?\n"); end >= 0 {
		rest = rest[:end]
	}
	if end := strings.Index(rest, ". "); end >= 0 {
		rest = rest[:end]
	}
	loc := measuredTemperature.FindStringSubmatchIndex(rest)
	if loc == nil || duration.MatchString(rest[loc[1]:]) {
		return false
	}
	if degreesAt(rest, loc) >= 37.5 {
		return false
	}
	for _, l := range laterTemperature.FindAllStringSubmatchIndex(rest[loc[1]:], -1) {
		off := loc[1]
		if duration.MatchString(rest[off+l[1]:]) {
			continue
		}
		if degreesAt(rest[off:], l) >= 37.5 {
			return false
		}
	}
	return true
}

// degreesAt is the temperature matched at the submatch indexes of loc:
// the whole degrees and, when loc[4] >= 0, the decimals; or, when
// loc[6] >= 0, one digit after a space, the tenths a recogniser writes
// for "тридцать семь восемь" ("37 8" is 37.8, a fever, not 37).
func degreesAt(s string, loc []int) float64 {
	n := s[loc[2]:loc[3]]
	switch {
	case loc[4] >= 0:
		n += "." + s[loc[4]:loc[5]]
	case len(loc) > 7 && loc[6] >= 0:
		n += "." + s[loc[6]:loc[7]]
	}
	v, _ := strconv.ParseFloat(n, 64)
	return v
}
