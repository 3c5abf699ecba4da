// Package ingest runs a pipeline from a Kafka topic into ClickHouse:
// decode and validate each record, batch valid rows column by column,
// route bad records to the dead-letter topic, insert, and only then commit
// the Kafka offsets. A crash at any point therefore replays records rather
// than losing them, and the tables' dedup by event id absorbs the replay.
package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/apache/arrow/go/v15/arrow"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/pipelines/decode"
	"github.com/oqim/oqim/pipelines/events"
	"github.com/oqim/oqim/pipelines/schema"
)

// options are a pipeline's settings once NewPipeline has resolved its
// Config and Deps.
type options struct {
	Kafka *kafka.Cluster
	// Topics are read as one consumer group.
	Topics []string
	Group  string
	// DLQTopic receives rejected records; default Topics[0] + ".dlq".
	DLQTopic string
	// Database holds the target tables.
	Database string
	// Registry maps event types to tables; default schema.Load().
	Registry *schema.Registry
	// Flat, when set, reads plain JSON objects whose keys are the
	// columns of Flat.Family, all as event Flat.Event, instead of
	// envelopes.
	Flat *flatFormat
	// A batch is cut at BatchSize records, BatchBytes bytes of records or
	// BatchInterval after its first record, whichever comes first.
	BatchSize     int
	BatchBytes    int
	BatchInterval time.Duration
	// Decode tunes validation and transforms; its Registry is set from
	// Registry.
	Decode  decode.Options
	Metrics *Metrics
	Logger  *slog.Logger
	// ShutdownGrace bounds how long a stopping pipeline waits for the
	// batches it has cut to land; failing steps are not retried then, and
	// what does not land stays uncommitted.
	ShutdownGrace time.Duration
	// DeadPayload bounds a dead letter's JSON body, the original record
	// cut to fit; default DefaultDeadPayload.
	DeadPayload int
	// PermanentTries is how often a step failing for a permanent reason
	// (see permanent) is tried before its records are isolated or parked;
	// default 3. Transient failures are retried without bound.
	PermanentTries int
	// SessionTimeout is how long the group waits for a member that stopped
	// heartbeating (a crashed ingester) before giving its partitions to
	// the others; 0 keeps kafka-go's 30 s.
	SessionTimeout time.Duration
	// OnCommit, if set, is called after each batch commits, for
	// benchmarks that measure end-to-end latency and throughput.
	OnCommit func(Commit)
}

// Commit describes a landed batch.
type Commit struct {
	// Ranges are the offsets the batch covered, one range per partition.
	Ranges []OffsetRange
	// Started is when the batch's first record was fetched.
	Started   time.Time
	Committed time.Time
	Rows      int
	Bytes     int
}

// OffsetRange is the records First..Last (inclusive) of one partition.
type OffsetRange struct {
	Topic       string
	Partition   int
	First, Last int64
}

// flatFormat says where flat records go: either the table of an event
// family, every record taken as Event, or Table, an existing table in the
// database whose columns the records' keys fill (decode.Plain).
type flatFormat struct {
	Family string
	Event  string
	Table  string
}

func (o *options) defaults() error {
	if o.Kafka == nil {
		return errors.New("ingest: no Kafka cluster")
	}
	if len(o.Topics) == 0 || o.Group == "" || o.Database == "" {
		return errors.New("ingest: topics, group and database are required")
	}
	if o.DLQTopic == "" {
		o.DLQTopic = o.Topics[0] + ".dlq"
	}
	// A setting of zero or less takes its default.
	o.BatchSize = cmp.Or(max(o.BatchSize, 0), 50000)
	o.BatchBytes = cmp.Or(max(o.BatchBytes, 0), DefaultBatchBytes)
	o.BatchInterval = cmp.Or(max(o.BatchInterval, 0), time.Second)
	if o.Registry == nil {
		r, err := schema.Load()
		if err != nil {
			return err
		}
		o.Registry = r
	}
	o.Decode.Registry = o.Registry
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics(nil, o.Topics[0])
	}
	// A setting of zero or less takes its default.
	o.ShutdownGrace = cmp.Or(max(o.ShutdownGrace, 0), 15*time.Second)
	o.DeadPayload = cmp.Or(max(o.DeadPayload, 0), DefaultDeadPayload)
	o.PermanentTries = cmp.Or(max(o.PermanentTries, 0), 3)
	return nil
}

// Pipeline moves Kafka topics into ClickHouse tables. Decoding and
// inserting overlap: while one batch is being inserted and committed, the
// next is decoded, and at most one batch waits, which bounds memory.
type Pipeline struct {
	opts     options
	conn     driver.Conn
	consumer *kafka.Consumer
	dlq      *kafkago.Writer
	decoder  *decode.Decoder
	flat     *schema.Family
	flatEv   int
	plain    *decode.Plain

	// srcs are the source coordinates of the rows buffered in each of the
	// decoder's tables (one table for plain), in row order.
	srcs [][]source

	// stopping ends when Run's context does: from then on a failing step
	// is not retried (see retry).
	stopping <-chan struct{}

	cur   *batch
	free  chan *batch
	full  chan *batch
	ended chan struct{}
}

// DefaultBatchBytes bounds a batch by its records' size as BatchSize does
// by their count: 50,000 records of the 64 KiB an agency may send are a
// 3 GiB block, which would exhaust the ingester's memory or ClickHouse's
// per-query limit (an error that is the server's, so the whole block was
// retried for ever). 32 MiB is about 100,000 records of the usual size,
// so the count cuts first on ordinary streams.
const DefaultBatchBytes = 32 << 20

// batch is everything one flush must land before its offsets commit.
type batch struct {
	records []tableRecord
	dead    []kafkago.Message
	gen     int32 // the group generation all its records were fetched in
	parts   map[partition]*span
	bytes   int
	count   int // records consumed, valid or not
	rows    int
	started time.Time
}

type partition struct {
	topic string
	id    int
}

// span is what a batch read of one partition.
type span struct {
	first, last int64
}

type tableRecord struct {
	table string
	rec   arrow.Record
	src   []source // row i came from src[i]
}

// source is where a row's record was read.
type source struct {
	topic     string
	partition int
	offset    int64
}

// newPipeline prepares a pipeline; Run starts it. ctx bounds the set-up
// (a flat pipeline into a plain table reads the table's columns).
func newPipeline(ctx context.Context, conn driver.Conn, opts options) (*Pipeline, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	dec, err := decode.New(opts.Decode)
	if err != nil {
		return nil, err
	}
	p := &Pipeline{opts: opts, conn: conn, decoder: dec, free: make(chan *batch, 2), full: make(chan *batch, 1), ended: make(chan struct{})}
	switch {
	case opts.Flat != nil && opts.Flat.Table != "":
		table := opts.Database + "." + opts.Flat.Table
		cols, err := decode.DescribePlain(ctx, conn, table)
		if err != nil {
			return nil, fmt.Errorf("ingest: flat format: %w", err)
		}
		if p.plain, err = decode.NewPlain(table, cols, opts.Decode); err != nil {
			return nil, fmt.Errorf("ingest: flat format: %w", err)
		}
	case opts.Flat != nil:
		f, ok := opts.Registry.Family(opts.Flat.Family)
		if !ok {
			return nil, fmt.Errorf("ingest: flat format names family %q, which is not in the schema registry", opts.Flat.Family)
		}
		ev := slices.Index(f.Events, opts.Flat.Event)
		if ev < 0 {
			return nil, fmt.Errorf("ingest: flat format names event %q, not one of %s", opts.Flat.Event, strings.Join(f.Events, ", "))
		}
		p.flat, p.flatEv = f, ev
	}
	for i := 0; i < 2; i++ {
		p.free <- &batch{parts: map[partition]*span{}}
	}
	p.srcs = make([][]source, max(len(dec.Tables()), 1))
	p.consumer, err = opts.Kafka.NewConsumer(kafka.ConsumerConfig{
		Group:          opts.Group,
		Topics:         opts.Topics,
		SessionTimeout: opts.SessionTimeout,
		Logger:         opts.Logger,
		OnFetchError:   func(error) { opts.Metrics.Errors["fetch"].Inc() },
		OnPosition: func(topic string, id int, start, highWater int64) {
			opts.Metrics.lag.fetched(partition{topic, id}, start, highWater)
		},
	})
	if err != nil {
		return nil, err
	}
	p.dlq = opts.Kafka.NewWriter(opts.DLQTopic)
	return p, nil
}

// Run consumes until ctx is cancelled, then lands the batches already
// cut within ShutdownGrace (leaving the rest uncommitted, never half
// committed) and returns nil.
func (p *Pipeline) Run(ctx context.Context) error {
	defer closeWithin(5*time.Second, p.consumer)
	defer closeWithin(time.Second, p.dlq)

	// The flusher outlives ctx by the grace period, so a batch cut just
	// before Ctrl-C still lands and commits.
	p.stopping = ctx.Done()
	flushCtx, stopFlush := context.WithCancel(context.Background())
	defer stopFlush()
	stopGrace := context.AfterFunc(ctx, func() { time.AfterFunc(p.opts.ShutdownGrace, stopFlush) })
	defer stopGrace()
	go p.flusher(flushCtx)

	// One loop decodes while the consumer's fetchers read ahead, a
	// chunk of records per hand-over. The batch interval is a deadline on
	// the poll itself.
	p.cur = <-p.free
	deadline := batchDeadline{parent: ctx}
	defer deadline.stop()
	for {
		ch, err := p.consumer.Poll(deadline.context())
		if err != nil {
			switch {
			case ctx.Err() != nil:
				return p.shutdown()
			case deadline.passed(): // the batch interval is over
				deadline.stop()
				if !p.cut(ctx) {
					return p.shutdown()
				}
				continue
			default: // the consumer stopped
				p.shutdown()
				return fmt.Errorf("ingest: %w", err)
			}
		}
		if p.cur.count > 0 && p.cur.gen != ch.Generation {
			// A batch commits under one generation.
			deadline.stop()
			if !p.cut(ctx) {
				p.consumer.Release(ch)
				return p.shutdown()
			}
		}
		from := 0 // the chunk's first record in the current batch
		for i := 0; i < ch.Len(); i++ {
			if p.cur.count == 0 {
				p.cur.started = time.Now()
				p.cur.gen = ch.Generation
				deadline.start(p.opts.BatchInterval)
			}
			p.add(ch, i)
			if p.cur.count >= p.opts.BatchSize || p.cur.bytes >= p.opts.BatchBytes {
				p.cur.cover(ch, from, i)
				from = i + 1
				deadline.stop()
				if !p.cut(ctx) {
					p.consumer.Release(ch)
					return p.shutdown()
				}
			}
		}
		if from < ch.Len() {
			p.cur.cover(ch, from, ch.Len()-1)
		}
		p.consumer.Release(ch)
	}
}

// batchDeadline is the context fetches wait under: the run's own while
// the batch is empty, and one that expires at the batch interval once the
// batch has a record. One context per batch, not per fetch.
type batchDeadline struct {
	parent context.Context
	ctx    context.Context
	cancel context.CancelFunc
}

func (d *batchDeadline) start(after time.Duration) {
	d.ctx, d.cancel = context.WithTimeout(d.parent, after)
}

func (d *batchDeadline) context() context.Context {
	if d.ctx == nil {
		return d.parent
	}
	return d.ctx
}

func (d *batchDeadline) passed() bool { return d.ctx != nil && d.ctx.Err() != nil }

func (d *batchDeadline) stop() {
	if d.cancel != nil {
		d.cancel()
	}
	d.ctx, d.cancel = nil, nil
}

// cut hands the current batch to the flusher and takes an empty one. It
// blocks while the flusher is busy with an earlier batch, which is the
// pipeline's backpressure.
func (p *Pipeline) cut(ctx context.Context) bool {
	if p.cur.count == 0 {
		return true
	}
	p.takeRecords()
	select {
	case p.full <- p.cur:
		p.cur = nil
	case <-ctx.Done():
		return false
	}
	select {
	case p.cur = <-p.free:
		return true
	case <-ctx.Done():
		return false
	}
}

// takeRecords moves the decoder's buffered rows into the current batch.
func (p *Pipeline) takeRecords() {
	if p.plain != nil && p.plain.Rows() > 0 {
		p.cur.records = append(p.cur.records, tableRecord{p.plain.Table, p.plain.NewRecord(), slices.Clone(p.srcs[0])})
		p.srcs[0] = p.srcs[0][:0]
	}
	for i, t := range p.decoder.Tables() {
		if t.Rows() > 0 {
			p.cur.records = append(p.cur.records, tableRecord{p.opts.Database + "." + t.Family.Table, t.NewRecord(), slices.Clone(p.srcs[i])})
			p.srcs[i] = p.srcs[i][:0]
		}
	}
}

// shutdown hands the flusher what is buffered and waits for it to finish,
// at most the grace period (and a second for the flusher to see its end):
// the flusher's steps honour their context, but a call that does not must
// not hold the process. What has not landed by then stays uncommitted and
// is redelivered.
func (p *Pipeline) shutdown() error {
	limit := time.NewTimer(p.opts.ShutdownGrace + time.Second)
	defer limit.Stop()
	if p.cur != nil && p.cur.count > 0 {
		p.takeRecords()
		select {
		case p.full <- p.cur:
		case <-limit.C:
			close(p.full)
			p.opts.Logger.Warn("shutdown grace period over; uncommitted records will be redelivered", "grace", p.opts.ShutdownGrace)
			return nil
		}
	}
	close(p.full)
	select {
	case <-p.ended:
	case <-limit.C:
		p.opts.Logger.Warn("shutdown grace period over; uncommitted records will be redelivered", "grace", p.opts.ShutdownGrace)
	}
	return nil
}

// closeWithin closes c, waiting at most d: a producer's Close flushes
// what it holds, which a failing broker can drag out.
func closeWithin(d time.Duration, c io.Closer) {
	done := make(chan struct{})
	go func() {
		_ = c.Close()
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// cover records that the batch holds records from..to of ch; once per
// chunk, not per record, as it is a map update.
func (b *batch) cover(ch *kafka.Chunk, from, to int) {
	key := partition{ch.Topic, ch.Partition}
	if s := b.parts[key]; s != nil {
		s.last = ch.Offset(to)
		return
	}
	b.parts[key] = &span{first: ch.Offset(from), last: ch.Offset(to)}
}

func (p *Pipeline) add(ch *kafka.Chunk, i int) {
	b := p.cur
	b.count++
	value, offset := ch.Value(i), ch.Offset(i)
	b.bytes += len(value)
	var err error
	switch {
	case p.plain != nil:
		err = p.plain.Decode(value, ch.Topic, ch.Partition, offset)
	case p.flat != nil:
		err = p.decoder.DecodeFlat(p.flat, p.flatEv, value)
	default:
		err = p.decoder.Decode(value)
	}
	if err == nil {
		b.rows++
		t := 0
		if p.plain == nil {
			t = p.decoder.Last()
		}
		p.srcs[t] = append(p.srcs[t], source{ch.Topic, ch.Partition, offset})
		return
	}
	var fe *events.FieldError
	if !errors.As(err, &fe) {
		fe = &events.FieldError{Reason: events.ReasonMalformed, Detail: err.Error()}
	}
	b.dead = append(b.dead, deadLetter(ch.Topic, ch.Partition, offset, value, fe, p.opts.DeadPayload))
	if c := p.opts.Metrics.DLQ[fe.Reason]; c != nil {
		c.Inc()
	}
}

// flusher lands batches in order: dead letters first, then each table's
// rows, then the offsets. Each step retries until it succeeds or ctx
// ends, so a ClickHouse outage stalls the flusher, which stalls cut, which
// stops consumption: nothing is dropped and nothing is committed early.
//
// Once a batch fails to land (only a stop ends its retries), no later
// batch is landed: its commit would carry the partitions past the failed
// batch, which would then never be redelivered.
func (p *Pipeline) flusher(ctx context.Context) {
	defer close(p.ended)
	var w clickhouse.RecordWriter
	failed := false
	for b := range p.full {
		if failed {
			p.opts.Logger.Warn("batch left uncommitted behind one that did not land; it will be redelivered", "records", b.count)
		} else if err := p.land(ctx, b, &w); err != nil {
			failed = true
			p.opts.Logger.Warn("batch left uncommitted; it will be redelivered", "records", b.count, "err", err)
		}
		for _, r := range b.records {
			r.rec.Release()
		}
		b.records = b.records[:0]
		clear(b.dead)
		b.dead = b.dead[:0]
		clear(b.parts)
		b.count, b.rows, b.bytes = 0, 0, 0
		p.free <- b
	}
}
