// Package lifecycle keeps the doctor's clinical-note records: a draft the
// doctor edits, signs (final), and Oqim then delivers to Digital
// Healthcare as a FHIR R4 Bundle, in the background, until it is
// delivered or has failed (and the doctor may retry).
//
//	draft ──edit──▶ draft ──sign──▶ signed ──deliver──▶ delivered
//	                                   │                    ▲
//	                                   └──▶ failed ──retry──┘
//
// Records live in ClickHouse (migration 0013, table clinical_notes), one
// row per version, so the table is also the record's history. Only the
// author reads or changes a record; any other doctor is told it does not
// exist. Changes carry the version they were based on (optimistic
// concurrency); a stale version or a change to a signed record is a
// conflict.
package lifecycle

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/oqim/oqim/inference/clinical/notes"
)

// Statuses of a record.
const (
	Draft     = "draft"
	Signed    = "signed"    // final; delivery pending or under way
	Delivered = "delivered" // Digital Healthcare stored the Bundle
	Failed    = "failed"    // delivery gave up; the doctor may retry
)

// Errors of the transitions. The HTTP layer maps them to 404 and 409.
var (
	// ErrNotFound: no such record, or another doctor's.
	ErrNotFound = errors.New("lifecycle: clinical note not found")
	// ErrOtherAuthor: the record is another doctor's. It matches
	// ErrNotFound, and callers must answer as for a missing record, so
	// that its existence does not leak; it is told apart for the audit.
	ErrOtherAuthor = fmt.Errorf("%w (another doctor's)", ErrNotFound)
	// ErrConflict: the version is stale, the record is signed, or
	// another writer changed it at the same moment.
	ErrConflict = errors.New("lifecycle: conflict")
)

// Record is one clinical note and where it is in its lifecycle.
type Record struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	Version     uint64 `json:"version"`
	PatientID   string `json:"patient_id"`
	EncounterID string `json:"encounter_id"`
	// Note is the structured note, as the doctor last saved it.
	Note *notes.Note `json:"note"`
	// Differential is the assistant's differential as the page sent it
	// (decision support, kept with the record, never delivered).
	Differential json.RawMessage `json:"differential"`
	// ConfirmedConditions are the diagnoses the doctor confirmed; only
	// they become Conditions of the delivered Bundle.
	ConfirmedConditions []Condition `json:"confirmed_conditions"`
	// Source is what the note was made from (the dictation's text).
	Source json.RawMessage `json:"source"`

	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedBy string     `json:"updated_by"`
	UpdatedAt time.Time  `json:"updated_at"`
	SignedBy  string     `json:"signed_by"`
	SignedAt  *time.Time `json:"signed_at"`
	Delivery  Delivery   `json:"delivery"`
}

// Condition is a diagnosis the doctor confirmed.
type Condition struct {
	// ICD10 is one ICD-10 code, such as J18.9.
	ICD10 string `json:"icd10"`
	Name  string `json:"name"`
	// ConditionID is the assistant's condition, when it came from the
	// differential.
	ConditionID string `json:"condition_id,omitempty"`
}

// Delivery is the state of the record's delivery to Digital Healthcare.
type Delivery struct {
	// Attempts counts every POST to the FHIR server, retries included.
	Attempts    int        `json:"attempts"`
	LastError   string     `json:"last_error"`
	DeliveredAt *time.Time `json:"delivered_at"`
	// Location is where Digital Healthcare stored the Bundle.
	Location string `json:"location"`
}

// Version is one row of a record's history: who changed it, when, into
// which status.
type Version struct {
	Version   uint64    `json:"version"`
	Status    string    `json:"status"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}
