// Package ingest runs a pipeline from a Kafka topic into ClickHouse:
// decode and validate each record, batch valid rows column by column,
// route bad records to the dead-letter topic, insert, and only then commit
// the Kafka offsets. A crash at any point therefore replays records rather
// than losing them, and the tables' dedup by event id absorbs the replay.
package ingest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/pipelines/events"
)

// Options configure a pipeline.
type Options struct {
	Brokers []string
	Topic   string
	Group   string
	// DLQTopic receives rejected records; default Topic + ".dlq".
	DLQTopic string
	// Database holds the target table.
	Database string
	// A batch is flushed at BatchSize records or BatchInterval after its
	// first record, whichever comes first.
	BatchSize     int
	BatchInterval time.Duration
	Limits        events.Limits
	Regions       []string
	Metrics       *Metrics
	Logger        *slog.Logger
	Now           func() time.Time
}

func (o *Options) defaults() error {
	if len(o.Brokers) == 0 {
		return errors.New("ingest: no Kafka brokers")
	}
	if o.Topic == "" || o.Group == "" || o.Database == "" {
		return errors.New("ingest: topic, group and database are required")
	}
	if o.DLQTopic == "" {
		o.DLQTopic = o.Topic + ".dlq"
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 50000
	}
	if o.BatchInterval <= 0 {
		o.BatchInterval = time.Second
	}
	if o.Limits == (events.Limits{}) {
		o.Limits = events.DefaultLimits()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics(nil, o.Topic)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// Pipeline moves one topic into portal_applications.
type Pipeline struct {
	opts    Options
	conn    driver.Conn
	reader  *kafkago.Reader
	dlq     *kafkago.Writer
	decoder *events.Decoder
	table   string

	batch   events.ApplicationBatch
	dead    []kafkago.Message
	last    map[int]kafkago.Message // newest message per partition in the batch
	records int
	started time.Time
}

// New prepares a pipeline; Run starts it.
func New(conn driver.Conn, opts Options) (*Pipeline, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	p := &Pipeline{
		opts:    opts,
		conn:    conn,
		decoder: events.NewDecoder(opts.Regions, opts.Limits, opts.Now),
		table:   opts.Database + ".portal_applications",
		last:    map[int]kafkago.Message{},
	}
	p.reader = kafkago.NewReader(kafkago.ReaderConfig{
		Brokers:        opts.Brokers,
		GroupID:        opts.Group,
		Topic:          opts.Topic,
		MinBytes:       1,
		MaxBytes:       16 << 20,
		MaxWait:        250 * time.Millisecond,
		QueueCapacity:  4096,
		CommitInterval: 0, // commit synchronously, after the insert
		StartOffset:    kafkago.FirstOffset,
		ErrorLogger:    kafka.SlogLogger(opts.Logger, slog.LevelWarn),
	})
	p.dlq = kafka.NewWriter(opts.Brokers, opts.DLQTopic)
	return p, nil
}

// Run consumes until ctx is cancelled, then finishes the batch in flight
// (or leaves it uncommitted if it cannot) and returns nil. Other errors are
// returned only when the pipeline cannot go on.
func (p *Pipeline) Run(ctx context.Context) error {
	defer p.reader.Close()
	defer p.dlq.Close()

	fetchCtx, stopFetch := context.WithCancel(ctx)
	defer stopFetch()
	msgs := make(chan kafkago.Message, 1024)
	go p.fetch(fetchCtx, msgs)

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case m := <-msgs:
			if p.records == 0 {
				p.started = time.Now()
				timer.Reset(p.opts.BatchInterval)
			}
			p.add(m)
			if p.records >= p.opts.BatchSize {
				timer.Stop()
				if err := p.flush(ctx); err != nil {
					return p.shutdown(err)
				}
			}
		case <-timer.C:
			if err := p.flush(ctx); err != nil {
				return p.shutdown(err)
			}
		case <-ctx.Done():
			return p.shutdown(nil)
		}
	}
}

// shutdown gives the batch in flight a bounded chance to land and commit.
// Whatever happens, the offsets of an unfinished batch stay uncommitted.
func (p *Pipeline) shutdown(cause error) error {
	if p.records > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := p.flush(ctx); err != nil {
			p.opts.Logger.Warn("batch in flight left uncommitted; it will be redelivered", "records", p.records, "err", err)
		}
	}
	if cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return nil
}

func (p *Pipeline) fetch(ctx context.Context, out chan<- kafkago.Message) {
	backoff := newBackoff()
	for {
		m, err := p.reader.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.opts.Metrics.Errors["fetch"].Inc()
			d := backoff.next()
			p.opts.Logger.Warn("kafka fetch failed; retrying", "err", err, "in", d)
			if !sleep(ctx, d) {
				return
			}
			continue
		}
		backoff.reset()
		select {
		case out <- m:
		case <-ctx.Done():
			return
		}
	}
}

func (p *Pipeline) add(m kafkago.Message) {
	p.records++
	p.last[m.Partition] = m
	if err := p.decoder.DecodeApplication(&p.batch, m.Value); err != nil {
		var fe *events.FieldError
		if !errors.As(err, &fe) {
			fe = &events.FieldError{Reason: events.ReasonMalformed, Detail: err.Error()}
		}
		p.dead = append(p.dead, deadLetter(p.opts.DLQTopic, m, fe))
		if c := p.opts.Metrics.DLQ[fe.Reason]; c != nil {
			c.Inc()
		}
	}
}

// flush lands the batch: dead letters first, then rows, then offsets.
// Each step retries until it succeeds or ctx ends, so a ClickHouse outage
// pauses consumption (the fetch buffer fills and stops) instead of
// dropping data.
func (p *Pipeline) flush(ctx context.Context) error {
	if p.records == 0 {
		return nil
	}
	if len(p.dead) > 0 {
		if err := p.retry(ctx, "dlq", func() error { return p.dlq.WriteMessages(ctx, p.dead...) }); err != nil {
			return err
		}
	}
	if n := p.batch.Len(); n > 0 {
		err := p.retry(ctx, "insert", func() error {
			return clickhouse.Insert(ctx, p.conn, p.table, events.ApplicationColumns, p.batch.Columns())
		})
		if err != nil {
			return err
		}
	}
	commits := make([]kafkago.Message, 0, len(p.last))
	var lag int64
	for _, m := range p.last {
		commits = append(commits, m)
		lag += max(m.HighWaterMark-m.Offset-1, 0)
	}
	if err := p.retry(ctx, "commit", func() error { return p.reader.CommitMessages(ctx, commits...) }); err != nil {
		return err
	}
	p.opts.Metrics.lag.Store(lag)
	p.opts.Metrics.Rows.Add(p.batch.Len())
	p.opts.Metrics.Batches.Inc()
	p.opts.Metrics.BatchTime.UpdateDuration(p.started)
	p.batch.Reset()
	clear(p.dead)
	p.dead = p.dead[:0]
	clear(p.last)
	p.records = 0
	return nil
}

func (p *Pipeline) retry(ctx context.Context, stage string, fn func() error) error {
	b := newBackoff()
	for {
		err := fn()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("ingest: %s: %w", stage, err)
		}
		p.opts.Metrics.Errors[stage].Inc()
		d := b.next()
		p.opts.Logger.Warn("ingest step failed; retrying", "stage", stage, "err", err, "in", d)
		if !sleep(ctx, d) {
			return fmt.Errorf("ingest: %s: %w", stage, err)
		}
	}
}

// DeadLetter is the JSON body of a DLQ record.
type DeadLetter struct {
	Topic     string             `json:"topic"`
	Partition int                `json:"partition"`
	Offset    int64              `json:"offset"`
	Error     *events.FieldError `json:"error"`
	// Payload is the original record when it is valid UTF-8; otherwise
	// PayloadBase64 carries its bytes.
	Payload       string `json:"payload,omitempty"`
	PayloadBase64 string `json:"payload_base64,omitempty"`
}

func deadLetter(dlqTopic string, m kafkago.Message, fe *events.FieldError) kafkago.Message {
	dl := DeadLetter{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Error: fe}
	if utf8.Valid(m.Value) {
		dl.Payload = string(m.Value)
	} else {
		dl.PayloadBase64 = base64.StdEncoding.EncodeToString(m.Value)
	}
	body, _ := json.Marshal(dl) // a struct of strings always marshals
	return kafkago.Message{
		Key:   m.Key,
		Value: body,
		Headers: []kafkago.Header{
			{Key: "oqim-error-reason", Value: []byte(fe.Reason)},
			{Key: "oqim-source", Value: []byte(m.Topic + "/" + strconv.Itoa(m.Partition) + "/" + strconv.FormatInt(m.Offset, 10))},
		},
	}
}

type backoff struct{ d time.Duration }

func newBackoff() *backoff { return &backoff{d: 100 * time.Millisecond} }

func (b *backoff) reset() { b.d = 100 * time.Millisecond }

// next doubles up to 10 s, with jitter so that many pipelines recovering
// from the same outage do not retry in lockstep.
func (b *backoff) next() time.Duration {
	d := b.d
	b.d = min(b.d*2, 10*time.Second)
	return d/2 + time.Duration(rand.Int64N(int64(d)))
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
