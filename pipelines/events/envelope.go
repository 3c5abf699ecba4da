// Package events defines Oqim's event envelope and the typed payloads that
// agencies send, with their validation, and Parser, the one reader of the
// envelope that every part of Oqim uses. Decoding goes straight into
// columnar batches, so the ingest hot path never builds per-event structs.
package events

import (
	"fmt"
	"time"
)

// Envelope field names, as they appear on the wire.
const (
	FieldID       = "id"
	FieldSource   = "source"
	FieldType     = "type"
	FieldTime     = "time"
	FieldRegion   = "region"
	FieldDistrict = "district"
	FieldData     = "data"
)

// Reason classifies why a record was rejected; it labels DLQ metrics, so
// the set is small and fixed.
type Reason string

const (
	ReasonMalformed     Reason = "malformed_json"
	ReasonMissingField  Reason = "missing_field"
	ReasonWrongType     Reason = "wrong_type"
	ReasonInvalidValue  Reason = "invalid_value"
	ReasonUnknownType   Reason = "unknown_type"
	ReasonUnknownRegion Reason = "unknown_region"
	ReasonTooLarge      Reason = "too_large"
	ReasonFutureTime    Reason = "future_time"
	// ReasonDuplicateKey: a key Oqim reads occurs twice in one record, so
	// the record has no single meaning (see Parser).
	ReasonDuplicateKey Reason = "duplicate_key"
	// ReasonStoreRejected: the record passed validation but the store
	// (ClickHouse) refused its row for a reason retrying cannot cure; the
	// detail is the store's error. It is not in Reasons, which are what
	// validation can say about a record.
	ReasonStoreRejected Reason = "store_rejected"
)

// Reasons lists every Reason validation gives, for metrics that must
// exist before the first bad record arrives.
var Reasons = []Reason{ReasonMalformed, ReasonMissingField, ReasonWrongType, ReasonInvalidValue,
	ReasonUnknownType, ReasonUnknownRegion, ReasonTooLarge, ReasonFutureTime, ReasonDuplicateKey}

// FieldError says which field of a record is wrong and why.
type FieldError struct {
	Field  string `json:"field,omitempty"`
	Reason Reason `json:"reason"`
	Detail string `json:"detail"`
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", e.Reason, e.Detail)
	}
	return fmt.Sprintf("field %q: %s: %s", e.Field, e.Reason, e.Detail)
}

// Limits bound what a record may contain.
type Limits struct {
	// MaxBytes is the largest accepted record.
	MaxBytes int
	// MaxClockSkew is how far in the future an event time may be.
	MaxClockSkew time.Duration
	// Oldest is the earliest accepted event time.
	Oldest time.Time
}

// DefaultLimits suit agency events: Kafka's default 1 MB message limit is
// far above any real event, so 64 KiB catches runaway payloads early.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:     64 << 10,
		MaxClockSkew: 5 * time.Minute,
		Oldest:       time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

// Event is an envelope as a producer writes it, with the type's payload
// as Data; Parser is its reader. Oqim's own producers (the chatbot, the
// open-data poller) marshal this one type, so what they write and what
// the pipeline reads are one format by construction. The generator,
// whose output is benchmarked, appends the same keys by hand instead.
type Event[D any] struct {
	ID       string    `json:"id"`
	Source   string    `json:"source"`
	Type     string    `json:"type"`
	Time     time.Time `json:"time"`
	Region   string    `json:"region,omitempty"`
	District string    `json:"district,omitempty"`
	Data     D         `json:"data"`
}
