// Package retrieval finds the knowledge-base entries that answer a
// citizen's question. It is a lexical BM25 index built once over the
// entries in all their language forms, with terms that meet across Uzbek
// Latin and Cyrillic, apostrophe variants, Russian and English stems, and
// single-letter typos. Optionally, dense embeddings from an
// OpenAI-compatible server are fused with the lexical ranking (Hybrid).
package retrieval

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/oqim/oqim/models/portalkb"
)

// BM25 parameters. Documents are short (a title, a few keywords, a
// sentence on who may apply), so length normalisation is softened.
const (
	k1 = 1.2
	b  = 0.5
	// fuzzyWeight discounts a term reached through a typo correction.
	fuzzyWeight = 0.7
	// minFuzzyLen is the shortest word corrected for typos; shorter words
	// have too many neighbours at one edit.
	minFuzzyLen = 5
)

// Hit is one ranked entry.
type Hit struct {
	Entry *portalkb.Entry
	Score float64
	// Coverage is the share of the query's information (terms weighted by
	// their IDF) that this entry matches, from 0 to 1; a low value means
	// the question is mostly about something else.
	Coverage float64

	entry int32
}

// Result is a ranking with what the query was made of.
type Result struct {
	Hits []Hit
	// Terms is how many content terms the query had after stop words.
	Terms int
	// Known is how many of them the index knows, directly or through a
	// typo correction.
	Known int
	// Unknown is how many words of the query the index knows in none of
	// their forms: things the knowledge base does not name.
	Unknown int
}

type posting struct {
	doc    int32
	impact float32 // idf * saturated term frequency, precomputed
}

// Index is an immutable BM25 index over a knowledge base; it is safe for
// concurrent use.
type Index struct {
	kb       *portalkb.KB
	vocab    map[string]int32
	idf      []float32
	postings [][]posting
	docEntry []int32 // document → entry index
	nEntries int
	// prior scales an entry's score by its kind (see kindPrior).
	prior  []float32
	maxIDF float32
	// deletes maps every one-letter deletion of a vocabulary term (and the
	// term itself) to the terms it came from: a symmetric-delete typo
	// index, so a query word is corrected with a few map lookups rather
	// than a scan of the vocabulary.
	deletes map[string][]int32
	terms   []string

	scratch sync.Pool
}

// Word states in a query, for coverage.
const (
	wordUnseen  = iota // only stop words, or a repeat
	wordUnknown        // none of its terms is in the vocabulary
	wordKnown
)

type scratch struct {
	scores  []float32
	entries []float32
	terms   []string
	words   []int32  // the word each term came from
	raws    []string // per word, the word in lower case (see termsOfWords)
	buf     strings.Builder
	known   []uint8 // per word: wordUnseen, wordUnknown or wordKnown
	qterms  []qterm
	cands   []int32
}

type qterm struct {
	id     int32
	weight float32
}

// fields of an entry that are indexed, with their repetition weight. The
// service text beyond title, keywords and audience is shared template
// wording, which would only add noise; FAQ entries are hand written, so
// all their text counts.
func docText(e *portalkb.Entry, lang portalkb.Lang) string {
	c := e.In(lang)
	var sb strings.Builder
	add := func(s string, times int) {
		for i := 0; i < times; i++ {
			sb.WriteString(s)
			sb.WriteString(" \n ")
		}
	}
	add(c.Title, 3)
	add(strings.Join(c.Keywords, " \n "), 2)
	if e.Kind == portalkb.KindNotification {
		// The rest of a notification is template text (OneID, personal
		// account, the app) shared by all 19, which would only pull
		// questions about the portal itself towards them.
		return sb.String()
	}
	add(c.Who, 1)
	if e.Kind == portalkb.KindFAQ {
		add(c.What, 1)
		add(c.HowToApply, 1)
	}
	return sb.String()
}

// kindPrior discounts life-event notifications: each is about a service
// (a sanatorium queue, school enrolment, a utility debt) that usually has
// its own entry, and a citizen asking in those words wants the service, so
// on a near tie the service ranks first.
func kindPrior(k portalkb.Kind) float32 {
	if k == portalkb.KindNotification {
		return 0.85
	}
	return 1
}

// indexedLangs are the forms indexed per entry. uz-Cyrl is left out because
// it is transliterated from uz-Latn and meets it on the same terms.
var indexedLangs = []portalkb.Lang{portalkb.UzLatn, portalkb.Ru, portalkb.En}

// New builds the index over kb.
func New(kb *portalkb.KB) *Index {
	ix := &Index{kb: kb, vocab: map[string]int32{}, nEntries: len(kb.Entries), prior: make([]float32, len(kb.Entries))}
	for i := range kb.Entries {
		ix.prior[i] = kindPrior(kb.Entries[i].Kind)
	}
	type tf struct {
		term int32
		n    int
	}
	var docs [][]tf
	var lens []int
	var buf []string
	for ei := range kb.Entries {
		for _, l := range indexedLangs {
			buf = Terms(buf[:0], docText(&kb.Entries[ei], l))
			counts := map[int32]int{}
			for _, t := range buf {
				id, ok := ix.vocab[t]
				if !ok {
					id = int32(len(ix.terms))
					ix.vocab[t] = id
					ix.terms = append(ix.terms, t)
				}
				counts[id]++
			}
			d := make([]tf, 0, len(counts))
			for id, n := range counts {
				d = append(d, tf{id, n})
			}
			docs = append(docs, d)
			lens = append(lens, len(buf))
			ix.docEntry = append(ix.docEntry, int32(ei))
		}
	}
	nd := float64(len(docs))
	var sumLen float64
	for _, l := range lens {
		sumLen += float64(l)
	}
	avg := sumLen / nd
	df := make([]int, len(ix.terms))
	for _, d := range docs {
		for _, t := range d {
			df[t.term]++
		}
	}
	ix.idf = make([]float32, len(ix.terms))
	for i, n := range df {
		ix.idf[i] = float32(math.Log(1 + (nd-float64(n)+0.5)/(float64(n)+0.5)))
		ix.maxIDF = max(ix.maxIDF, ix.idf[i])
	}
	ix.postings = make([][]posting, len(ix.terms))
	for di, d := range docs {
		norm := k1 * (1 - b + b*float64(lens[di])/avg)
		for _, t := range d {
			f := float64(t.n)
			ix.postings[t.term] = append(ix.postings[t.term], posting{
				doc:    int32(di),
				impact: ix.idf[t.term] * float32(f*(k1+1)/(f+norm)),
			})
		}
	}
	ix.deletes = map[string][]int32{}
	for id, t := range ix.terms {
		if len([]rune(t)) < minFuzzyLen {
			continue
		}
		for _, d := range deletes1(t) {
			ix.deletes[d] = append(ix.deletes[d], int32(id))
		}
	}
	ix.scratch.New = func() any {
		return &scratch{scores: make([]float32, len(docs)), entries: make([]float32, ix.nEntries)}
	}
	return ix
}

// KB returns the knowledge base the index was built over.
func (ix *Index) KB() *portalkb.KB { return ix.kb }

// Len is the number of entries.
func (ix *Index) Len() int { return ix.nEntries }

// deletes1 returns s and every string made by deleting one rune of s.
func deletes1(s string) []string {
	rs := []rune(s)
	out := make([]string, 0, len(rs)+1)
	out = append(out, s)
	for i := range rs {
		out = append(out, string(rs[:i])+string(rs[i+1:]))
	}
	return out
}

// Search ranks the entries for query and returns the best k.
func (ix *Index) Search(ctx context.Context, query string, k int) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	s := ix.scratch.Get().(*scratch)
	defer ix.scratch.Put(s)
	res := ix.search(s, query, k)
	return res, nil
}

func (ix *Index) search(s *scratch, query string, k int) Result {
	s.terms, s.words, s.raws = termsOfWords(s.terms[:0], s.words[:0], s.raws[:0], true, query)
	s.qterms = s.qterms[:0]
	var res Result
	var totalIDF float32
	// A word yields up to two terms (its Uzbek form and a stem): it is
	// known when either is, and counts against coverage as unknown only
	// when neither is, so an Uzbek word whose English "stem" is noise is
	// not penalised. A repeated term counts once.
	s.known = s.known[:0]
	for i, t := range s.terms {
		w := s.words[i]
		for int(w) >= len(s.known) {
			s.known = append(s.known, wordUnseen)
		}
		if slices.Contains(s.terms[:i], t) {
			continue
		}
		res.Terms++
		if s.known[w] == wordUnseen {
			s.known[w] = wordUnknown
		}
		if id, ok := ix.vocab[t]; ok {
			s.qterms = append(s.qterms, qterm{id, 1})
			totalIDF += ix.idf[id]
			res.Known++
			s.known[w] = wordKnown
			continue
		}
		s.cands = ix.fuzzy(s.cands[:0], t)
		if len(s.cands) == 0 {
			continue
		}
		res.Known++
		s.known[w] = wordKnown
		var best float32
		for _, c := range s.cands {
			s.qterms = append(s.qterms, qterm{c, fuzzyWeight})
			best = max(best, ix.idf[c])
		}
		totalIDF += best * fuzzyWeight
	}
	for w, k := range s.known {
		if k != wordUnknown {
			continue
		}
		// A number the knowledge base does not hold (an age, a year, a
		// count of days) says nothing about which service is asked for,
		// unlike an unknown word, which often names the subject.
		raw := s.raws[w]
		if isNumber(raw) {
			continue
		}
		// Russian typed in Latin letters: its stem may be known.
		if latinWord(raw) {
			if id, ok := ix.vocab[russianOfLatin(&s.buf, raw)]; ok && !slices.ContainsFunc(s.qterms, func(q qterm) bool { return q.id == id }) {
				s.qterms = append(s.qterms, qterm{id, 1})
				totalIDF += ix.idf[id]
				res.Known++
				s.known[w] = wordKnown
				continue
			}
		}
		res.Unknown++
		// An unknown word counts against coverage at 1.5 times the
		// weight of the rarest term: the knowledge base lacks what it
		// names (divorce, guardianship), so an entry that matches only
		// the rest of the question is probably about something else.
		// On the tuning questions 1 / 1.5 / 2 answered 62 / 25 / 25% of
		// the uncovered ones from a wrong entry and 95.9 / 95.4 / 94.3%
		// of the covered ones right.
		if verbLike(&s.buf, raw) {
			totalIDF += ix.maxIDF * verbPenalty
		} else {
			totalIDF += ix.maxIDF * 1.5
		}
	}
	clear(s.scores)
	for _, q := range s.qterms {
		for _, p := range ix.postings[q.id] {
			s.scores[p.doc] += p.impact * q.weight
		}
	}
	// An entry scores as its best language form.
	clear(s.entries)
	for d, sc := range s.scores {
		e := ix.docEntry[d]
		s.entries[e] = max(s.entries[e], sc*ix.prior[e])
	}
	res.Hits = ix.topK(s, k)
	for i := range res.Hits {
		res.Hits[i].Coverage = ix.coverage(s, res.Hits[i].entry, totalIDF)
	}
	return res
}

func (ix *Index) topK(s *scratch, k int) []Hit {
	if k <= 0 {
		return nil
	}
	hits := make([]Hit, 0, k+1)
	for e, sc := range s.entries {
		if sc <= 0 {
			continue
		}
		if len(hits) == k && float64(sc) <= hits[k-1].Score {
			continue
		}
		h := Hit{Entry: &ix.kb.Entries[e], Score: float64(sc), entry: int32(e)}
		i := sort.Search(len(hits), func(i int) bool { return hits[i].Score < h.Score })
		hits = slices.Insert(hits, i, h)
		if len(hits) > k {
			hits = hits[:k]
		}
	}
	return hits
}

// coverage is the IDF share of the query's terms that entry ei contains in
// its best-matching language form.
func (ix *Index) coverage(s *scratch, ei int32, totalIDF float32) float64 {
	if totalIDF == 0 {
		return 0
	}
	bestDoc, best := int32(-1), float32(-1)
	for d, de := range ix.docEntry {
		if de == ei && s.scores[d] > best {
			bestDoc, best = int32(d), s.scores[d]
		}
	}
	var got float32
	var lastID int32 = -1
	for _, q := range s.qterms {
		ps := ix.postings[q.id]
		i := sort.Search(len(ps), func(i int) bool { return ps[i].doc >= bestDoc })
		if i < len(ps) && ps[i].doc == bestDoc && q.id != lastID {
			got += ix.idf[q.id] * q.weight
			lastID = q.id
		}
	}
	return min(1, float64(got/totalIDF))
}

// fuzzy appends the vocabulary terms one edit away from t (insertion,
// deletion, substitution, or a transposition of neighbours).
func (ix *Index) fuzzy(dst []int32, t string) []int32 {
	rs := []rune(t)
	if len(rs) < minFuzzyLen {
		return dst
	}
	var b strings.Builder
	look := func(key string) {
		for _, id := range ix.deletes[key] {
			if !slices.Contains(dst, id) && withinOneEdit(rs, ix.terms[id]) {
				dst = append(dst, id)
			}
		}
	}
	look(t)
	for i := range rs {
		b.Reset()
		b.WriteString(string(rs[:i]))
		b.WriteString(string(rs[i+1:]))
		look(b.String())
	}
	return dst
}

// withinOneEdit reports whether a and b differ by at most one insertion,
// deletion, substitution or adjacent transposition.
func withinOneEdit(a []rune, bs string) bool {
	b := []rune(bs)
	la, lb := len(a), len(b)
	if la-lb > 1 || lb-la > 1 {
		return false
	}
	i := 0
	for i < la && i < lb && a[i] == b[i] {
		i++
	}
	if i == la && i == lb {
		return true
	}
	switch {
	case la == lb:
		if string(a[i+1:]) == string(b[i+1:]) {
			return true
		}
		return i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && string(a[i+2:]) == string(b[i+2:])
	case la > lb:
		return string(a[i+1:]) == string(b[i:])
	default:
		return string(a[i:]) == string(b[i+1:])
	}
}

// NewDefault builds the index over the embedded knowledge base.
func NewDefault() (*Index, error) {
	kb, err := portalkb.Default()
	if err != nil {
		return nil, err
	}
	return New(kb), nil
}

var verbPenalty float32 = 0.5

// isNumber reports whether w is digits only.
func isNumber(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}
