// Package ingesttest starts the real parts an end-to-end test needs: an
// embedded Kafka broker, a fresh ClickHouse database with the schema, and
// a running ingest pipeline.
package ingesttest

import (
	"context"
	"errors"
	"io/fs"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/clickhouse/chtest"
	"github.com/oqim/oqim/connectors/clickhouse/migrate"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/kafka/embedded"
	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/ingest"
	"github.com/oqim/oqim/pipelines/schema"
)

// Topic is the topic Env's pipeline reads.
const Topic = "applications"

// Env is a broker, a database and the pipelines started on them.
type Env struct {
	// Kafka is the embedded broker as clients reach it; Brokers are its
	// addresses, for tests that read with kafka-go directly.
	Kafka   *kafka.Cluster
	Brokers []string
	// DSN, Conn and DB are the ClickHouse server, a connection to it and
	// the test's database.
	DSN  string
	Conn driver.Conn
	DB   string
	Ref  *region.Data
}

// New starts the broker and a fresh database on the shared test
// ClickHouse, with the event tables (schema.Migrations) and the tables of
// other parts' sets, for tests that read what ingest writes through
// them (a KPI rollup, say); the test's cleanup stops them.
func New(t testing.TB, sets ...fs.FS) *Env {
	t.Helper()
	return NewWith(t, embedded.Options{}, sets...)
}

// NewWith is New with the broker's options (its message size limit, say);
// Topics and Partitions default to New's.
func NewWith(t testing.TB, broker embedded.Options, sets ...fs.FS) *Env {
	t.Helper()
	e := newBroker(t, broker)
	e.DSN = chtest.Default.DSN(t)
	e.Conn, e.DB = chtest.Database(t)
	if _, err := migrate.Up(context.Background(), e.Conn, e.DB, append([]fs.FS{schema.Migrations()}, sets...)...); err != nil {
		t.Fatal(err)
	}
	return e
}

// NewBroker starts only the broker, for tests that bring their own
// ClickHouse.
func NewBroker(t testing.TB) *Env {
	t.Helper()
	return newBroker(t, embedded.Options{})
}

func newBroker(t testing.TB, opts embedded.Options) *Env {
	t.Helper()
	if len(opts.Topics) == 0 {
		opts.Topics = []string{Topic, Topic + ".dlq"}
	}
	if opts.Partitions == 0 {
		opts.Partitions = 4
	}
	b, err := embedded.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	ref, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	return &Env{Kafka: kafka.Plain(b.Addrs()...), Brokers: b.Addrs(), Ref: ref}
}

// Deps are the broker, connection and database of e, for pipelines a
// test builds itself.
func (e *Env) Deps() ingest.Deps {
	return ingest.Deps{Kafka: e.Kafka, Conn: e.Conn, Database: e.DB}
}

// Pipeline is a running pipeline; Stop cancels it and returns Run's error.
type Pipeline struct {
	Metrics *ingest.Metrics
	cancel  context.CancelFunc
	done    chan error
}

// Start runs a pipeline in consumer group group, with small batches so
// tests see several flushes.
func (e *Env) Start(t testing.TB, group string) *Pipeline {
	t.Helper()
	return e.StartConfig(t, ingest.Config{
		Name: group, Topics: []string{Topic}, Group: group, BatchSize: 2000, BatchInterval: 200 * time.Millisecond,
	})
}

// StartConfig runs a pipeline configured by cfg on e's broker and
// database.
func (e *Env) StartConfig(t testing.TB, cfg ingest.Config) *Pipeline {
	t.Helper()
	p, err := ingest.NewPipeline(context.Background(), cfg, e.Deps())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pl := &Pipeline{Metrics: p.Metrics(), cancel: cancel, done: make(chan error, 1)}
	go func() { pl.done <- p.Run(ctx) }()
	t.Cleanup(func() { _ = pl.Stop() })
	return pl
}

// Stop cancels the pipeline and waits for Run to return.
func (p *Pipeline) Stop() error {
	p.cancel()
	select {
	case err := <-p.done:
		p.done <- err // let a second Stop see it too
		return err
	case <-time.After(30 * time.Second):
		return errors.New("pipeline did not stop within 30 s")
	}
}

// WaitRows waits until the pipeline has landed want rows and routed
// wantDead records to the DLQ.
func (p *Pipeline) WaitRows(t testing.TB, want, wantDead uint64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		rows, dead := p.Metrics.Rows.Get(), p.DeadLetters()
		if rows == want && dead == wantDead {
			return
		}
		if rows > want || dead > wantDead || time.Now().After(deadline) {
			t.Fatalf("pipeline landed %d rows and %d dead letters; want %d and %d", rows, dead, want, wantDead)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// DeadLetters is the number of records sent to the DLQ.
func (p *Pipeline) DeadLetters() uint64 {
	var n uint64
	for _, c := range p.Metrics.DLQ {
		n += c.Get()
	}
	return n
}

// Produce writes values to Topic with the given keys (nil keys spread).
func (e *Env) Produce(t testing.TB, msgs []kafkago.Message) {
	t.Helper()
	w := e.Kafka.NewWriter(Topic)
	defer w.Close()
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
}
