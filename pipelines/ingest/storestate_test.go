package ingest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/pipelines/events"
	"github.com/oqim/oqim/pipelines/ingest"
	"github.com/oqim/oqim/pipelines/ingest/ingesttest"
)

// A ClickHouse exception about the server's state, here the pipeline's
// credentials refused (code 193, as after a password rotation once the
// pool reconnects), stalls the pipeline: taken as the data's fault, it
// dead-lettered every valid row and committed past them.
func TestRefusedCredentialsStallInsteadOfDeadLetteringValidRows(t *testing.T) {
	env := ingesttest.New(t)
	const n = 8
	var msgs []kafkago.Message
	for i := range n {
		msgs = append(msgs, application(fmt.Sprintf("auth-%d", i), "Tax Committee"))
	}
	env.Produce(t, msgs)

	// The same server, but the credentials it now refuses (a rotated
	// password): clickhouse-go returns *proto.Exception code 193.
	opts, err := ch.ParseDSN(env.DSN)
	if err != nil {
		t.Fatal(err)
	}
	opts.Auth.Password = "rotated-elsewhere"
	bad, err := ch.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()

	deps := env.Deps()
	deps.Conn = bad
	p, err := ingest.NewPipeline(context.Background(), ingest.Config{Name: "auth", Topics: []string{ingesttest.Topic}, Group: "auth",
		BatchSize: 100, BatchInterval: 100 * time.Millisecond}, deps)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	m := p.Metrics()

	// Give the pipeline time to retry (a stall) or to give up (the defect).
	deadline := time.Now().Add(8 * time.Second)
	for time.Now().Before(deadline) && m.DLQ[events.ReasonStoreRejected].Get() < n {
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	<-done

	if dead := m.DLQ[events.ReasonStoreRejected].Get(); dead > 0 {
		t.Errorf("%d of %d valid events were dead-lettered as store_rejected because ClickHouse refused the pipeline's credentials (a server-side, operator-fixable state); insert errors %d, lag %d",
			dead, n, m.Errors["insert"].Get(), m.Lag())
	}

	// The operator fixes the credentials and restarts the pipeline in the
	// same group: the events land now, none committed past.
	fixed := env.Start(t, "auth")
	time.Sleep(3 * time.Second)
	_ = fixed.Stop()
	if ids := landedIDs(t, env); len(ids) != n {
		t.Errorf("after the credentials were fixed %d of %d valid events are in portal_applications (%v): the rest were committed past",
			len(ids), n, ids)
	}
}
