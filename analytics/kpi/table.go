package kpi

import (
	"context"
	"fmt"
	"time"

	"github.com/oqim/oqim/models/region"
)

// Type is a KPI column's type.
type Type uint8

const (
	String Type = iota
	Int         // int64
	Float       // float64
	Date        // a UTC day; zero means none
)

// Column describes one column of a KPI table.
type Column struct {
	Name string
	Type Type
	Doc  string
}

// Target is a decree target shown beside a KPI's actuals.
type Target struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	// Deadline as the decree gives it (YYYY-MM or a date).
	Deadline string `json:"deadline,omitempty"`
}

// Table is one exportable KPI table: a fixed set of columns whose rows a
// query streams.
type Table struct {
	// Name is the path under /api/v1/kpi/, e.g. "eservices/channels".
	Name  string
	Title string
	Doc   string
	// Columns in row order; Row accessors index them.
	Columns []Column
	// National tables have no regions; only a national scope reads them.
	National bool
	// District reports whether the rows can be filtered and grouped by
	// district.
	District bool
	// Uses lists the optional query parameters the table reads besides
	// the common region, district, from, to, level and format.
	Uses []string
	// Targets are the decree targets the table is measured against.
	Targets func(ref *region.Data) []Target
	// computed is the number of trailing columns fill computes in Go.
	computed int
	// sealed names the sealed families (see seal.go) the query reads:
	// Stream looks up their sealed days for f.seals.
	sealed []string
	// snapshot: the query reads the application snapshot (appRows).
	snapshot bool

	run func(ctx context.Context, s *Store, f *Filter, r *Row, emit func(*Row) error) error
}

// Row is one row of a Table, reused from row to row: copy what you keep.
// Each column's value lives in the slice of its type, at its index.
type Row struct {
	cols   []Column
	str    []string
	num    []int64
	flt    []float64
	day    []time.Time
	dest   []any
	nfixed int // leading columns scanned from SQL
}

func newRow(cols []Column) *Row {
	n := len(cols)
	r := &Row{cols: cols, str: make([]string, n), num: make([]int64, n), flt: make([]float64, n), day: make([]time.Time, n), dest: make([]any, n)}
	for i, c := range cols {
		switch c.Type {
		case String:
			r.dest[i] = &r.str[i]
		case Int:
			r.dest[i] = &r.num[i]
		case Float:
			r.dest[i] = &r.flt[i]
		case Date:
			r.dest[i] = &r.day[i]
		}
	}
	r.nfixed = n
	return r
}

// Columns are the row's columns.
func (r *Row) Columns() []Column { return r.cols }

// Str, Int, Float and Date read column i of the matching type.
func (r *Row) Str(i int) string       { return r.str[i] }
func (r *Row) Int(i int) int64        { return r.num[i] }
func (r *Row) Float(i int) float64    { return r.flt[i] }
func (r *Row) Date(i int) time.Time   { return r.day[i] }
func (r *Row) setStr(i int, v string) { r.str[i] = v }
func (r *Row) setInt(i int, v int64)  { r.num[i] = v }
func (r *Row) setFlt(i int, v float64) {
	r.flt[i] = v
}
func (r *Row) setDay(i int, v time.Time) { r.day[i] = v }

// Index returns the position of the named column, or -1.
func (t *Table) Index(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Stream runs table t under f and calls emit for every row, in order.
// The row is reused between calls. A national table under a regional
// scope returns ErrNationalOnly.
func (s *Store) Stream(ctx context.Context, t *Table, f Filter, emit func(*Row) error) error {
	if t.National && !f.Scope.all {
		return ErrNationalOnly
	}
	f.defaults()
	for _, fam := range t.sealed {
		ds, err := s.lookupSeals(ctx, fam, &f)
		if err != nil {
			return fmt.Errorf("kpi: %s: %w", t.Name, err)
		}
		if f.seals == nil {
			f.seals = map[string]*daySeals{}
		}
		f.seals[fam] = ds
	}
	if t.snapshot {
		snap, err := s.lookupSnapshot(ctx)
		if err != nil {
			return fmt.Errorf("kpi: %s: %w", t.Name, err)
		}
		f.snap = snap
	}
	r := newRow(t.Columns)
	r.nfixed -= t.computed
	if err := t.run(ctx, s, &f, r, emit); err != nil {
		return fmt.Errorf("kpi: %s: %w", t.Name, err)
	}
	return nil
}

// sqlRun streams the rows of a query whose SELECT list matches the
// table's leading columns; fill, if set, computes the remaining ones.
func sqlRun(build func(s *Store, f *Filter) *sqlb, fill func(s *Store, f *Filter) (func(*Row), error)) func(context.Context, *Store, *Filter, *Row, func(*Row) error) error {
	return func(ctx context.Context, s *Store, f *Filter, r *Row, emit func(*Row) error) error {
		var fn func(*Row)
		if fill != nil {
			var err error
			if fn, err = fill(s, f); err != nil {
				return err
			}
		}
		q := build(s, f)
		rows, err := s.conn.Query(ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		dest := r.dest[:r.nfixed]
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			if fn != nil {
				fn(r)
			}
			if err := emit(r); err != nil {
				return err
			}
		}
		return rows.Err()
	}
}

// NewRowForTest returns a row of cols holding vals (string, int64 or int,
// float64, time.Time), for tests and benchmarks of row consumers.
func NewRowForTest(cols []Column, vals ...any) *Row {
	r := newRow(cols)
	for i, v := range vals {
		switch x := v.(type) {
		case string:
			r.str[i] = x
		case int:
			r.num[i] = int64(x)
		case int64:
			r.num[i] = x
		case float64:
			r.flt[i] = x
		case time.Time:
			r.day[i] = x
		}
	}
	return r
}
