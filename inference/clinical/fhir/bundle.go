// Package fhir exports a structured clinical note as a FHIR R4 document
// Bundle: a Composition with the note's sections, Observations for vital
// signs, provisional Conditions from the diagnostic assistant and draft
// MedicationRequests for the plan. Everything is preliminary until the
// doctor signs. Validate checks a Bundle's structure.
package fhir

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/oqim/oqim/inference/clinical/notes"
	"github.com/oqim/oqim/models/portalkb/uztranslit"
)

// Code systems.
const (
	LOINC           = "http://loinc.org"
	UCUM            = "http://unitsofmeasure.org"
	ICD10           = "http://hl7.org/fhir/sid/icd-10"
	SNOMED          = "http://snomed.info/sct"
	ObsCategory     = "http://terminology.hl7.org/CodeSystem/observation-category"
	ConditionClin   = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	ConditionVer    = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
	ConditionCat    = "http://terminology.hl7.org/CodeSystem/condition-category"
	ActCode         = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	DefaultIDSystem = "urn:oqim:clinical-note"
)

// Options describes what the note itself does not know.
type Options struct {
	// NoteID identifies the note in Oqim; with IdentifierSystem it is the
	// Bundle identifier, and every resource id derives from it, so building
	// the same note twice gives the same Bundle and a receiver can drop
	// the duplicate. Required.
	NoteID string
	// IdentifierSystem is the system of the Bundle identifier; default
	// DefaultIDSystem.
	IdentifierSystem string
	// Patient and Practitioner identify the patient and the doctor who
	// signs, such as a PINFL in the national system. Required.
	Patient      Identifier
	Practitioner Identifier
	// Time is when the visit took place: the encounter and the vital
	// signs. Required.
	Time time.Time
	// Signed is when the doctor signed a final note: the document's date
	// and timestamp, the orders' authoredOn and the diagnoses' recordedDate.
	// Zero means Time.
	Signed time.Time
	// Differential is the diagnostic assistant's differential for the
	// note (notes.Diagnoser); each candidate with ICD-10 codes becomes a
	// provisional Condition. Optional.
	Differential []notes.Candidate
	// Language is the note's language as a BCP 47 tag; default from the
	// note.
	Language string
	// Encounter identifies the visit in the receiving system; optional.
	Encounter Identifier
	// Final marks a note the doctor signed: the Composition and its
	// Observations are final, and its Conditions are exactly Confirmed,
	// each verified as confirmed. A final note carries no assistant
	// differential: decision support is not a diagnosis, so Build refuses
	// Final with Differential.
	Final bool
	// Confirmed are the diagnoses the doctor confirmed; only with Final.
	Confirmed []Confirmed
}

// Confirmed is a diagnosis the doctor confirmed, coded in ICD-10.
type Confirmed struct {
	ICD10 string
	Name  string
}

func (o *Options) check() error {
	var missing []string
	if o.NoteID == "" {
		missing = append(missing, "NoteID")
	}
	if o.Patient.System == "" || o.Patient.Value == "" {
		missing = append(missing, "Patient (system and value)")
	}
	if o.Practitioner.System == "" || o.Practitioner.Value == "" {
		missing = append(missing, "Practitioner (system and value)")
	}
	if o.Time.IsZero() {
		missing = append(missing, "Time")
	}
	if len(missing) > 0 {
		return fmt.Errorf("fhir: missing %s", strings.Join(missing, ", "))
	}
	if o.Final && len(o.Differential) > 0 {
		return errors.New("fhir: a final note carries only the doctor's confirmed conditions, not the assistant's differential")
	}
	if !o.Final && len(o.Confirmed) > 0 {
		return errors.New("fhir: confirmed conditions belong to a final (signed) note; set Final")
	}
	if (o.Encounter.System == "") != (o.Encounter.Value == "") {
		return errors.New("fhir: Encounter needs both system and value, or neither")
	}
	for i, c := range o.Confirmed {
		if !ValidICD10(c.ICD10) {
			return fmt.Errorf("fhir: Confirmed[%d]: %q is not a WHO ICD-10 code such as J18.9", i, c.ICD10)
		}
	}
	return nil
}

// sectionCodes are the LOINC codes of the note's sections.
var sectionCodes = map[notes.Section]Coding{
	notes.Complaints: {System: LOINC, Code: "10154-3", Display: "Chief complaint Narrative - Reported"},
	notes.History:    {System: LOINC, Code: "10164-2", Display: "History of Present illness Narrative"},
	notes.Objective:  {System: LOINC, Code: "29545-1", Display: "Physical findings Narrative"},
	notes.Assessment: {System: LOINC, Code: "51848-0", Display: "Evaluation note"},
	notes.Plan:       {System: LOINC, Code: "18776-5", Display: "Plan of care note"},
}

// words are the narrative's own words (section titles, the document's
// title, the summaries of entries) in the document's language: a doctor
// in Digital Healthcare reads them, while the LOINC codes beside them
// carry the meaning for machines. Uzbek Cyrillic is the Latin
// transliterated. Counts stand after a colon, where no language declines
// the noun by them.
type words struct {
	sections                            map[notes.Section]string
	draft, final, vitals                string
	confirmed, provisional, medications string
	bp, pulse, temperature, perMinute   string
}

var narrativeWords = map[string]words{
	"en": {
		sections: map[notes.Section]string{notes.Complaints: "Complaints", notes.History: "History of present illness", notes.Objective: "Examination",
			notes.Assessment: "Assessment", notes.Plan: "Plan"},
		draft: "Clinical note (draft for the doctor's review)", final: "Clinical note", vitals: "Vital signs",
		confirmed: "Diagnoses confirmed by the doctor: %d.", provisional: "Provisional conditions from the diagnostic assistant: %d.", medications: "Proposed medications: %d.",
		bp: "BP", pulse: "pulse", temperature: "temperature", perMinute: "/min",
	},
	"ru": {
		sections: map[notes.Section]string{notes.Complaints: "Жалобы", notes.History: "Анамнез заболевания", notes.Objective: "Объективный осмотр",
			notes.Assessment: "Диагноз", notes.Plan: "План"},
		draft: "Клиническая запись (черновик для проверки врачом)", final: "Клиническая запись", vitals: "Показатели жизнедеятельности",
		confirmed: "Диагнозов, подтверждённых врачом: %d.", provisional: "Предварительных диагнозов диагностического помощника: %d.", medications: "Предложенных препаратов: %d.",
		bp: "АД", pulse: "пульс", temperature: "температура", perMinute: "/мин",
	},
	"uz": {
		sections: map[notes.Section]string{notes.Complaints: "Shikoyatlar", notes.History: "Kasallik anamnezi", notes.Objective: "Obyektiv koʻrik",
			notes.Assessment: "Tashxis", notes.Plan: "Reja"},
		draft: "Klinik yozuv (shifokor tekshiruvi uchun qoralama)", final: "Klinik yozuv", vitals: "Hayotiy koʻrsatkichlar",
		confirmed: "Shifokor tasdiqlagan tashxislar: %d.", provisional: "Tashxis yordamchisining taxminiy tashxislari: %d.", medications: "Taklif etilgan dorilar: %d.",
		bp: "AQB", pulse: "puls", temperature: "harorat", perMinute: "/daq",
	},
}

// wordsIn is the narrative's words for a BCP 47 language tag: Russian,
// Uzbek in its script, English for anything else.
func wordsIn(lang string) words {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	w, ok := narrativeWords[base]
	if !ok {
		return narrativeWords["en"]
	}
	if base == "uz" && strings.EqualFold(lang, "uz-Cyrl") {
		cyr := w
		cyr.sections = map[notes.Section]string{}
		for k, v := range w.sections {
			cyr.sections[k] = uztranslit.ToCyrillic(v)
		}
		for _, f := range []*string{&cyr.draft, &cyr.final, &cyr.vitals, &cyr.confirmed, &cyr.provisional, &cyr.medications, &cyr.bp, &cyr.pulse, &cyr.temperature, &cyr.perMinute} {
			*f = uztranslit.ToCyrillic(*f)
		}
		return cyr
	}
	return w
}

// doseUCUM maps notes dose units to UCUM codes; units without a UCUM
// code are annotations in curly braces, as UCUM allows.
var doseUCUM = map[string]string{
	"mg": "mg", "g": "g", "mcg": "ug", "ml": "mL", "IU": "[IU]", "tablet": "{tablet}", "capsule": "{capsule}",
	"drop": "[drp]", "puff": "{puff}", "sachet": "{sachet}",
}

// Build returns the note as a FHIR R4 document Bundle.
func Build(n *notes.Note, opts Options) (*Bundle, error) {
	if n == nil {
		return nil, errors.New("fhir: no note")
	}
	if err := opts.check(); err != nil {
		return nil, err
	}
	for i, m := range n.Medications {
		if strings.TrimSpace(m.Name) == "" {
			return nil, fmt.Errorf("fhir: medications[%d] has no name", i)
		}
	}
	if opts.IdentifierSystem == "" {
		opts.IdentifierSystem = DefaultIDSystem
	}
	lang := opts.Language
	if lang == "" {
		lang = n.Language
	}
	if lang == "mixed" {
		lang = "uz" // the dominant language of Oqim's users
	}
	when := opts.Time.UTC().Truncate(time.Second).Format(time.RFC3339)
	written := when
	if !opts.Signed.IsZero() {
		written = opts.Signed.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	b := &builder{seed: opts.IdentifierSystem + "|" + opts.NoteID}

	patient := b.add("Patient", func(id string) any {
		return &Patient{ResourceType: "Patient", ID: id, Identifier: []Identifier{opts.Patient}}
	})
	author := b.add("Practitioner", func(id string) any {
		return &Practitioner{ResourceType: "Practitioner", ID: id, Identifier: []Identifier{opts.Practitioner}}
	})
	encounter := b.add("Encounter", func(id string) any {
		var ids []Identifier
		if opts.Encounter.Value != "" {
			ids = []Identifier{opts.Encounter}
		}
		return &Encounter{
			ResourceType: "Encounter", ID: id, Identifier: ids, Status: "finished",
			Class:       Coding{System: ActCode, Code: "AMB", Display: "ambulatory"},
			Subject:     patient,
			Participant: []EncounterParticipant{{Individual: author}},
			Period:      &Period{Start: when},
		}
	})

	w := wordsIn(lang)
	status, title := "preliminary", w.draft
	if opts.Final {
		status, title = "final", w.final
	}
	vitals := b.vitals(n.Vitals, patient, encounter, when, status)
	conditions := b.conditions(opts.Differential, patient, encounter, written)
	if opts.Final {
		conditions = b.confirmed(opts.Confirmed, patient, encounter, author, written)
	}
	meds := b.medications(n.Medications, opts.Final, patient, encounter, author, written)

	comp := &Composition{
		ResourceType: "Composition",
		Language:     lang,
		Identifier:   &Identifier{System: opts.IdentifierSystem, Value: opts.NoteID},
		Status:       status, // final only once the doctor signs
		Type:         CodeableConcept{Coding: []Coding{{System: LOINC, Code: "11506-3", Display: "Progress note"}}, Text: "Progress note"},
		Subject:      patient,
		Encounter:    &encounter,
		Date:         written,
		Author:       []Reference{author},
		Title:        title,
	}
	for _, sec := range notes.AllSections() {
		// Judged empty after what XML forbids is gone: a section of only
		// control characters would otherwise get an empty narrative (txt-2).
		text := strings.TrimSpace(xmlText(n.Sections.Get(sec)))
		var entries []Reference
		switch sec {
		case notes.Assessment:
			entries = conditions
		case notes.Plan:
			entries = meds
		}
		if text == "" && len(entries) == 0 {
			continue
		}
		code := sectionCodes[sec]
		cs := CompositionSection{Title: w.sections[sec], Code: &CodeableConcept{Coding: []Coding{code}}, Entry: entries}
		if text != "" {
			cs.Text = narrative(text)
		} else {
			cs.Text = narrative(entrySummary(w, sec, len(entries), opts.Final))
		}
		comp.Section = append(comp.Section, cs)
	}
	if len(vitals) > 0 {
		comp.Section = append(comp.Section, CompositionSection{
			Title: w.vitals,
			Code:  &CodeableConcept{Coding: []Coding{{System: LOINC, Code: "8716-3", Display: "Vital signs"}}},
			Text:  narrative(vitalsText(w, n.Vitals)),
			Entry: vitals,
		})
	}
	compID := b.id("Composition", 0)
	comp.ID = compID

	bundle := &Bundle{
		ResourceType: "Bundle",
		ID:           b.id("Bundle", 0),
		Language:     lang,
		Identifier:   &Identifier{System: opts.IdentifierSystem, Value: opts.NoteID},
		Type:         "document",
		Timestamp:    written,
		// A document starts with its Composition.
		Entry: append([]Entry{{FullURL: "urn:uuid:" + compID, Resource: comp}}, b.entries...),
	}
	return bundle, nil
}

func entrySummary(w words, sec notes.Section, n int, final bool) string {
	if sec == notes.Assessment && final {
		return fmt.Sprintf(w.confirmed, n)
	}
	if sec == notes.Assessment {
		return fmt.Sprintf(w.provisional, n)
	}
	return fmt.Sprintf(w.medications, n)
}

// builder gives every resource an id derived from the note, so the same
// note always gives the same Bundle.
type builder struct {
	seed    string
	counts  map[string]int
	entries []Entry
}

// id returns a name-based UUID (RFC 9562 version 8, from SHA-256) for the
// i-th resource of a type.
func (b *builder) id(kind string, i int) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s|%s|%d", b.seed, kind, i)))
	h[6] = h[6]&0x0f | 0x80 // version 8
	h[8] = h[8]&0x3f | 0x80 // variant RFC 9562
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// add appends the resource made by mk and returns a reference to it.
func (b *builder) add(kind string, mk func(id string) any) Reference {
	if b.counts == nil {
		b.counts = map[string]int{}
	}
	id := b.id(kind, b.counts[kind])
	b.counts[kind]++
	url := "urn:uuid:" + id
	b.entries = append(b.entries, Entry{FullURL: url, Resource: mk(id)})
	return Reference{Reference: url}
}

var vitalSignsCategory = []CodeableConcept{{Coding: []Coding{{System: ObsCategory, Code: "vital-signs", Display: "Vital Signs"}}}}

func loinc(code, display string) CodeableConcept {
	return CodeableConcept{Coding: []Coding{{System: LOINC, Code: code, Display: display}}, Text: display}
}

func (b *builder) observation(code CodeableConcept, q *Quantity, comps []ObservationComponent, patient, encounter Reference, when, status string) Reference {
	return b.add("Observation", func(id string) any {
		return &Observation{
			ResourceType: "Observation", ID: id, Status: status, Category: vitalSignsCategory,
			Code: code, Subject: patient, Encounter: &encounter, EffectiveDateTime: when,
			ValueQuantity: q, Component: comps,
		}
	})
}

func ucum(v float64, code, unit string) *Quantity {
	return &Quantity{Value: v, Unit: unit, System: UCUM, Code: code}
}

func (b *builder) vitals(v notes.Vitals, patient, encounter Reference, when, status string) []Reference {
	var refs []Reference
	if v.BPSystolic != 0 && v.BPDiastolic != 0 {
		refs = append(refs, b.observation(loinc("85354-9", "Blood pressure panel with all children optional"), nil, []ObservationComponent{
			{Code: loinc("8480-6", "Systolic blood pressure"), ValueQuantity: ucum(float64(v.BPSystolic), "mm[Hg]", "mmHg")},
			{Code: loinc("8462-4", "Diastolic blood pressure"), ValueQuantity: ucum(float64(v.BPDiastolic), "mm[Hg]", "mmHg")},
		}, patient, encounter, when, status))
	}
	if v.Pulse != 0 {
		refs = append(refs, b.observation(loinc("8867-4", "Heart rate"), ucum(float64(v.Pulse), "/min", "beats/minute"), nil, patient, encounter, when, status))
	}
	if v.TemperatureC != 0 {
		refs = append(refs, b.observation(loinc("8310-5", "Body temperature"), ucum(v.TemperatureC, "Cel", "C"), nil, patient, encounter, when, status))
	}
	if v.SpO2 != 0 {
		code := CodeableConcept{Coding: []Coding{
			{System: LOINC, Code: "59408-5", Display: "Oxygen saturation in Arterial blood by Pulse oximetry"},
			{System: LOINC, Code: "2708-6", Display: "Oxygen saturation in Arterial blood"},
		}, Text: "SpO2"}
		refs = append(refs, b.observation(code, ucum(float64(v.SpO2), "%", "%"), nil, patient, encounter, when, status))
	}
	return refs
}

func (b *builder) conditions(diff []notes.Candidate, patient, encounter Reference, when string) []Reference {
	var refs []Reference
	for _, c := range diff {
		if len(c.ICD10) == 0 {
			continue
		}
		code := &CodeableConcept{Text: c.Name}
		for _, icd := range c.ICD10 {
			code.Coding = append(code.Coding, Coding{System: ICD10, Code: icd, Display: c.Name})
		}
		note := fmt.Sprintf("Diagnostic assistant differential: rank %d, probability %.3f. Decision support for the doctor, not a diagnosis.", c.Rank, c.Probability)
		if c.RedFlag {
			note += " Red flag: consider urgent referral."
		}
		refs = append(refs, b.add("Condition", func(id string) any {
			return &Condition{
				ResourceType:       "Condition",
				ID:                 id,
				ClinicalStatus:     &CodeableConcept{Coding: []Coding{{System: ConditionClin, Code: "active", Display: "Active"}}},
				VerificationStatus: &CodeableConcept{Coding: []Coding{{System: ConditionVer, Code: "provisional", Display: "Provisional"}}},
				Category:           []CodeableConcept{{Coding: []Coding{{System: ConditionCat, Code: "encounter-diagnosis", Display: "Encounter Diagnosis"}}}},
				Code:               code,
				Subject:            patient,
				Encounter:          &encounter,
				RecordedDate:       when,
				Note:               []Annotation{{Text: note}},
			}
		}))
	}
	return refs
}

// confirmed makes the doctor's confirmed diagnoses Conditions, verified
// as confirmed and asserted by the doctor.
func (b *builder) confirmed(cs []Confirmed, patient, encounter, author Reference, when string) []Reference {
	var refs []Reference
	for _, c := range cs {
		refs = append(refs, b.add("Condition", func(id string) any {
			return &Condition{
				ResourceType:       "Condition",
				ID:                 id,
				ClinicalStatus:     &CodeableConcept{Coding: []Coding{{System: ConditionClin, Code: "active", Display: "Active"}}},
				VerificationStatus: &CodeableConcept{Coding: []Coding{{System: ConditionVer, Code: "confirmed", Display: "Confirmed"}}},
				Category:           []CodeableConcept{{Coding: []Coding{{System: ConditionCat, Code: "encounter-diagnosis", Display: "Encounter Diagnosis"}}}},
				Code:               &CodeableConcept{Coding: []Coding{{System: ICD10, Code: c.ICD10, Display: c.Name}}, Text: c.Name},
				Subject:            patient,
				Encounter:          &encounter,
				RecordedDate:       when,
				Asserter:           &author,
			}
		}))
	}
	return refs
}

// medications are proposals in a draft and orders once the doctor signs:
// the signed plan is the prescription.
func (b *builder) medications(ms []notes.Medication, final bool, patient, encounter, author Reference, when string) []Reference {
	status, intent := "draft", "proposal"
	if final {
		status, intent = "active", "order"
	}
	var refs []Reference
	for _, m := range ms {
		d := Dosage{Text: dosageText(m), Route: route(m.Route)}
		if m.TimesPerDay > 0 || m.DurationDays > 0 {
			r := &TimingRepeat{}
			switch {
			case m.Once:
				r.Count = 1 // one dose, not one a day
			case m.TimesPerDay > 0:
				r.Frequency, r.Period, r.PeriodUnit = m.TimesPerDay, 1, "d"
			}
			if m.DurationDays > 0 {
				r.BoundsDuration = ucum(float64(m.DurationDays), "d", "days")
			}
			d.Timing = &Timing{Repeat: r}
		}
		if m.DoseUnit != "" {
			d.DoseAndRate = []DoseAndRate{{DoseQuantity: ucum(m.DoseValue, doseUCUM[m.DoseUnit], m.DoseUnit)}}
		}
		// A drug named without dose, frequency or course ("ибупрофен при
		// болях") has no dosage: an empty one would break ele-1.
		var dosage []Dosage
		if d.Text != "" || d.Timing != nil || d.DoseAndRate != nil || d.Route != nil {
			dosage = []Dosage{d}
		}
		refs = append(refs, b.add("MedicationRequest", func(id string) any {
			return &MedicationRequest{
				ResourceType: "MedicationRequest", ID: id, Status: status, Intent: intent,
				MedicationCodeableConcept: CodeableConcept{Text: m.Name},
				Subject:                   patient, Encounter: &encounter, AuthoredOn: when, Requester: &author,
				DosageInstruction: dosage,
			}
		}))
	}
	return refs
}

// routeCodes are the SNOMED CT codes of notes.Routes, the value set FHIR
// R4 gives Dosage.route as an example.
var routeCodes = map[string]Coding{
	"oral":          {System: SNOMED, Code: "26643006", Display: "Oral route"},
	"sublingual":    {System: SNOMED, Code: "37839007", Display: "Sublingual route"},
	"intravenous":   {System: SNOMED, Code: "47625008", Display: "Intravenous route"},
	"intramuscular": {System: SNOMED, Code: "78421000", Display: "Intramuscular route"},
	"subcutaneous":  {System: SNOMED, Code: "34206005", Display: "Subcutaneous route"},
	"inhaled":       {System: SNOMED, Code: "447694001", Display: "Respiratory tract route"},
	"nasal":         {System: SNOMED, Code: "46713006", Display: "Nasal route"},
	"topical":       {System: SNOMED, Code: "6064005", Display: "Topical route"},
	"ear":           {System: SNOMED, Code: "10547007", Display: "Otic route"},
	"eye":           {System: SNOMED, Code: "54485002", Display: "Ophthalmic route"},
	"rectal":        {System: SNOMED, Code: "37161004", Display: "Rectal route"},
	"vaginal":       {System: SNOMED, Code: "16857009", Display: "Vaginal route"},
}

// route is a drug's route as a CodeableConcept, nil when none was said.
func route(r string) *CodeableConcept {
	if r == "" {
		return nil
	}
	c := &CodeableConcept{Text: r}
	if code, ok := routeCodes[r]; ok {
		c.Coding = []Coding{code}
	}
	return c
}

func dosageText(m notes.Medication) string {
	freq := m.Frequency()
	if m.Once {
		freq = "once"
	}
	var parts []string
	for _, p := range []string{m.Dose(), freq} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if m.DurationDays > 0 {
		parts = append(parts, fmt.Sprintf("for %d days", m.DurationDays))
	}
	return strings.Join(parts, ", ")
}

func vitalsText(w words, v notes.Vitals) string {
	var parts []string
	if v.BPSystolic != 0 {
		parts = append(parts, fmt.Sprintf("%s %d/%d mmHg", w.bp, v.BPSystolic, v.BPDiastolic))
	}
	if v.Pulse != 0 {
		parts = append(parts, fmt.Sprintf("%s %d%s", w.pulse, v.Pulse, w.perMinute))
	}
	if v.TemperatureC != 0 {
		parts = append(parts, fmt.Sprintf("%s %.1f °C", w.temperature, v.TemperatureC))
	}
	if v.SpO2 != 0 {
		parts = append(parts, fmt.Sprintf("SpO2 %d%%", v.SpO2))
	}
	return strings.Join(parts, ", ")
}

// xmlText is text with a space for each character XML 1.0 forbids.
func xmlText(text string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r != 0xFFFE && r != 0xFFFF && !(r >= 0x7F && r <= 0x9F) {
			return r
		}
		return ' '
	}, text)
}

// narrative wraps text in the XHTML div FHIR requires, escaped, without
// the characters XML 1.0 forbids (control characters other than tab and
// line breaks, U+FFFE, U+FFFF), which would make the div not well-formed
// and the Bundle refused by a receiver that parses it.
func narrative(text string) *Narrative {
	text = xmlText(text)
	var b strings.Builder
	b.WriteString(`<div xmlns="http://www.w3.org/1999/xhtml">`)
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			b.WriteString("<p>" + html.EscapeString(line) + "</p>")
		}
	}
	b.WriteString("</div>")
	return &Narrative{Status: "generated", Div: b.String()}
}
