package httpedge

import (
	"context"
	"time"
)

// MaxAuditQuery bounds the query string an audit record carries: the
// record is evidence of what was asked, not a store for whatever a client
// sends.
const MaxAuditQuery = 512

// Audit is one request as the audit hook sees it.
type Audit struct {
	Time      time.Time // when the request arrived, UTC
	Principal Principal // the zero Principal (anonymous) when refused at the edge
	Method    string
	Route     string // the declared path pattern
	Path      string
	Query     string // at most MaxAuditQuery bytes
	Status    int
	Duration  time.Duration
	Rows      uint64 // as the handler reported with SetRows
	Remote    string // client address (after trusted proxies)
}

// Auditor records requests; each surface brings its own (the BI writes
// kpi_audit, the doctor API its audit table). Audit runs after the
// response, on the request's goroutine: it must not block on I/O.
type Auditor interface {
	Audit(ctx context.Context, a Audit)
}

// TruncateQuery cuts a query string to MaxAuditQuery bytes, for an
// auditor that takes records from elsewhere than the edge or wants to
// hold that bound itself.
func TruncateQuery(q string) string { return truncate(q, MaxAuditQuery) }

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && s[i]&0xC0 == 0x80 { // continuation byte
		i--
	}
	return s[:i]
}
