package fhir

// The FHIR R4 data types and resources a note needs, and no more. Field
// names and cardinalities follow https://hl7.org/fhir/R4/.

// Bundle is a FHIR R4 Bundle.
type Bundle struct {
	ResourceType string      `json:"resourceType"`
	ID           string      `json:"id,omitempty"`
	Language     string      `json:"language,omitempty"`
	Identifier   *Identifier `json:"identifier,omitempty"`
	Type         string      `json:"type"`
	Timestamp    string      `json:"timestamp,omitempty"`
	Entry        []Entry     `json:"entry,omitempty"`
}

// Entry is one resource of a Bundle.
type Entry struct {
	FullURL  string `json:"fullUrl"`
	Resource any    `json:"resource"`
}

// Identifier names a resource in a system.
type Identifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

// Coding is a code of a code system.
type Coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a concept given by codes and text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Reference points at another resource.
type Reference struct {
	Reference string `json:"reference"`
	Display   string `json:"display,omitempty"`
}

// Quantity is a measured amount in UCUM.
type Quantity struct {
	Value  float64 `json:"value"`
	Unit   string  `json:"unit,omitempty"`
	System string  `json:"system,omitempty"`
	Code   string  `json:"code,omitempty"`
}

// Narrative is human-readable XHTML.
type Narrative struct {
	Status string `json:"status"`
	Div    string `json:"div"`
}

// Period is a time range.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// Annotation is a note attached to a resource.
type Annotation struct {
	Text string `json:"text"`
}

// Patient is the subject, identified only: the bundle carries no name,
// birth date or address, which the receiving system already has.
type Patient struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id"`
	Identifier   []Identifier `json:"identifier"`
}

// Practitioner is the doctor who signs the note.
type Practitioner struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id"`
	Identifier   []Identifier `json:"identifier"`
}

// Encounter is the visit.
type Encounter struct {
	ResourceType string                 `json:"resourceType"`
	ID           string                 `json:"id"`
	Identifier   []Identifier           `json:"identifier,omitempty"`
	Status       string                 `json:"status"`
	Class        Coding                 `json:"class"`
	Subject      Reference              `json:"subject"`
	Participant  []EncounterParticipant `json:"participant,omitempty"`
	Period       *Period                `json:"period,omitempty"`
}

// EncounterParticipant is someone taking part in the visit.
type EncounterParticipant struct {
	Individual Reference `json:"individual"`
}

// Composition is the note itself: its sections and what they point at.
type Composition struct {
	ResourceType string               `json:"resourceType"`
	ID           string               `json:"id"`
	Language     string               `json:"language,omitempty"`
	Identifier   *Identifier          `json:"identifier,omitempty"`
	Status       string               `json:"status"`
	Type         CodeableConcept      `json:"type"`
	Subject      Reference            `json:"subject"`
	Encounter    *Reference           `json:"encounter,omitempty"`
	Date         string               `json:"date"`
	Author       []Reference          `json:"author"`
	Title        string               `json:"title"`
	Section      []CompositionSection `json:"section,omitempty"`
}

// CompositionSection is one section of the note.
type CompositionSection struct {
	Title string           `json:"title"`
	Code  *CodeableConcept `json:"code,omitempty"`
	Text  *Narrative       `json:"text,omitempty"`
	Entry []Reference      `json:"entry,omitempty"`
}

// Observation is one vital sign.
type Observation struct {
	ResourceType      string                 `json:"resourceType"`
	ID                string                 `json:"id"`
	Status            string                 `json:"status"`
	Category          []CodeableConcept      `json:"category"`
	Code              CodeableConcept        `json:"code"`
	Subject           Reference              `json:"subject"`
	Encounter         *Reference             `json:"encounter,omitempty"`
	EffectiveDateTime string                 `json:"effectiveDateTime"`
	ValueQuantity     *Quantity              `json:"valueQuantity,omitempty"`
	Component         []ObservationComponent `json:"component,omitempty"`
}

// ObservationComponent is one value of a panel, such as systolic pressure.
type ObservationComponent struct {
	Code          CodeableConcept `json:"code"`
	ValueQuantity *Quantity       `json:"valueQuantity,omitempty"`
}

// Condition is one condition of the assistant's differential.
type Condition struct {
	ResourceType       string            `json:"resourceType"`
	ID                 string            `json:"id"`
	ClinicalStatus     *CodeableConcept  `json:"clinicalStatus,omitempty"`
	VerificationStatus *CodeableConcept  `json:"verificationStatus,omitempty"`
	Category           []CodeableConcept `json:"category,omitempty"`
	Code               *CodeableConcept  `json:"code,omitempty"`
	Subject            Reference         `json:"subject"`
	Encounter          *Reference        `json:"encounter,omitempty"`
	RecordedDate       string            `json:"recordedDate,omitempty"`
	Asserter           *Reference        `json:"asserter,omitempty"`
	Note               []Annotation      `json:"note,omitempty"`
}

// MedicationRequest is one drug of the plan, a proposal until the doctor
// signs.
type MedicationRequest struct {
	ResourceType              string          `json:"resourceType"`
	ID                        string          `json:"id"`
	Status                    string          `json:"status"`
	Intent                    string          `json:"intent"`
	MedicationCodeableConcept CodeableConcept `json:"medicationCodeableConcept"`
	Subject                   Reference       `json:"subject"`
	Encounter                 *Reference      `json:"encounter,omitempty"`
	AuthoredOn                string          `json:"authoredOn,omitempty"`
	Requester                 *Reference      `json:"requester,omitempty"`
	DosageInstruction         []Dosage        `json:"dosageInstruction,omitempty"`
}

// Dosage is how a drug is taken.
type Dosage struct {
	Text        string           `json:"text,omitempty"`
	Timing      *Timing          `json:"timing,omitempty"`
	DoseAndRate []DoseAndRate    `json:"doseAndRate,omitempty"`
	Route       *CodeableConcept `json:"route,omitempty"`
}

// Timing says when a dose is taken.
type Timing struct {
	Repeat *TimingRepeat `json:"repeat,omitempty"`
}

// TimingRepeat is a repeating schedule.
type TimingRepeat struct {
	BoundsDuration *Quantity `json:"boundsDuration,omitempty"`
	Count          int       `json:"count,omitempty"`
	Frequency      int       `json:"frequency,omitempty"`
	Period         float64   `json:"period,omitempty"`
	PeriodUnit     string    `json:"periodUnit,omitempty"`
}

// DoseAndRate holds the amount of one dose.
type DoseAndRate struct {
	DoseQuantity *Quantity `json:"doseQuantity,omitempty"`
}
