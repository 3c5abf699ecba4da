package ingest_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/pipelines/ingest"
	"github.com/oqim/oqim/pipelines/ingest/ingesttest"
)

// A batch is cut by its records' bytes as well as by their count, so that
// large records never make a block too big for ClickHouse or the
// ingester: 12 records of about 4 KiB with a 16 KiB bound land in at least
// three inserts, where the count alone (1,000) would make one.
func TestBatchesAreCutByBytes(t *testing.T) {
	env := ingesttest.New(t)
	const n = 12
	var msgs []kafkago.Message
	for i := range n {
		msgs = append(msgs, application(fmt.Sprintf("big-%d", i), "Tax Committee "+strings.Repeat("x", 4000)))
	}
	env.Produce(t, msgs)
	p := env.StartConfig(t, ingest.Config{Name: "bytes", Topics: []string{ingesttest.Topic}, Group: "bytes",
		BatchSize: 1000, BatchBytes: 16 << 10, BatchInterval: 5 * time.Second})
	deadline := time.Now().Add(30 * time.Second)
	for p.Metrics.Rows.Get() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d rows landed; %d dead letters", p.Metrics.Rows.Get(), n, p.DeadLetters())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if b := p.Metrics.Batches.Get(); b < 3 {
		t.Errorf("%d rows of ~4 KiB landed in %d batches under a 16 KiB bound, want at least 3", n, b)
	}
	if ids := landedIDs(t, env); len(ids) != n {
		t.Errorf("landed %d ids, want %d", len(ids), n)
	}
}
