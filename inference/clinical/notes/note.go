// Package notes structures a clinical transcript or free-text note in
// Uzbek (Latin or Cyrillic), Russian or a mix of them into sections,
// vital signs and medications. The result is a draft for the doctor, who
// reviews and signs it; nothing here diagnoses.
//
// Transcripts and notes are personal health data: nothing in this package
// logs them, and errors never quote them.
package notes

import (
	"context"
	"fmt"
	"strings"
)

// Section names a part of a note. The values are the JSON keys of
// Sections and of the evaluation's expected schema.
type Section string

// The sections of a note, in the order a note is written.
const (
	Complaints Section = "complaints" // shikoyatlar, жалобы
	History    Section = "history"    // anamnez, анамнез
	Objective  Section = "objective"  // ob'ektiv ko'rik, объективно
	Assessment Section = "assessment" // tashxis, диагноз
	Plan       Section = "plan"       // reja, tavsiyalar, план, назначения
)

// AllSections lists the sections in note order.
func AllSections() []Section {
	return []Section{Complaints, History, Objective, Assessment, Plan}
}

// Sections holds the text of each section as written in the source, with
// the section headings removed. An empty string means the section is absent.
type Sections struct {
	Complaints string `json:"complaints,omitempty"`
	History    string `json:"history,omitempty"`
	Objective  string `json:"objective,omitempty"`
	Assessment string `json:"assessment,omitempty"`
	Plan       string `json:"plan,omitempty"`
}

// Get returns the text of section s.
func (s *Sections) Get(sec Section) string {
	if p := s.field(sec); p != nil {
		return *p
	}
	return ""
}

// Set replaces the text of section s; unknown sections are ignored.
func (s *Sections) Set(sec Section, text string) {
	if p := s.field(sec); p != nil {
		*p = text
	}
}

func (s *Sections) field(sec Section) *string {
	switch sec {
	case Complaints:
		return &s.Complaints
	case History:
		return &s.History
	case Objective:
		return &s.Objective
	case Assessment:
		return &s.Assessment
	case Plan:
		return &s.Plan
	}
	return nil
}

// Vitals are the vital signs of the note in fixed units. Zero means not
// recorded: none of them is zero in a living patient.
type Vitals struct {
	BPSystolic   int     `json:"bp_systolic,omitempty"`   // mm[Hg]
	BPDiastolic  int     `json:"bp_diastolic,omitempty"`  // mm[Hg]
	Pulse        int     `json:"pulse,omitempty"`         // beats per minute
	TemperatureC float64 `json:"temperature_c,omitempty"` // degrees Celsius, one decimal
	SpO2         int     `json:"spo2,omitempty"`          // percent
}

// Ranges of plausible values; anything outside is a recognition error,
// not a finding, and is dropped.
const (
	minSystolic, maxSystolic   = 50, 300
	minDiastolic, maxDiastolic = 20, 200
	minPulse, maxPulse         = 20, 250
	minTemp, maxTemp           = 30.0, 45.0
	minSpO2, maxSpO2           = 50, 100
)

// Check reports the first value outside its plausible range.
func (v Vitals) Check() error {
	switch {
	case v.BPSystolic != 0 && (v.BPSystolic < minSystolic || v.BPSystolic > maxSystolic):
		return fmt.Errorf("bp_systolic %d outside %d–%d", v.BPSystolic, minSystolic, maxSystolic)
	case v.BPDiastolic != 0 && (v.BPDiastolic < minDiastolic || v.BPDiastolic > maxDiastolic):
		return fmt.Errorf("bp_diastolic %d outside %d–%d", v.BPDiastolic, minDiastolic, maxDiastolic)
	case (v.BPSystolic == 0) != (v.BPDiastolic == 0):
		return fmt.Errorf("blood pressure needs both systolic and diastolic values")
	case v.BPSystolic != 0 && v.BPSystolic <= v.BPDiastolic:
		return fmt.Errorf("bp_systolic %d not above bp_diastolic %d", v.BPSystolic, v.BPDiastolic)
	case v.Pulse != 0 && (v.Pulse < minPulse || v.Pulse > maxPulse):
		return fmt.Errorf("pulse %d outside %d–%d", v.Pulse, minPulse, maxPulse)
	case v.TemperatureC != 0 && (v.TemperatureC < minTemp || v.TemperatureC > maxTemp):
		return fmt.Errorf("temperature_c %.1f outside %.0f–%.0f", v.TemperatureC, minTemp, maxTemp)
	case v.SpO2 != 0 && (v.SpO2 < minSpO2 || v.SpO2 > maxSpO2):
		return fmt.Errorf("spo2 %d outside %d–%d", v.SpO2, minSpO2, maxSpO2)
	}
	return nil
}

// Medication is one prescribed or recommended drug.
type Medication struct {
	// Name is the international non-proprietary name in English, lower
	// case ("paracetamol", "amoxicillin"); brand names are mapped to it.
	Name string `json:"name"`
	// Source is the drug name as written in the note.
	Source string `json:"source,omitempty"`
	// DoseValue and DoseUnit give one dose; DoseUnit is one of DoseUnits.
	DoseValue float64 `json:"dose_value,omitempty"`
	DoseUnit  string  `json:"dose_unit,omitempty"`
	// TimesPerDay is how often a day the dose is taken; 0 when not said.
	TimesPerDay int `json:"times_per_day,omitempty"`
	// DurationDays is the length of the course; 0 when not said.
	DurationDays int `json:"duration_days,omitempty"`
	// Route is how the drug is given, one of Routes; "" when not said.
	Route string `json:"route,omitempty"`
	// Once marks a single dose ("однократно", "stat", a bolus): TimesPerDay
	// is then 1 and the order is for one dose, not one a day.
	Once bool `json:"once,omitempty"`
}

// Routes are the routes of administration a Medication may have.
func Routes() []string {
	return []string{"oral", "sublingual", "intravenous", "intramuscular", "subcutaneous", "inhaled", "nasal",
		"topical", "ear", "eye", "rectal", "vaginal"}
}

// doseUnits are the units a Medication's dose may have.
var doseUnits = []string{"mg", "g", "mcg", "ml", "IU", "tablet", "capsule", "drop", "puff", "sachet"}

// DoseUnits returns the dose units a Medication may have.
func DoseUnits() []string { return append([]string(nil), doseUnits...) }

// Dose returns the dose as "500 mg", or "" when none was said.
func (m Medication) Dose() string {
	if m.DoseUnit == "" {
		return ""
	}
	return FormatDose(m.DoseValue, m.DoseUnit)
}

// Frequency returns the frequency as "once a day", "twice a day" or
// "N times a day", or "" when none was said.
func (m Medication) Frequency() string { return FormatFrequency(m.TimesPerDay) }

// FormatDose writes a dose value and unit as "500 mg" or "0.5 g".
func FormatDose(v float64, unit string) string {
	return strings.TrimSpace(formatNumber(v) + " " + unit)
}

// FormatFrequency writes a number of doses a day in the schema's words.
func FormatFrequency(perDay int) string {
	switch {
	case perDay <= 0:
		return ""
	case perDay == 1:
		return "once a day"
	case perDay == 2:
		return "twice a day"
	}
	return fmt.Sprintf("%d times a day", perDay)
}

// Note is a structured clinical note.
type Note struct {
	// Language is the language detected: "mixed" when both scripts hold
	// over a fifth of the letters, else "uz-Latn", "uz-Cyrl", "ru" or
	// "en" as models/language reads it.
	Language    string       `json:"language"`
	Sections    Sections     `json:"sections"`
	Vitals      Vitals       `json:"vitals"`
	Medications []Medication `json:"medications"`
	// Engine names what produced the note: "offline", or "llm" when the
	// model's answer passed validation.
	Engine string `json:"engine"`
	// Fallback says why the LLM engine fell back to the offline one; it
	// never contains note text.
	Fallback string `json:"fallback,omitempty"`
}

// Structurer turns a transcript or free text into a Note.
type Structurer interface {
	Structure(ctx context.Context, text string) (*Note, error)
}

// Audit records access to notes. The notes engines call it once per
// structured note with what was done, never with the text; the store
// behind it belongs to the caller.
type Audit interface {
	Record(ctx context.Context, e AuditEvent)
}

// AuditEvent is one access to a note.
type AuditEvent struct {
	Action string // "structure"
	Engine string // "offline" or "llm"
	// Fallback is the reason the LLM engine fell back, if it did.
	Fallback string
	Chars    int // length of the input, in bytes
}

// NopAudit is an Audit that records nothing.
type NopAudit struct{}

// Record implements Audit.
func (NopAudit) Record(context.Context, AuditEvent) {}
