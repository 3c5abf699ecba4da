// Package kpi computes the Digital Region indicators from ClickHouse. Every
// query is built here, with its filters bound as parameters, so callers
// cannot widen what a query reads.
package kpi

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/pipelines/events"
)

// Store runs KPI queries against one database.
type Store struct {
	conn driver.Conn
	db   string
}

// NewStore queries the tables of database db.
func NewStore(conn driver.Conn, db string) *Store { return &Store{conn: conn, db: db} }

// Period is the half-open interval [From, To).
type Period struct{ From, To time.Time }

// StatusCount is the number of applications that reached Status.
type StatusCount struct {
	Status string `json:"status"`
	Count  uint64 `json:"count"`
}

// Applications counts, for each lifecycle status, the applications that
// reached it during p, in region (all regions when region is empty).
// Every status is present, in lifecycle order, zero included.
//
// FINAL applies ReplacingMergeTree's dedup at read time, so a replayed
// event that has not been merged away yet is still counted once.
func (s *Store) Applications(ctx context.Context, region string, p Period) ([]StatusCount, error) {
	q := "SELECT status, count() FROM " + s.db + ".portal_applications FINAL WHERE time >= toDateTime(?) AND time < toDateTime(?)"
	args := []any{p.From.Unix(), p.To.Unix()}
	if region != "" {
		q += " AND region = ?"
		args = append(args, region)
	}
	q += " GROUP BY status"
	rows, err := s.conn.Query(ctx, q, args...)
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
