package kpi

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/connectors/clickhouse"
)

// Sealed daily counts (migration 0011). A closed UTC day's counts are
// copied from the exact uniqExact rollups into plain per-day tables; the
// queries read those for every day whose seal is still valid (the day's
// raw row count in kpi_day_touches has not moved since) and the live
// rollups for every other day. Both give the same number for a day, so
// the results are those of the live rollups alone.

// A sealed family is the rollups fed by one raw table, sealed together.
type sealFamily struct {
	name string
	// sealSQL are INSERT … SELECT statements filling the family's sealed
	// tables from its rollups: "{db}" is the database, "{days}" the list
	// of day literals and the first parameter the seal base (a day's seal
	// id is base + its day number).
	sealSQL []string
}

// Family names, as kpi_day_touches and kpi_seals spell them.
const (
	famApplications  = "applications"
	famPrescriptions = "prescriptions"
	famCalls         = "calls"
)

var sealFamilies = []sealFamily{
	{famApplications, []string{
		"INSERT INTO {db}.kpi_sealed_application_status_uz (day, seal, status, applications)" +
			" SELECT day, ? + toUInt64(toUInt32(day)), status, uniqExactMerge(applications) FROM {db}.kpi_application_days_uz" +
			" WHERE day IN ({days}) GROUP BY day, status",
		"INSERT INTO {db}.kpi_sealed_application_days_uz (day, seal, status, service_id, agency, channel, applications)" +
			" SELECT day, ? + toUInt64(toUInt32(day)), status, service_id, agency, channel, uniqExactMerge(applications) FROM {db}.kpi_application_days_uz" +
			" WHERE day IN ({days}) GROUP BY day, status, service_id, agency, channel",
		"INSERT INTO {db}.kpi_sealed_application_days (day, seal, region, district, status, service_id, agency, channel, applications)" +
			" SELECT day, ? + toUInt64(toUInt32(day)), region, district, status, service_id, agency, channel, uniqExactMerge(applications) FROM {db}.kpi_application_days" +
			" WHERE day IN ({days}) GROUP BY day, region, district, status, service_id, agency, channel",
	}},
	{famPrescriptions, []string{
		"INSERT INTO {db}.kpi_sealed_prescription_days (day, seal, region, district, event, prescriptions)" +
			" SELECT day, ? + toUInt64(toUInt32(day)), region, district, event, uniqExactMerge(prescriptions) FROM {db}.kpi_prescriptions_daily" +
			" WHERE day IN ({days}) GROUP BY day, region, district, event",
	}},
	{famCalls, []string{
		"INSERT INTO {db}.kpi_sealed_call_days (day, seal, region, district, service, response_seconds, calls)" +
			" SELECT day, ? + toUInt64(toUInt32(day)), region, district, service, rs, count() FROM" +
			" (SELECT day, region, district, service, call_id, maxMerge(response_seconds) AS rs FROM {db}.kpi_calls" +
			" WHERE day IN ({days}) GROUP BY day, region, district, service, call_id)" +
			" GROUP BY day, region, district, service, rs",
	}},
}

// Defaults of the sealing job.
const (
	// DefaultSealInterval is how often Sealer.Run seals.
	DefaultSealInterval = 5 * time.Minute
	// DefaultSealSettle is how long a day must have received no row
	// before it is sealed: an insert writes its raw block, the touch and
	// the rollups one after the other, and a day is sealed only once no
	// insert of it can still be under way.
	DefaultSealSettle = 2 * time.Minute
	// sealBatchDays is how many days one INSERT … SELECT seals.
	sealBatchDays = 31
)

// Sealer seals closed days: see migration 0011 and analytics/README.md.
type Sealer struct {
	conn driver.Conn
	db   string
	// Settle: a day whose latest row arrived less than Settle ago (by the
	// server's clock) is left for a later run. Zero seals every closed
	// day at once, for a caller that knows no insert is under way (bench
	// query after loading, tests).
	Settle time.Duration
	// Before, if set, seals only the days before it (tests).
	Before time.Time
	// Log receives one line per sealing run that sealed something.
	Log *slog.Logger

	lastBase uint64
}

// NewSealer seals the days of database db with the default settle time.
func NewSealer(conn driver.Conn, db string) *Sealer {
	return &Sealer{conn: conn, db: db, Settle: DefaultSealSettle, Log: slog.New(slog.DiscardHandler)}
}

// SealStats reports one sealing run.
type SealStats struct {
	// Days sealed (or sealed again) per family.
	Days map[string]int
	// Skipped: days left for a later run because they changed while
	// being sealed.
	Skipped int
	// Snapshot: the refresh of the application snapshot (0012).
	Snapshot SnapshotStats
	Took     time.Duration
}

// Total is the number of days sealed over all families.
func (st SealStats) Total() int {
	n := 0
	for _, d := range st.Days {
		n += d
	}
	return n
}

// Seal seals, for every family, each day before the current UTC day that
// has no valid seal: never sealed, or touched (a late or replayed event)
// since its seal.
func (s *Sealer) Seal(ctx context.Context) (SealStats, error) {
	t0 := time.Now()
	st := SealStats{Days: map[string]int{}}
	for _, fam := range sealFamilies {
		n, skipped, err := s.sealFamily(ctx, fam)
		st.Days[fam.name] = n
		st.Skipped += skipped
		if err != nil {
			st.Took = time.Since(t0)
			return st, fmt.Errorf("kpi: sealing %s: %w", fam.name, err)
		}
	}
	snap, err := s.refreshSnapshot(ctx)
	st.Snapshot = snap
	st.Took = time.Since(t0)
	if err != nil {
		return st, fmt.Errorf("kpi: refreshing the application snapshot: %w", err)
	}
	return st, nil
}

// Run seals at once and then every interval until ctx ends. A failed run
// is reported to onErr (and logged) and retried at the next interval.
func (s *Sealer) Run(ctx context.Context, interval time.Duration, onErr func(error)) error {
	if interval <= 0 {
		interval = DefaultSealInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		st, err := s.Seal(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			if onErr != nil {
				onErr(err)
			}
		case st.Snapshot.Busy:
			s.Log.Warn("another sealing job is refreshing the application snapshot; run one per database", "sealed_days", st.Total())
		case st.Total() > 0 || st.Skipped > 0 || st.Snapshot.Months > 0:
			s.Log.Info("sealed closed days", "applications", st.Days[famApplications], "prescriptions", st.Days[famPrescriptions],
				"calls", st.Days[famCalls], "skipped", st.Skipped, "snapshot_months", st.Snapshot.Months, "snapshot_apps", st.Snapshot.Apps,
				"took", st.Took.Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// dayTouch is a day's row count and latest insert in kpi_day_touches.
type dayTouch struct {
	inserted uint64
	touched  time.Time
}

func (s *Sealer) touches(ctx context.Context, family string, days []string) (map[string]dayTouch, time.Time, error) {
	q := "SELECT toString(day), countMerge(inserted), maxMerge(touched), now() FROM " + s.db + ".kpi_day_touches WHERE family = ?"
	if days != nil {
		q += " AND day IN (" + dayList(days) + ")"
	}
	rows, err := s.conn.Query(ctx, q+" GROUP BY day", family)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("reading kpi_day_touches: %w", err)
	}
	defer rows.Close()
	out := map[string]dayTouch{}
	var now time.Time
	for rows.Next() {
		var (
			day string
			t   dayTouch
		)
		if err := rows.Scan(&day, &t.inserted, &t.touched, &now); err != nil {
			return nil, now, fmt.Errorf("reading kpi_day_touches: %w", err)
		}
		out[day] = t
	}
	return out, now, rows.Err()
}

func (s *Sealer) sealFamily(ctx context.Context, fam sealFamily) (sealed, skipped int, err error) {
	touches, now, err := s.touches(ctx, fam.name, nil)
	if err != nil || len(touches) == 0 {
		return 0, 0, err
	}
	valid := map[string]uint64{} // day → the count its newest seal recorded
	rows, err := s.conn.Query(ctx, "SELECT toString(day), argMax(inserted, seal) FROM "+s.db+".kpi_seals WHERE family = ? GROUP BY day", fam.name)
	if err != nil {
		return 0, 0, fmt.Errorf("reading kpi_seals: %w", err)
	}
	for rows.Next() {
		var (
			day string
			n   uint64
		)
		if err := rows.Scan(&day, &n); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("reading kpi_seals: %w", err)
		}
		valid[day] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("reading kpi_seals: %w", err)
	}
	today := now.UTC().Format(time.DateOnly)
	before := ""
	if !s.Before.IsZero() {
		before = s.Before.UTC().Format(time.DateOnly)
	}
	var todo []string
	for day, t := range touches {
		if day >= today || (before != "" && day >= before) || now.Sub(t.touched) < s.Settle {
			continue
		}
		if n, ok := valid[day]; ok && n == t.inserted {
			continue
		}
		todo = append(todo, day)
	}
	slices.Sort(todo)
	for len(todo) > 0 {
		batch := todo[:min(len(todo), sealBatchDays)]
		todo = todo[len(batch):]
		n, err := s.sealDays(ctx, fam, batch, touches)
		sealed += n
		skipped += len(batch) - n
		if err != nil {
			return sealed, skipped, err
		}
	}
	return sealed, skipped, nil
}

// sealDays seals days, whose counts before sealing are in before, and
// returns how many it recorded: a day touched while its rollups were read
// gets no seal (its sealed rows are never read) and waits for a later run.
func (s *Sealer) sealDays(ctx context.Context, fam sealFamily, days []string, before map[string]dayTouch) (int, error) {
	base := uint64(time.Now().UnixNano())
	if base <= s.lastBase+1<<20 { // seal ids: base + day number, so bases at least 2^20 apart never collide
		base = s.lastBase + 1<<20 + 1
	}
	s.lastBase = base
	list := dayList(days)
	for _, stmt := range fam.sealSQL {
		q := strings.ReplaceAll(strings.ReplaceAll(stmt, "{db}", s.db), "{days}", list)
		if err := s.conn.Exec(ctx, q, base); err != nil {
			return 0, fmt.Errorf("days %s to %s: %w", days[0], days[len(days)-1], err)
		}
	}
	after, _, err := s.touches(ctx, fam.name, days)
	if err != nil {
		return 0, fmt.Errorf("days %s to %s: %w", days[0], days[len(days)-1], err)
	}
	var (
		cDay    []time.Time
		cSeal   []uint64
		cCount  []uint64
		cFamily []string
	)
	for _, day := range days {
		if after[day].inserted != before[day].inserted {
			continue
		}
		d, err := time.Parse(time.DateOnly, day)
		if err != nil {
			return 0, err
		}
		cFamily = append(cFamily, fam.name)
		cDay = append(cDay, d)
		cSeal = append(cSeal, base+uint64(d.Unix()/86400))
		cCount = append(cCount, before[day].inserted)
	}
	if len(cDay) == 0 {
		return 0, nil
	}
	if err := clickhouse.Insert(ctx, s.conn, s.db+".kpi_seals", []string{"family", "day", "seal", "inserted"},
		[]any{cFamily, cDay, cSeal, cCount}); err != nil {
		return 0, fmt.Errorf("recording the seals of days %s to %s: %w", days[0], days[len(days)-1], err)
	}
	return len(cDay), nil
}

// dayList renders days (YYYY-MM-DD, validated) as SQL literals.
func dayList(days []string) string {
	var b strings.Builder
	for i, d := range days {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("toDate('" + d + "')")
	}
	return b.String()
}

// daySeals splits a query's period between sealed and live days for one
// family.
type daySeals struct {
	// seals are the seal ids of the sealed days, days the days.
	seals []uint64
	days  []string
	// live are the half-open [from, to) day ranges read from the rollups.
	live [][2]string
}

// lookupSeals finds the valid seals of family over f's period: the newest
// seal of each day whose recorded count still equals the day's count in
// kpi_day_touches. Read once per query, so that every day is read either
// sealed or live, never both.
func (s *Store) lookupSeals(ctx context.Context, family string, f *Filter) (*daySeals, error) {
	from, to := f.Period.dayFrom(), f.Period.dayTo()
	ds := &daySeals{}
	if s.noSeals {
		ds.live = [][2]string{{from, to}}
		return ds, nil
	}
	rows, err := s.conn.Query(ctx, "SELECT toString(day), s FROM (SELECT day, max(seal) AS s, argMax(inserted, seal) AS c FROM "+s.db+".kpi_seals"+
		" WHERE family = ? AND day >= toDate(?) AND day < toDate(?) GROUP BY day) ANY INNER JOIN (SELECT day, countMerge(inserted) AS c2 FROM "+s.db+".kpi_day_touches"+
		" WHERE family = ? AND day >= toDate(?) AND day < toDate(?) GROUP BY day) USING day WHERE c = c2 ORDER BY day", family, from, to, family, from, to)
	if err != nil {
		return nil, fmt.Errorf("reading the seals of %s: %w", family, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			day  string
			seal uint64
		)
		if err := rows.Scan(&day, &seal); err != nil {
			return nil, fmt.Errorf("reading the seals of %s: %w", family, err)
		}
		ds.days = append(ds.days, day)
		ds.seals = append(ds.seals, seal)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the seals of %s: %w", family, err)
	}
	// The live ranges are the period minus the sealed days.
	start := from
	for _, d := range ds.days {
		if d > start {
			ds.live = append(ds.live, [2]string{start, d})
		}
		start = nextDay(d)
	}
	if start < to || len(ds.days) == 0 {
		ds.live = append(ds.live, [2]string{start, to})
	}
	return ds, nil
}

func nextDay(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return t.AddDate(0, 0, 1).Format(time.DateOnly)
}

// liveDays appends the condition selecting the live days (call only when
// there are some).
func (q *sqlb) liveDays(ds *daySeals) *sqlb {
	q.add(" AND (")
	for i, r := range ds.live {
		if i > 0 {
			q.add(" OR ")
		}
		q.add("day >= toDate(?) AND day < toDate(?)", r[0], r[1])
	}
	return q.add(")")
}

// sealedDays appends the condition selecting the rows of the valid seals
// (call only when there are some).
func (q *sqlb) sealedDays(ds *daySeals) *sqlb {
	q.add(" AND day >= toDate(?) AND day <= toDate(?) AND seal IN (", ds.days[0], ds.days[len(ds.days)-1])
	for i, s := range ds.seals {
		if i > 0 {
			q.b.WriteString(", ")
		}
		fmt.Fprintf(&q.b, "%d", s)
	}
	return q.add(")")
}

// sealedUnion appends "(<live> UNION ALL <sealed>)", either part left out
// when it has no day: live(q) and sealed(q) append a SELECT each.
func (q *sqlb) sealedUnion(ds *daySeals, live, sealed func(*sqlb)) *sqlb {
	q.add("(")
	if len(ds.live) > 0 {
		live(q)
		if len(ds.seals) > 0 {
			q.add(" UNION ALL ")
		}
	}
	if len(ds.seals) > 0 {
		sealed(q)
	}
	return q.add(")")
}

// sealed is the split Stream looked up for family, or the whole period
// live when there is none.
func (f *Filter) sealed(family string) *daySeals {
	if ds := f.seals[family]; ds != nil {
		return ds
	}
	return &daySeals{live: [][2]string{{f.Period.dayFrom(), f.Period.dayTo()}}}
}
