package kpi

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oqim/oqim/connectors/clickhouse"
)

// The application snapshot (migration 0012): every submitted
// application's merged timestamps as one plain row, rebuilt by the
// sealing job a submission month at a time. The per-application KPIs read
// it for every application unchanged since the last run and merge the
// changed ones live from kpi_application_facts, so the results equal the
// live ones.

// appMerges are the application timestamps the per-application KPIs read,
// with their merge over kpi_application_facts; the snapshot has a column
// of each name.
var appMerges = []struct{ name, merge string }{
	{"t_sub", "minIfMerge(submitted)"},
	{"t_dec", "minIfMerge(decided)"},
	{"t_closed", "minIfMerge(closed)"},
	{"t_ref", "minIfMerge(refused)"},
	{"t_last", "maxMerge(last_step)"},
	{"t_dl", "maxMerge(deadline)"},
}

// snapshotColumns are the snapshot's columns, in insert order.
const snapshotColumns = "sub_month, sub_day, dec_day, region, district, service_id, app, t_sub, t_dec, t_closed, t_ref, t_last, t_dl"

// SnapshotStats reports one refresh of the application snapshot.
type SnapshotStats struct {
	// Months rebuilt, and the applications they hold now.
	Months int
	Apps   uint64
	// Busy: another sealing run was refreshing the snapshot, so this
	// run left it alone.
	Busy bool
}

// staleStage is the age after which a staging table is taken for the
// remains of a run that died (a full build at 100 M events takes 21 s).
const staleStage = time.Hour

// refreshSnapshot rebuilds the submission months of every application
// changed since the previous run (every month, on the first run), then
// records the run. Each month is built in a staging table of its own and
// swapped in whole, so readers see a month before or after, never half.
//
// Only one run may refresh at a time: two rebuilding a month at once could
// swap in the older build last while the newer run's valid time is
// recorded. The staging table, created first and dropped last, is the
// run's announcement: a run that finds another live staging table backs
// off. Both announce before they look, so of two concurrent runs at least
// one sees the other (both may back off; the next interval retries).
func (s *Sealer) refreshSnapshot(ctx context.Context) (SnapshotStats, error) {
	var st SnapshotStats
	stage := fmt.Sprintf("kpi_application_snapshot_stage_%d", time.Now().UnixNano())
	if err := s.conn.Exec(ctx, "CREATE TABLE "+s.db+"."+stage+" AS "+s.db+".kpi_application_snapshot"); err != nil {
		return st, fmt.Errorf("creating the snapshot staging table: %w", err)
	}
	defer func() {
		// A staging table left behind by a failed drop is harmless: later
		// runs drop it once it is stale.
		_ = s.conn.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+s.db+"."+stage)
	}()
	if busy, err := s.otherRun(ctx, stage); err != nil || busy {
		st.Busy = busy
		return st, err
	}
	var started, prev time.Time
	if err := s.conn.QueryRow(ctx, "SELECT now(), (SELECT max(valid) FROM "+s.db+".kpi_application_snapshot_runs)").Scan(&started, &prev); err != nil {
		return st, fmt.Errorf("reading the last snapshot run: %w", err)
	}
	valid := started.Add(-s.Settle)
	months, err := s.changedMonths(ctx, prev)
	if err != nil {
		return st, err
	}
	if len(months) > 0 {
		if st.Apps, err = s.rebuildMonths(ctx, s.db+"."+stage, months, prev.Unix() <= 0); err != nil {
			return st, err
		}
		st.Months = len(months)
	}
	if err := clickhouse.Insert(ctx, s.conn, s.db+".kpi_application_snapshot_runs", []string{"valid", "started", "months", "apps"},
		[]any{[]time.Time{valid}, []time.Time{started}, []uint32{uint32(len(months))}, []uint64{st.Apps}}); err != nil {
		return st, fmt.Errorf("recording the snapshot run: %w", err)
	}
	return st, s.pruneChanges(ctx, valid)
}

// otherRun reports whether a staging table other than own belongs to a
// run still under way, and drops those of runs that died.
func (s *Sealer) otherRun(ctx context.Context, own string) (bool, error) {
	names, err := s.queryStrings(ctx, "SELECT name FROM system.tables WHERE database = ? AND startsWith(name, 'kpi_application_snapshot_stage_') AND name != ?", s.db, own)
	if err != nil {
		return false, fmt.Errorf("looking for other snapshot runs: %w", err)
	}
	busy := false
	for _, n := range names {
		ns, err := strconv.ParseInt(strings.TrimPrefix(n, "kpi_application_snapshot_stage_"), 10, 64)
		if err == nil && time.Since(time.Unix(0, ns)) < staleStage {
			busy = true
			continue
		}
		if err := s.conn.Exec(ctx, "DROP TABLE IF EXISTS "+s.db+"."+n); err != nil {
			return false, fmt.Errorf("dropping the stale staging table %s: %w", n, err)
		}
	}
	return busy, nil
}

// changedMonths lists the submission months (YYYY-MM-DD) to rebuild: with
// no previous run every month of kpi_application_facts (an application's
// submission lies in the month of its submitted event); else, for each
// application changed at or after prev, the month it was submitted in now
// and the month the snapshot has it in, which differ when a late event
// moved its submission.
func (s *Sealer) changedMonths(ctx context.Context, prev time.Time) ([]string, error) {
	var (
		q    string
		args []any
	)
	if prev.Unix() <= 0 {
		q = "SELECT DISTINCT toString(month) FROM " + s.db + ".kpi_application_facts"
	} else {
		changed := "app IN (SELECT app FROM " + s.db + ".kpi_application_changes WHERE at >= toDateTime(?))"
		q = "SELECT DISTINCT m FROM (SELECT toString(toStartOfMonth(t)) AS m FROM (SELECT minIfMerge(submitted) AS t FROM " + s.db + ".kpi_application_facts" +
			" WHERE " + changed + " GROUP BY app) WHERE toUInt32(t) > 0" +
			" UNION ALL SELECT toString(sub_month) AS m FROM " + s.db + ".kpi_application_snapshot WHERE " + changed + ")"
		args = []any{prev.Unix(), prev.Unix()}
	}
	months, err := s.queryStrings(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("finding the changed months: %w", err)
	}
	slices.Sort(months)
	return months, nil
}

// queryStrings runs a query of one String column and returns its values.
func (s *Sealer) queryStrings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// rebuildMonths recomputes, through the empty table stage, the snapshot
// rows of the applications submitted in months and returns how many there
// are. The applications
// with a submitted event in one of months are the candidates, whose rows
// of every month are merged (without a snapshot yet, every application's).
func (s *Sealer) rebuildMonths(ctx context.Context, stage string, months []string, all bool) (uint64, error) {
	var merged strings.Builder
	for _, m := range appMerges {
		merged.WriteString(", " + m.merge + " AS " + m.name)
	}
	list := dayList(months)
	candidates := ""
	if !all {
		candidates = " PREWHERE app IN (SELECT app FROM " + s.db + ".kpi_application_facts WHERE month IN (" + list + ")" +
			" AND toUInt32(finalizeAggregation(submitted)) > 0)"
	}
	// The first build groups every application of the history; spilling
	// the aggregation keeps it within the server's memory limit.
	q := "INSERT INTO " + stage + " (" + snapshotColumns + ")" +
		" SELECT toStartOfMonth(t_sub), toDate(t_sub), toDate(t_dec), region, district, service_id, app, t_sub, t_dec, t_closed, t_ref, t_last, t_dl" +
		" FROM (SELECT app, any(region) AS region, any(district) AS district, any(service_id) AS service_id" + merged.String() +
		" FROM " + s.db + ".kpi_application_facts" + candidates + " GROUP BY app" +
		" HAVING toUInt32(t_sub) > 0 AND toStartOfMonth(t_sub) IN (" + list + "))" +
		" SETTINGS max_bytes_before_external_group_by = 1000000000"
	if err := s.conn.Exec(ctx, q); err != nil {
		return 0, fmt.Errorf("rebuilding the snapshot of %s to %s: %w", months[0], months[len(months)-1], err)
	}
	for _, m := range months {
		// An empty staging partition (every application moved away)
		// empties the month.
		if err := s.conn.Exec(ctx, "ALTER TABLE "+s.db+".kpi_application_snapshot REPLACE PARTITION '"+m+"' FROM "+stage); err != nil {
			return 0, fmt.Errorf("swapping in the snapshot of %s: %w", m, err)
		}
	}
	var n uint64
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM "+stage).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting the snapshot of %s to %s: %w", months[0], months[len(months)-1], err)
	}
	return n, nil
}

// pruneChanges drops the days of kpi_application_changes more than a day
// older than valid: no query reads changes before the newest run's valid.
func (s *Sealer) pruneChanges(ctx context.Context, valid time.Time) error {
	keep := valid.UTC().AddDate(0, 0, -1).Format("20060102")
	parts, err := s.queryStrings(ctx, "SELECT DISTINCT partition FROM system.parts WHERE database = ? AND table = 'kpi_application_changes' AND active AND partition < ?", s.db, keep)
	if err != nil {
		return fmt.Errorf("listing old application changes: %w", err)
	}
	for _, p := range parts {
		if !isDigits(p) {
			return fmt.Errorf("unexpected partition %q of kpi_application_changes", p)
		}
		if err := s.conn.Exec(ctx, "ALTER TABLE "+s.db+".kpi_application_changes DROP PARTITION "+p); err != nil {
			return fmt.Errorf("dropping application changes of %s: %w", p, err)
		}
	}
	return nil
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// appSnapshot is the state of the snapshot a query reads: the newest
// run's valid time and how many applications changed since (read live).
type appSnapshot struct {
	valid   int64
	changed uint64
}

// lookupSnapshot returns the snapshot to read, or nil (read everything
// live) when no run has completed or the store is LiveOnly.
func (s *Store) lookupSnapshot(ctx context.Context) (*appSnapshot, error) {
	if s.noSeals {
		return nil, nil
	}
	var (
		valid time.Time
		n     uint64
	)
	err := s.conn.QueryRow(ctx, "SELECT (SELECT max(valid) FROM "+s.db+".kpi_application_snapshot_runs) AS v, count() FROM "+s.db+
		".kpi_application_changes WHERE toUInt32(v) > 0 AND at >= v").Scan(&valid, &n)
	if err != nil {
		return nil, fmt.Errorf("reading the application snapshot's state: %w", err)
	}
	if valid.Unix() <= 0 {
		return nil, nil
	}
	return &appSnapshot{valid: valid.Unix(), changed: n}, nil
}

// appRows appends, in parentheses, one row per application whose step
// (t_sub: submitted, t_dec: decided) lies in the period, with its place
// (a_region and a_district, as the level shows them), service and the
// timestamps named by cols (zero when not reached): from the snapshot for
// the applications unchanged since its last run, merged live from
// kpi_application_facts for the others (all of them without a snapshot).
func appRows(q *sqlb, s *Store, f *Filter, step string, cols ...string) *sqlb {
	from, to := f.Period.From.Unix(), f.Period.To.Unix()
	// The place is named a_region and a_district: a column alias is
	// visible in WHERE, so region would shadow the scope condition. Only
	// the columns the level shows (see dimsOf) are read.
	place := func(region, district string) string {
		p := ""
		if f.Level != LevelCountry {
			p += region + " AS a_region, "
		}
		if f.Level == LevelDistrict {
			p += district + " AS a_district, "
		}
		return p
	}
	changed := func(q *sqlb, snap *appSnapshot) *sqlb {
		return q.add("(SELECT app FROM ").table(s.db, "kpi_application_changes").add(" WHERE at >= toDateTime(?))", snap.valid)
	}
	q.add("(")
	snap := f.snap
	if snap != nil {
		stepDay := map[string]string{"t_sub": "sub_day", "t_dec": "dec_day"}[step]
		q.add("SELECT "+place("region", "district")+"service_id, "+strings.Join(cols, ", ")+" FROM ").table(s.db, "kpi_application_snapshot").where(f, true)
		if step == "t_sub" {
			q.add(" AND sub_month >= toStartOfMonth(toDateTime(?, 'UTC')) AND sub_month <= toStartOfMonth(toDateTime(?, 'UTC'))", from, to)
		}
		q.add(" AND "+stepDay+" >= toDate(toDateTime(?, 'UTC')) AND "+stepDay+" <= toDate(toDateTime(?, 'UTC'))", from, to).
			add(" AND "+step+" >= toDateTime(?) AND "+step+" < toDateTime(?)", from, to)
		if snap.changed == 0 {
			return q.add(")")
		}
		changed(q.add(" AND app NOT IN "), snap).add(" UNION ALL ")
	}
	var merged []string
	for _, c := range cols {
		for _, m := range appMerges {
			if m.name == c {
				merged = append(merged, m.merge+" AS "+c)
			}
		}
	}
	q.add("SELECT "+place("any(region)", "any(district)")+"any(service_id) AS service_id, "+strings.Join(merged, ", ")+" FROM ").table(s.db, "kpi_application_facts")
	// The months of the period name the candidates: an application whose
	// step lies in the period has the event of that step in one of them.
	// It is a superset (a row's own first step may not be the merged
	// one), so each candidate's rows of every month are then merged: a
	// late event can date a step earlier than the period.
	state := map[string]string{"t_sub": "submitted", "t_dec": "decided"}[step]
	q.add(" PREWHERE app IN (SELECT app FROM ").table(s.db, "kpi_application_facts").where(f, true).
		add(" AND month >= toStartOfMonth(toDateTime(?, 'UTC')) AND month <= toDate(toDateTime(?, 'UTC'))", from, to).
		add(" AND finalizeAggregation("+state+") >= toDateTime(?) AND finalizeAggregation("+state+") < toDateTime(?)", from, to)
	if snap != nil {
		changed(q.add(" AND app IN "), snap)
	}
	q.add(")").where(f, true)
	return q.add(" GROUP BY app HAVING "+step+" >= toDateTime(?) AND "+step+" < toDateTime(?) AND toUInt32("+step+") > 0)", from, to)
}
