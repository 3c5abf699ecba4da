// Package eval measures how often the chatbot's retrieval puts the right
// knowledge-base entry first (top-1) or among the first three (top-3) on
// a file of citizen questions.
//
// The file is JSON Lines, one question per line:
//
//	{"question": "QQSni qanday qaytarib olaman?", "expected": ["annex4-3"], "lang": "uz-Latn"}
//
// "expected" lists every entry that answers the question (two services of
// the decree are sometimes the same service in two annexes); a hit on any
// of them counts. "lang" is optional and only groups the report.
package eval

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/oqim/oqim/inference/chatbot/retrieval"
)

// Searcher ranks entries for a question; *retrieval.Index and
// *retrieval.Hybrid implement it.
type Searcher interface {
	Search(ctx context.Context, query string, k int) (retrieval.Result, error)
}

// Options configure Run.
type Options struct {
	// Questions is the JSONL file to read. Ignored when Reader is set.
	Questions string
	// Reader supplies the JSONL directly.
	Reader io.Reader
	// Searcher is the retrieval under test. Nil means a lexical index over
	// the embedded knowledge base.
	Searcher Searcher
}

// Question is one line of the file.
type Question struct {
	Question string   `json:"question"`
	Expected []string `json:"expected"`
	Lang     string   `json:"lang,omitempty"`
}

// Score is accuracy on a group of questions.
type Score struct {
	Top1 float64 `json:"top1"`
	Top3 float64 `json:"top3"`
	N    int     `json:"n"`
}

// Miss is a question whose expected entry was not ranked first.
type Miss struct {
	Question string   `json:"question"`
	Lang     string   `json:"lang,omitempty"`
	Expected []string `json:"expected"`
	Got      []string `json:"got"`
	// Rank is the 1-based rank of the first expected entry, 0 if it was
	// not in the top 10.
	Rank int `json:"rank"`
}

// Report is the outcome of Run.
type Report struct {
	Score
	ByLang map[string]Score `json:"by_lang,omitempty"`
	// P99 is the 99th percentile retrieval latency over the questions.
	P99    time.Duration `json:"-"`
	P99Ms  float64       `json:"p99_ms"`
	Misses []Miss        `json:"misses,omitempty"`
}

// Run answers every question and scores the ranking.
func Run(ctx context.Context, opts Options) (Report, error) {
	qs, err := readQuestions(opts)
	if err != nil {
		return Report{}, err
	}
	s := opts.Searcher
	if s == nil {
		ix, err := retrieval.NewDefault()
		if err != nil {
			return Report{}, err
		}
		s = ix
	}
	var rep Report
	type acc struct{ n, t1, t3 int }
	all := acc{}
	by := map[string]*acc{}
	lat := make([]time.Duration, 0, len(qs))
	for _, q := range qs {
		start := time.Now()
		res, err := s.Search(ctx, q.Question, 10)
		if err != nil {
			return Report{}, fmt.Errorf("eval: question %q: %w", q.Question, err)
		}
		lat = append(lat, time.Since(start))
		rank := 0
		var got []string
		for i, h := range res.Hits {
			got = append(got, h.Entry.ID)
			if rank == 0 && slices.Contains(q.Expected, h.Entry.ID) {
				rank = i + 1
			}
		}
		a := by[q.Lang]
		if a == nil {
			a = &acc{}
			by[q.Lang] = a
		}
		for _, x := range []*acc{&all, a} {
			x.n++
			if rank == 1 {
				x.t1++
			}
			if rank >= 1 && rank <= 3 {
				x.t3++
			}
		}
		if rank != 1 {
			rep.Misses = append(rep.Misses, Miss{Question: q.Question, Lang: q.Lang, Expected: q.Expected, Got: got[:min(3, len(got))], Rank: rank})
		}
	}
	score := func(a acc) Score {
		return Score{Top1: float64(a.t1) / float64(a.n), Top3: float64(a.t3) / float64(a.n), N: a.n}
	}
	rep.Score = score(all)
	if len(by) > 1 || (len(by) == 1 && by[""] == nil) {
		rep.ByLang = map[string]Score{}
		for l, a := range by {
			if l != "" {
				rep.ByLang[l] = score(*a)
			}
		}
	}
	slices.Sort(lat)
	rep.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
	rep.P99Ms = float64(rep.P99.Microseconds()) / 1000
	return rep, nil
}

func readQuestions(opts Options) ([]Question, error) {
	r := opts.Reader
	name := "questions"
	if r == nil {
		if opts.Questions == "" {
			return nil, errors.New("eval: no questions file given")
		}
		f, err := os.Open(opts.Questions)
		if err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		defer f.Close()
		r, name = f, opts.Questions
	}
	var qs []Question
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var q Question
		if err := json.Unmarshal(b, &q); err != nil {
			return nil, fmt.Errorf("eval: %s line %d: %w", name, line, err)
		}
		if q.Question == "" || len(q.Expected) == 0 {
			return nil, fmt.Errorf("eval: %s line %d: needs \"question\" and a non-empty \"expected\"", name, line)
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("eval: reading %s: %w", name, err)
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("eval: %s has no questions", name)
	}
	return qs, nil
}

// WriteText writes the report for people: the totals, each language, and
// the misses.
func (r Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "questions %d  top-1 %.1f%%  top-3 %.1f%%  p99 %.2f ms\n", r.N, 100*r.Top1, 100*r.Top3, r.P99Ms)
	langs := make([]string, 0, len(r.ByLang))
	for l := range r.ByLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		s := r.ByLang[l]
		fmt.Fprintf(bw, "  %-8s %3d  top-1 %.1f%%  top-3 %.1f%%\n", l, s.N, 100*s.Top1, 100*s.Top3)
	}
	for _, m := range r.Misses {
		fmt.Fprintf(bw, "miss (rank %d) %q expected %v got %v\n", m.Rank, m.Question, m.Expected, m.Got)
	}
	return bw.Flush()
}
