package eval

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/oqim/oqim/inference/clinical/notes"
)

// The figures the README reports; a change to the engine that lowers them
// fails here. The held-out file was written after the engine was tuned
// on cases.jsonl and never used for tuning.
func TestOfflineFigures(t *testing.T) {
	for file, minF1 := range map[string]float64{"testdata/cases.jsonl": 0.99, "testdata/holdout.jsonl": 0.95} {
		r, err := Run(context.Background(), Options{CasesPath: file})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		r.WriteText(&b)
		t.Logf("%s\n%s", file, b.String())
		if r.F1 < minF1 {
			t.Errorf("%s: micro-F1 %.3f below %.2f", file, r.F1, minF1)
		}
	}
	r, _ := Run(context.Background(), Options{CasesPath: "testdata/cases.jsonl"})
	if r.N < 40 {
		t.Errorf("%d tuning cases, want at least 40", r.N)
	}
	r, _ = Run(context.Background(), Options{CasesPath: "testdata/holdout.jsonl"})
	if r.N < 15 {
		t.Errorf("%d held-out cases, want at least 15", r.N)
	}
}

// fixed returns the same note whatever the text.
type fixed struct{ n notes.Note }

func (f fixed) Structure(context.Context, string) (*notes.Note, error) { n := f.n; return &n, nil }

func TestScoring(t *testing.T) {
	line := `{"transcript":"x","language":"ru","expected":{"sections":{"complaints":["кашель"],"plan":"парацетамол"},"vitals":{"pulse":88,"temperature_c":37.8},"medications":[{"name":"paracetamol","dose":"0.5 g","frequency":"every 8 hours","duration_days":5}]}}`
	got := notes.Note{
		Sections:    notes.Sections{Complaints: "Сильный кашель", History: "болеет", Plan: "ибупрофен"},
		Vitals:      notes.Vitals{Pulse: 88, TemperatureC: 38.1, SpO2: 97},
		Medications: []notes.Medication{{Name: "paracetamol", DoseValue: 500, DoseUnit: "mg", TimesPerDay: 3}, {Name: "ibuprofen", DoseValue: 200, DoseUnit: "mg"}},
	}
	r, err := Run(context.Background(), Options{Cases: strings.NewReader(line), Engine: fixed{got}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][3]int{ // tp, fp, fn
		"sections.complaints": {1, 0, 0}, "sections.history": {0, 1, 0}, "sections.plan": {0, 1, 1},
		"vitals.pulse": {1, 0, 0}, "vitals.temperature_c": {0, 1, 1}, "vitals.spo2": {0, 1, 0},
		"medications.name": {1, 1, 0}, "medications.dose": {1, 1, 0}, "medications.frequency": {1, 0, 0},
		"medications.duration_days": {0, 0, 1},
	}
	for f, w := range want {
		s := r.Fields[f]
		if [3]int{s.TP, s.FP, s.FN} != w {
			t.Errorf("%s: tp/fp/fn %d/%d/%d, want %v", f, s.TP, s.FP, s.FN, w)
		}
	}
	if r.TP != 5 || r.FP != 6 || r.FN != 3 {
		t.Errorf("micro tp/fp/fn %d/%d/%d", r.TP, r.FP, r.FN)
	}
	b, _ := json.Marshal(r)
	for _, k := range []string{`"precision":`, `"recall":`, `"n":1`, `"fields":`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("JSON report lacks %s", k)
		}
	}
}

func TestRejectsBadCases(t *testing.T) {
	for _, line := range []string{
		`{"transcript":"x","expected":{"sections":{"diagnosis":"a"}}}`,
		`{"transcript":"x","expected":{"vitals":{"bp":120}}}`,
		`{"transcript":"x","expected":{"medications":[{"name":"a","dose":"500"}]}}`,
		`{"transcript":"x","expected":{"medications":[{"name":"a","frequency":"often"}]}}`,
		`{"transcript":"x","expected":{},"extra":1}`,
		`{"transcript":"","expected":{}}`,
	} {
		if _, err := Run(context.Background(), Options{Cases: strings.NewReader(line)}); err == nil {
			t.Errorf("accepted %s", line)
		}
	}
}

// A section the engine leaves empty is listed with every phrase it
// should have held, so the miss can be read.
func TestDetailsNameAMissingSection(t *testing.T) {
	line := `{"transcript":"x","expected":{"sections":{"history":["болеет", "после ОРВИ"]}}}`
	r, err := Run(context.Background(), Options{Cases: strings.NewReader(line), Engine: fixed{}, Details: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Mismatches) != 1 || r.Mismatches[0].Field != "sections.history" || r.Mismatches[0].Expected != "болеет | после ОРВИ" {
		t.Errorf("mismatches %+v, want sections.history expecting both phrases", r.Mismatches)
	}
}

// A combination is the same product whichever part its name gives first;
// a different combination, or one part alone, is not.
func TestCombinationNamesPairInAnyOrder(t *testing.T) {
	line := `{"transcript":"x","language":"ru","expected":{"sections":{},"vitals":{},"medications":[{"name":"salmeterol and fluticasone"},{"name":"perindopril and amlodipine"},{"name":"amlodipine"}]}}`
	got := notes.Note{Medications: []notes.Medication{{Name: "Fluticasone and  salmeterol"}, {Name: "perindopril and indapamide"}, {Name: "amlodipine"}}}
	r, err := Run(context.Background(), Options{Cases: strings.NewReader(line), Engine: fixed{got}})
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Fields["medications.name"]; [3]int{s.TP, s.FP, s.FN} != [3]int{2, 1, 1} {
		t.Errorf("medications.name tp/fp/fn %d/%d/%d, want 2/1/1", s.TP, s.FP, s.FN)
	}
}
