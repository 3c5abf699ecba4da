package kpi_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/analytics/kpi/kpitest"
)

// TestKPIs loads one database with a month of generated events of every
// family and runs the read-only checks on it (loading costs seconds).
func TestKPIs(t *testing.T) {
	e := kpitest.Load(t, kpitest.Options{Applications: 3000})
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, *kpitest.Env)
	}{
		{"EveryTableAnswersAtEveryLevelAndGranularity", everyTableAnswers},
		{"DrillDownAddsUp", drillDownAddsUp},
		{"RollupsEqualRawEvents", rollupsEqualRawEvents},
		{"TelecomShowsTheHeadlineGap", telecomShowsTheHeadlineGap},
		{"ProjectsCoverTheDecree", projectsCoverTheDecree},
		{"ProjectsConcurrently", projectsConcurrently},
		{"ScopeIsInEveryQuery", scopeIsInEveryQuery},
		{"ChatbotUsage", chatbotUsage},
		{"AssistantsCountDoctorsWork", assistantsCountDoctorsWork},
		{"ApplicationFactsEqualRawEvents", applicationFactsEqualRawEvents},
		{"ApplicationDaysEqualRawEvents", applicationDaysEqualRawEvents},
		// Last: it inserts every event a second time.
		{"ReplayLeavesEveryKPIUnchanged", replayLeavesEveryKPIUnchanged},
		{"ApplicationFactsEqualRawEventsAfterReplay", applicationFactsEqualRawEvents},
		{"ApplicationDaysEqualRawEventsAfterReplay", applicationDaysEqualRawEvents},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, e) })
	}
}

func national(e *kpitest.Env) kpi.Filter {
	return kpi.Filter{Scope: kpi.NationalScope(), Period: kpi.Period{From: e.Now.AddDate(0, 0, -40), To: e.Now.Add(time.Minute)}}
}

// dump renders every row of a table as text, for comparisons.
func dump(t *testing.T, s *kpi.Store, tb *kpi.Table, f kpi.Filter) []string {
	t.Helper()
	out, err := collect(s, tb, f)
	if err != nil {
		t.Fatalf("%s: %v", tb.Name, err)
	}
	return out
}

// collect is dump for goroutines other than the test's.
func collect(s *kpi.Store, tb *kpi.Table, f kpi.Filter) ([]string, error) {
	var out []string
	err := s.Stream(context.Background(), tb, f, func(r *kpi.Row) error {
		var b strings.Builder
		for i, c := range r.Columns() {
			if i > 0 {
				b.WriteByte('|')
			}
			switch c.Type {
			case kpi.String:
				b.WriteString(r.Str(i))
			case kpi.Int:
				fmt.Fprint(&b, r.Int(i))
			case kpi.Float:
				fmt.Fprintf(&b, "%.6g", r.Float(i))
			case kpi.Date:
				b.WriteString(r.Date(i).Format(time.DateOnly))
			}
		}
		out = append(out, b.String())
		return nil
	})
	return out, err
}

func everyTableAnswers(t *testing.T, e *kpitest.Env) {
	for _, tb := range kpi.Tables() {
		for _, lvl := range []kpi.Level{kpi.LevelCountry, kpi.LevelRegion, kpi.LevelDistrict} {
			for _, g := range []kpi.Granularity{kpi.Day, kpi.Week, kpi.Month, kpi.Quarter} {
				f := national(e)
				f.Level, f.Granularity = lvl, g
				rows := dump(t, e.Store, tb, f)
				if len(rows) == 0 {
					t.Errorf("%s level %s granularity %s: no rows", tb.Name, lvl, g)
				}
			}
		}
	}
}

// The doctors' work counts whether it began as audio or as typed text: a
// note signed and delivered from text is in the assistants' table.
func assistantsCountDoctorsWork(t *testing.T, e *kpitest.Env) {
	f := national(e)
	f.Level, f.Granularity = kpi.LevelCountry, kpi.Quarter
	got := map[string]int64{}
	cols := []string{"doctor_jobs", "doctor_transcriptions", "doctor_notes", "doctor_notes_signed", "doctor_notes_delivered"}
	err := e.Store.Stream(context.Background(), kpi.Assistants, f, func(r *kpi.Row) error {
		for _, c := range cols {
			got[c] += r.Int(kpi.Assistants.Index(c))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"doctor_jobs": 2, "doctor_transcriptions": 1, "doctor_notes": 1, "doctor_notes_signed": 1, "doctor_notes_delivered": 1}
	for _, c := range cols {
		if got[c] != want[c] {
			t.Errorf("%s = %d, want %d", c, got[c], want[c])
		}
	}
}

func drillDownAddsUp(t *testing.T, e *kpitest.Env) {
	f := national(e)
	f.Granularity = kpi.Quarter
	sum := func(level kpi.Level, col string) int64 {
		f.Level = level
		var n int64
		i := kpi.Calls.Index(col)
		_ = e.Store.Stream(context.Background(), kpi.Calls, f, func(r *kpi.Row) error { n += r.Int(i); return nil })
		return n
	}
	c, r, d := sum(kpi.LevelCountry, "calls"), sum(kpi.LevelRegion, "calls"), sum(kpi.LevelDistrict, "calls")
	if c == 0 || c != r || r != d {
		t.Fatalf("calls: country %d, regions %d, districts %d", c, r, d)
	}
}

// rawInt runs a query over the raw event tables (with FINAL) and returns
// its single integer.
func rawInt(t *testing.T, conn driver.Conn, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := conn.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func rollupsEqualRawEvents(t *testing.T, e *kpitest.Env) {
	ctx := context.Background()
	db := e.DB
	f := national(e)
	from, to := f.Period.From.UTC().Format(time.DateOnly), f.Period.To.UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	for _, region := range []string{"", "UZ-JI", "UZ-SA", "UZ-TK"} {
		f := f
		f.Region = region
		cond := "1"
		if region != "" {
			cond = "region = '" + region + "'"
		}
		t.Run("region="+region, func(t *testing.T) {
			// Applications by status.
			got, err := e.Store.Applications(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, sc := range got {
				want := rawInt(t, e.Conn, "SELECT toInt64(count()) FROM "+db+".portal_applications FINAL WHERE "+cond+" AND status = ? AND toDate(time) >= toDate(?) AND toDate(time) < toDate(?)", sc.Status, from, to)
				if int64(sc.Count) != want {
					t.Errorf("%s: rollup %d, raw %d", sc.Status, sc.Count, want)
				}
			}
			f.Level = kpi.LevelCountry
			f.Granularity = kpi.Quarter
			// Electronic share.
			var apps, el int64
			one(t, e.Store, kpi.EServicesElectronic, f, func(r *kpi.Row) { apps += r.Int(3); el += r.Int(4) })
			wantApps := rawInt(t, e.Conn, "SELECT toInt64(count()) FROM "+db+".portal_applications FINAL WHERE "+cond+" AND status = 'submitted' AND toDate(time) >= toDate(?) AND toDate(time) < toDate(?)", from, to)
			wantEl := rawInt(t, e.Conn, "SELECT toInt64(count()) FROM "+db+".portal_applications FINAL WHERE "+cond+" AND status = 'submitted' AND channel IN ('web', 'mobile') AND toDate(time) >= toDate(?) AND toDate(time) < toDate(?)", from, to)
			if apps != wantApps || el != wantEl || apps == 0 {
				t.Errorf("electronic: rollup %d/%d, raw %d/%d", el, apps, wantEl, wantApps)
			}
			// Processing time over the whole period (one bucket per quarter;
			// compare at day granularity summed is not a quantile, so ask
			// for the raw quantiles per quarter bucket).
			type qrow struct {
				n        int64
				med, p90 float64
			}
			var gotQ []qrow
			one(t, e.Store, kpi.EServicesProcessing, f, func(r *kpi.Row) { gotQ = append(gotQ, qrow{r.Int(3), r.Float(4), r.Float(5)}) })
			rows, err := e.Conn.Query(ctx, "SELECT toInt64(count()), quantilesExact(0.5, 0.9)(toFloat64(dec - sub) / 3600) AS q, q[1], q[2] FROM (SELECT application_id, minIf(time, status = 'submitted') AS sub, minIf(time, status = 'decided') AS dec FROM "+db+".portal_applications FINAL WHERE "+cond+" GROUP BY application_id HAVING toUInt32(dec) > 0 AND toUInt32(sub) > 0) WHERE dec >= toDateTime(?) AND dec < toDateTime(?) GROUP BY toStartOfQuarter(toDate(dec)) ORDER BY toStartOfQuarter(toDate(dec))", f.Period.From.Unix(), f.Period.To.Unix())
			if err != nil {
				t.Fatal(err)
			}
			var wantQ []qrow
			for rows.Next() {
				var r qrow
				var q []float64
				if err := rows.Scan(&r.n, &q, &r.med, &r.p90); err != nil {
					t.Fatal(err)
				}
				wantQ = append(wantQ, r)
			}
			rows.Close()
			if fmt.Sprint(gotQ) != fmt.Sprint(wantQ) || len(gotQ) == 0 {
				t.Errorf("processing: rollup %v, raw %v", gotQ, wantQ)
			}
			// 112 calls: count and quantiles.
			var calls []string
			one(t, e.Store, kpi.Calls, f, func(r *kpi.Row) {
				calls = append(calls, fmt.Sprintf("%s %s %d %.1f %.1f", r.Date(0).Format(time.DateOnly), r.Str(3), r.Int(4), r.Float(5), r.Float(6)))
			})
			rows, err = e.Conn.Query(ctx, "SELECT toStartOfQuarter(toDate(time)) AS qd, service, toInt64(count()), quantilesExact(0.5, 0.9)(toFloat64(response_seconds)) AS q FROM "+db+".emergency_calls FINAL WHERE "+cond+" AND toDate(time) >= toDate(?) AND toDate(time) < toDate(?) GROUP BY qd, service ORDER BY qd, service", from, to)
			if err != nil {
				t.Fatal(err)
			}
			var wantCalls []string
			for rows.Next() {
				var (
					d   time.Time
					svc string
					n   int64
					q   []float64
				)
				if err := rows.Scan(&d, &svc, &n, &q); err != nil {
					t.Fatal(err)
				}
				wantCalls = append(wantCalls, fmt.Sprintf("%s %s %d %.1f %.1f", d.Format(time.DateOnly), svc, n, q[0], q[1]))
			}
			rows.Close()
			if strings.Join(calls, "\n") != strings.Join(wantCalls, "\n") || len(calls) == 0 {
				t.Errorf("calls:\nrollup %v\nraw    %v", calls, wantCalls)
			}
			// Telecom: all progress up to now, against the raw sum.
			var km float64
			var bs int64
			one(t, e.Store, kpi.TelecomPlan, f, func(r *kpi.Row) { km += r.Float(1) + r.Float(3); bs += r.Int(6) + r.Int(8) })
			var wantKm float64
			if err := e.Conn.QueryRow(ctx, "SELECT sum(fibre_km) FROM "+db+".telecom_rollout FINAL WHERE "+cond+" AND toYear(time) IN (2025, 2026)").Scan(&wantKm); err != nil {
				t.Fatal(err)
			}
			wantBs := rawInt(t, e.Conn, "SELECT toInt64(sum(base_stations)) FROM "+db+".telecom_rollout FINAL WHERE "+cond+" AND toYear(time) IN (2025, 2026)")
			if math.Abs(km-wantKm) > 0.5 || bs != wantBs || bs == 0 {
				t.Errorf("telecom: rollup %.1f km %d stations, raw %.1f km %d stations", km, bs, wantKm, wantBs)
			}
			// E-prescriptions and appeals.
			var issued, dispensed int64
			one(t, e.Store, kpi.Prescriptions, f, func(r *kpi.Row) { issued += r.Int(3); dispensed += r.Int(4) })
			if w := rawInt(t, e.Conn, "SELECT toInt64(count()) FROM "+db+".e_prescriptions FINAL WHERE "+cond+" AND event = 'issued' AND toDate(time) >= toDate(?) AND toDate(time) < toDate(?)", from, to); issued != w || w == 0 {
				t.Errorf("prescriptions issued: rollup %d, raw %d", issued, w)
			}
			if w := rawInt(t, e.Conn, "SELECT toInt64(count()) FROM "+db+".e_prescriptions FINAL WHERE "+cond+" AND event = 'dispensed' AND toDate(time) >= toDate(?) AND toDate(time) < toDate(?)", from, to); dispensed != w {
				t.Errorf("prescriptions dispensed: rollup %d, raw %d", dispensed, w)
			}
			var resolved, badRate int64
			one(t, e.Store, kpi.Appeals, f, func(r *kpi.Row) {
				resolved += r.Int(6)
				// resolved / closed: a share, however the bucket falls
				if rate, closed := r.Float(7), r.Int(5); rate < 0 || rate > 1 || closed > 0 && math.Abs(rate-float64(r.Int(6))/float64(closed)) > 1e-9 {
					badRate++
				}
			})
			if badRate > 0 {
				t.Errorf("appeals: %d rows whose resolution rate is not resolved / closed in [0, 1]", badRate)
			}
			if w := rawInt(t, e.Conn, "SELECT toInt64(count()) FROM "+db+".mahalla_appeals FINAL WHERE "+cond+" AND event = 'resolved' AND resolved = 1 AND toDate(time) >= toDate(?) AND toDate(time) < toDate(?)", from, to); resolved != w {
				t.Errorf("appeals resolved: rollup %d, raw %d", resolved, w)
			}
		})
	}
}

func one(t *testing.T, s *kpi.Store, tb *kpi.Table, f kpi.Filter, fn func(*kpi.Row)) {
	t.Helper()
	if err := s.Stream(context.Background(), tb, f, func(r *kpi.Row) error { fn(r); return nil }); err != nil {
		t.Fatalf("%s: %v", tb.Name, err)
	}
}

func telecomShowsTheHeadlineGap(t *testing.T, e *kpitest.Env) {
	f := national(e)
	f.Level = kpi.LevelCountry
	var rows int
	one(t, e.Store, kpi.TelecomPlan, f, func(r *kpi.Row) {
		rows++
		plan := r.Int(kpi.TelecomPlan.Index("plan_base_stations_2025")) + r.Int(kpi.TelecomPlan.Index("plan_base_stations_2026"))
		if r.Str(0) != "UZ" || plan != 2266 || r.Int(kpi.TelecomPlan.Index("headline_base_stations")) != 2284 ||
			r.Int(kpi.TelecomPlan.Index("headline_gap_base_stations")) != 18 || r.Float(kpi.TelecomPlan.Index("headline_fibre_km")) != 66000 {
			t.Errorf("national telecom row: region %s, plan %d, headline %d, gap %d", r.Str(0), plan,
				r.Int(kpi.TelecomPlan.Index("headline_base_stations")), r.Int(kpi.TelecomPlan.Index("headline_gap_base_stations")))
		}
	})
	if rows != 1 {
		t.Fatalf("%d country rows", rows)
	}
	f.Scope = kpi.RegionScope("UZ-JI")
	one(t, e.Store, kpi.TelecomPlan, f, func(r *kpi.Row) {
		if r.Str(0) != "UZ-JI" || r.Int(kpi.TelecomPlan.Index("headline_base_stations")) != 0 {
			t.Errorf("regional scope sees %s with headline %d", r.Str(0), r.Int(kpi.TelecomPlan.Index("headline_base_stations")))
		}
	})
}

func projectsCoverTheDecree(t *testing.T, e *kpitest.Env) {
	f := national(e)
	counts := map[string]int{}
	statuses := map[string]int{}
	one(t, e.Store, kpi.Projects, f, func(r *kpi.Row) { counts[r.Str(1)]++; statuses[r.Str(7)]++ })
	if counts["regional"] != 179 || counts["sector"] != 41 || counts["roadmap"] != 24 {
		t.Errorf("projects per annex = %v", counts)
	}
	if statuses[kpi.StatusLate] == 0 || statuses[kpi.StatusOnTime] == 0 {
		t.Errorf("statuses = %v", statuses)
	}
	var total int64
	f.Level = kpi.LevelCountry
	one(t, e.Store, kpi.ProjectsSummary, f, func(r *kpi.Row) { total += r.Int(3) })
	if total != 244 {
		t.Errorf("summary counts %d projects", total)
	}
	f.Period.To = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	one(t, e.Store, kpi.ProjectDeadlines, f, func(r *kpi.Row) {
		n++
		if d := r.Date(0); !d.After(f.Period.To) || d.After(f.Period.To.AddDate(0, 0, 61)) {
			t.Errorf("deadline %s outside the horizon", d)
		}
	})
	if n == 0 {
		t.Error("no upcoming deadlines")
	}
}

// projectsConcurrently runs the project tables from several goroutines
// with different filters, which share the store's recycled scratch: each
// must give what it gives alone.
func projectsConcurrently(t *testing.T, e *kpitest.Env) {
	filters := []kpi.Filter{national(e), national(e), national(e)}
	filters[1].Region = "UZ-TK"
	filters[2].Period.To = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	tables := []*kpi.Table{kpi.Projects, kpi.ProjectsSummary, kpi.ProjectDeadlines}
	want := map[[2]int]string{}
	for i, f := range filters {
		for j, tb := range tables {
			want[[2]int{i, j}] = strings.Join(dump(t, e.Store, tb, f), "\n")
		}
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			var err error
			for n := range 20 {
				i, j := (g+n)%len(filters), (g+2*n)%len(tables)
				rows, e2 := collect(e.Store, tables[j], filters[i])
				if e2 != nil || strings.Join(rows, "\n") != want[[2]int{i, j}] {
					err = fmt.Errorf("goroutine %d, %s under filter %d: differs from a lone run (%v)", g, tables[j].Name, i, e2)
					break
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func scopeIsInEveryQuery(t *testing.T, e *kpitest.Env) {
	for _, tb := range kpi.Tables() {
		f := national(e)
		f.Level = kpi.LevelDistrict
		f.Scope = kpi.RegionScope("UZ-JI")
		for _, tc := range []struct {
			name   string
			region string
			scope  kpi.Scope
		}{
			{"other region", "UZ-SA", kpi.RegionScope("UZ-JI")},
			{"own region", "UZ-JI", kpi.RegionScope("UZ-JI")},
			{"no region", "", kpi.RegionScope("UZ-JI")},
			{"zero scope", "", kpi.Scope{}},
			{"injection", "UZ-JI' OR '1'='1", kpi.RegionScope("UZ-JI")},
		} {
			f.Region, f.Scope = tc.region, tc.scope
			err := e.Store.Stream(context.Background(), tb, f, func(r *kpi.Row) error {
				for i, c := range r.Columns() {
					if c.Name == "region" && r.Str(i) != "UZ-JI" {
						return fmt.Errorf("row of %s", r.Str(i))
					}
				}
				if tc.name != "own region" && tc.name != "no region" {
					return fmt.Errorf("a row at all")
				}
				return nil
			})
			if tb.National {
				if err != kpi.ErrNationalOnly {
					t.Errorf("%s %s: err %v, want ErrNationalOnly", tb.Name, tc.name, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s %s: %v", tb.Name, tc.name, err)
			}
		}
	}
	if _, err := e.Store.Chatbot(context.Background(), kpi.Filter{Scope: kpi.RegionScope("UZ-JI")}, 5); err != kpi.ErrNationalOnly {
		t.Errorf("chatbot under a regional scope: %v", err)
	}
}

func chatbotUsage(t *testing.T, e *kpitest.Env) {
	u, err := e.Store.Chatbot(context.Background(), national(e), 5)
	if err != nil {
		t.Fatal(err)
	}
	if u.Questions != kpitest.ChatbotQuestions || len(u.TopUnanswered) == 0 || u.TopUnanswered[0].Count != 2 || u.ThumbsUp != 1 {
		t.Fatalf("chatbot = %+v", u)
	}
}

// snapshot renders every table at every level, plus the two block KPIs.
func snapshot(t *testing.T, e *kpitest.Env) string {
	t.Helper()
	var b strings.Builder
	for _, tb := range kpi.Tables() {
		for _, lvl := range []kpi.Level{kpi.LevelCountry, kpi.LevelRegion, kpi.LevelDistrict} {
			f := national(e)
			f.Level, f.Granularity = lvl, kpi.Week
			fmt.Fprintf(&b, "## %s %s\n%s\n", tb.Name, lvl, strings.Join(dump(t, e.Store, tb, f), "\n"))
		}
	}
	apps, err := e.Store.Applications(context.Background(), national(e))
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.Store.Chatbot(context.Background(), national(e), 10)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "%v\n%+v\n", apps, *u)
	return b.String()
}

// sameSnapshot fails the test at the first line where two snapshots differ.
func sameSnapshot(t *testing.T, aName, a, bName, b string) {
	t.Helper()
	if a == b {
		return
	}
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			t.Fatalf("KPIs differ; first difference at line %d:\n%-8s %s\n%-8s %s", i, aName, al[i], bName, bl[i])
		}
	}
	t.Fatalf("KPIs differ: %d lines %s, %d %s", len(al), aName, len(bl), bName)
}

func replayLeavesEveryKPIUnchanged(t *testing.T, e *kpitest.Env) {
	before := snapshot(t, e)
	raw := rawInt(t, e.Conn, "SELECT toInt64(count()) FROM "+e.DB+".portal_applications")
	e.Replay(t)
	if again := rawInt(t, e.Conn, "SELECT toInt64(count()) FROM "+e.DB+".portal_applications"); again <= raw {
		t.Fatalf("the replay did not land: %d rows before, %d after", raw, again)
	}
	sameSnapshot(t, "before the replay", before, "after", snapshot(t, e))
	if len(before) < 10000 {
		t.Fatalf("snapshot suspiciously small: %d bytes", len(before))
	}
}
