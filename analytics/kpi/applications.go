package kpi

import (
	"context"
	"fmt"

	"github.com/oqim/oqim/pipelines/events"
)

// StatusCount is the number of applications that reached Status.
type StatusCount struct {
	Status string `json:"status"`
	Count  uint64 `json:"count"`
}

// Applications counts, for each lifecycle status, the applications that
// reached it during f.Period (at day precision, see Period), within the
// scope and the region and district filters. Every status is present, in
// lifecycle order, zero included.
func (s *Store) Applications(ctx context.Context, f Filter) ([]StatusCount, error) {
	q := &sqlb{}
	if f.nationwide() { // the national rollup, which has no place
		// Per day and status: sealed counts for the sealed days, the
		// national rollup for the others.
		ds, err := s.lookupSeals(ctx, famApplications, &f)
		if err != nil {
			return nil, fmt.Errorf("kpi: applications: %w", err)
		}
		q.add("SELECT status, toUInt64(sum(n)) FROM ").sealedUnion(ds, func(q *sqlb) {
			q.add("SELECT day, status, uniqExactMerge(applications) AS n FROM ").
				table(s.db, "kpi_application_days_uz").where(&f, false).liveDays(ds).add(" GROUP BY day, status")
		}, func(q *sqlb) {
			q.add("SELECT day, status, applications AS n FROM ").
				table(s.db, "kpi_sealed_application_status_uz").where(&f, false).sealedDays(ds)
		})
	} else {
		q.add("SELECT status, toUInt64(sum(n)) FROM (SELECT day, status, uniqExactMerge(applications) AS n FROM ").
			table(s.db, "kpi_application_days").where(&f, true).days(&f).add(" GROUP BY day, status)")
	}
	q.add(" GROUP BY status")
	rows, err := s.conn.Query(ctx, q.String(), q.args...)
	if err != nil {
		return nil, fmt.Errorf("kpi: applications: %w", err)
	}
	defer rows.Close()
	got := make(map[string]uint64, len(events.ApplicationStatuses))
	for rows.Next() {
		var (
			status string
			n      uint64
		)
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("kpi: applications: %w", err)
		}
		got[status] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("kpi: applications: %w", err)
	}
	out := make([]StatusCount, len(events.ApplicationStatuses))
	for i, st := range events.ApplicationStatuses {
		out[i] = StatusCount{Status: st, Count: got[st]}
	}
	return out, nil
}
