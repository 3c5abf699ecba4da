package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"

	"github.com/oqim/oqim/inference/clinical/diagnosis"
	"github.com/oqim/oqim/models/ddxplus"
	"github.com/oqim/oqim/models/jsonl"
)

// TextOptions configure RunText.
type TextOptions struct {
	// Cases is the path of the JSONL file; Reader, if set, is read instead.
	Cases  string
	Reader io.Reader
	// Handler answers POST /api/v1/diagnosis; nil builds the default one
	// (embedded knowledge base, lexicon text mode), as oqim serve does.
	Handler http.Handler
	// KB names the conditions; default ddxplus.Default().
	KB *ddxplus.KB
	// Details lists every case not ranked first or with an evidence code
	// missed or read in excess, by evidence codes: reading is where most
	// of the free-text mode's errors start.
	Details bool
}

// TextCase is one line of a free-text file: a doctor's summary of a
// patient with the patient's pathology and, optionally, the DDXPlus
// evidences of the record (codes, "E_55_@_V_29" for a value). Other keys
// are ignored.
type TextCase struct {
	Age       *int     `json:"age"`
	Sex       string   `json:"sex"`
	Language  string   `json:"language"`
	Text      string   `json:"text"`
	Pathology string   `json:"pathology"`
	Evidences []string `json:"evidences"`
}

// TextReport holds the figures of RunText.
type TextReport struct {
	N          int                     `json:"n"`
	Top1       float64                 `json:"top1"`
	Top3       float64                 `json:"top3"`
	Top5       float64                 `json:"top5"`
	ByLanguage map[string]*TextFigures `json:"by_language"`
	Evidence   *EvidenceFigures        `json:"evidence,omitempty"`
	// Misses is filled with TextOptions.Details.
	Misses []TextMiss `json:"misses,omitempty"`
}

// TextFigures are the accuracy figures of one language.
type TextFigures struct {
	N        int              `json:"n"`
	Top1     float64          `json:"top1"`
	Top3     float64          `json:"top3"`
	Top5     float64          `json:"top5"`
	Evidence *EvidenceFigures `json:"evidence,omitempty"`
}

// EvidenceFigures compare the evidences read from the text with the
// record's, counting each value of a multi-choice evidence on its own.
// Only findings read as present count: DDXPlus records list present
// evidences only.
type EvidenceFigures struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
}

// TextMiss is a case whose pathology was not ranked first. It names codes
// only, never the text.
type TextMiss struct {
	Line      int      `json:"line"`
	Language  string   `json:"language"`
	Pathology string   `json:"pathology"`
	Rank      int      `json:"rank"` // 0: not in the top 5
	Top       string   `json:"top"`
	Missed    []string `json:"missed_evidences,omitempty"`
	Extra     []string `json:"extra_evidences,omitempty"`
}

type textCounters struct {
	n, top1, top3, top5 int
	tp, fp, fn          int
	withEvidence        bool
}

func (c *textCounters) figures() *TextFigures {
	f := &TextFigures{N: c.n}
	if c.n > 0 {
		f.Top1, f.Top3, f.Top5 = ratio(c.top1, c.n), ratio(c.top3, c.n), ratio(c.top5, c.n)
	}
	if c.withEvidence {
		f.Evidence = &EvidenceFigures{Precision: ratio(c.tp, c.tp+c.fp), Recall: ratio(c.tp, c.tp+c.fn)}
	}
	return f
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// RunText sends each case's text, age and sex to the diagnosis handler, the
// code path of POST /api/v1/diagnosis with "text", and scores the rank of
// the case's pathology.
func RunText(ctx context.Context, opts TextOptions) (*TextReport, error) {
	kb := opts.KB
	if kb == nil {
		var err error
		if kb, err = ddxplus.Default(); err != nil {
			return nil, err
		}
	}
	h := opts.Handler
	if h == nil {
		eng, err := diagnosis.NewEngine(kb, diagnosis.Options{})
		if err != nil {
			return nil, err
		}
		if h, err = diagnosis.NewHandler(diagnosis.HandlerConfig{Engine: eng}); err != nil {
			return nil, err
		}
	}
	cases, err := readTextCases(opts)
	if err != nil {
		return nil, err
	}
	total := &textCounters{}
	rep := &TextReport{ByLanguage: map[string]*TextFigures{}}
	byLang := map[string]*textCounters{}
	for i, c := range cases {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ci, ok := kb.ConditionByDDXPlusName(c.Pathology)
		if !ok {
			return nil, fmt.Errorf("eval: case %d: unknown pathology %q", i+1, c.Pathology)
		}
		resp, err := askText(ctx, h, c)
		if err != nil {
			return nil, fmt.Errorf("eval: case %d: %w", i+1, err)
		}
		rank := 0
		for _, rc := range resp.Conditions {
			if rc.ID == kb.Conditions[ci].ID {
				rank = rc.Rank
			}
		}
		lc := byLang[c.Language]
		if lc == nil {
			lc = &textCounters{}
			byLang[c.Language] = lc
		}
		var missed, extra []string
		if c.Evidences != nil {
			got := readCodes(resp.Evidence)
			want := map[string]bool{}
			for _, e := range c.Evidences {
				want[e] = true
			}
			for _, w := range sortedKeys(want) {
				if !got[w] {
					missed = append(missed, w)
				}
			}
			for _, g := range sortedKeys(got) {
				if !want[g] {
					extra = append(extra, g)
				}
			}
			tp := len(want) - len(missed)
			for _, k := range []*textCounters{total, lc} {
				k.withEvidence = true
				k.tp += tp
				k.fn += len(missed)
				k.fp += len(extra)
			}
		}
		for _, k := range []*textCounters{total, lc} {
			k.n++
			k.top1 += b2i(rank == 1)
			k.top3 += b2i(rank >= 1 && rank <= 3)
			k.top5 += b2i(rank >= 1 && rank <= 5)
		}
		if opts.Details && (rank != 1 || len(missed)+len(extra) > 0) {
			m := TextMiss{Line: i + 1, Language: c.Language, Pathology: c.Pathology, Rank: rank, Missed: missed, Extra: extra}
			for _, rc := range resp.Conditions {
				if rc.Rank == 1 { // red flags are listed first, whatever their rank
					m.Top = rc.ID
				}
			}
			rep.Misses = append(rep.Misses, m)
		}
	}
	f := total.figures()
	rep.N, rep.Top1, rep.Top3, rep.Top5, rep.Evidence = f.N, f.Top1, f.Top3, f.Top5, f.Evidence
	for lang, c := range byLang {
		rep.ByLanguage[lang] = c.figures()
	}
	return rep, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// readCodes lists the present findings read from the text in the codes of
// a DDXPlus record ("E_55_@_V_29").
func readCodes(evs []diagnosis.ResponseEvidence) map[string]bool {
	got := map[string]bool{}
	for _, e := range evs {
		if e.Source != "text" || e.ChoiceID != "present" {
			continue
		}
		if len(e.Values) == 0 {
			got[e.ID] = true
		}
		for _, v := range e.Values {
			got[e.ID+"_@_"+v] = true
		}
	}
	return got
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// requestLanguage maps a case's language tag to the API's answer
// language; the text itself may be in any script.
func requestLanguage(tag string) string {
	switch {
	case strings.HasPrefix(tag, "ru"):
		return "ru"
	case strings.HasPrefix(tag, "en"):
		return "en"
	}
	return "uz"
}

func askText(ctx context.Context, h http.Handler, c TextCase) (*diagnosis.Response, error) {
	body, err := json.Marshal(diagnosis.Request{Age: c.Age, Sex: c.Sex, Language: requestLanguage(c.Language), Text: c.Text, TopK: 5})
	if err != nil {
		return nil, err
	}
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/api/v1/diagnosis", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("diagnosis answered %d: %s", rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	var resp diagnosis.Response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		return nil, fmt.Errorf("decoding the diagnosis answer: %w", err)
	}
	return &resp, nil
}

func readTextCases(opts TextOptions) ([]TextCase, error) {
	cases, _, err := jsonl.ReadFile[TextCase](opts.Reader, opts.Cases, "cases", jsonl.Options{Check: func(v any) error {
		if c := v.(*TextCase); strings.TrimSpace(c.Text) == "" || c.Pathology == "" {
			return errors.New(`want "text" and "pathology"`)
		}
		return nil
	}})
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	return cases, nil
}

// WriteText prints the report for people.
func (r *TextReport) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "free-text differential on %d cases: top-1 %.3f, top-3 %.3f, top-5 %.3f\n", r.N, r.Top1, r.Top3, r.Top5)
	if r.Evidence != nil {
		fmt.Fprintf(&b, "evidences read from text: precision %.3f, recall %.3f\n", r.Evidence.Precision, r.Evidence.Recall)
	}
	langs := make([]string, 0, len(r.ByLanguage))
	for l := range r.ByLanguage {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	fmt.Fprintf(&b, "%-8s %4s %6s %6s %6s %6s %6s\n", "language", "n", "top1", "top3", "top5", "ev.P", "ev.R")
	for _, l := range langs {
		f := r.ByLanguage[l]
		p, rc := "-", "-"
		if f.Evidence != nil {
			p, rc = fmt.Sprintf("%.3f", f.Evidence.Precision), fmt.Sprintf("%.3f", f.Evidence.Recall)
		}
		fmt.Fprintf(&b, "%-8s %4d %6.3f %6.3f %6.3f %6s %6s\n", l, f.N, f.Top1, f.Top3, f.Top5, p, rc)
	}
	for _, m := range r.Misses {
		rank := "not in the top 5"
		if m.Rank > 0 {
			rank = fmt.Sprintf("ranked %d", m.Rank)
		}
		fmt.Fprintf(&b, "line %d %s: %s %s, first %s", m.Line, m.Language, m.Pathology, rank, m.Top)
		if len(m.Missed) > 0 {
			fmt.Fprintf(&b, "; missed %s", strings.Join(m.Missed, " "))
		}
		if len(m.Extra) > 0 {
			fmt.Fprintf(&b, "; extra %s", strings.Join(m.Extra, " "))
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
