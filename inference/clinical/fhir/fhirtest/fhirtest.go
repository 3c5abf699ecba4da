// Package fhirtest holds what tests of the FHIR export share: a final
// Bundle as Build makes it, and the stand-in for Digital Healthcare's FHIR
// server on a real HTTP server. It is for tests only.
package fhirtest

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/oqim/oqim/inference/clinical/fhir"
	"github.com/oqim/oqim/inference/clinical/fhir/standin"
	"github.com/oqim/oqim/inference/clinical/notes"
)

// FinalBundle is the JSON of the final document Build makes of a short
// Russian note (pulse 96, paracetamol) with pneumonia (J18.9) confirmed:
// note n-1 of patient p-1 by doctor d-1 in encounter e-1, recorded
// 2026-12-04T09:00:00Z.
func FinalBundle(t testing.TB) []byte {
	t.Helper()
	n := &notes.Note{Language: "ru", Vitals: notes.Vitals{BPSystolic: 130, BPDiastolic: 80, Pulse: 96, TemperatureC: 38.4, SpO2: 95},
		Medications: []notes.Medication{{Name: "paracetamol", DoseValue: 500, DoseUnit: "mg", TimesPerDay: 3, DurationDays: 5}}}
	n.Sections.Set(notes.Complaints, "кашель, одышка")
	b, err := fhir.Build(n, fhir.Options{NoteID: "n-1", Patient: fhir.Identifier{System: "urn:oqim:patient", Value: "p-1"},
		Practitioner: fhir.Identifier{System: "urn:oqim:doctor", Value: "d-1"}, Encounter: fhir.Identifier{System: "urn:oqim:encounter", Value: "e-1"},
		Time: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC), Final: true, Confirmed: []fhir.Confirmed{{ICD10: "J18.9", Name: "Pneumonia"}}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// StandIn starts the stand-in FHIR server with cfg on a real HTTP server
// until the test ends, and returns it with its base URL.
func StandIn(t testing.TB, cfg standin.Config) (*standin.Server, string) {
	t.Helper()
	s, err := standin.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return s, srv.URL + standin.Prefix
}
