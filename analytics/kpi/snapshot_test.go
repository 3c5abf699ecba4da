package kpi_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/analytics/kpi/kpitest"
)

// appTables are the KPIs that read the application snapshot.
var appTables = []*kpi.Table{kpi.EServicesProcessing, kpi.EServicesStalled, kpi.EServicesTop}

// appSnapshot renders the per-application KPIs at every level, per day
// and per week, nationally, for one region and for a two-region scope.
func appSnapshot(t *testing.T, e *kpitest.Env, s *kpi.Store) string {
	t.Helper()
	var sections []string
	for _, g := range []kpi.Granularity{kpi.Day, kpi.Week} {
		for _, lvl := range []kpi.Level{kpi.LevelCountry, kpi.LevelRegion, kpi.LevelDistrict} {
			f := national(e)
			f.Granularity, f.Level, f.Limit = g, lvl, 1000
			filters := map[string]kpi.Filter{"national": f}
			f.Region = "UZ-SA"
			filters["UZ-SA"] = f
			f.Region, f.Scope = "", kpi.RegionScope("UZ-SA", "UZ-TK")
			filters["UZ-SA+UZ-TK"] = f
			for name, f := range filters {
				for _, tb := range appTables {
					rows := dump(t, s, tb, f)
					sections = append(sections, fmt.Sprintf("## %s %s %s %s\n%s", tb.Name, name, g, lvl, strings.Join(rows, "\n")))
				}
			}
		}
	}
	slices.Sort(sections)
	return strings.Join(sections, "\n")
}

// sameAppsAsLive fails unless the store gives exactly what merging every
// application live gives, and returns that.
func sameAppsAsLive(t *testing.T, e *kpitest.Env, what string) string {
	t.Helper()
	return sameAs(t, e, what, appSnapshot)
}

// portalColumns are the columns of portal_applications an event sets.
const portalColumns = "id, source, time, region, district, status, application_id, service_id, agency, channel, deadline"

// TestApplicationSnapshot checks that the application snapshot changes no
// result, before any run, after the first, after late events (a new
// decision, a submission moved to the month before, a new application)
// and after the run that picks those up; that a run with nothing changed
// rebuilds nothing; and that the snapshot is what the queries read.
func TestApplicationSnapshot(t *testing.T) {
	e := kpitest.Load(t, kpitest.Options{Applications: 1500, Seed: 7})
	ctx := context.Background()
	before := sameAppsAsLive(t, e, "no snapshot")

	sl := kpi.NewSealer(e.Conn, e.DB)
	sl.Settle = 0
	st, err := sl.Seal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var submitted uint64
	if err := e.Conn.QueryRow(ctx, "SELECT uniqExact(region, district, service_id, application_id) FROM "+e.DB+".portal_applications WHERE status = 'submitted'").Scan(&submitted); err != nil {
		t.Fatal(err)
	}
	if st.Snapshot.Months < 2 || st.Snapshot.Apps != submitted {
		t.Fatalf("first run rebuilt %d months holding %d applications; want every month (at least 2) and the %d submitted applications", st.Snapshot.Months, st.Snapshot.Apps, submitted)
	}
	if got := sameAppsAsLive(t, e, "first run"); got != before {
		t.Fatal("results changed by the snapshot")
	}
	t.Run("EqualRawEvents", func(t *testing.T) { applicationFactsEqualRawEvents(t, e) })

	now := e.Now.Unix()
	late := []string{
		// A decision an hour after submission, for applications of the
		// last month submitted at least two days ago.
		"SELECT concat(id, '-dec'), source, time + 3600, region, district, 'decided', application_id, service_id, agency, channel, deadline" +
			" FROM {t} WHERE status = 'submitted' AND time >= toStartOfMonth(toDateTime(?)) AND time < toDateTime(?) - 2 * 86400 ORDER BY id LIMIT 5",
		// A submission arriving late, dated a day before the month the
		// applications were submitted in: they move to the previous month.
		"SELECT concat(id, '-early'), source, toDateTime(toStartOfMonth(time)) - 86400 + 3600, region, district, 'submitted', application_id, service_id, agency, channel, deadline" +
			" FROM {t} WHERE status = 'submitted' AND time >= toStartOfMonth(toDateTime(?)) AND time < toDateTime(?) ORDER BY id DESC LIMIT 5",
		// A new application, two days ago.
		"SELECT concat(id, '-new'), source, toDateTime(?) - 2 * 86400, region, district, 'submitted', concat(application_id, '-new'), service_id, agency, channel, deadline" +
			" FROM {t} WHERE status = 'submitted' ORDER BY id LIMIT 1",
	}
	for i, q := range late {
		args := []any{now, now}
		if i == 2 {
			args = args[:1]
		}
		q = "INSERT INTO " + e.DB + ".portal_applications (" + portalColumns + ") " + strings.ReplaceAll(q, "{t}", e.DB+".portal_applications")
		if err := e.Conn.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if got := sameAppsAsLive(t, e, "late events"); got == before {
		t.Fatal("the late events changed nothing")
	}
	t.Run("EqualRawEventsAfterLateEvents", func(t *testing.T) { applicationFactsEqualRawEvents(t, e) })

	// Changes are stamped to the second: a run in a later second than
	// the inserts takes them in, so that the run after it has nothing.
	time.Sleep(1100 * time.Millisecond)
	if st, err = sl.Seal(ctx); err != nil || st.Snapshot.Months < 2 {
		t.Fatalf("run after the late events: rebuilt %d months (want the months before and after the moved submissions), %v", st.Snapshot.Months, err)
	}
	after := sameAppsAsLive(t, e, "late events in the snapshot")
	t.Run("EqualRawEventsWithLateEventsInTheSnapshot", func(t *testing.T) { applicationFactsEqualRawEvents(t, e) })
	if st, err = sl.Seal(ctx); err != nil || st.Snapshot.Months != 0 {
		t.Fatalf("run with nothing changed: rebuilt %d months, %v", st.Snapshot.Months, err)
	}

	// One refresh at a time: a run that finds another run's staging table
	// leaves the snapshot alone; a staging table an hour old is the
	// remains of a dead run, dropped.
	runs := func() (n uint64) {
		if err := e.Conn.QueryRow(ctx, "SELECT count() FROM "+e.DB+".kpi_application_snapshot_runs").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, age := range []time.Duration{0, 2 * time.Hour} {
		other := fmt.Sprintf("kpi_application_snapshot_stage_%d", time.Now().Add(-age).UnixNano())
		if err := e.Conn.Exec(ctx, "CREATE TABLE "+e.DB+"."+other+" AS "+e.DB+".kpi_application_snapshot"); err != nil {
			t.Fatal(err)
		}
		n := runs()
		st, err := sl.Seal(ctx)
		var left uint64
		if err2 := e.Conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = ?", e.DB, other).Scan(&left); err2 != nil {
			t.Fatal(err2)
		}
		switch {
		case err != nil:
			t.Fatal(err)
		case age == 0 && (!st.Snapshot.Busy || runs() != n || left != 1):
			t.Fatalf("with another run under way: busy %v, runs %d → %d, its table left %d", st.Snapshot.Busy, n, runs(), left)
		case age > 0 && (st.Snapshot.Busy || runs() != n+1 || left != 0):
			t.Fatalf("with a dead run's staging table: busy %v, runs %d → %d, its table left %d", st.Snapshot.Busy, n, runs(), left)
		}
		if age == 0 {
			if err := e.Conn.Exec(ctx, "DROP TABLE "+e.DB+"."+other); err != nil {
				t.Fatal(err)
			}
		}
	}
	sameAppsAsLive(t, e, "after the concurrent runs")

	// The snapshot is what is read: doubling its rows changes the results.
	if err := e.Conn.Exec(ctx, "INSERT INTO "+e.DB+".kpi_application_snapshot SELECT * FROM "+e.DB+".kpi_application_snapshot"); err != nil {
		t.Fatal(err)
	}
	if appSnapshot(t, e, e.Store) == after {
		t.Fatal("doubling the snapshot changed nothing: it is not read")
	}
}
