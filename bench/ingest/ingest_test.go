package ingest

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/oqim/oqim/connectors/clickhouse/chtest"
	pipeline "github.com/oqim/oqim/pipelines/ingest"
)

// TestRunCountsEveryRow runs every phase of the bench on a few records of
// each shape against the test server and an embedded broker: the report's
// accounting (rows landed, lost, duplicated) must come out exact.
func TestRunCountsEveryRow(t *testing.T) {
	conn, db := chtest.Database(t)
	for _, rows := range []string{RowsEnvelope, RowsSmall} {
		t.Run(rows, func(t *testing.T) {
			r, err := Run(context.Background(), conn, Options{
				Events: 3000, Rows: rows, Pipeline: pipeline.Config{BatchSize: 1000}, LatencyFor: 500 * time.Millisecond,
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

func TestSummarizeTakesMediansPerAllocator(t *testing.T) {
	reports := []*Report{
		{Alloc: "pool", RowsPerS: 100, Ratio: 0.5, PeakRSSBytes: 30},
		{Alloc: "go", RowsPerS: 10, Ratio: 0.1, Lost: 2},
		{Alloc: "pool", RowsPerS: 300, Ratio: 0.9, PeakRSSBytes: 10},
		{Alloc: "pool", RowsPerS: 200, Ratio: 0.7, PeakRSSBytes: 20},
		{Alloc: "go", RowsPerS: 30, Ratio: 0.3},
	}
	s := Summarize(reports)
	if len(s) != 2 || s[0].Alloc != "pool" || s[1].Alloc != "go" {
		t.Fatalf("summaries %+v", s)
	}
	if s[0].Runs != 3 || s[0].RowsPerS != 200 || s[0].Ratio != 0.7 || s[0].PeakRSSBytes != 20 {
		t.Errorf("pool %+v", s[0])
	}
	if s[1].Runs != 2 || s[1].RowsPerS != 20 || s[1].Lost != 2 {
		t.Errorf("go %+v", s[1])
	}
}
