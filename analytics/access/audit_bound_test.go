package access_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/analytics/access"
	"github.com/oqim/oqim/connectors/httpedge"
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

// Unauthenticated requests from more networks than the bound share one
// counter per route: addresses and methods a client picks cannot grow
// the auditor's memory.
func TestUnauthenticatedCountersAreBounded(t *testing.T) {
	conn, db := auditDB(t)
	a := access.NewAuditor(conn, db, access.AuditorConfig{MaxUnauthenticated: 2})
	defer a.Close(context.Background())
	now := time.Now()
	for i := range 50 {
		a.Audit(context.Background(), httpedge.Audit{Time: now, Method: fmt.Sprintf("M%d", i), Route: "/api/v1/kpi/calls",
			Path: "/api/v1/kpi/calls", Status: 401, Remote: fmt.Sprintf("198.51.%d.9", i)})
	}
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var rows, requests uint64
	if err := conn.QueryRow(context.Background(), "SELECT count(), sum(rows) FROM "+db+".kpi_audit").Scan(&rows, &requests); err != nil {
		t.Fatal(err)
	}
	if rows != 3 || requests != 50 {
		t.Fatalf("%d rows counting %d requests; want 2 networks and one \"other\" counting 50", rows, requests)
	}
}
