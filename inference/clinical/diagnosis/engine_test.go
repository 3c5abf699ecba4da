package diagnosis

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/oqim/oqim/models/ddxplus"
)

func testEngine(tb testing.TB) *Engine {
	tb.Helper()
	eng, err := NewDefaultEngine()
	if err != nil {
		tb.Fatal(err)
	}
	return eng
}

// pePatient is the first patient of the DDXPlus development set (CC-BY 4.0):
// a 53-year-old man with pulmonary embolism.
var pePatient = []string{"E_34", "E_53", "E_54_@_V_161", "E_54_@_V_192", "E_55_@_V_55", "E_55_@_V_56",
	"E_55_@_V_127", "E_55_@_V_128", "E_55_@_V_170", "E_56_@_8", "E_57_@_V_55", "E_57_@_V_56", "E_57_@_V_127",
	"E_57_@_V_159", "E_57_@_V_170", "E_58_@_5", "E_59_@_5", "E_66", "E_109", "E_151", "E_152_@_V_120",
	"E_159", "E_196", "E_204_@_V_4", "E_220"}

// fullCase answers every evidence of kb from tokens, absent when missing.
func fullCase(kb *ddxplus.KB, age int, sex Sex, tokens []string) Case {
	rec := map[string][]string{}
	for _, t := range tokens {
		code, val := ddxplus.ParseEvidenceToken(t)
		if val == "" {
			rec[code] = nil
		} else {
			rec[code] = append(rec[code], val)
		}
	}
	c := Case{Age: age, Sex: sex}
	for _, ev := range kb.Evidences {
		vals, ok := rec[ev.Code]
		c.Findings = append(c.Findings, Finding{Evidence: ev.Code, Present: ok, Values: vals})
	}
	return c
}

func TestKnownPatientRankedFirst(t *testing.T) {
	eng := testEngine(t)
	a, err := eng.Assess(fullCase(eng.KB(), 53, Male, pePatient), 5)
	if err != nil {
		t.Fatal(err)
	}
	top := eng.KB().Conditions[a.Ranking[0]]
	if top.ID != "pulmonary-embolism" {
		t.Fatalf("top condition %s (p=%.3f), want pulmonary-embolism", top.ID, a.Probabilities[a.Ranking[0]])
	}
	if a.Probabilities[a.Ranking[0]] < 0.5 {
		t.Errorf("pulmonary embolism probability %.3f, want a clear lead", a.Probabilities[a.Ranking[0]])
	}
	first := a.Conditions[0]
	if first.Condition.ID != "pulmonary-embolism" || !first.RedFlag {
		t.Errorf("first shown %s red_flag=%v, want pulmonary-embolism flagged", first.Condition.ID, first.RedFlag)
	}
	if first.Condition.ICD10[0] != "I26" || first.Condition.Severity != 2 {
		t.Errorf("PE metadata %v severity %d", first.Condition.ICD10, first.Condition.Severity)
	}
	if len(first.Supporting) == 0 {
		t.Error("no supporting evidence for the leading condition")
	}
	var sawDVT bool
	for _, s := range first.Supporting {
		sawDVT = sawDVT || s.Evidence.Code == "E_109" || s.Evidence.Code == "E_196" || s.Evidence.Code == "E_220"
		if s.LogRatio <= 0 {
			t.Errorf("supporting %s has log-ratio %.2f", s.Evidence.Code, s.LogRatio)
		}
	}
	if !sawDVT {
		t.Errorf("supporting evidence %v lacks the PE risk factors", first.Supporting)
	}
	for _, o := range first.Opposing {
		if o.LogRatio >= 0 {
			t.Errorf("opposing %s has log-ratio %.2f", o.Evidence.Code, o.LogRatio)
		}
	}
}

func TestRedFlagsComeFirst(t *testing.T) {
	eng := testEngine(t)
	// Sudden shortness of breath with chest pain: a differential of
	// several severe conditions.
	c := Case{Age: 60, Sex: Male, Findings: []Finding{{Evidence: "E_66", Present: true}, {Evidence: "E_53", Present: true}}}
	a, err := eng.Assess(c, 3)
	if err != nil {
		t.Fatal(err)
	}
	seenPlain := false
	flags := 0
	for _, rc := range a.Conditions {
		sev, p := rc.Condition.Severity, rc.Probability
		want := (sev == 1 && p >= 0.01) || (sev == 2 && p >= 0.05)
		if rc.RedFlag != want {
			t.Errorf("%s severity %d p=%.3f: red_flag=%v, want %v", rc.Condition.ID, sev, p, rc.RedFlag, want)
		}
		if rc.RedFlag {
			flags++
			if seenPlain {
				t.Errorf("red flag %s listed after a non-red-flag condition", rc.Condition.ID)
			}
		} else {
			seenPlain = true
		}
	}
	if flags == 0 {
		t.Fatal("no red flag for dyspnoea with pain in a 60-year-old man")
	}
	// Every red flag is shown even beyond the top k.
	for ci, p := range a.Probabilities {
		if eng.redFlag(ci, p) {
			found := false
			for _, rc := range a.Conditions {
				found = found || rc.Condition == &eng.KB().Conditions[ci]
			}
			if !found {
				t.Errorf("red flag %s (p=%.3f) missing from the differential", eng.KB().Conditions[ci].ID, p)
			}
		}
	}
}

func TestChildQuestionsWaitForParent(t *testing.T) {
	eng := testEngine(t)
	kb := eng.KB()
	parentOf := func(code string) string {
		i, _ := kb.EvidenceIndex(code)
		return kb.Evidences[i].Parent
	}
	// Answer "no" to everything: no child question may ever be asked.
	c := Case{Age: 30, Sex: Female, Findings: []Finding{{Evidence: "E_201", Present: true}}}
	for turn := 0; turn < 40; turn++ {
		a, err := eng.Assess(c, 3)
		if err != nil {
			t.Fatal(err)
		}
		if a.Question == nil {
			break
		}
		if p := parentOf(a.Question.Evidence.Code); p != "" {
			t.Fatalf("turn %d: asked child %s although its parent %s was not answered present", turn, a.Question.Evidence.Code, p)
		}
		c.Findings = append(c.Findings, Finding{Evidence: a.Question.Evidence.Code})
	}
	// Once pain is present, the pain questions open up.
	c = Case{Age: 30, Sex: Female, Findings: []Finding{{Evidence: "E_53", Present: true}}}
	a, err := eng.Assess(c, 3)
	if err != nil {
		t.Fatal(err)
	}
	if a.Question == nil || parentOf(a.Question.Evidence.Code) != "E_53" {
		t.Errorf("after pain present, first question %v, want a pain detail (child of E_53)", a.Question)
	}
}

func TestInteractiveStopsWhenConfident(t *testing.T) {
	eng := testEngine(t)
	kb := eng.KB()
	rec := map[string][]string{}
	for _, tok := range pePatient {
		code, val := ddxplus.ParseEvidenceToken(tok)
		if val == "" {
			rec[code] = nil
		} else {
			rec[code] = append(rec[code], val)
		}
	}
	c := Case{Age: 53, Sex: Male, Findings: []Finding{{Evidence: "E_53", Present: true}}}
	var a *Assessment
	for q := 0; ; q++ {
		var err error
		if a, err = eng.Assess(c, 5); err != nil {
			t.Fatal(err)
		}
		if a.ShouldStop {
			break
		}
		if q == 30 {
			t.Fatal("no stop after 30 questions")
		}
		code := a.Question.Evidence.Code
		vals, ok := rec[code]
		c.Findings = append(c.Findings, Finding{Evidence: code, Present: ok, Values: vals})
	}
	if got := kb.Conditions[a.Ranking[0]].ID; got != "pulmonary-embolism" {
		t.Errorf("interactive session ended on %s after %d answers, want pulmonary-embolism", got, len(c.Findings)-1)
	}
}

func TestFindingErrors(t *testing.T) {
	eng := testEngine(t)
	for _, tc := range []struct {
		f    Finding
		want string
	}{
		{Finding{Evidence: "E_999", Present: true}, `unknown evidence code "E_999"`},
		{Finding{Evidence: "E_56", Present: true, Values: []string{"11"}}, `"11" is not a value of evidence E_56`},
		{Finding{Evidence: "E_55", Present: true}, "needs at least one value"},
		{Finding{Evidence: "E_91", Present: true, Values: []string{"V_1"}}, "takes no values"},
	} {
		_, err := eng.Assess(Case{Age: AgeUnknown, Findings: []Finding{tc.f}}, 3)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.f, err, tc.want)
		}
	}
	_, err := eng.Assess(Case{Age: 40, Findings: []Finding{{Evidence: "E_53"}, {Evidence: "E_56", Present: true, Values: []string{"7"}}}}, 3)
	if err == nil || !strings.Contains(err.Error(), "parent question E_53 is answered absent") {
		t.Errorf("child of absent parent: error %v", err)
	}
}

func TestPosteriorSumsToOne(t *testing.T) {
	eng := testEngine(t)
	p, err := eng.Posterior(Case{Age: AgeUnknown}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var s float64
	for _, v := range p {
		s += v
	}
	if s < 0.999999 || s > 1.000001 {
		t.Errorf("posterior sums to %v", s)
	}
}

func BenchmarkFullPatient(b *testing.B) {
	eng := testEngine(b)
	c := fullCase(eng.KB(), 53, Male, pePatient)
	dst := make([]float64, len(eng.KB().Conditions))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eng.Posterior(c, dst); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInteractiveTurn(b *testing.B) {
	eng := testEngine(b)
	// A mid-session turn: complaint plus a few answers, pain open.
	c := Case{Age: 53, Sex: Male, Findings: []Finding{
		{Evidence: "E_53", Present: true},
		{Evidence: "E_55", Present: true, Values: []string{"V_55", "V_56", "V_127"}},
		{Evidence: "E_66", Present: true},
		{Evidence: "E_91"},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eng.Assess(c, 5); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRangePredictive(t *testing.T) {
	// Answers 3..5 seen twenty times: the range is learnt, values inside
	// it are equally likely and values outside fall off with distance.
	n := make([]float64, 11)
	n[3], n[4], n[5] = 7, 6, 7
	p := rangePredictive(n)
	var sum float64
	for _, x := range p {
		sum += x
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Fatalf("sums to %v", sum)
	}
	if math.Abs(p[3]-p[4]) > 1e-12 || math.Abs(p[4]-p[5]) > 1e-12 {
		t.Errorf("inside the range not uniform: %v", p[3:6])
	}
	if !(p[2] < p[4]/10 && p[1] < p[2] && p[6] < p[4]/10 && p[7] < p[6]) {
		t.Errorf("outside the range not falling off: %v", p)
	}
	// Fewer answers leave the range less certain.
	few := make([]float64, 11)
	few[3], few[5] = 1, 1
	if q := rangePredictive(few); q[6] <= p[6] {
		t.Errorf("two answers give P(6)=%v, twenty give %v; want more doubt with fewer", q[6], p[6])
	}
	// No answers: every value possible.
	for v, x := range rangePredictive(make([]float64, 11)) {
		if x <= 0 {
			t.Errorf("no data: P(%d)=%v", v, x)
		}
	}
}

func TestMultiChoiceSizeModel(t *testing.T) {
	eng := testEngine(t)
	kb := eng.KB()
	i, _ := kb.EvidenceIndex("E_55")
	tab := &eng.ev[i]
	if tab.maxSize < 5 {
		t.Fatalf("largest modelled size %d, want at least the five locations DDXPlus gives", tab.maxSize)
	}
	// Weights are normalised per condition.
	for c := range eng.nc {
		var s float64
		for v := range tab.nv {
			if v != tab.def {
				s += math.Exp(tab.ll[v*eng.nc+c])
			}
		}
		if math.Abs(s-1) > 1e-9 {
			t.Fatalf("%s: weights sum to %v", kb.Conditions[c].ID, s)
		}
	}
	// More locations than any patient gave still yield a proper posterior.
	var vals []string
	for _, v := range kb.Evidences[i].Values[1:30] {
		vals = append(vals, v.Code)
	}
	p, err := eng.Posterior(Case{Age: 40, Sex: Male, Findings: []Finding{{Evidence: "E_55", Present: true, Values: vals}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, x := range p {
		if math.IsNaN(x) || x < 0 {
			t.Fatalf("posterior %v", p)
		}
		sum += x
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("posterior sums to %v", sum)
	}
}

func TestSizePredictive(t *testing.T) {
	flat := []float64{1, 1, 1, 1, 1, 1, 1, 1}
	sum := func(p []float64) float64 {
		var s float64
		for _, x := range p {
			s += x
		}
		return s
	}
	// Thirteen answers of three or four values, evenly: a range. Two and
	// five values stay possible but unlikely (frequencies shrunk towards
	// the flat prior would give five about 5 %).
	n := []float64{0, 0, 7, 6, 0, 0, 0, 0}
	p := sizePredictive(n, flat)
	if math.Abs(sum(p)-1) > 1e-12 {
		t.Fatalf("sums to %v", sum(p))
	}
	if !(p[4] < p[3]/100 && p[1] < p[2]/100) {
		t.Errorf("sizes outside the range seen too likely: %v", p)
	}
	// Answers piled up at one size with a tail, as at a cap: no uniform
	// range explains them, so the pile keeps its weight.
	n = []float64{1, 1, 1, 2, 20, 0, 0, 0}
	p = sizePredictive(n, flat)
	if math.Abs(sum(p)-1) > 1e-12 {
		t.Fatalf("sums to %v", sum(p))
	}
	if p[4] < 0.6 {
		t.Errorf("P(5) = %.3f for a pile at five, want it to follow the counts", p[4])
	}
	// No answers: the prior.
	for k, x := range sizePredictive(make([]float64, 8), flat) {
		if x <= 0 {
			t.Errorf("no data: P(%d) = %v", k+1, x)
		}
	}
}

func TestSetWeightTempersMultiChoice(t *testing.T) {
	kb, err := ddxplus.Default()
	if err != nil {
		t.Fatal(err)
	}
	c := fullCase(kb, 53, Male, pePatient)
	spread := func(w float64) float64 {
		eng, err := NewEngine(kb, Options{SetWeight: w})
		if err != nil {
			t.Fatal(err)
		}
		cp, err := eng.compile(c)
		if err != nil {
			t.Fatal(err)
		}
		row := make([]float64, eng.nc)
		for oi := range cp.obs {
			if o := &cp.obs[oi]; kb.Evidences[o.ev].Code == "E_55" {
				eng.obsLL(o, 1, row)
			}
		}
		// Among the conditions that list pain location.
		lo, hi := math.Inf(1), math.Inf(-1)
		for ci, cond := range kb.Conditions {
			if slices.Contains(cond.Symptoms, "E_55") {
				lo, hi = min(lo, row[ci]), max(hi, row[ci])
			}
		}
		return hi - lo
	}
	if full, tempered := spread(1), spread(0.25); !(tempered < full) {
		t.Errorf("pain locations move the log-likelihoods by %.2f at SetWeight 1 and %.2f at 0.25, want less when tempered", full, tempered)
	}
	if _, err := NewEngine(kb, Options{SetWeight: 2}); err == nil {
		t.Error("SetWeight 2 accepted")
	}
}
