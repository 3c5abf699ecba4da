package fhir

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/inference/clinical/diagnosis"
	"github.com/oqim/oqim/inference/clinical/notes"
)

const transcript = "Жалобы: кашель с мокротой, одышка, боль в груди при дыхании, температура. Анамнез: болеет 4 дня. " +
	"Объективно: АД 130/80, пульс 104, температура 38,6, SpO2 93%. Диагноз: пневмония? " +
	"Назначено: амоксициллин 500 мг 3 раза в день 7 дней, парацетамол 500 мг при температуре."

func buildTestBundle(t *testing.T) []byte {
	t.Helper()
	ctx := context.Background()
	n, err := notes.NewOffline().Structure(ctx, transcript)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := diagnosis.NewDefaultEngine()
	if err != nil {
		t.Fatal(err)
	}
	diff, err := notes.Diagnose(ctx, eng, n, 45, diagnosis.Male)
	if err != nil {
		t.Fatal(err)
	}
	_, data := buildJSON(t, n, Options{
		NoteID:       "note-2025-000123",
		Patient:      Identifier{System: "urn:oqim:pinfl", Value: "patient-1"},
		Practitioner: Identifier{System: "urn:oqim:practitioner", Value: "doctor-7"},
		Time:         time.Date(2025, 10, 14, 9, 30, 0, 0, time.FixedZone("UZT", 5*3600)),
		Differential: diff.Candidates,
	})
	return data
}

// buildJSON builds n's Bundle with opts and returns it with its JSON.
// (fhirtest.FinalBundle ends the same way, but this package's own tests
// cannot import fhirtest, which imports fhir.)
func buildJSON(t *testing.T, n *notes.Note, opts Options) (*Bundle, []byte) {
	t.Helper()
	b, err := Build(n, opts)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return b, data
}

func TestBuildIsValidDocument(t *testing.T) {
	data := buildTestBundle(t)
	if err := Validate(data); err != nil {
		t.Fatalf("built bundle does not validate: %v\n%s", err, data)
	}
	var b struct {
		Type  string `json:"type"`
		Entry []struct {
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	if b.Type != "document" {
		t.Errorf("type %q", b.Type)
	}
	count := map[string]int{}
	var bp, cond map[string]any
	for _, e := range b.Entry {
		rt := e.Resource["resourceType"].(string)
		count[rt]++
		if rt == "Observation" && strings.Contains(mustJSON(t, e.Resource["code"]), "85354-9") {
			bp = e.Resource
		}
		if rt == "Condition" && cond == nil {
			cond = e.Resource
		}
	}
	want := map[string]int{"Composition": 1, "Patient": 1, "Practitioner": 1, "Encounter": 1, "Observation": 4, "MedicationRequest": 2}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%d %s, want %d", count[k], k, n)
		}
	}
	if count["Condition"] == 0 {
		t.Fatal("no Condition from the differential")
	}
	if bp == nil {
		t.Fatal("no blood pressure panel")
	}
	comps := mustJSON(t, bp["component"])
	for _, s := range []string{`"8480-6"`, `"8462-4"`, `"value":130`, `"value":80`, `"mm[Hg]"`} {
		if !strings.Contains(comps, s) {
			t.Errorf("BP components lack %s: %s", s, comps)
		}
	}
	c := mustJSON(t, cond)
	for _, s := range []string{`"provisional"`, `"http://hl7.org/fhir/sid/icd-10"`} {
		if !strings.Contains(c, s) {
			t.Errorf("Condition lacks %s: %s", s, c)
		}
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	a, b := buildTestBundle(t), buildTestBundle(t)
	if !bytes.Equal(a, b) {
		t.Fatal("the same note gave two different bundles; resending it would not be idempotent")
	}
}

func TestBuildNeedsOptions(t *testing.T) {
	_, err := Build(&notes.Note{}, Options{})
	if err == nil || !strings.Contains(err.Error(), "NoteID") || !strings.Contains(err.Error(), "Patient") {
		t.Fatalf("got %v", err)
	}
}

func mustJSON(t *testing.T, x any) string {
	t.Helper()
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestValidateFindsBrokenBundles breaks a valid bundle in one way at a time
// and expects the validator to name the broken element.
func TestValidateFindsBrokenBundles(t *testing.T) {
	valid := buildTestBundle(t)
	cases := []struct {
		name   string
		mutate func(b map[string]any)
		want   string
	}{
		{"dangling reference", func(b map[string]any) {
			obs := findResource(b, "Observation")
			obs["subject"] = map[string]any{"reference": "urn:uuid:00000000-0000-8000-8000-000000000000"}
		}, "does not resolve"},
		{"missing status", func(b map[string]any) { delete(findResource(b, "Observation"), "status") }, ".status: required element is missing"},
		{"bad LOINC check digit", func(b map[string]any) {
			findResource(b, "Composition")["type"] = map[string]any{"coding": []any{map[string]any{"system": LOINC, "code": "11506-4"}}}
		}, "check digit"},
		{"bad ICD-10", func(b map[string]any) {
			findResource(b, "Condition")["code"] = map[string]any{"coding": []any{map[string]any{"system": ICD10, "code": "pneumonia"}}}
		}, "not an ICD-10 code"},
		{"bad date", func(b map[string]any) { findResource(b, "Composition")["date"] = "2025-13-40T10:00:00Z" }, "not a FHIR dateTime"},
		{"unknown element", func(b map[string]any) { findResource(b, "Observation")["valueQuantitiy"] = map[string]any{} }, "not an element of R4 Observation"},
		{"composition not first", func(b map[string]any) {
			e := b["entry"].([]any)
			e[0], e[1] = e[1], e[0]
		}, "must be a Composition"},
		{"bad verification status", func(b map[string]any) {
			findResource(b, "Condition")["verificationStatus"] = map[string]any{"coding": []any{map[string]any{"system": ConditionVer, "code": "maybe"}}}
		}, "not a code of"},
		{"no author", func(b map[string]any) { delete(findResource(b, "Composition"), "author") }, "author"},
		{"quantity without UCUM", func(b map[string]any) {
			findResource(b, "Observation")["component"].([]any)[0].(map[string]any)["valueQuantity"] = map[string]any{"value": 120, "system": "http://example.org/units", "code": "mmHg"}
		}, "UCUM"},
		{"duplicate fullUrl", func(b map[string]any) {
			e := b["entry"].([]any)
			e[2].(map[string]any)["fullUrl"] = e[1].(map[string]any)["fullUrl"]
		}, "appears twice"},
		{"bundle without identifier", func(b map[string]any) { delete(b, "identifier") }, "needs an identifier"},
		{"narrative not XHTML", func(b map[string]any) {
			findResource(b, "Composition")["section"].([]any)[0].(map[string]any)["text"] = map[string]any{"status": "generated", "div": "<p>x</p>"}
		}, "XHTML"},
		{"narrative not well-formed", func(b map[string]any) {
			findResource(b, "Composition")["section"].([]any)[0].(map[string]any)["text"] = map[string]any{"status": "generated",
				"div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>cough\u0001</p></div>"}
		}, "well-formed"},
		{"language not a tag", func(b map[string]any) { b["language"] = " ru" }, "language tag"},
		{"composition language not a tag", func(b map[string]any) { findResource(b, "Composition")["language"] = "r u\nx" }, "language tag"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b map[string]any
			if err := json.Unmarshal(valid, &b); err != nil {
				t.Fatal(err)
			}
			c.mutate(b)
			data, _ := json.Marshal(b)
			err := Validate(data)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want an issue containing %q, got %v", c.want, err)
			}
		})
	}
}

// Text a note may carry that XML forbids (control characters, U+FFFE)
// still gives a Bundle whose narrative is well-formed and valid.
func TestBuildNarrativeDropsWhatXMLForbids(t *testing.T) {
	n := &notes.Note{Language: "ru"}
	n.Sections.Set(notes.Complaints, "кашель\x01 с понедельника\x0b, \uFFFE слабость")
	_, data := buildJSON(t, n, Options{NoteID: "n-1", Patient: Identifier{System: "urn:oqim:patient", Value: "p-1"},
		Practitioner: Identifier{System: "urn:oqim:doctor", Value: "d-1"}, Time: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)})
	if err := Validate(data); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "кашель") || !strings.Contains(string(data), "слабость") {
		t.Errorf("the complaint's words are gone: %s", data)
	}
}

func findResource(b map[string]any, typ string) map[string]any {
	for _, e := range b["entry"].([]any) {
		r := e.(map[string]any)["resource"].(map[string]any)
		if r["resourceType"] == typ {
			return r
		}
	}
	panic("no " + typ)
}

// A signed note: Composition and Observations final, Conditions exactly
// the confirmed diagnoses, verified as confirmed, asserted by the doctor,
// and the encounter named by its identifier.
func TestBuildFinal(t *testing.T) {
	n, err := notes.NewOffline().Structure(context.Background(), transcript)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{
		NoteID:       "note-2025-000124",
		Patient:      Identifier{System: "urn:oqim:pinfl", Value: "patient-1"},
		Practitioner: Identifier{System: "urn:oqim:practitioner", Value: "doctor-7"},
		Encounter:    Identifier{System: "urn:oqim:encounter", Value: "enc-9"},
		Time:         time.Date(2025, 10, 14, 9, 30, 0, 0, time.UTC),
		Signed:       time.Date(2025, 10, 14, 11, 5, 0, 0, time.UTC),
		Final:        true,
		Confirmed:    []Confirmed{{ICD10: "J18.9", Name: "Pneumonia, unspecified organism"}},
	}
	b, data := buildJSON(t, n, opts)
	if err := Validate(data); err != nil {
		t.Fatalf("final bundle does not validate: %v", err)
	}
	var conds, finals int
	for _, e := range b.Entry {
		switch r := e.Resource.(type) {
		case *Composition:
			// A Russian note's narrative is in Russian.
			if r.Status != "final" || r.Title != "Клиническая запись" || r.Date != "2025-10-14T11:05:00Z" {
				t.Errorf("composition %s %q dated %s, want the signing time", r.Status, r.Title, r.Date)
			}
		case *Observation:
			if r.EffectiveDateTime != "2025-10-14T09:30:00Z" {
				t.Errorf("a vital sign is dated %s, want the visit's time", r.EffectiveDateTime)
			}
			if r.Status == "final" {
				finals++
			}
		case *Condition:
			conds++
			if r.VerificationStatus.Coding[0].Code != "confirmed" || r.Code.Coding[0].Code != "J18.9" || r.Asserter == nil {
				t.Errorf("condition %+v", r)
			}
		case *MedicationRequest:
			if r.Status != "active" || r.Intent != "order" {
				t.Errorf("a signed note's %s is %s/%s; the signed plan is an active order", r.MedicationCodeableConcept.Text, r.Status, r.Intent)
			}
		case *Encounter:
			if len(r.Identifier) != 1 || r.Identifier[0].Value != "enc-9" {
				t.Errorf("encounter identifier %+v", r.Identifier)
			}
		}
	}
	if conds != 1 || finals == 0 {
		t.Errorf("%d conditions, %d final observations", conds, finals)
	}

	for name, bad := range map[string]func(o *Options){
		"final with the assistant's differential": func(o *Options) { o.Differential = []notes.Candidate{{Name: "x", ICD10: []string{"J20.9"}}} },
		"confirmed on a draft":                    func(o *Options) { o.Final = false },
		"confirmed code not ICD-10":               func(o *Options) { o.Confirmed = []Confirmed{{ICD10: "pneumonia", Name: "x"}} },
		"confirmed code of ICD-10-CM":             func(o *Options) { o.Confirmed = []Confirmed{{ICD10: "I48.91", Name: "x"}} },
		"encounter without system":                func(o *Options) { o.Encounter.System = "" },
	} {
		o := opts
		bad(&o)
		if _, err := Build(n, o); err == nil {
			t.Errorf("%s: built", name)
		}
	}
}

// emptyElements lists the paths of JSON values with neither a value nor
// children, which ele-1 forbids everywhere in a resource.
func emptyElements(path string, v any) []string {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return []string{path}
		}
		var out []string
		for k, c := range x {
			out = append(out, emptyElements(path+"."+k, c)...)
		}
		return out
	case []any:
		if len(x) == 0 {
			return []string{path}
		}
		var out []string
		for i, c := range x {
			out = append(out, emptyElements(fmt.Sprintf("%s[%d]", path, i), c)...)
		}
		return out
	case string:
		if strings.TrimSpace(x) == "" {
			return []string{path}
		}
	}
	return nil
}

// A drug named without dose, frequency or course, and a section of only
// characters XML forbids, leave no empty element behind (ele-1, txt-2),
// in a draft or a signed note; a drug without a name is refused.
func TestBuildLeavesNoEmptyElement(t *testing.T) {
	n, err := notes.NewOffline().Structure(context.Background(), "Жалобы: боль в колене. Назначено: ибупрофен при болях.")
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Medications) != 1 || n.Medications[0].Dose() != "" || n.Medications[0].Frequency() != "" {
		t.Fatalf("want one drug without dose or frequency, got %+v", n.Medications)
	}
	n.Sections.Set(notes.History, "\x01\x02 \uFFFE")
	for _, final := range []bool{false, true} {
		_, data := buildJSON(t, n, Options{NoteID: "n-1", Patient: Identifier{System: "urn:oqim:patient", Value: "p-1"},
			Practitioner: Identifier{System: "urn:oqim:doctor", Value: "d-1"}, Time: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC), Final: final})
		var b any
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatal(err)
		}
		if empty := emptyElements("Bundle", b); len(empty) > 0 {
			t.Errorf("final %v: empty elements %v", final, empty)
		}
		if strings.Contains(string(data), `"10164-2"`) {
			t.Errorf("final %v: a history of only control characters got a section", final)
		}
	}
	n.Medications = append(n.Medications, notes.Medication{Name: " "})
	if _, err := Build(n, Options{NoteID: "n-1", Patient: Identifier{System: "urn:oqim:patient", Value: "p-1"},
		Practitioner: Identifier{System: "urn:oqim:doctor", Value: "d-1"}, Time: time.Now()}); err == nil || !strings.Contains(err.Error(), "medications[1]") {
		t.Errorf("a drug without a name: %v", err)
	}
}

func TestLanguageTagIsWellFormedBCP47(t *testing.T) {
	for tag, want := range map[string]bool{
		"ru": true, "uz-Latn": true, "uz-Cyrl": true, "en-GB": true, "uz": true,
		"ru-a": false, "ru-RU-RU": false, "uz-Latn-x": false, "en-1": false, "ru_RU": false, "": false, "mixed": false,
	} {
		if got := LanguageTag(tag); got != want {
			t.Errorf("LanguageTag(%q) = %v, want %v", tag, got, want)
		}
	}
}

// Codes are WHO ICD-10's: U codes are, fifth characters only where WHO
// defines them, and the US clinical modification's are not; every code
// of the DDXPlus knowledge base passes.
func TestValidICD10IsWHO(t *testing.T) {
	for code, want := range map[string]bool{
		"J18": true, "J18.9": true, "U07.1": true, "F32.10": true, "M25.56": true, "S22.30": true, "J96.00": true,
		"I48.91": false, "G44.009": false, "H66.90": false, "S52.501A": false, "j18.9": false, "pneumonia": false, "J18.": false,
	} {
		if got := ValidICD10(code); got != want {
			t.Errorf("ValidICD10(%q) = %v, want %v", code, got, want)
		}
	}
	for in, want := range map[string]string{"I48.91": "I48.9", "G44.009": "G44.0", "J18.9": "J18.9", "M25.56": "M25.56", "pneumonia": "pneumonia"} {
		if got := WHOCode(in); got != want {
			t.Errorf("WHOCode(%q) = %q, want %q", in, got, want)
		}
	}
	eng, err := diagnosis.NewDefaultEngine()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range eng.KB().Conditions {
		for _, code := range c.ICD10 {
			if !ValidICD10(code) {
				t.Errorf("%s: %s is not a WHO ICD-10 code", c.ID, code)
			}
		}
	}
}

// A single dose ("однократно") is ordered as one dose, not as one a day
// with no end, and the route goes with it in SNOMED CT.
func TestBuildSingleDoseAndRoute(t *testing.T) {
	n, err := notes.NewOffline().Structure(context.Background(), "Диагноз: гипертонический криз. Назначено: каптоприл 25 мг под язык однократно.")
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Medications) != 1 || !n.Medications[0].Once || n.Medications[0].Route != "sublingual" {
		t.Fatalf("want one single sublingual dose, got %+v", n.Medications)
	}
	b, data := buildJSON(t, n, Options{NoteID: "n-1", Patient: Identifier{System: "urn:oqim:patient", Value: "p-1"},
		Practitioner: Identifier{System: "urn:oqim:doctor", Value: "d-1"}, Time: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC), Final: true})
	if err := Validate(data); err != nil {
		t.Fatal(err)
	}
	for _, e := range b.Entry {
		mr, ok := e.Resource.(*MedicationRequest)
		if !ok {
			continue
		}
		d := mr.DosageInstruction[0]
		if r := d.Timing.Repeat; r.Count != 1 || r.Frequency != 0 || r.Period != 0 {
			t.Errorf("timing %+v, want a count of one dose and no daily frequency", r)
		}
		if d.Route == nil || len(d.Route.Coding) != 1 || d.Route.Coding[0].Code != "37839007" {
			t.Errorf("route %+v, want SNOMED CT 37839007 (sublingual)", d.Route)
		}
		if d.Text != "25 mg, once" {
			t.Errorf("dosage text %q", d.Text)
		}
		return
	}
	t.Fatal("no MedicationRequest")
}

// The narrative a doctor reads is in the note's language and script; the
// LOINC codes beside it stay as they are.
func TestNarrativeIsInTheNotesLanguage(t *testing.T) {
	for lang, want := range map[string][]string{
		"ru":      {`"Жалобы"`, `"Показатели жизнедеятельности"`, `пульс 88/мин`, `"Клиническая запись`},
		"uz-Latn": {`"Shikoyatlar"`, `"Hayotiy koʻrsatkichlar"`, `puls 88/daq`},
		"uz-Cyrl": {`"Шикоятлар"`, `"Ҳаётий кўрсаткичлар"`},
		"en":      {`"Complaints"`, `"Vital signs"`, `pulse 88/min`},
	} {
		n := &notes.Note{Language: lang, Vitals: notes.Vitals{Pulse: 88}}
		n.Sections.Set(notes.Complaints, "кашель / yoʻtal / cough")
		_, data := buildJSON(t, n, Options{NoteID: "n-1", Patient: Identifier{System: "urn:oqim:patient", Value: "p-1"},
			Practitioner: Identifier{System: "urn:oqim:doctor", Value: "d-1"}, Time: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)})
		for _, w := range want {
			if !strings.Contains(string(data), w) {
				t.Errorf("%s: the Bundle lacks %s", lang, w)
			}
		}
		if !strings.Contains(string(data), `"10154-3"`) {
			t.Errorf("%s: the complaints section lost its LOINC code", lang)
		}
	}
}
