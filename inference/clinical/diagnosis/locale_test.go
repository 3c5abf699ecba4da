package diagnosis

import (
	"encoding/json"
	"testing"

	"github.com/oqim/oqim/models/ddxplus"
)

// nonEndemicUZ are the conditions priors_uz.json gates on travel.
var nonEndemicUZ = map[string]bool{"ebola": true, "chagas-disease": true}

// The case: "cough, shortness of breath, fever 38" must not bring
// Ebola, or any unwarranted red flag, into a doctor's top five.
func TestCoughFeverHasNoNonEndemicCondition(t *testing.T) {
	rec := post(t, testHandler(t), `{"age":40,"sex":"male","language":"en","text":"cough, shortness of breath, fever 38"}`)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var resp Response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	for _, c := range resp.Conditions {
		if nonEndemicUZ[c.ID] {
			t.Errorf("%s (p=%.3g, red flag %v) shown without travel", c.ID, c.Probability, c.RedFlag)
		}
		if c.RedFlag && c.Probability < 0.01 {
			t.Errorf("%s red-flagged at p=%.3g, below every threshold", c.ID, c.Probability)
		}
	}
}

func caseWith(f ...Finding) Case {
	return Case{Age: 40, Sex: Male, Findings: f}
}

var coughFever = []Finding{
	{Evidence: "E_201", Present: true},
	{Evidence: "E_66", Present: true},
	{Evidence: "E_91", Present: true},
}

func rankOf(t *testing.T, eng *Engine, c Case, id string) (int, float64) {
	t.Helper()
	a, err := eng.Assess(c, 5)
	if err != nil {
		t.Fatal(err)
	}
	for r, ci := range a.Ranking {
		if eng.KB().Conditions[ci].ID == id {
			return r + 1, a.Probabilities[ci]
		}
	}
	t.Fatalf("%s not ranked", id)
	return 0, 0
}

// With travel to West Africa answered, Ebola is back in the differential;
// with DDXPlus's priors it is never gated.
func TestEbolaNeedsTravel(t *testing.T) {
	eng := testEngine(t)
	ebola := []Finding{{Evidence: "E_91", Present: true}, {Evidence: "E_201", Present: true}}
	_, pNo := rankOf(t, eng, caseWith(ebola...), "ebola")
	travel := append(ebola, Finding{Evidence: "E_204", Present: true, Values: []string{"V_1"}})
	_, pYes := rankOf(t, eng, caseWith(travel...), "ebola")
	if pNo > 1e-9 {
		t.Errorf("ebola without travel: p=%g, want ~0", pNo)
	}
	if pYes < 1e3*pNo || pYes < 1e-4 {
		t.Errorf("ebola after travel to West Africa: p=%g (without %g), want it considered", pYes, pNo)
	}
	europe := append(ebola, Finding{Evidence: "E_204", Present: true, Values: []string{"V_9"}})
	if _, p := rankOf(t, eng, caseWith(europe...), "ebola"); p > 1e-9 {
		t.Errorf("ebola after travel to Europe: p=%g, want ~0", p)
	}
	dd, err := NewEngine(eng.KB(), Options{Locale: "ddxplus"})
	if err != nil {
		t.Fatal(err)
	}
	if _, p := rankOf(t, dd, caseWith(ebola...), "ebola"); p < 1e-6 {
		t.Errorf("ddxplus priors: ebola p=%g, want ungated", p)
	}
}

// The travel question is asked when Ebola, were the patient exposed,
// would matter, and not when the findings rule it out anyway.
func TestTravelAskedWhenItMatters(t *testing.T) {
	eng := testEngine(t)
	kb := eng.KB()
	// Ebola's most typical findings: enough that exposure would matter.
	ci, _ := kb.ConditionIndex("ebola")
	var fs []Finding
	for _, code := range kb.Conditions[ci].Symptoms {
		if ei, ok := kb.EvidenceIndex(code); ok && kb.Evidences[ei].Type == ddxplus.Binary && kb.Evidences[ei].Parent == "" {
			fs = append(fs, Finding{Evidence: code, Present: true})
		}
	}
	a, err := eng.Assess(caseWith(fs...), 5)
	if err != nil {
		t.Fatal(err)
	}
	if a.Question == nil || a.Question.Evidence.Code != "E_204" {
		t.Errorf("Ebola's findings, travel unanswered: question %v, want E_204", a.Question)
	}
	// Once answered, it is not asked again.
	fs = append(fs, Finding{Evidence: "E_204", Present: true, Values: []string{"V_10"}})
	if a, err = eng.Assess(caseWith(fs...), 5); err != nil {
		t.Fatal(err)
	}
	if a.Question != nil && a.Question.Evidence.Code == "E_204" {
		t.Errorf("travel asked again after it was answered")
	}
}

// A severity-1 condition below RedFlagSeverity1 is not a red flag, however
// dangerous it is.
func TestRedFlagThreshold(t *testing.T) {
	eng := testEngine(t)
	a, err := eng.Assess(caseWith(coughFever...), 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range a.Conditions {
		p := c.Probability
		var th float64
		switch c.Condition.Severity {
		case 1:
			th = eng.Options().RedFlagSeverity1
		case 2:
			th = eng.Options().RedFlagSeverity2
		}
		if c.RedFlag && (th == 0 || p < th) {
			t.Errorf("%s: red flag at p=%g, threshold %g", c.Condition.ID, p, th)
		}
	}
}
