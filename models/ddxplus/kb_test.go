package ddxplus

import (
	"fmt"
	"strings"
	"testing"

	"github.com/oqim/oqim/models/sharedtest"
)

// sourceDir locates the source files beside the repository.
func sourceDir(t *testing.T) string { return sharedtest.Dir(t, "ddxplus", ConditionsFile) }

func TestEmbeddedKBMatchesBuild(t *testing.T) {
	built, buildErr := Build(sourceDir(t))
	kb, err := Default()
	sharedtest.MatchesRebuild(t, kb, built, err, buildErr, "go run ./models/ddxplus/build -src <ddxplus dir> -out models/ddxplus/kb.json")
}

func TestDefaultKB(t *testing.T) {
	kb, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(kb.Conditions) != 49 || len(kb.Evidences) != 223 {
		t.Fatalf("got %d conditions and %d evidences, want 49 and 223", len(kb.Conditions), len(kb.Evidences))
	}
	if kb.Source.License != "CC-BY-4.0" || !strings.Contains(kb.Source.Citation, "DDXPlus") {
		t.Errorf("source attribution missing: %+v", kb.Source)
	}
	if m := kb.MissingTranslations(); len(m) > 0 {
		t.Errorf("%d texts lack translations, first: %s", len(m), m[0])
	}
	i, ok := kb.ConditionByDDXPlusName("Pneumonia")
	if !ok {
		t.Fatal("Pneumonia missing")
	}
	if got := strings.Join(kb.Conditions[i].ICD10, ","); got != "J17,J18" {
		t.Errorf("Pneumonia ICD-10 = %s, want J17,J18", got)
	}
	for _, c := range kb.Conditions {
		for _, code := range c.ICD10 {
			if code != strings.ToUpper(code) || strings.ContainsAny(code, ", ") {
				t.Errorf("%s: ICD-10 code %q not normalised", c.ID, code)
			}
		}
	}
	// Parents that do not exist in the release become top-level questions.
	e69, _ := kb.EvidenceIndex("E_69")
	if p := kb.Evidences[e69].Parent; p != "" {
		t.Errorf("E_69 parent = %q, want none (E_68 is not in the release)", p)
	}
	e56, _ := kb.EvidenceIndex("E_56")
	if p := kb.Evidences[e56].Parent; p != "E_53" {
		t.Errorf("E_56 parent = %q, want E_53", p)
	}
	if n := kb.Stats.Patients; n == 0 {
		t.Error("no statistics in the embedded KB")
	}
	sum := 0
	for _, s := range kb.Stats.ByCondition {
		sum += s.Patients
		if s.Female+s.Male != s.Patients {
			t.Errorf("sex counts %d+%d do not add up to %d", s.Female, s.Male, s.Patients)
		}
	}
	if sum != kb.Stats.Patients {
		t.Errorf("condition counts add up to %d, want %d", sum, kb.Stats.Patients)
	}
}

func TestUzbekApostrophes(t *testing.T) {
	for in, want := range map[string]string{
		"yo'tal":   "yoʻtal",
		"og`riq":   "ogʻriq",
		"ma'lumot": "maʼlumot",
		"G’arbiy":  "Gʻarbiy",
		"'quoted'": "'quoted'",
		"bo‘yin":   "boʻyin",
		"san'at":   "sanʼat",
		"choy":     "choy",
	} {
		if got := UzbekApostrophes(in); got != want {
			t.Errorf("UzbekApostrophes(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadPatientsNamesLineAndColumn(t *testing.T) {
	const header = "AGE,DIFFERENTIAL_DIAGNOSIS,SEX,PATHOLOGY,EVIDENCES,INITIAL_EVIDENCE\n"
	good := `40,"[]",F,URTI,"['E_91', 'E_55_@_V_29']",E_91` + "\n"
	ps, err := ReadPatients(strings.NewReader(header + good))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Age != 40 || ps[0].Sex != "F" || len(ps[0].Evidences) != 2 || ps[0].Evidences[1] != "E_55_@_V_29" {
		t.Fatalf("parsed %+v", ps)
	}
	for _, tc := range []struct{ row, want string }{
		{`abc,"[]",F,URTI,"['E_91']",E_91`, "line 3, column 1 (AGE)"},
		{`40,"[]",X,URTI,"['E_91']",E_91`, "line 3, column 9 (SEX)"},
		{`40,"[]",M,URTI,"E_91",E_91`, "line 3, column 16 (EVIDENCES)"},
		{`40,"[]",M,URTI,"['E_91]",E_91`, "(EVIDENCES)"},
	} {
		_, err := ReadPatients(strings.NewReader(header + good + tc.row + "\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("row %s: error %v, want it to contain %q", tc.row, err, tc.want)
		}
	}
	if _, err := ReadPatients(strings.NewReader("AGE,SEX\n1,F\n")); err == nil || !strings.Contains(err.Error(), "missing column PATHOLOGY") {
		t.Errorf("missing column: error %v", err)
	}
}

func TestFitRejectsUnknownCodes(t *testing.T) {
	kb, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	_, err = Fit(kb, []Patient{{Line: 7, Age: 30, Sex: "M", Pathology: "URTI", Evidences: []string{"E_999"}}}, "")
	if err == nil || !strings.Contains(err.Error(), "line 7") || !strings.Contains(err.Error(), "E_999") {
		t.Errorf("error %v, want line 7 and E_999", err)
	}
	_, err = Fit(kb, []Patient{{Line: 8, Age: 30, Sex: "M", Pathology: "URTI", Evidences: []string{"E_56_@_99"}}}, "")
	if err == nil || !strings.Contains(err.Error(), "no value") {
		t.Errorf("error %v, want a bad value error", err)
	}
}

func TestFitCountsMultiChoiceSizes(t *testing.T) {
	kb, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	st, err := Fit(kb, []Patient{
		{Line: 2, Age: 30, Sex: "F", Pathology: "URTI", Evidences: []string{"E_53", "E_55_@_V_29", "E_55_@_V_30", "E_57_@_V_123"}},
		{Line: 3, Age: 31, Sex: "M", Pathology: "URTI", Evidences: []string{"E_53", "E_55_@_V_29"}},
		{Line: 4, Age: 32, Sex: "M", Pathology: "URTI", Evidences: []string{"E_91"}}, // no pain: never asked
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	ci, _ := kb.ConditionByDDXPlusName("URTI")
	sizes := st.ByCondition[ci].Sizes
	if got := fmt.Sprint(sizes["E_55"]); got != "[0 1 1]" {
		t.Errorf("E_55 sizes %s, want [0 1 1]", got)
	}
	// The default value (V_123, nowhere) is no value given.
	if got := fmt.Sprint(sizes["E_57"]); got != "[2]" {
		t.Errorf("E_57 sizes %s, want [2]", got)
	}
}
