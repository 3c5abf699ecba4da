package kpi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/analytics/kpi/kpitest"
)

// rawApps is one row per application computed from the raw events, with
// the columns the per-application KPIs read.
func rawApps(db, cond string) string {
	return "(SELECT region, district, service_id, application_id, minIf(time, status = 'submitted') AS t_sub, minIf(time, status = 'decided') AS t_dec," +
		" minIf(time, status IN ('issued', 'refused')) AS t_closed, minIf(time, status = 'refused') AS t_ref, max(time) AS t_last, max(deadline) AS t_dl" +
		" FROM " + db + ".portal_applications FINAL WHERE " + cond + " GROUP BY region, district, service_id, application_id)"
}

// rawDump runs q and renders its rows as dump does.
func rawDump(t *testing.T, e *kpitest.Env, q string, args ...any) []string {
	t.Helper()
	rows, err := e.Conn.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		cts := rows.ColumnTypes()
		dest := make([]any, len(cts))
		for i, ct := range cts {
			switch ct.DatabaseTypeName() {
			case "String":
				dest[i] = new(string)
			case "Int64":
				dest[i] = new(int64)
			case "Float64":
				dest[i] = new(float64)
			case "Date":
				dest[i] = new(time.Time)
			default:
				t.Fatalf("column %d of %s", i, ct.DatabaseTypeName())
			}
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, d := range dest {
			if i > 0 {
				b.WriteByte('|')
			}
			switch v := d.(type) {
			case *string:
				b.WriteString(*v)
			case *int64:
				fmt.Fprint(&b, *v)
			case *float64:
				fmt.Fprintf(&b, "%.6g", *v)
			case *time.Time:
				b.WriteString(v.Format(time.DateOnly))
			}
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// applicationFactsEqualRawEvents checks the KPIs over
// kpi_application_facts (processing, stalled, top services) against the
// same computation over the raw events, for periods that start before,
// inside and near the end of the history, so that applications cross
// month boundaries both ways.
func applicationFactsEqualRawEvents(t *testing.T, e *kpitest.Env) {
	periods := []kpi.Period{
		{From: e.Now.AddDate(0, 0, -40), To: e.Now.Add(time.Minute)},
		{From: e.Now.AddDate(0, 0, -17).Add(5 * time.Hour), To: e.Now.AddDate(0, 0, -3)},
		{From: e.Now.AddDate(0, 0, -6), To: e.Now.Add(time.Minute)},
	}
	// A period starting on the first of the month, so the months read
	// begin exactly at From.
	m := time.Date(e.Now.Year(), e.Now.Month(), 1, 0, 0, 0, 0, time.UTC)
	periods = append(periods, kpi.Period{From: m.AddDate(0, -1, 0), To: m.AddDate(0, 0, 1)})
	checked := 0
	for _, p := range periods {
		for _, region := range []string{"", "UZ-SA"} {
			for _, lvl := range []kpi.Level{kpi.LevelRegion, kpi.LevelDistrict, kpi.LevelCountry} {
				f := kpi.Filter{Scope: kpi.NationalScope(), Region: region, Period: p, Level: lvl, Limit: 1000}
				cond := "1"
				if region != "" {
					cond = "region = '" + region + "'"
				}
				g := "region AS g_region, '' AS g_district"
				switch lvl {
				case kpi.LevelDistrict:
					g = "region AS g_region, district AS g_district"
				case kpi.LevelCountry:
					g = "'" + f.CountryLabel() + "' AS g_region, '' AS g_district"
				}
				from, to := p.From.Unix(), p.To.Unix()
				cutoff := p.To.AddDate(0, 0, -10).Unix()
				name := fmt.Sprintf("%s..%s region=%s level=%s", p.From.Format(time.DateTime), p.To.Format(time.DateTime), region, lvl)

				want := rawDump(t, e, "SELECT toDate(t_dec) AS g_period, "+g+", toInt64(count()) AS g_n, quantilesExact(0.5, 0.9)(toFloat64(t_dec - t_sub) / 3600)[1],"+
					" quantilesExact(0.5, 0.9)(toFloat64(t_dec - t_sub) / 3600)[2], quantileExact(0.5)(toFloat64(t_dl - t_sub) / 3600), toInt64(countIf(t_dec > t_dl)) AS g_late,"+
					" if(g_n > 0, g_late / g_n, 0) FROM "+rawApps(e.DB, cond)+" WHERE t_dec >= toDateTime(?) AND t_dec < toDateTime(?) AND toUInt32(t_sub) > 0"+
					" GROUP BY g_period, g_region, g_district ORDER BY g_period, g_region, g_district", from, to)
				compare(t, "processing "+name, dump(t, e.Store, kpi.EServicesProcessing, f), want)

				want = rawDump(t, e, "SELECT "+g+", service_id, toInt64(count()), toInt64(countIf(t_last < toDateTime(?))) AS g_stalled,"+
					" toDate(minIf(t_last, t_last < toDateTime(?))) FROM "+rawApps(e.DB, cond)+
					" WHERE t_sub >= toDateTime(?) AND t_sub < toDateTime(?) AND toUInt32(t_sub) > 0 AND (toUInt32(t_closed) = 0 OR t_closed >= toDateTime(?))"+
					" GROUP BY g_region, g_district, service_id HAVING g_stalled > 0 ORDER BY g_stalled DESC, g_region, g_district, service_id", cutoff, cutoff, from, to, to)
				compare(t, "stalled "+name, dump(t, e.Store, kpi.EServicesStalled, f), want)

				want = rawDump(t, e, "SELECT "+g+", service_id, toInt64(count()) AS g_n, toInt64(countIf(toUInt32(t_dec) > 0)), toInt64(countIf(toUInt32(t_ref) > 0)) AS g_ref,"+
					" if(countIf(toUInt32(t_closed) > 0) > 0, g_ref / countIf(toUInt32(t_closed) > 0), 0),"+
					" if(countIf(toUInt32(t_dec) > 0) > 0, quantileExactIf(0.5)(toFloat64(t_dec - t_sub) / 3600, toUInt32(t_dec) > 0), 0) FROM "+rawApps(e.DB, cond)+
					" WHERE t_sub >= toDateTime(?) AND t_sub < toDateTime(?) AND toUInt32(t_sub) > 0"+
					" GROUP BY g_region, g_district, service_id ORDER BY g_region, g_district, g_n DESC, service_id", from, to)
				got := dump(t, e.Store, kpi.EServicesTop, f)
				for i, r := range got { // drop the reference columns filled in Go
					c := strings.Split(r, "|")
					got[i] = strings.Join(c[:len(c)-2], "|")
				}
				compare(t, "services "+name, got, want)
				checked += len(want)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no rows compared")
	}
}

func compare(t *testing.T, what string, got, want []string) {
	t.Helper()
	if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
		gl, wl := strings.Split(g, "\n"), strings.Split(w, "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Errorf("%s: %d rows, raw %d; first difference at row %d:\nrollup %s\nraw    %s", what, len(got), len(want), i, gl[i], wl[i])
				return
			}
		}
		t.Errorf("%s: %d rows, raw %d", what, len(got), len(want))
	}
}

// applicationDaysEqualRawEvents checks the application counts per day
// (kpi_application_days, and kpi_application_days_uz for national
// figures) against distinct applications in the raw events.
func applicationDaysEqualRawEvents(t *testing.T, e *kpitest.Env) {
	p := kpi.Period{From: e.Now.AddDate(0, 0, -40), To: e.Now.Add(time.Minute)}
	from, to := p.From.UTC().Format(time.DateOnly), p.To.UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	for _, region := range []string{"", "UZ-SA"} {
		for _, lvl := range []kpi.Level{kpi.LevelRegion, kpi.LevelCountry} {
			f := kpi.Filter{Scope: kpi.NationalScope(), Region: region, Period: p, Level: lvl}
			cond := "1"
			if region != "" {
				cond = "region = '" + region + "'"
			}
			place, g := "region, district, ", "region AS g_region, '' AS g_district"
			if lvl == kpi.LevelCountry {
				g = "'" + f.CountryLabel() + "' AS g_region, '' AS g_district"
				if region == "" {
					place = "" // the national rollup has no place
				}
			}
			name := fmt.Sprintf("region=%s level=%s", region, lvl)
			want := rawDump(t, e, "SELECT day AS g_period, "+g+", service_id, agency, channel, toInt64(sumIf(n, status = 'submitted')), toInt64(sumIf(n, status = 'decided')),"+
				" toInt64(sumIf(n, status = 'issued')), toInt64(sumIf(n, status = 'refused')) FROM (SELECT toDate(time) AS day, "+place+"status, service_id, agency, channel,"+
				" toUInt64(uniqExact(application_id)) AS n FROM "+e.DB+".portal_applications FINAL WHERE "+cond+" AND toDate(time) >= toDate(?) AND toDate(time) < toDate(?)"+
				" GROUP BY day, "+place+"status, service_id, agency, channel) WHERE status IN ('submitted', 'decided', 'issued', 'refused')"+
				" GROUP BY g_period, g_region, g_district, service_id, agency, channel ORDER BY g_period, g_region, g_district, service_id, agency, channel", from, to)
			if len(want) == 0 {
				t.Fatalf("%s: no raw rows", name)
			}
			compare(t, "eservices "+name, dump(t, e.Store, kpi.EServices, f), want)
		}
	}
}
