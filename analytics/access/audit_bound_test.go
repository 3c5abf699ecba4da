package access_test

import (
	"context"
	"strings"
	"testing"

	"github.com/oqim/oqim/analytics/access"
)

// While ClickHouse refuses the writes, the backlog stays within
// MaxPending and what overflows is counted, not held.
func TestAuditBacklogIsBounded(t *testing.T) {
	conn, _ := auditDB(t)
	a := access.NewAuditor(conn, "no_such_database", access.AuditorConfig{MaxPending: 10})
	defer a.Close(context.Background())
	for range 25 {
		a.Add(access.Entry{Principal: "p", Query: strings.Repeat("x", 100)})
	}
	if err := a.Flush(context.Background()); err == nil {
		t.Fatal("writing to a missing database succeeded")
	}
	if p, d := a.Pending(), a.Dropped(); p > 10 || p+int(d) != 25 {
		t.Fatalf("pending %d, dropped %d; want at most 10 held and the rest of 25 counted", p, d)
	}
}
