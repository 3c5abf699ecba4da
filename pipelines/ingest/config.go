package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/VictoriaMetrics/metrics"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/pipelines/decode"
	"github.com/oqim/oqim/pipelines/schema"
)

// Record formats of Config.Decode.
const (
	// DecodeEnvelope reads Oqim's event envelope.
	DecodeEnvelope = "envelope"
	// DecodeFlat reads plain JSON objects keyed by column name.
	DecodeFlat = "flat"
)

// Allocators of Config.Allocator: where the decoded columns' memory comes
// from.
const (
	// AllocPool recycles Arrow buffers of landed batches by size class
	// (decode.PoolAllocator), so steady-state batching allocates nothing.
	AllocPool = "pool"
	// AllocGo takes fresh buffers from the Go heap for every batch and
	// leaves the landed ones to the collector.
	AllocGo = "go"
	// DefaultAllocator is the one production and `oqim bench ingest` run
	// unless told otherwise: the faster of the two side by side in
	// `oqim bench ingest --alloc both` (see the README's ingest figures).
	DefaultAllocator = AllocPool
)

// Config declares one pipeline: its Kafka source, how records decode,
// and the ClickHouse sink's batching. It is what oqim's configuration
// file says about a pipeline; `oqim ingest` and the benchmarks build
// their pipelines from it through NewPipeline.
type Config struct {
	// Name labels the pipeline's metrics and logs.
	Name string
	// Topics are read as one consumer group.
	Topics []string
	Group  string
	// Decode is DecodeEnvelope (the default) or DecodeFlat: either every
	// record as event Event of family Family, or rows of Table, an
	// existing table whose columns the records' keys fill.
	Decode string
	Family string
	Event  string
	Table  string
	// A batch is cut at BatchSize records (default 50,000), BatchBytes
	// bytes of records (default DefaultBatchBytes) or BatchInterval
	// (default 1 s) after its first record, whichever comes first.
	BatchSize     int
	BatchBytes    int
	BatchInterval time.Duration
	// Allocator is AllocPool or AllocGo; empty means DefaultAllocator.
	Allocator string
	// SessionTimeout is how long the group waits for a member that
	// stopped heartbeating before giving its partitions to the others;
	// 0 keeps kafka-go's 30 s.
	SessionTimeout time.Duration
	// ShutdownGrace bounds how long a stopping pipeline waits for the
	// batches it has cut to land; a step that fails meanwhile is not
	// retried, and what has not landed stays uncommitted for redelivery.
	// 0 means 15 s.
	ShutdownGrace time.Duration
}

// Deps are what the pipelines of one process share: the Kafka cluster,
// the ClickHouse connection and database, the schema registry, the
// metrics set and the logger.
type Deps struct {
	// Kafka is the cluster the topics are read from and the DLQ written to.
	Kafka    *kafka.Cluster
	Conn     driver.Conn
	Database string
	// Registry maps event types to tables; nil loads the embedded one.
	Registry *schema.Registry
	// Metrics receives the pipeline's series, labelled with Config.Name;
	// nil keeps them in a set of the pipeline's own.
	Metrics *metrics.Set
	Logger  *slog.Logger
	// OnCommit, if set, is called after each batch commits, for
	// benchmarks that measure end-to-end latency and throughput.
	OnCommit func(Commit)
}

// NewPipeline builds a pipeline from its configuration: the consumer
// group, the decoder with its allocator, the ClickHouse sink, the
// dead-letter writer (<first topic>.dlq) and the metrics. ctx bounds the
// set-up (a flat pipeline into a plain table reads the table's columns).
// Run starts it.
func NewPipeline(ctx context.Context, cfg Config, deps Deps) (*Pipeline, error) {
	if len(cfg.Topics) == 0 {
		return nil, fmt.Errorf("ingest: pipeline %q: no topics", cfg.Name)
	}
	dopts, err := DecodeOptions(cfg, deps.Registry)
	if err != nil {
		return nil, err
	}
	name := cfg.Name
	if name == "" {
		name = cfg.Topics[0]
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := options{
		Kafka: deps.Kafka, Topics: cfg.Topics, Group: cfg.Group, Database: deps.Database,
		Registry: dopts.Registry, BatchSize: cfg.BatchSize, BatchBytes: cfg.BatchBytes, BatchInterval: cfg.BatchInterval,
		Decode: dopts, Metrics: NewMetrics(deps.Metrics, name), Logger: log,
		ShutdownGrace: cfg.ShutdownGrace, SessionTimeout: cfg.SessionTimeout, OnCommit: deps.OnCommit,
	}
	if cfg.Decode == DecodeFlat {
		opts.Flat = &flatFormat{Family: cfg.Family, Event: cfg.Event, Table: cfg.Table}
	}
	return newPipeline(ctx, deps.Conn, opts)
}

// DecodeOptions are the decoder settings of a pipeline with cfg: the
// registry (nil loads the embedded one), the production places and
// transforms, and cfg's allocator. Loaders that bypass Kafka decode with
// them, so that their rows are exactly the pipeline's.
func DecodeOptions(cfg Config, reg *schema.Registry) (decode.Options, error) {
	switch cfg.Decode {
	case "", DecodeEnvelope, DecodeFlat:
	default:
		return decode.Options{}, fmt.Errorf("ingest: pipeline %q: decode %q: want %s or %s", cfg.Name, cfg.Decode, DecodeEnvelope, DecodeFlat)
	}
	alloc, err := NewAllocator(cfg.Allocator)
	if err != nil {
		return decode.Options{}, fmt.Errorf("ingest: pipeline %q: %w", cfg.Name, err)
	}
	if reg == nil {
		if reg, err = schema.Load(); err != nil {
			return decode.Options{}, err
		}
	}
	return decode.Options{Registry: reg, Alloc: alloc}, nil
}

// NewAllocator returns the allocator named AllocPool or AllocGo; empty
// means DefaultAllocator. Each pipeline gets its own, so a pool's free
// lists serve one decoder and its flusher.
func NewAllocator(name string) (memory.Allocator, error) {
	switch name {
	case "":
		return NewAllocator(DefaultAllocator)
	case AllocPool:
		return &decode.PoolAllocator{}, nil
	case AllocGo:
		return memory.NewGoAllocator(), nil
	}
	return nil, fmt.Errorf("allocator %q: want %s or %s", name, AllocPool, AllocGo)
}

// Metrics are the pipeline's counters, for health checks and tests.
func (p *Pipeline) Metrics() *Metrics { return p.opts.Metrics }
