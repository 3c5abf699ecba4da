package kpi

import (
	"context"
	"math"
)

// Telecom: fibre and base stations built per time bucket.
var Telecom = &Table{
	Name:  "telecom",
	Title: "Fibre-optic lines and base stations built",
	Doc:   "Fibre km laid and base stations commissioned, as reported by the operators, per time bucket and place.",
	Columns: cols(colPeriod, colRegion, colDistrict,
		Column{"fibre_km", Float, "fibre-optic km laid in the bucket"},
		Column{"base_stations", Int, "base stations commissioned in the bucket"},
	),
	District: true,
	Uses:     []string{"granularity"},
	Targets:  targets("K04", "K05"),
	run: sqlRun(func(s *Store, f *Filter) *sqlb {
		q := &sqlb{}
		q.add("SELECT "+f.Granularity.bucket("day")+" AS g_period, ").dims(f, true).
			add(", round(sum(km), 1), toInt64(sum(bs)) FROM (SELECT day, region, district, id, maxMerge(fibre_km) AS km, maxMerge(base_stations) AS bs FROM ").
			table(s.db, "kpi_telecom").where(f, true).days(f).
			add(" GROUP BY day, region, district, operator, id) GROUP BY g_period, g_region, g_district ORDER BY g_period, g_region, g_district")
		return q
	}, nil),
}

// Headline telecom targets of the decree (para. 1(b)); the reference
// data's K04 and K05 override them.
const (
	HeadlineFibreKm      = 66000
	HeadlineBaseStations = 2284
)

// TelecomPlan: progress against each region's 2025 and 2026 plans, and
// nationally against the headline targets.
var TelecomPlan = &Table{
	Name:  "telecom/plan",
	Title: "Telecom rollout against the 2025 and 2026 plans",
	Doc: "Fibre km and base stations built in 2025 and 2026 up to `to` (from is ignored: progress against a yearly plan is cumulative), beside each region's plan from Annex 1. " +
		"At level=country under a national scope the row also carries the decree's headline targets and the gap between them and the sum of the regional plans: " +
		"the regional base-station plans add up to 2,266, 18 short of the 2,284 headline.",
	Columns: cols(colRegion,
		Column{"fibre_km_2025", Float, "fibre km built in 2025"},
		Column{"plan_fibre_km_2025", Float, "fibre km planned for 2025 (Annex 1)"},
		Column{"fibre_km_2026", Float, "fibre km built in 2026"},
		Column{"plan_fibre_km_2026", Float, "fibre km planned for 2026 (Annex 1)"},
		Column{"fibre_share", Float, "built / planned, both years"},
		Column{"base_stations_2025", Int, "base stations built in 2025"},
		Column{"plan_base_stations_2025", Int, "base stations planned for 2025"},
		Column{"base_stations_2026", Int, "base stations built in 2026"},
		Column{"plan_base_stations_2026", Int, "base stations planned for 2026"},
		Column{"base_stations_share", Float, "built / planned, both years"},
		Column{"headline_fibre_km", Float, "decree headline K04 (country row, national scope only; else 0)"},
		Column{"headline_base_stations", Int, "decree headline K05 (country row, national scope only; else 0)"},
		Column{"headline_gap_fibre_km", Float, "headline minus the sum of the regional plans"},
		Column{"headline_gap_base_stations", Int, "headline minus the sum of the regional plans (18)"},
	),
	Targets: targets("K04", "K05"),
	run:     telecomPlan,
}

type telecomActual struct {
	km [2]float64
	bs [2]int64
}

func telecomPlan(ctx context.Context, s *Store, f *Filter, r *Row, emit func(*Row) error) error {
	ref, err := s.Reference()
	if err != nil {
		return err
	}
	q := &sqlb{}
	q.add("SELECT region, toInt64(y), round(sum(km), 1), toInt64(sum(bs)) FROM (SELECT region, toYear(day) AS y, id, maxMerge(fibre_km) AS km, maxMerge(base_stations) AS bs FROM ").
		table(s.db, "kpi_telecom").where(f, false).
		add(" AND day < toDate(?) AND day >= toDate('2025-01-01') GROUP BY region, y, operator, id) GROUP BY region, y", f.Period.dayTo())
	rows, err := s.conn.Query(ctx, q.String(), q.args...)
	if err != nil {
		return err
	}
	actual := map[string]*telecomActual{}
	for rows.Next() {
		var (
			reg string
			y   int64
			km  float64
			bs  int64
		)
		if err := rows.Scan(&reg, &y, &km, &bs); err != nil {
			rows.Close()
			return err
		}
		if y < 2025 || y > 2026 {
			continue
		}
		a := actual[reg]
		if a == nil {
			a = &telecomActual{}
			actual[reg] = a
		}
		a.km[y-2025] += km
		a.bs[y-2025] += bs
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var total struct {
		telecomActual
		planKm [2]float64
		planBs [2]int64
	}
	set := func(label string, a telecomActual, planKm [2]float64, planBs [2]int64) {
		r.setStr(0, label)
		r.setFlt(1, round1(a.km[0]))
		r.setFlt(2, planKm[0])
		r.setFlt(3, round1(a.km[1]))
		r.setFlt(4, planKm[1])
		r.setFlt(5, ratio(a.km[0]+a.km[1], planKm[0]+planKm[1]))
		r.setInt(6, a.bs[0])
		r.setInt(7, planBs[0])
		r.setInt(8, a.bs[1])
		r.setInt(9, planBs[1])
		r.setFlt(10, ratio(float64(a.bs[0]+a.bs[1]), float64(planBs[0]+planBs[1])))
		r.setFlt(11, 0)
		r.setInt(12, 0)
		r.setFlt(13, 0)
		r.setInt(14, 0)
	}
	for _, reg := range ref.Regions {
		if !f.Scope.Allows(reg.ID) || (f.Region != "" && f.Region != reg.ID) {
			continue
		}
		var a telecomActual
		if p := actual[reg.ID]; p != nil {
			a = *p
		}
		planKm := [2]float64{float64(reg.FibreKm2025), float64(reg.FibreKm2026)}
		planBs := [2]int64{int64(reg.Stations2025), int64(reg.Stations2026)}
		if f.Level != LevelCountry {
			set(reg.ID, a, planKm, planBs)
			if err := emit(r); err != nil {
				return err
			}
			continue
		}
		for y := range 2 {
			total.km[y] += a.km[y]
			total.bs[y] += a.bs[y]
			total.planKm[y] += planKm[y]
			total.planBs[y] += planBs[y]
		}
	}
	if f.Level != LevelCountry {
		return nil
	}
	set(f.CountryLabel(), total.telecomActual, total.planKm, total.planBs)
	if f.Scope.all && f.Region == "" {
		hkm, hbs := float64(HeadlineFibreKm), float64(HeadlineBaseStations)
		if t, ok := target(ref, "K04", 1); ok {
			hkm = t.Value
		}
		if t, ok := target(ref, "K05", 1); ok {
			hbs = t.Value
		}
		r.setFlt(11, hkm)
		r.setInt(12, int64(hbs))
		r.setFlt(13, hkm-total.planKm[0]-total.planKm[1])
		r.setInt(14, int64(hbs)-total.planBs[0]-total.planBs[1])
	}
	return emit(r)
}

// PlanTotals sums the regional plans of the reference data: what the
// headline targets are compared with.
func (s *Store) PlanTotals() (fibreKm float64, baseStations int64, err error) {
	ref, err := s.Reference()
	if err != nil {
		return 0, 0, err
	}
	for _, r := range ref.Regions {
		fibreKm += float64(r.FibreKm2025 + r.FibreKm2026)
		baseStations += int64(r.Stations2025 + r.Stations2026)
	}
	return fibreKm, baseStations, nil
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
