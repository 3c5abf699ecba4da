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
// of them, or on an entry the knowledge base marks as the same service
// (PQ-308 and PQ-286 name some services twice), counts. "lang" is
// optional and only groups the report.
//
// An empty "expected" marks a question no entry covers. By default it is
// a question for the state that the bot should hand to an operator;
// "want": "refuse" marks off-topic or adversarial text the bot should
// politely refuse. Besides the ranking, Run takes the bot's decision on
// every question (after redaction, as the service does) and reports how
// often it answered from a wrong entry: the worst outcome.
package eval

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/oqim/oqim/connectors/redact"
	"github.com/oqim/oqim/inference/chatbot"
	"github.com/oqim/oqim/inference/chatbot/retrieval"
	"github.com/oqim/oqim/models/jsonl"
	"github.com/oqim/oqim/models/portalkb"
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
	// Want is "refuse" for off-topic or adversarial text; otherwise a
	// question with no expected entry should be handed off.
	Want string `json:"want,omitempty"`
}

// Outcomes counts the bot's decisions on a group of questions.
type Outcomes struct {
	N int `json:"n"`
	// Right: answered, citing an expected entry first.
	Right float64 `json:"right"`
	// Wrong: answered, citing another entry first; for questions no entry
	// covers, any answer is wrong.
	Wrong float64 `json:"wrong"`
	// Handoff: offered an operator; Refused: a polite refusal.
	Handoff float64 `json:"handoff"`
	Refused float64 `json:"refused"`
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
	// Decision and Confidence are, for a covered question the bot did
	// not answer, what it did instead ("handoff low_confidence",
	// "off_topic") and the best entry's coverage.
	Decision   string  `json:"decision,omitempty"`
	Confidence float64 `json:"confidence,omitempty"`
}

// Report is the outcome of Run.
type Report struct {
	// Score is the ranking on questions an entry covers.
	Score
	ByLang map[string]Score `json:"by_lang,omitempty"`
	// Covered, Uncovered and Adversarial are the bot's decisions on
	// questions an entry covers, on those none covers (a handoff is
	// right), and on those marked "want": "refuse".
	Covered     Outcomes `json:"covered"`
	Uncovered   Outcomes `json:"uncovered"`
	Adversarial Outcomes `json:"adversarial"`
	// WrongAnswers is the share of all questions answered from a wrong
	// entry.
	WrongAnswers float64 `json:"wrong_answers"`
	// Wrong lists the questions answered from a wrong entry.
	Wrong []Miss `json:"wrong,omitempty"`
	// Unanswered lists the covered questions the bot handed off or
	// refused: the citizens a better bot would have answered.
	Unanswered []Miss `json:"unanswered,omitempty"`
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
	kb, err := portalkb.Default()
	if err != nil {
		return Report{}, err
	}
	bot := chatbot.NewBot(s, chatbot.Thresholds{})
	red := redact.New()
	var rep Report
	type acc struct{ n, t1, t3 int }
	all := acc{}
	by := map[string]*acc{}
	type out struct{ n, right, wrong, handoff, refused int }
	var covered, uncovered, adversarial out
	lat := make([]time.Duration, 0, len(qs))
	for _, q := range qs {
		clean, _ := red.Redact(q.Question)
		d, err := bot.Decide(ctx, clean)
		if err != nil {
			return Report{}, fmt.Errorf("eval: question %q: %w", q.Question, err)
		}
		o := &covered
		switch {
		case q.Want == "refuse":
			o = &adversarial
		case len(q.Expected) == 0:
			o = &uncovered
		}
		o.n++
		switch d.Kind {
		case chatbot.KindAnswer:
			if len(d.EntryIDs) > 0 && len(q.Expected) > 0 && right(kb, q.Expected, d.EntryIDs[0]) {
				o.right++
			} else {
				o.wrong++
				rep.Wrong = append(rep.Wrong, Miss{Question: q.Question, Lang: q.Lang, Expected: q.Expected, Got: d.EntryIDs[:min(1, len(d.EntryIDs))]})
			}
		case chatbot.KindHandoff:
			o.handoff++
		default:
			o.refused++
		}
		if d.Kind != chatbot.KindAnswer && o == &covered {
			rep.Unanswered = append(rep.Unanswered, Miss{Question: q.Question, Lang: q.Lang, Expected: q.Expected,
				Got: d.EntryIDs[:min(3, len(d.EntryIDs))], Decision: strings.TrimSpace(string(d.Kind) + " " + d.Reason), Confidence: d.Confidence})
		}
		if len(q.Expected) == 0 {
			continue
		}
		start := time.Now()
		res, err := s.Search(ctx, clean, 10)
		if err != nil {
			return Report{}, fmt.Errorf("eval: question %q: %w", q.Question, err)
		}
		lat = append(lat, time.Since(start))
		rank := 0
		var got []string
		for i, h := range res.Hits {
			got = append(got, h.Entry.ID)
			if rank == 0 && (slices.Contains(q.Expected, h.Entry.ID) || slices.ContainsFunc(h.Entry.Same, func(id string) bool { return slices.Contains(q.Expected, id) })) {
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
	outcomes := func(o out) Outcomes {
		if o.n == 0 {
			return Outcomes{}
		}
		n := float64(o.n)
		return Outcomes{N: o.n, Right: float64(o.right) / n, Wrong: float64(o.wrong) / n, Handoff: float64(o.handoff) / n, Refused: float64(o.refused) / n}
	}
	rep.Covered, rep.Uncovered, rep.Adversarial = outcomes(covered), outcomes(uncovered), outcomes(adversarial)
	rep.WrongAnswers = float64(covered.wrong+uncovered.wrong+adversarial.wrong) / float64(len(qs))
	if all.n == 0 {
		return Report{}, errors.New("eval: no question names an expected entry; top-1 needs some")
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

// right reports whether entry id answers a question expecting one of
// want: it is one of them, or the same service under the other decree.
func right(kb *portalkb.KB, want []string, id string) bool {
	if slices.Contains(want, id) {
		return true
	}
	e := kb.Entry(id)
	return e != nil && slices.ContainsFunc(e.Same, func(o string) bool { return slices.Contains(want, o) })
}

func readQuestions(opts Options) ([]Question, error) {
	qs, _, err := jsonl.ReadFile[Question](opts.Reader, opts.Questions, "questions", jsonl.Options{Check: func(v any) error {
		q := v.(*Question)
		if q.Question == "" || q.Expected == nil {
			return errors.New(`needs "question" and "expected" (an empty list when no entry covers it)`)
		}
		if q.Want != "" && (q.Want != "refuse" || len(q.Expected) > 0) {
			return errors.New(`"want" may only be "refuse", with an empty "expected"`)
		}
		return nil
	}})
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
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
	fmt.Fprintf(bw, "answered from a wrong entry: %.1f%% of all %d questions\n", 100*r.WrongAnswers, r.Covered.N+r.Uncovered.N+r.Adversarial.N)
	for _, g := range []struct {
		name string
		o    Outcomes
	}{{"covered", r.Covered}, {"uncovered (expected [])", r.Uncovered}, {"adversarial (want refuse)", r.Adversarial}} {
		if g.o.N > 0 {
			fmt.Fprintf(bw, "  %-26s %3d  right %.1f%%  wrong %.1f%%  handoff %.1f%%  refused %.1f%%\n", g.name, g.o.N, 100*g.o.Right, 100*g.o.Wrong, 100*g.o.Handoff, 100*g.o.Refused)
		}
	}
	for _, m := range r.Wrong {
		fmt.Fprintf(bw, "wrong answer %q expected %v answered %v\n", m.Question, m.Expected, m.Got)
	}
	for _, m := range r.Unanswered {
		fmt.Fprintf(bw, "not answered (%s, coverage %.2f) %q expected %v candidates %v\n", m.Decision, m.Confidence, m.Question, m.Expected, m.Got)
	}
	for _, m := range r.Misses {
		fmt.Fprintf(bw, "miss (rank %d) %q expected %v got %v\n", m.Rank, m.Question, m.Expected, m.Got)
	}
	return bw.Flush()
}
