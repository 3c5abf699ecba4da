package ingest

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/oqim/oqim/connectors/clickhouse/chtest"
)

// TestRunCountsEveryRow runs every phase of the bench on a few records of
// each shape against the test server and an embedded broker: the report's
// accounting (rows landed, lost, duplicated) must come out exact.
func TestRunCountsEveryRow(t *testing.T) {
	conn, db := chtest.Database(t)
	for _, rows := range []string{RowsEnvelope, RowsSmall} {
		t.Run(rows, func(t *testing.T) {
			r, err := Run(context.Background(), conn, Options{
				Events: 3000, Rows: rows, BatchSize: 1000, LatencyFor: 500 * time.Millisecond,
				Database: db + "_" + rows,
			})
			if err != nil {
				t.Fatal(err)
			}
			if r.Lost != 0 || r.Duplicated != 0 || r.Landed < 3000 {
				t.Fatalf("landed %d, lost %d, duplicated %d", r.Landed, r.Lost, r.Duplicated)
			}
			if !(r.RowsPerS > 0 && r.LimitCH > 0 && r.LimitKafka > 0 && r.Ratio > 0) || r.LatencyP99Ms < r.LatencyP50Ms || math.IsNaN(r.LatencyP50Ms) {
				t.Fatalf("figures missing or inconsistent: %+v", r)
			}
		})
	}
}
