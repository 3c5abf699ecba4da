package access_test

import (
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/analytics/access"
	"github.com/oqim/oqim/analytics/api"
	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/connectors/clickhouse/chtest"
	"github.com/oqim/oqim/connectors/clickhouse/migrate"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/models/region"
)

func auditDB(t *testing.T) (driver.Conn, string) {
	t.Helper()
	conn, db := chtest.Database(t)
	// Only kpi_audit: the rest of the BI's schema reads tables these
	// tests do not need.
	ddl, err := fs.ReadFile(kpi.Migrations(), migrate.Dir+"/0006_kpi_audit.sql")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := conn.Exec(ctx, strings.ReplaceAll(string(ddl), "{db}", db)); err != nil {
		t.Fatal(err)
	}
	return conn, db
}

// A 900 KB query string reaches kpi_audit as at most MaxAuditQuery bytes,
// whichever way the entry arrives.
func TestAuditStoresTruncatedQuery(t *testing.T) {
	conn, db := auditDB(t)
	a := access.NewClickHouseAuditor(conn, db, nil)
	defer a.Close(context.Background())
	huge := "region=UZ-JI&x=" + strings.Repeat("A", 900<<10)
	analyst := httpedge.Principal{Kind: httpedge.Analyst, ID: "ji", Name: "ji", Role: "analyst", Regions: []string{"UZ-JI"}}
	a.Audit(context.Background(), httpedge.Audit{Time: time.Now(), Principal: analyst, Method: "GET", Route: "/api/v1/kpi/calls",
		Path: "/api/v1/kpi/calls", Query: huge, Status: 200, Remote: "192.0.2.7"})
	a.Add(access.Entry{Time: time.Now(), Principal: "direct", Method: "GET", Path: "/api/v1/kpi/calls", Query: huge, Status: 200})
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n, longest uint64
	if err := conn.QueryRow(context.Background(), "SELECT count(), max(length(query)) FROM "+db+".kpi_audit").Scan(&n, &longest); err != nil {
		t.Fatal(err)
	}
	if n != 2 || longest > httpedge.MaxAuditQuery {
		t.Fatalf("%d rows, longest query %d bytes; want 2 rows of at most %d", n, longest, httpedge.MaxAuditQuery)
	}
}

// An anonymous flood with 900 KB query strings is counted per minute,
// route and client network: a few rows, no query stored, the count in
// rows.
func TestUnauthenticatedFloodIsAggregated(t *testing.T) {
	conn, db := auditDB(t)
	ref, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	auth, err := access.New(access.Config{JWT: access.JWT{Secret: strings.Repeat("k", 32)}}, ref.RegionIDs())
	if err != nil {
		t.Fatal(err)
	}
	a := access.NewClickHouseAuditor(conn, db, nil)
	defer a.Close(context.Background())
	srv := httptest.NewServer(api.New(api.Options{Store: kpi.NewStore(conn, db), Regions: ref.RegionIDs(), Access: auth, Audit: a}))
	defer srv.Close()
	const flood = 120
	huge := strings.Repeat("q", 900<<10)
	began := time.Now()
	for i := range flood {
		path := "/api/v1/kpi/applications"
		if i%2 == 1 {
			path = "/api/v1/kpi/chatbot"
		}
		resp, err := http.Get(srv.URL + path + "?x=" + huge)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var rows, requests, longest uint64
	err = conn.QueryRow(context.Background(), "SELECT count(), sum(rows), max(length(query)) FROM "+db+".kpi_audit WHERE principal = 'unauthenticated' AND status = 401").Scan(&rows, &requests, &longest)
	if err != nil {
		t.Fatal(err)
	}
	// Two routes, one network: two rows per minute the flood spanned (on
	// a loaded machine under -race it can take more than one).
	minutes := uint64(time.Now().Truncate(time.Minute).Sub(began.Truncate(time.Minute))/time.Minute) + 1
	if rows < 2 || rows > 2*minutes || requests != flood || longest != 0 {
		t.Fatalf("%d rows counting %d requests, longest query %d bytes; want 2 rows per minute spanned (%d) counting %d, no query", rows, requests, longest, minutes, flood)
	}
	var remote string
	if err := conn.QueryRow(context.Background(), "SELECT any(remote) FROM "+db+".kpi_audit WHERE principal = 'unauthenticated'").Scan(&remote); err != nil || remote != "127.0.0.0/24" {
		t.Errorf("remote %q (%v), want the client's /24", remote, err)
	}
}
