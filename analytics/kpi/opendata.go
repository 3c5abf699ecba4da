package kpi

import (
	"time"
)

// OpenData: datasets published and updated per agency.
var OpenData = &Table{
	Name:  "opendata",
	Title: "Open datasets published and updated",
	Doc:   "Publications and updates on the open-data portal per time bucket, place and agency, and the number of distinct datasets touched.",
	Columns: cols(colPeriod, colRegion, colDistrict,
		Column{"agency", String, "publishing agency"},
		Column{"published", Int, "datasets published"},
		Column{"updated", Int, "dataset updates"},
		Column{"datasets", Int, "distinct datasets published or updated"},
	),
	Uses: []string{"granularity"},
	run: sqlRun(func(s *Store, f *Filter) *sqlb {
		q := &sqlb{}
		q.add("SELECT "+f.Granularity.bucket("day")+" AS g_period, ").dims(f, false).
			add(", agency, toInt64(sumIf(n, action = 'published')), toInt64(sumIf(n, action = 'updated')), toInt64(uniqExact(dataset)) FROM (SELECT day, region, agency, action, dataset, uniqExactMerge(events) AS n FROM ").
			table(s.db, "kpi_opendata_daily").where(f, false).days(f).
			add(" GROUP BY day, region, agency, action, dataset) GROUP BY g_period, g_region, g_district, agency ORDER BY g_period, g_region, g_district, agency")
		return q
	}, nil),
}

// OpenDataFreshness: days since each dataset was last updated.
var OpenDataFreshness = &Table{
	Name:  "opendata/freshness",
	Title: "Open dataset freshness",
	Doc:   "Every dataset published or updated before `to`, with its last publication or update and the whole days since then, stalest first.",
	Columns: cols(colRegion,
		Column{"agency", String, "publishing agency"},
		Column{"dataset", String, "dataset id"},
		Column{"first_seen", Date, "day of its first publication or update"},
		Column{"last_update", Date, "day of its last publication or update"},
		Column{"days_since_update", Int, "whole days from the last update to `to`"},
	),
	run: sqlRun(func(s *Store, f *Filter) *sqlb {
		q := &sqlb{}
		q.add("SELECT region, agency, dataset, min(day), toDate(maxMerge(last_event)) AS g_last, toInt64(greatest(0, intDiv(toInt64(?) - toInt64(toUInt32(maxMerge(last_event))), 86400))) AS g_days FROM ", f.Period.To.Unix()).
			table(s.db, "kpi_opendata_daily").where(f, false).
			add(" AND day < toDate(?) GROUP BY region, agency, dataset ORDER BY g_days DESC, region, agency, dataset", f.Period.dayTo())
		return q
	}, nil),
}

// OpenDataCompliance: the share of an agency's datasets updated in each
// quarter.
var OpenDataCompliance = &Table{
	Name:  "opendata/compliance",
	Title: "Quarterly open-data compliance",
	Doc:   "For each quarter overlapping the period, per place and agency: the datasets that existed (first published by the quarter's end) and the share of them published or updated within the quarter.",
	Columns: cols(Column{"quarter", Date, "first day of the quarter"}, colRegion, colDistrict,
		Column{"agency", String, "publishing agency"},
		Column{"datasets", Int, "datasets existing by the quarter's end"},
		Column{"updated", Int, "of them published or updated in the quarter"},
		Column{"compliance", Float, "updated / datasets"},
	),
	run: sqlRun(func(s *Store, f *Filter) *sqlb {
		q := &sqlb{}
		q.add("SELECT g_q, ").dims(f, false).
			add(", agency, toInt64(count()) AS g_n, toInt64(countIf(has(g_qs, g_q))) AS g_up, if(g_n > 0, g_up / g_n, 0) FROM (SELECT region, agency, dataset,"+
				" arrayFilter(x -> x >= toStartOfQuarter(min(day)), arrayMap(x -> toDate(x), ?)) AS g_quarters, groupUniqArray(toStartOfQuarter(day)) AS g_qs FROM ", quarters(f.Period)).
			table(s.db, "kpi_opendata_daily").where(f, false).
			add(" AND day < toDate(?) GROUP BY region, agency, dataset) ARRAY JOIN g_quarters AS g_q", f.Period.dayTo()).
			add(" GROUP BY g_q, g_region, g_district, agency ORDER BY g_q, g_region, g_district, agency")
		return q
	}, nil),
}

// quarters lists the first days of the quarters that overlap p.
func quarters(p Period) []string {
	from, to := p.From.UTC(), p.To.UTC()
	q := time.Date(from.Year(), time.Month((int(from.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
	var out []string
	for ; q.Before(to); q = q.AddDate(0, 3, 0) {
		out = append(out, q.Format(time.DateOnly))
	}
	return out
}
