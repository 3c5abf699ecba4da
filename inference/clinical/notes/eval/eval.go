// Package eval measures how well a notes engine structures transcripts:
// precision and recall per field and micro-averaged over all fields,
// against a JSONL file of cases with their expected fields.
package eval

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/oqim/oqim/inference/clinical/notes"
	"github.com/oqim/oqim/models/jsonl"
)

// Options configures Run.
type Options struct {
	// CasesPath names a JSONL file of cases; Cases is read instead when set.
	CasesPath string
	Cases     io.Reader
	// Engine structures the transcripts; nil means notes.NewOffline().
	Engine notes.Structurer
	// Details lists every mismatch in the report. Mismatches quote what
	// the engine produced, so leave it off for cases holding real patients'
	// notes.
	Details bool
}

// Score counts one field's items: true positives, false positives and
// false negatives, and the rates derived from them.
type Score struct {
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

func (s *Score) finish() {
	s.Precision = ratio(s.TP, s.TP+s.FP)
	s.Recall = ratio(s.TP, s.TP+s.FN)
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
}

// ratio is 1 when there is nothing to count: no prediction made is no
// prediction wrong.
func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Report is the result of Run. Precision, Recall and F1 are
// micro-averaged over every item of every field.
type Report struct {
	N         int              `json:"n"` // cases
	Precision float64          `json:"precision"`
	Recall    float64          `json:"recall"`
	F1        float64          `json:"f1"`
	TP        int              `json:"tp"`
	FP        int              `json:"fp"`
	FN        int              `json:"fn"`
	Fields    map[string]Score `json:"fields"`
	// Languages counts the cases per language.
	Languages  map[string]int `json:"languages"`
	Mismatches []Mismatch     `json:"mismatches,omitempty"`
}

// Mismatch is one item the engine got wrong.
type Mismatch struct {
	Line     int    `json:"line"`
	Field    string `json:"field"`
	Expected string `json:"expected,omitempty"`
	Got      string `json:"got,omitempty"`
}

// Fields lists the fields scored, in report order.
func Fields() []string {
	fs := make([]string, 0, 14)
	for _, s := range notes.AllSections() {
		fs = append(fs, "sections."+string(s))
	}
	for _, v := range vitalKeys {
		fs = append(fs, "vitals."+v)
	}
	return append(fs, "medications.name", "medications.dose", "medications.frequency", "medications.duration_days")
}

// Run structures every case and scores the notes.
func Run(ctx context.Context, opts Options) (*Report, error) {
	eng := opts.Engine
	if eng == nil {
		eng = notes.NewOffline()
	}
	cases, lines, err := jsonl.ReadFile[Case](opts.Cases, opts.CasesPath, "cases", jsonl.Options{Strict: true, Check: func(v any) error { return v.(*Case).validate() }})
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	sc := newScorer(opts.Details)
	rep := &Report{N: len(cases), Languages: map[string]int{}}
	for i, c := range cases {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		n, err := eng.Structure(ctx, c.Transcript)
		if err != nil {
			return nil, fmt.Errorf("eval: case on line %d: %w", lines[i], err)
		}
		sc.line = lines[i]
		sc.compare(&c.Expected, n)
		rep.Languages[c.Language]++
	}
	rep.Fields = map[string]Score{}
	var total Score
	for _, f := range Fields() {
		s := sc.fields[f]
		s.finish()
		rep.Fields[f] = s
		total.TP += s.TP
		total.FP += s.FP
		total.FN += s.FN
	}
	total.finish()
	rep.Precision, rep.Recall, rep.F1 = total.Precision, total.Recall, total.F1
	rep.TP, rep.FP, rep.FN = total.TP, total.FP, total.FN
	rep.Mismatches = sc.mismatches
	return rep, nil
}

type scorer struct {
	fields     map[string]Score
	details    bool
	line       int
	mismatches []Mismatch
}

func newScorer(details bool) *scorer { return &scorer{fields: map[string]Score{}, details: details} }

// count records one item: expected and/or predicted, and whether they
// agree. A wrong value is both a false positive and a false negative.
func (s *scorer) count(field string, expected, predicted, equal bool, exp, got string) {
	sc := s.fields[field]
	switch {
	case expected && predicted && equal:
		sc.TP++
	default:
		if expected {
			sc.FN++
		}
		if predicted {
			sc.FP++
		}
		if s.details && (expected || predicted) {
			s.mismatches = append(s.mismatches, Mismatch{Line: s.line, Field: field, Expected: exp, Got: got})
		}
	}
	s.fields[field] = sc
}

func (s *scorer) compare(e *Expected, n *notes.Note) {
	for _, sec := range notes.AllSections() {
		phrases, want := e.Sections[string(sec)]
		text := n.Sections.Get(sec)
		got := strings.TrimSpace(text) != ""
		ok := true
		var missing []string
		if want && !got {
			missing = phrases // the section is missing, so all its phrases are
		}
		if want && got {
			words := strings.Fields(notes.NormalizeText(text))
			for _, p := range phrases {
				if !containsWords(words, strings.Fields(notes.NormalizeText(p))) {
					ok = false
					missing = append(missing, p)
				}
			}
		}
		s.count("sections."+string(sec), want, got, ok, strings.Join(missing, " | "), text)
	}
	got := map[string]float64{
		"bp_systolic": float64(n.Vitals.BPSystolic), "bp_diastolic": float64(n.Vitals.BPDiastolic),
		"pulse": float64(n.Vitals.Pulse), "temperature_c": n.Vitals.TemperatureC, "spo2": float64(n.Vitals.SpO2),
	}
	for _, k := range vitalKeys {
		w, want := e.Vitals[k]
		g := got[k]
		s.count("vitals."+k, want, g != 0, math.Abs(w-g) < 0.05, fmtNum(w, want), fmtNum(g, g != 0))
	}
	s.compareMedications(e.Medications, n.Medications)
}

func fmtNum(v float64, ok bool) string {
	if !ok {
		return ""
	}
	return fmt.Sprint(v)
}

// compareMedications pairs expected and predicted drugs by name, one to
// one, then compares dose, frequency and duration within each pair. The
// fields of unpaired drugs count as misses or false alarms.
func (s *scorer) compareMedications(exp []ExpectedMedication, got []notes.Medication) {
	used := make([]bool, len(got))
	for _, e := range exp {
		j := -1
		for k, g := range got {
			if !used[k] && normName(g.Name) == normName(e.Name) {
				j = k
				break
			}
		}
		if j < 0 {
			s.count("medications.name", true, false, false, e.Name, "")
			s.medFields(&e, nil)
			continue
		}
		used[j] = true
		s.count("medications.name", true, true, true, "", "")
		s.medFields(&e, &got[j])
	}
	for k := range got {
		if !used[k] {
			s.count("medications.name", false, true, false, "", got[k].Name)
			s.medFields(nil, &got[k])
		}
	}
}

func (s *scorer) medFields(e *ExpectedMedication, g *notes.Medication) {
	var ed, ef, gd, gf string
	var edays, gdays int
	if e != nil {
		ed, ef, edays = e.Dose, e.Frequency, e.DurationDays
	}
	if g != nil {
		gd, gf, gdays = g.Dose(), g.Frequency(), g.DurationDays
	}
	doseEqual := false
	if ed != "" && g != nil && g.DoseUnit != "" {
		v, u, _ := parseDose(ed)
		doseEqual = sameDose(v, u, g.DoseValue, g.DoseUnit)
	}
	s.count("medications.dose", ed != "", gd != "", doseEqual, ed, gd)
	freqEqual := false
	if ef != "" && g != nil {
		n, _ := parseFrequency(ef)
		freqEqual = n == g.TimesPerDay
	}
	s.count("medications.frequency", ef != "", gf != "", freqEqual, ef, gf)
	s.count("medications.duration_days", edays != 0, gdays != 0, edays == gdays, fmtNum(float64(edays), edays != 0), fmtNum(float64(gdays), gdays != 0))
}

// normName folds case and spaces, and orders a combination's parts: "a
// and b" names the same product as "b and a", and authors, like the ATC
// index and the INN lists, write them in either order.
func normName(s string) string {
	parts := strings.Split(strings.Join(strings.Fields(strings.ToLower(s)), " "), " and ")
	slices.Sort(parts)
	return strings.Join(parts, " and ")
}

// WriteText writes the report as a table.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	langs := make([]string, 0, len(r.Languages))
	for l := range r.Languages {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	fmt.Fprintf(&b, "cases: %d (", r.N)
	for i, l := range langs {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", l, r.Languages[l])
	}
	b.WriteString(")\n")
	fmt.Fprintf(&b, "%-28s %9s %9s %9s %5s %5s %5s\n", "field", "precision", "recall", "F1", "tp", "fp", "fn")
	for _, f := range Fields() {
		s := r.Fields[f]
		fmt.Fprintf(&b, "%-28s %9.3f %9.3f %9.3f %5d %5d %5d\n", f, s.Precision, s.Recall, s.F1, s.TP, s.FP, s.FN)
	}
	fmt.Fprintf(&b, "%-28s %9.3f %9.3f %9.3f %5d %5d %5d\n", "micro-average", r.Precision, r.Recall, r.F1, r.TP, r.FP, r.FN)
	for _, m := range r.Mismatches {
		fmt.Fprintf(&b, "line %d %s: expected %q, got %q\n", m.Line, m.Field, m.Expected, m.Got)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// containsWords reports whether phrase occurs in words, each phrase word
// matching the start of a text word, so that case endings may differ:
// "anemiya" is found in "homiladorlik anemiyasi".
func containsWords(words, phrase []string) bool {
	for i := 0; i+len(phrase) <= len(words); i++ {
		ok := true
		for k, p := range phrase {
			if !strings.HasPrefix(words[i+k], p) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
