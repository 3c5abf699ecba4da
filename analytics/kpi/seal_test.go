package kpi_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/analytics/kpi/kpitest"
)

// sealedFamilies are the raw tables behind the sealed counts, with their
// id column.
var sealedFamilies = []struct{ family, table, id string }{
	{"applications", "portal_applications", "application_id"},
	{"prescriptions", "e_prescriptions", "prescription_id"},
	{"calls", "emergency_calls", "call_id"},
}

// sealSnapshot renders, at full precision, every KPI that reads sealed
// counts: at every level, per day and per week, nationally, for one
// region and for a two-region scope, plus the application counts.
func sealSnapshot(t *testing.T, e *kpitest.Env, s *kpi.Store) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	filters := map[string]kpi.Filter{}
	for _, g := range []kpi.Granularity{kpi.Day, kpi.Week} {
		for _, lvl := range []kpi.Level{kpi.LevelCountry, kpi.LevelRegion, kpi.LevelDistrict} {
			f := national(e)
			f.Granularity, f.Level = g, lvl
			filters[fmt.Sprintf("national %s %s", g, lvl)] = f
			f.Region = "UZ-SA"
			filters[fmt.Sprintf("UZ-SA %s %s", g, lvl)] = f
			f.Region, f.Scope = "", kpi.RegionScope("UZ-SA", "UZ-TK")
			filters[fmt.Sprintf("UZ-SA+UZ-TK %s %s", g, lvl)] = f
		}
	}
	for name, f := range filters {
		for _, tb := range []*kpi.Table{kpi.EServices, kpi.EServicesElectronic, kpi.Prescriptions, kpi.Calls} {
			fmt.Fprintf(&b, "## %s %s\n", tb.Name, name)
			err := s.Stream(ctx, tb, f, func(r *kpi.Row) error {
				for i, c := range r.Columns() {
					switch c.Type {
					case kpi.String:
						b.WriteString(r.Str(i))
					case kpi.Int:
						b.WriteString(strconv.FormatInt(r.Int(i), 10))
					case kpi.Float:
						b.WriteString(strconv.FormatFloat(r.Float(i), 'g', -1, 64))
					case kpi.Date:
						b.WriteString(r.Date(i).Format(time.DateOnly))
					}
					b.WriteByte('|')
				}
				b.WriteByte('\n')
				return nil
			})
			if err != nil {
				t.Fatalf("%s %s: %v", tb.Name, name, err)
			}
		}
		apps, err := s.Applications(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "## applications %s\n%v\n", name, apps)
	}
	// Map iteration order varies: sort the sections.
	parts := strings.Split(b.String(), "## ")
	slices.Sort(parts)
	return strings.Join(parts, "## ")
}

// sameAsLive fails unless the store (sealed days sealed, the others
// live) gives exactly what the live rollups alone give, and returns that.
func sameAsLive(t *testing.T, e *kpitest.Env, what string) string {
	t.Helper()
	return sameAs(t, e, what, sealSnapshot)
}

// sameAs fails unless render gives the same with the store and with its
// LiveOnly twin, and returns that.
func sameAs(t *testing.T, e *kpitest.Env, what string, render func(*testing.T, *kpitest.Env, *kpi.Store) string) string {
	t.Helper()
	live, got := render(t, e, e.Store.LiveOnly()), render(t, e, e.Store)
	compare(t, what, strings.Split(got, "\n"), strings.Split(live, "\n"))
	if len(live) < 20000 {
		t.Fatalf("%s: results suspiciously small: %d bytes", what, len(live))
	}
	return got
}

// insertDay copies the raw rows of day (YYYY-MM-DD) of table into it
// again; with late set, only one row, under a new id: a replay of the day,
// or an event that arrives after the day was sealed.
func insertDay(t *testing.T, e *kpitest.Env, table, id, day string, late bool) {
	t.Helper()
	ctx := context.Background()
	rows, err := e.Conn.Query(ctx, "SELECT name FROM system.columns WHERE database = ? AND table = ? AND default_kind = ''", e.DB, table)
	if err != nil {
		t.Fatal(err)
	}
	var cols, sel []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
		if late && (c == id || c == "id") { // a new event of a new entity
			c = "concat(" + c + ", '-late')"
		}
		sel = append(sel, c)
	}
	rows.Close()
	q := "INSERT INTO " + e.DB + "." + table + " (" + strings.Join(cols, ", ") + ") SELECT " + strings.Join(sel, ", ") +
		" FROM " + e.DB + "." + table + " WHERE toDate(time) = toDate('" + day + "')"
	if late {
		q += " ORDER BY " + id + " LIMIT 1"
	}
	if err := e.Conn.Exec(ctx, q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestSealedDays checks that sealed daily counts change no result: with
// part of the period sealed, all closed days sealed, a sealed day
// replayed, and an event arriving late for a sealed day, every KPI that
// reads them equals the live rollups and the raw events.
func TestSealedDays(t *testing.T) {
	e := kpitest.Load(t, kpitest.Options{Applications: 1500})
	ctx := context.Background()
	before := sameAsLive(t, e, "nothing sealed")

	// Part of the period sealed: the days before ten days ago.
	sl := kpi.NewSealer(e.Conn, e.DB)
	sl.Settle, sl.Before = 0, e.Now.AddDate(0, 0, -10)
	st, err := sl.Seal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, fam := range sealedFamilies {
		if st.Days[fam.family] < 15 {
			t.Fatalf("sealed %v, want the days before ten days ago of every family", st.Days)
		}
	}
	if got := sameAsLive(t, e, "sealed up to ten days ago"); got != before {
		t.Fatal("results changed by sealing")
	}

	// Every closed day sealed; today stays live. A second run has
	// nothing left to seal.
	sl.Before = time.Time{}
	if st, err = sl.Seal(ctx); err != nil || st.Days["applications"] == 0 || st.Days["calls"] == 0 {
		t.Fatalf("sealing the rest: %v, %v", st.Days, err)
	}
	if st, err = sl.Seal(ctx); err != nil || st.Total() != 0 {
		t.Fatalf("sealing again: %v, %v", st.Days, err)
	}
	if got := sameAsLive(t, e, "all closed days sealed"); got != before {
		t.Fatal("results changed by sealing")
	}
	t.Run("RollupsEqualRawEvents", func(t *testing.T) { rollupsEqualRawEvents(t, e) })
	t.Run("ApplicationDaysEqualRawEvents", func(t *testing.T) { applicationDaysEqualRawEvents(t, e) })

	// The sealed counts are what is read: doubling a sealed day's rows
	// changes the results.
	day := e.Now.AddDate(0, 0, -5).Format(time.DateOnly)
	for _, tb := range []string{"kpi_sealed_application_status_uz", "kpi_sealed_application_days_uz", "kpi_sealed_application_days", "kpi_sealed_prescription_days", "kpi_sealed_call_days"} {
		q := "INSERT INTO " + e.DB + "." + tb + " SELECT * FROM " + e.DB + "." + tb + " WHERE day = toDate('" + day + "')"
		if err := e.Conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if sealSnapshot(t, e, e.Store) == before {
		t.Fatal("doubling the sealed rows of a day changed nothing: the sealed counts are not read")
	}

	// A replay of that day touches it: its seal (now wrong) is no longer
	// read, and the results are the live ones again.
	for _, fam := range sealedFamilies {
		insertDay(t, e, fam.table, fam.id, day, false)
	}
	if got := sameAsLive(t, e, "a sealed day replayed"); got != before {
		t.Fatal("results changed by a replay")
	}
	// The next run seals that day again, and only it.
	if st, err = sl.Seal(ctx); err != nil || st.Total() != len(sealedFamilies) {
		t.Fatalf("sealing the replayed day: %v, %v", st.Days, err)
	}
	if got := sameAsLive(t, e, "a replayed day sealed again"); got != before {
		t.Fatal("results changed by sealing a replayed day")
	}

	// A late event for another sealed day changes the results, sealed
	// or not, and stays equal to the raw events.
	late := e.Now.AddDate(0, 0, -20).Format(time.DateOnly)
	for _, fam := range sealedFamilies {
		insertDay(t, e, fam.table, fam.id, late, true)
	}
	if got := sameAsLive(t, e, "a late event on a sealed day"); got == before {
		t.Fatal("a late event changed nothing")
	}
	t.Run("RollupsEqualRawEventsAfterALateEvent", func(t *testing.T) { rollupsEqualRawEvents(t, e) })
	t.Run("ApplicationDaysEqualRawEventsAfterALateEvent", func(t *testing.T) { applicationDaysEqualRawEvents(t, e) })
	if st, err = sl.Seal(ctx); err != nil || st.Total() != len(sealedFamilies) {
		t.Fatalf("sealing the late day: %v, %v", st.Days, err)
	}
	sameAsLive(t, e, "a late event sealed")
	t.Run("RollupsEqualRawEventsSealedAfterALateEvent", func(t *testing.T) { rollupsEqualRawEvents(t, e) })
}
