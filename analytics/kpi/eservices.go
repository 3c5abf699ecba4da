package kpi

import (
	"time"

	"github.com/oqim/oqim/models/region"
)

// appDaily is the inner query over the daily application counts:
// applications per day, place, status, service, agency and channel. A
// national query at country level reads kpi_application_days_uz, which
// has no place (its rows have no region and district columns). Sealed
// days are read from the sealed counts of the same grain (migration 0011).
func appDaily(q *sqlb, s *Store, f *Filter, cond string) *sqlb {
	if cond != "" {
		cond = " AND " + cond
	}
	ds := f.sealed(famApplications)
	if f.Level == LevelCountry && f.nationwide() {
		return q.sealedUnion(ds, func(q *sqlb) {
			q.add("SELECT day, status, service_id, agency, channel, uniqExactMerge(applications) AS n FROM ").
				table(s.db, "kpi_application_days_uz").where(f, false).liveDays(ds).
				add(cond + " GROUP BY day, status, service_id, agency, channel")
		}, func(q *sqlb) {
			q.add("SELECT day, status, service_id, agency, channel, applications AS n FROM ").
				table(s.db, "kpi_sealed_application_days_uz").where(f, false).sealedDays(ds).add(cond)
		})
	}
	return q.sealedUnion(ds, func(q *sqlb) {
		q.add("SELECT day, region, district, status, service_id, agency, channel, uniqExactMerge(applications) AS n FROM ").
			table(s.db, "kpi_application_days").where(f, true).liveDays(ds).
			add(cond + " GROUP BY day, region, district, status, service_id, agency, channel")
	}, func(q *sqlb) {
		q.add("SELECT day, region, district, status, service_id, agency, channel, applications AS n FROM ").
			table(s.db, "kpi_sealed_application_days").where(f, true).sealedDays(ds).add(cond)
	})
}

// EServices: Single Portal applications by service, agency and channel.
var EServices = &Table{
	Name:  "eservices",
	Title: "Single Portal applications by service, agency and channel",
	Doc:   "Applications that reached each lifecycle step in the period, per time bucket, place, service, agency and channel.",
	Columns: cols(colPeriod, colRegion, colDistrict,
		Column{"service_id", String, "Single Portal service (annex4-N or annex6-N)"},
		Column{"agency", String, "agency providing the service"},
		Column{"channel", String, "web, mobile or mahalla"},
		Column{"submitted", Int, "applications submitted"},
		Column{"decided", Int, "applications decided"},
		Column{"issued", Int, "applications issued"},
		Column{"refused", Int, "applications refused"},
	),
	District: true,
	Uses:     []string{"granularity"},
	sealed:   []string{famApplications},
	run: sqlRun(func(s *Store, f *Filter) *sqlb {
		q := &sqlb{}
		q.add("SELECT "+f.Granularity.bucket("day")+" AS g_period, ").dims(f, true).
			add(", service_id, agency, channel, toInt64(sumIf(n, status = 'submitted')), toInt64(sumIf(n, status = 'decided')), toInt64(sumIf(n, status = 'issued')), toInt64(sumIf(n, status = 'refused')) FROM ")
		appDaily(q, s, f, "status IN ('submitted', 'decided', 'issued', 'refused')")
		return q.add(" GROUP BY g_period, g_region, g_district, service_id, agency, channel ORDER BY g_period, g_region, g_district, service_id, agency, channel")
	}, nil),
}

// EServicesElectronic: the share of applications submitted fully
// electronically (web or mobile) against the 70% target (K02).
var EServicesElectronic = &Table{
	Name:  "eservices/electronic",
	Title: "Share of applications handled fully electronically",
	Doc:   "Applications submitted in the period and the share submitted through the web portal or the mobile app (not at a mahalla desk), against the decree's 70% target (K02).",
	Columns: cols(colPeriod, colRegion, colDistrict,
		Column{"applications", Int, "applications submitted"},
		Column{"electronic", Int, "of them through web or mobile"},
		Column{"share", Float, "electronic / applications"},
		Column{"target_share", Float, "decree target K02 as a fraction (0.70)"},
	),
	District: true,
	Uses:     []string{"granularity"},
	Targets:  targets("K02"),
	sealed:   []string{famApplications},
	run: sqlRun(func(s *Store, f *Filter) *sqlb {
		tgt := ElectronicShareTarget
		if t, ok := target(s.ref, "K02", 100); ok {
			tgt = t.Value
		}
		q := &sqlb{}
		q.add("SELECT "+f.Granularity.bucket("day")+" AS g_period, ").dims(f, true).
			add(", toInt64(sum(n)) AS g_apps, toInt64(sumIf(n, channel IN ('web', 'mobile'))) AS g_el, if(g_apps > 0, g_el / g_apps, 0), toFloat64(?) FROM ", tgt)
		appDaily(q, s, f, "status = 'submitted'")
		return q.add(" GROUP BY g_period, g_region, g_district ORDER BY g_period, g_region, g_district")
	}, nil),
}

// EServicesProcessing: processing time (submitted to decided) against the
// legal deadline.
var EServicesProcessing = &Table{
	Name:  "eservices/processing",
	Title: "Processing time from submission to decision",
	Doc:   "Applications decided in the period (bucketed by decision day): median and 90th percentile of the time from submission to decision, the median legal time allowed, and the share decided after the legal deadline.",
	Columns: cols(colPeriod, colRegion, colDistrict,
		Column{"decided", Int, "applications decided"},
		Column{"median_hours", Float, "median hours from submission to decision"},
		Column{"p90_hours", Float, "90th percentile of the same"},
		Column{"legal_median_hours", Float, "median hours the legal deadline allowed"},
		Column{"late", Int, "decided after the legal deadline"},
		Column{"late_share", Float, "late / decided"},
	),
	District: true,
	Uses:     []string{"granularity"},
	snapshot: true,
	run: sqlRun(func(s *Store, f *Filter) *sqlb {
		q := &sqlb{}
		q.add("SELECT "+f.Granularity.bucket("t_dec")+" AS g_period, ").dimsOf(f, true, "a_region", "a_district").
			add(", toInt64(count()) AS g_n, quantilesExact(0.5, 0.9)(toFloat64(t_dec - t_sub) / 3600)[1], quantilesExact(0.5, 0.9)(toFloat64(t_dec - t_sub) / 3600)[2]," +
				" quantileExact(0.5)(toFloat64(t_dl - t_sub) / 3600), toInt64(countIf(t_dec > t_dl)) AS g_late, if(g_n > 0, g_late / g_n, 0) FROM ")
		appRows(q, s, f, "t_dec", "t_sub", "t_dec", "t_dl")
		return q.add(" WHERE toUInt32(t_sub) > 0 GROUP BY g_period, g_region, g_district ORDER BY g_period, g_region, g_district")
	}, nil),
}

// EServicesStalled: applications with no step for more than N days.
var EServicesStalled = &Table{
	Name:  "eservices/stalled",
	Title: "Stalled applications",
	Doc:   "Applications submitted in the period that, at the period's end, are neither issued nor refused and have had no step for more than stalled_days days (default 10), per service.",
	Columns: cols(colRegion, colDistrict,
		Column{"service_id", String, "Single Portal service"},
		Column{"open", Int, "applications neither issued nor refused at the period's end"},
		Column{"stalled", Int, "of them with no step for more than stalled_days days"},
		Column{"oldest_step", Date, "day of the oldest last step among the stalled"},
	),
	District: true,
	Uses:     []string{"stalled_days"},
	snapshot: true,
	run: sqlRun(func(s *Store, f *Filter) *sqlb {
		end := f.Period.To.Unix()
		cutoff := f.Period.To.Add(-time.Duration(f.StalledDays) * 24 * time.Hour).Unix()
		q := &sqlb{}
		q.add("SELECT ").dimsOf(f, true, "a_region", "a_district").
			add(", service_id, toInt64(count()), toInt64(countIf(t_last < toDateTime(?))) AS g_stalled, toDate(minIf(t_last, t_last < toDateTime(?))) FROM ", cutoff, cutoff)
		appRows(q, s, f, "t_sub", "t_sub", "t_closed", "t_last")
		return q.add(" WHERE toUInt32(t_closed) = 0 OR t_closed >= toDateTime(?)", end).
			add(" GROUP BY g_region, g_district, service_id HAVING g_stalled > 0 ORDER BY g_stalled DESC, g_region, g_district, service_id")
	}, nil),
}

// EServicesTop: the most requested services with their refusal rates.
var EServicesTop = &Table{
	Name:  "eservices/services",
	Title: "Top services and refusal rates",
	Doc:   "Services ranked by applications submitted in the period (up to limit, default 10, per place), with how many of those were decided, issued and refused, the refusal rate among closed ones, and the median processing time.",
	Columns: cols(colRegion, colDistrict,
		Column{"service_id", String, "Single Portal service"},
		Column{"applications", Int, "applications submitted"},
		Column{"decided", Int, "of them decided"},
		Column{"refused", Int, "of them refused"},
		Column{"refusal_rate", Float, "refused / (issued + refused)"},
		Column{"median_hours", Float, "median hours from submission to decision"},
		Column{"title_en", String, "service title (decree annexes 4 and 6)"},
		Column{"agency", String, "agency named in the decree"},
	),
	District: true,
	Uses:     []string{"limit"},
	computed: 2,
	snapshot: true,
	run: sqlRun(func(s *Store, f *Filter) *sqlb {
		q := &sqlb{}
		q.add("SELECT ").dimsOf(f, true, "a_region", "a_district").
			add(", service_id, toInt64(count()) AS g_n, toInt64(countIf(toUInt32(t_dec) > 0)), toInt64(countIf(toUInt32(t_ref) > 0)) AS g_ref," +
				" if(countIf(toUInt32(t_closed) > 0) > 0, g_ref / countIf(toUInt32(t_closed) > 0), 0)," +
				" if(countIf(toUInt32(t_dec) > 0) > 0, quantileExactIf(0.5)(toFloat64(t_dec - t_sub) / 3600, toUInt32(t_dec) > 0), 0) FROM ")
		appRows(q, s, f, "t_sub", "t_sub", "t_dec", "t_closed", "t_ref")
		return q.add(" GROUP BY g_region, g_district, service_id ORDER BY g_region, g_district, g_n DESC, service_id LIMIT ? BY g_region, g_district", f.Limit)
	}, func(s *Store, f *Filter) (func(*Row), error) {
		byID := map[string]*region.Service{}
		if s.ref != nil {
			for i := range s.ref.Services {
				byID[s.ref.Services[i].ID] = &s.ref.Services[i]
			}
		}
		return func(r *Row) {
			if sv := byID[r.Str(2)]; sv != nil {
				r.setStr(8, sv.TitleEn)
				r.setStr(9, sv.Agency)
			} else {
				r.setStr(8, "")
				r.setStr(9, "")
			}
		}, nil
	}),
}
