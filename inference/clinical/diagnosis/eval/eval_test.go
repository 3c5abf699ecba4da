package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oqim/oqim/models/sharedtest"
)

const header = "AGE,DIFFERENTIAL_DIAGNOSIS,SEX,PATHOLOGY,EVIDENCES,INITIAL_EVIDENCE\n"

// pe is the first development patient of DDXPlus (CC-BY 4.0).
const pe = `53,"[]",M,Pulmonary embolism,"['E_34', 'E_53', 'E_54_@_V_161', 'E_54_@_V_192', 'E_55_@_V_55', 'E_55_@_V_56', 'E_55_@_V_127', 'E_55_@_V_128', 'E_55_@_V_170', 'E_56_@_8', 'E_57_@_V_55', 'E_57_@_V_56', 'E_57_@_V_127', 'E_57_@_V_159', 'E_57_@_V_170', 'E_58_@_5', 'E_59_@_5', 'E_66', 'E_109', 'E_151', 'E_152_@_V_120', 'E_159', 'E_196', 'E_204_@_V_4', 'E_220']",E_53` + "\n"

func TestRunReportShape(t *testing.T) {
	var progress bytes.Buffer
	r, err := Run(context.Background(), Options{Reader: strings.NewReader(header + pe + pe), Progress: &progress, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.N != 2 || r.Full.Top1 != 1 || r.Interactive.Top1 != 1 {
		t.Errorf("report %+v, want both patients ranked first", r)
	}
	if r.Interactive.MeanQuestions <= 0 || r.Interactive.MeanQuestions > 30 {
		t.Errorf("mean questions %v", r.Interactive.MeanQuestions)
	}
	if !strings.Contains(progress.String(), "2/2 patients") {
		t.Errorf("progress %q", progress.String())
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var shape map[string]map[string]any
	_ = json.Unmarshal(b, &shape)
	for proto, keys := range map[string][]string{
		"full":        {"top1", "top3", "top5", "ece"},
		"interactive": {"top1", "top3", "top5", "mean_questions", "ece"},
	} {
		for _, k := range keys {
			if _, ok := shape[proto][k]; !ok {
				t.Errorf("JSON lacks %s.%s: %s", proto, k, b)
			}
		}
	}
	if !bytes.Contains(b, []byte(`"n":2`)) {
		t.Errorf("JSON lacks n: %s", b)
	}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil || !strings.Contains(text.String(), "top-1 100.00%") {
		t.Errorf("text report %q, %v", text.String(), err)
	}
}

func TestRepeatedCrossValidation(t *testing.T) {
	// Two patients of each of two conditions; each partition leaves some
	// condition without training patients now and then, so the figures
	// vary between partitions but stay within [0, 1].
	urti := `30,"[]",F,URTI,"['E_201', 'E_91']",E_201` + "\n"
	in := header + pe + pe + urti + urti
	run := func(seed uint64) *RepeatedCrossValidation {
		r, err := Run(context.Background(), Options{Reader: strings.NewReader(in), Folds: 2, Repeats: 4, Seed: seed, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		if r.Repeated == nil {
			t.Fatal("no repeated cross-validation")
		}
		return r.Repeated
	}
	a, b := run(7), run(7)
	if a.Repeats != 4 || a.Folds != 2 || a.Seed != 7 {
		t.Errorf("header %+v", a)
	}
	for name, s := range map[string]Spread{"full top-1": a.Full.Top1, "interactive top-1": a.Interactive.Top1, "full top-5": a.Full.Top5} {
		if !(0 <= s.Min && s.Min <= s.Mean && s.Mean <= s.Max && s.Max <= 1 && s.SD >= 0) {
			t.Errorf("%s spread %+v", name, s)
		}
	}
	if a.Full.Top1 != b.Full.Top1 || len(a.Confusions) != len(b.Confusions) {
		t.Errorf("same seed, different figures: %+v vs %+v", a.Full.Top1, b.Full.Top1)
	}
	var misses int
	for _, c := range a.Confusions {
		if c.Protocol == "full" {
			misses += c.Count
		}
	}
	if want := int(math.Round(4 * 4 * (1 - a.Full.Top1.Mean))); misses != want {
		t.Errorf("confusions count %d full misses, top-1 says %d", misses, want)
	}
	b2, err := json.Marshal(a)
	if err != nil || !bytes.Contains(b2, []byte(`"top1":{"mean":`)) {
		t.Errorf("JSON %s, %v", b2, err)
	}
}

func TestRunParseErrors(t *testing.T) {
	for _, tc := range []struct{ csv, want string }{
		{header + pe + `x,"[]",M,URTI,"['E_91']",E_91` + "\n", "line 3, column 1 (AGE)"},
		{header + `40,"[]",M,Gout,"['E_91']",E_91` + "\n", `line 2: PATHOLOGY "Gout"`},
		{header + `40,"[]",M,URTI,"['E_1234']",E_91` + "\n", `line 2: unknown evidence "E_1234"`},
		{header + `40,"[]",M,URTI,"['E_91']",E_91,extra` + "\n", "line 2, column"},
	} {
		_, err := Run(context.Background(), Options{Reader: strings.NewReader(tc.csv)})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}

// devPatients locates the DDXPlus development set relative to the module
// root.
func devPatients(t *testing.T) string {
	t.Helper()
	return filepath.Join(sharedtest.Dir(t, "ddxplus", "dev_patients.csv"), "dev_patients.csv")
}

// TestDevelopmentSet checks the accuracy on the development patients, both
// with the shipped statistics (fitted on them) and 5-fold cross-validated.
func TestDevelopmentSet(t *testing.T) {
	r, err := Run(context.Background(), Options{Patients: devPatients(t), Folds: 5, Repeats: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.N != 800 {
		t.Errorf("n = %d, want 800", r.N)
	}
	check := func(name string, got, min float64) {
		if got < min {
			t.Errorf("%s = %.4f, want ≥ %.4f", name, got, min)
		}
	}
	check("full top-1", r.Full.Top1, 0.995)
	check("full top-3", r.Full.Top3, 1)
	check("interactive top-1", r.Interactive.Top1, 0.98)
	cv := r.CrossValidated
	check("cross-validated full top-1", cv.Full.Top1, 0.99)
	check("cross-validated full top-3", cv.Full.Top3, 0.999)
	check("cross-validated interactive top-1", cv.Interactive.Top1, 0.975)
	if cv.Interactive.MeanQuestions > 10 {
		t.Errorf("cross-validated mean questions %.2f, want ≤ 10", cv.Interactive.MeanQuestions)
	}
	if n := len(cv.Misses); n != int(math.Round(800*(2-cv.Full.Top1-cv.Interactive.Top1))) {
		t.Errorf("%d misses listed, top-1 figures say otherwise", n)
	}
	// Each fold's statistics are fitted without the fold's patients.
	for f, n := range cv.Training {
		if want := 800 - 160; n != want {
			t.Errorf("fold %d: statistics fitted on %d patients, want %d", f+1, n, want)
		}
	}
	if len(cv.Training) != 5 {
		t.Errorf("training sizes %v, want one per fold", cv.Training)
	}
	rp := r.Repeated
	if rp == nil || rp.Repeats != 3 || rp.Folds != 5 {
		t.Fatalf("repeated cross-validation %+v", rp)
	}
	check("repeated cross-validation, mean full top-1", rp.Full.Top1.Mean, 0.99)
	check("repeated cross-validation, mean full top-3", rp.Full.Top3.Mean, 0.999)
	check("repeated cross-validation, mean interactive top-1", rp.Interactive.Top1.Mean, 0.98)
	if q := rp.Interactive.MeanQuestions.Mean; q > 10 {
		t.Errorf("repeated cross-validation, mean questions %.2f, want ≤ 10", q)
	}
	if r.Full.ECE > 0.05 || cv.Full.ECE > 0.05 {
		t.Errorf("ECE %.4f / %.4f, want ≤ 0.05", r.Full.ECE, cv.Full.ECE)
	}
}
