package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/connectors/clickhouse"
)

// Audit outcomes.
const (
	OutcomeOK       = "ok"
	OutcomeNotFound = "not_found" // missing, or another doctor's
	OutcomeRejected = "rejected"  // the request was refused (format, size, ...)
	OutcomeError    = "error"
)

// AuditRecord is one access to patient data: who, what, when, outcome. It
// never carries the data itself.
type AuditRecord struct {
	Time time.Time
	// Actor is "doctor" for requests, or the component acting for the
	// doctor ("asr-worker", "notes-worker", "retention").
	Actor      string
	DoctorID   string
	Action     string
	ResourceID string
	PatientID  string
	Outcome    string
	// Detail says why for outcomes other than ok; never patient text.
	Detail string
}

// Auditor records accesses. Callers treat an error as a reason to refuse
// the access: what cannot be audited is not served.
type Auditor interface {
	Record(ctx context.Context, r AuditRecord) error
}

// Audit writes [AuditRecord]s to the doctor_audit table.
type Audit struct {
	conn  driver.Conn
	table string
	now   func() time.Time
}

// NewAudit returns an Audit writing to db.doctor_audit.
func NewAudit(conn driver.Conn, db string) *Audit {
	return &Audit{conn: conn, table: db + ".doctor_audit", now: time.Now}
}

var auditColumns = []string{"time", "actor", "doctor_id", "action", "resource_id", "patient_id", "outcome", "detail"}

// Record implements [Auditor]; a zero Time means now.
func (a *Audit) Record(ctx context.Context, r AuditRecord) error {
	if r.Time.IsZero() {
		r.Time = a.now()
	}
	err := clickhouse.Insert(ctx, a.conn, a.table, auditColumns, []any{
		[]time.Time{r.Time.UTC()}, []string{r.Actor}, []string{r.DoctorID}, []string{r.Action},
		[]string{r.ResourceID}, []string{r.PatientID}, []string{r.Outcome}, []string{r.Detail},
	})
	if err != nil {
		return fmt.Errorf("worker: audit: %w", err)
	}
	return nil
}
