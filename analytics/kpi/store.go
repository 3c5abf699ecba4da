// Package kpi computes the Digital Region indicators from ClickHouse's
// rollup tables (migrations 0005 on). Every query is built here from fixed
// SQL fragments with its filters bound as parameters, and every query adds
// the caller's Scope to its WHERE clause, so no caller can widen what a
// query reads.
package kpi

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/models/region"
)

// Store runs KPI queries against one database.
type Store struct {
	conn   driver.Conn
	db     string
	ref    *region.Data
	refErr error

	projectsOnce sync.Once
	projects     *projectIndex // see projectIndex
	scratch      sync.Pool     // *projectScratch

	noSeals bool // see LiveOnly
}

// NewStore queries the rollups of database db, with the embedded decree
// reference data (plans, targets, projects) beside the actuals.
func NewStore(conn driver.Conn, db string) *Store {
	ref, err := region.Load()
	return &Store{conn: conn, db: db, ref: ref, refErr: err}
}

// NewStoreWithReference is NewStore with explicit reference data.
func NewStoreWithReference(conn driver.Conn, db string, ref *region.Data) *Store {
	return &Store{conn: conn, db: db, ref: ref}
}

// LiveOnly is a store over the same database that ignores the sealed
// daily counts and reads every day from the live rollups: the reference
// the sealed results are checked against.
func (s *Store) LiveOnly() *Store {
	return &Store{conn: s.conn, db: s.db, ref: s.ref, refErr: s.refErr, noSeals: true}
}

// Reference is the decree data the store compares actuals against.
func (s *Store) Reference() (*region.Data, error) {
	if s.refErr != nil {
		return nil, fmt.Errorf("kpi: reference data: %w", s.refErr)
	}
	return s.ref, nil
}

// Period is the half-open interval [From, To).
type Period struct{ From, To time.Time }

// Daily rollups hold whole UTC days: From is taken at its day and To is
// rounded up to the next midnight, so the day in progress is included.
func (p Period) dayFrom() string { return p.From.UTC().Format(time.DateOnly) }

func (p Period) dayTo() string {
	t := p.To.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if d.Before(t) {
		d = d.AddDate(0, 0, 1)
	}
	return d.Format(time.DateOnly)
}

// Scope is the set of regions a caller may read. The zero Scope reads
// nothing, so a forgotten scope fails closed.
type Scope struct {
	all     bool
	regions []string
}

// NationalScope reads every region, and the region-less KPIs.
func NationalScope() Scope { return Scope{all: true} }

// RegionScope reads only the given regions.
func RegionScope(regions ...string) Scope {
	rs := slices.Clone(regions)
	slices.Sort(rs)
	return Scope{regions: slices.Compact(rs)}
}

// All reports whether the scope is national.
func (s Scope) All() bool { return s.all }

// Regions lists a regional scope's regions (nil for a national one).
func (s Scope) Regions() []string { return slices.Clone(s.regions) }

// Allows reports whether region may be read.
func (s Scope) Allows(region string) bool { return s.all || slices.Contains(s.regions, region) }

// String is "*" for national, else the comma-separated regions.
func (s Scope) String() string {
	if s.all {
		return "*"
	}
	return strings.Join(s.regions, ",")
}

// ErrNationalOnly is returned for a KPI without regions (the chatbot, the
// doctor assistant) asked for under a regional scope.
var ErrNationalOnly = errors.New("kpi: this indicator is national and has no regional breakdown")

// Granularity is the width of the time buckets of a time series.
type Granularity uint8

const (
	Day Granularity = iota
	Week
	Month
	Quarter
)

// Granularities in parameter spelling, indexed by Granularity.
var Granularities = []string{"day", "week", "month", "quarter"}

func (g Granularity) String() string { return Granularities[g] }

// bucket is the fixed SQL fragment that maps a Date expression to the
// start of its bucket (weeks start on Monday, as in Uzbekistan).
func (g Granularity) bucket(date string) string {
	switch g {
	case Week:
		return "toMonday(" + date + ")"
	case Month:
		return "toStartOfMonth(" + date + ")"
	case Quarter:
		return "toStartOfQuarter(" + date + ")"
	}
	return "toDate(" + date + ")"
}

// Level is the geographic grain of a KPI's rows: the drill-down from the
// country to its regions to their districts.
type Level uint8

const (
	LevelRegion Level = iota
	LevelCountry
	LevelDistrict
)

// Levels in parameter spelling, indexed by Level.
var Levels = []string{"region", "country", "district"}

func (l Level) String() string { return Levels[l] }

// Filter selects what a KPI query reads and how it groups it.
type Filter struct {
	// Scope is enforced in every query; the zero Scope reads nothing.
	Scope Scope
	// Region and District narrow the rows further; empty means all (of
	// the scope).
	Region, District string
	Period           Period
	Granularity      Granularity
	Level            Level
	// StalledDays: an application with no step for more than this many
	// days is stalled (default 10).
	StalledDays int
	// Limit bounds ranked lists such as the top services (default 10).
	Limit int
	// HorizonDays is how far ahead upcoming project deadlines are listed
	// (default 60).
	HorizonDays int
	// Annex and Executor narrow the decree projects.
	Annex, Executor string

	// seals are the sealed days of the period per family, looked up by
	// Stream for the tables that read sealed counts.
	seals map[string]*daySeals
	// snap is the application snapshot Stream looked up for the tables
	// that read it (nil: read every application live).
	snap *appSnapshot
}

func (f *Filter) defaults() {
	// A setting of zero or less takes its default.
	f.StalledDays = cmp.Or(max(f.StalledDays, 0), 10)
	f.Limit = cmp.Or(max(f.Limit, 0), 10)
	f.HorizonDays = cmp.Or(max(f.HorizonDays, 0), 60)
}

// CountryLabel is the region column's value in country-level rows: UZ
// for the nation, else the regions the rows were restricted to.
func (f *Filter) CountryLabel() string {
	switch {
	case f.Region != "":
		return f.Region
	case f.Scope.all:
		return "UZ"
	}
	return strings.Join(f.Scope.regions, "+")
}

// nationwide reports whether f reads every region and district: the
// national rollups, which have no place, answer it.
func (f *Filter) nationwide() bool { return f.Scope.all && f.Region == "" && f.District == "" }

// sqlb accumulates a query from fixed fragments and its bound arguments.
type sqlb struct {
	b    strings.Builder
	args []any
}

func (q *sqlb) add(frag string, args ...any) *sqlb {
	q.b.WriteString(frag)
	q.args = append(q.args, args...)
	return q
}

// table appends db.name; both are fixed identifiers (the database name is
// validated by the migrations and the server config, never user input).
func (q *sqlb) table(db, name string) *sqlb {
	q.b.WriteString(db)
	q.b.WriteByte('.')
	q.b.WriteString(name)
	return q
}

// where appends the scope and the region and district filters (district
// only when the table has that column). It always writes a condition,
// so callers append further ones with " AND ...".
func (q *sqlb) where(f *Filter, district bool) *sqlb {
	q.b.WriteString(" WHERE ")
	switch {
	case f.Scope.all:
		q.b.WriteString("1")
	case len(f.Scope.regions) == 0:
		q.b.WriteString("0")
	default:
		q.b.WriteString("region IN (")
		for i, r := range f.Scope.regions {
			if i > 0 {
				q.b.WriteString(", ")
			}
			q.add("?", r)
		}
		q.b.WriteString(")")
	}
	if f.Region != "" {
		q.add(" AND region = ?", f.Region)
	}
	if district && f.District != "" {
		q.add(" AND district = ?", f.District)
	}
	return q
}

// days appends the daily rollup's period condition.
func (q *sqlb) days(f *Filter) *sqlb {
	return q.add(" AND day >= toDate(?) AND day < toDate(?)", f.Period.dayFrom(), f.Period.dayTo())
}

// dims appends the geographic group columns g_region and g_district at the
// filter's level, reading columns region and district (district only when
// the source has it). The aliases differ from the source columns on
// purpose: ClickHouse aliases are visible in WHERE.
func (q *sqlb) dims(f *Filter, district bool) *sqlb {
	return q.dimsOf(f, district, "region", "district")
}

// dimsOf is dims reading the place from columns regionCol and districtCol.
func (q *sqlb) dimsOf(f *Filter, district bool, regionCol, districtCol string) *sqlb {
	switch {
	case f.Level == LevelCountry:
		q.add("? AS g_region, '' AS g_district", f.CountryLabel())
	case f.Level == LevelDistrict && district:
		q.add(regionCol + " AS g_region, " + districtCol + " AS g_district")
	default:
		q.add(regionCol + " AS g_region, '' AS g_district")
	}
	return q
}

func (q *sqlb) String() string { return q.b.String() }
