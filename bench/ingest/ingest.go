// Package ingest measures the ingestion pipeline against the two limits
// it cannot beat, in one run on one machine: ClickHouse's own insert rate
// for the same rows already decoded (limit A), and Kafka's consume-only
// rate for the same topic (limit B). The ratio of the pipeline's rate to
// the lower limit says how much of the hardware the pipeline leaves unused.
package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/apache/arrow/go/v15/arrow"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/bench/procstat"
	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/clickhouse/migrate"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/kafka/embedded"
	"github.com/oqim/oqim/inference/clinical/worker"
	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/decode"
	"github.com/oqim/oqim/pipelines/generate"
	pipeline "github.com/oqim/oqim/pipelines/ingest"
	"github.com/oqim/oqim/pipelines/schema"
)

// Options configure a run.
type Options struct {
	// Events is how many generated events go through each stage.
	Events     int
	Partitions int
	// Pipeline is the production pipeline configuration the run
	// measures: its batching and allocator (ingest.Config). The run sets
	// its source (topic, group) and, for RowsSmall, its table; BatchSize
	// 0 means ingest's default, and limit A inserts in the same batches.
	Pipeline pipeline.Config
	// Topic is preloaded and read by every phase; default bench.events.
	// Runs in one process against one broker need topics of their own.
	Topic string
	// Database is created for the run and dropped after it.
	Database string
	// LatencyFor is how long the latency phase produces live events.
	LatencyFor time.Duration
	// Progress receives one line per phase.
	Progress io.Writer
	// ClickHousePid, if set, lets the report include the server's CPU
	// time and peak memory.
	ClickHousePid int
	// BrokerPid, likewise, for a broker running as its own process.
	BrokerPid int
	// Kafka is the cluster to use, with the kafka.* connection settings
	// (TLS, SASL) every client of the run shares; the run creates its own
	// topic there. Nil starts an embedded broker in this process, whose
	// memory then counts in peak_rss_bytes.
	Kafka *kafka.Cluster
	// CPUProfile, if set, receives a pprof CPU profile of the pipeline
	// phase.
	CPUProfile io.Writer
	// Rows is the record shape: RowsEnvelope (generated Single Portal
	// application events, the default) or RowsSmall.
	Rows string
}

const (
	RowsEnvelope = "envelope"
	// RowsSmall are three-field rows, {"time","name","value"}, the shape
	// of the clickhouse_sinker comparison, into a plain table
	// deduplicated by Kafka position.
	RowsSmall = "small"
)

// smallTable is the plain table of RowsSmall: the sinker comparison's
// columns, plus the position columns that make replays collapse.
const smallTable = `CREATE TABLE IF NOT EXISTS %s.readings (
    time DateTime, name String, value Float32,
    _partition UInt32, _offset UInt64
) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMMDD(time) ORDER BY (time, name, _partition, _offset)`

// Report is the run's figures.
type Report struct {
	// Alloc is the pipeline's allocator (ingest.AllocPool or AllocGo).
	Alloc           string  `json:"alloc"`
	Events          int     `json:"events"`
	Bytes           int64   `json:"bytes"`
	RowsPerS        float64 `json:"rows_per_s"`
	MBPerS          float64 `json:"mb_per_s"`
	Seconds         float64 `json:"seconds"`
	LatencyP50Ms    float64 `json:"latency_p50_ms"`
	LatencyP99Ms    float64 `json:"latency_p99_ms"`
	LatencyRate     float64 `json:"latency_phase_rows_per_s"`
	CPUSeconds      float64 `json:"cpu_seconds"`
	ClickHouseCPU   float64 `json:"clickhouse_cpu_seconds"`
	BrokerCPU       float64 `json:"broker_cpu_seconds"`
	PeakRSSBytes    int64   `json:"peak_rss_bytes"`
	ClickHouseRSS   int64   `json:"clickhouse_peak_rss_bytes"`
	LimitCH         float64 `json:"limit_clickhouse_rows_per_s"`
	LimitKafka      float64 `json:"limit_kafka_rows_per_s"`
	Ratio           float64 `json:"ratio"`
	ProduceRowsPerS float64 `json:"produce_rows_per_s"`
	Landed          uint64  `json:"rows_landed"`
	Lost            int64   `json:"lost"`
	Duplicated      int64   `json:"duplicated"`
}

const defaultTopic = "bench.events"

// defaultBatchSize is ingest's own default, which limit A must match.
const defaultBatchSize = 50000

// Run executes every phase against conn, with an embedded broker of its
// own. It leaves no database behind.
func Run(ctx context.Context, conn driver.Conn, o Options) (*Report, error) {
	if o.Events <= 0 {
		return nil, errors.New("bench: Events must be positive")
	}
	if o.Partitions <= 0 {
		o.Partitions = 4
	}
	switch o.Rows {
	case "":
		o.Rows = RowsEnvelope
	case RowsEnvelope, RowsSmall:
	default:
		return nil, fmt.Errorf("bench: rows %q: want %s or %s", o.Rows, RowsEnvelope, RowsSmall)
	}
	// A setting of zero or less takes its default.
	o.Pipeline.BatchSize = cmp.Or(max(o.Pipeline.BatchSize, 0), defaultBatchSize)
	o.Pipeline.BatchInterval = cmp.Or(max(o.Pipeline.BatchInterval, 0), time.Second)
	if o.Pipeline.Allocator == "" {
		o.Pipeline.Allocator = pipeline.DefaultAllocator
	}
	if o.Topic == "" {
		o.Topic = defaultTopic
	}
	topic := o.Topic
	// The pipeline phase runs the production pipeline; only its source
	// (and, for small rows, its table) is the bench's.
	pcfg := o.Pipeline
	pcfg.Name, pcfg.Topics, pcfg.Group = "bench", []string{topic}, "bench-pipeline"
	if o.Rows == RowsSmall {
		pcfg.Decode, pcfg.Table = pipeline.DecodeFlat, "readings"
	}
	if o.LatencyFor <= 0 {
		o.LatencyFor = 10 * time.Second
	}
	if o.Database == "" {
		o.Database = "bench_" + strconv.FormatInt(time.Now().Unix(), 10)
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	ref, err := region.Load()
	if err != nil {
		return nil, err
	}
	brokers := o.Kafka
	if brokers == nil {
		broker, err := embedded.Start(embedded.Options{Partitions: int32(o.Partitions)})
		if err != nil {
			return nil, err
		}
		defer broker.Close()
		brokers = kafka.Plain(broker.Addrs()...)
	}
	if err := brokers.EnsureTopics(ctx, o.Partitions, topic, topic+".dlq"); err != nil {
		return nil, err
	}
	for _, db := range []string{o.Database, o.Database + "_limit"} {
		if _, err := migrate.Up(ctx, conn, db, schemaSets()...); err != nil {
			return nil, err
		}
		defer conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db)
		if o.Rows == RowsSmall {
			if err := conn.Exec(ctx, fmt.Sprintf(smallTable, db)); err != nil {
				return nil, err
			}
		}
	}

	r := &Report{Alloc: pcfg.Allocator, Events: o.Events}
	say := func(format string, args ...any) { fmt.Fprintf(o.Progress, format+"\n", args...) }

	// Preload the topic, so every stage reads the same records.
	start := time.Now()
	var gen records = small{}
	if o.Rows == RowsEnvelope {
		gen = envelopes{generate.New(ref, generate.Options{Seed: 1, RunID: "bench", Families: []generate.Family{generate.PortalApplication}})}
	}
	// Each run's peak is its own, when several run in one process.
	procstat.ResetPeakRSS()
	if r.Bytes, err = produce(ctx, gen, brokers, topic, o.Events, 0, nil); err != nil {
		return nil, err
	}
	r.ProduceRowsPerS = float64(o.Events) / time.Since(start).Seconds()
	say("preloaded %d events (%.1f MB) at %.0f events/s", o.Events, float64(r.Bytes)/1e6, r.ProduceRowsPerS)

	if r.LimitKafka, err = consumeOnly(ctx, brokers, topic, o.Events); err != nil {
		return nil, err
	}
	say("limit B, Kafka consume-only: %.0f rows/s", r.LimitKafka)

	if r.LimitCH, err = insertOnly(ctx, conn, brokers, topic, o, pcfg); err != nil {
		return nil, err
	}
	say("limit A, ClickHouse insert of decoded rows: %.0f rows/s", r.LimitCH)
	// Limit A's table would go on merging in the background and take CPU
	// from the pipeline phase; drop it and let the server settle.
	if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+o.Database+"_limit"); err != nil {
		return nil, err
	}
	waitIdle(ctx, conn)

	// The pipeline, from its first fetched record to its last commit.
	var (
		mu        sync.Mutex
		first     time.Time
		last      time.Time
		landed    atomic.Int64
		latencies []float64
		sent      = &sendLog{parts: map[int][]sendRange{}} // the latency phase's records
	)
	onCommit := func(c pipeline.Commit) {
		mu.Lock()
		defer mu.Unlock()
		if first.IsZero() || c.Started.Before(first) {
			first = c.Started
		}
		last = c.Committed
		landed.Add(int64(c.Rows))
		for _, r := range c.Ranges {
			latencies = sent.latencies(r, c.Committed, latencies)
		}
	}
	p, err := pipeline.NewPipeline(ctx, pcfg, pipeline.Deps{Kafka: brokers, Conn: conn, Database: o.Database, OnCommit: onCommit})
	if err != nil {
		return nil, err
	}
	if o.CPUProfile != nil {
		if err := pprof.StartCPUProfile(o.CPUProfile); err != nil {
			return nil, err
		}
	}
	cpu0, chCPU0, brCPU0 := procstat.CPUSeconds(), procstat.CPUSecondsOf(o.ClickHousePid), procstat.CPUSecondsOf(o.BrokerPid)
	pctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(pctx) }()
	if err := waitFor(ctx, done, func() bool { return landed.Load() >= int64(o.Events) }, 30*time.Minute); err != nil {
		stop()
		return nil, err
	}
	r.CPUSeconds, r.ClickHouseCPU = procstat.CPUSeconds()-cpu0, procstat.CPUSecondsOf(o.ClickHousePid)-chCPU0
	r.BrokerCPU = procstat.CPUSecondsOf(o.BrokerPid) - brCPU0
	if o.CPUProfile != nil {
		pprof.StopCPUProfile()
	}
	mu.Lock()
	r.Seconds = last.Sub(first).Seconds()
	mu.Unlock()
	r.RowsPerS = float64(o.Events) / r.Seconds
	r.MBPerS = float64(r.Bytes) / 1e6 / r.Seconds
	r.Ratio = r.RowsPerS / math.Min(r.LimitCH, r.LimitKafka)
	say("pipeline: %.0f rows/s, %.1f MB/s, ratio %.2f", r.RowsPerS, r.MBPerS, r.Ratio)

	// Latency: live events at half the measured rate, through the running
	// pipeline.
	rate := math.Min(r.RowsPerS/2, 200000)
	liveN := int(rate * o.LatencyFor.Seconds())
	if _, err := produce(ctx, gen, brokers, topic, liveN, rate, sent); err != nil {
		stop()
		return nil, err
	}
	total := int64(o.Events + liveN)
	if err := waitFor(ctx, done, func() bool { return landed.Load() >= total }, 5*time.Minute); err != nil {
		stop()
		return nil, err
	}
	stop()
	if err := <-done; err != nil {
		return nil, err
	}
	mu.Lock()
	r.LatencyP50Ms, r.LatencyP99Ms = quantile(latencies, 0.5), quantile(latencies, 0.99)
	mu.Unlock()
	r.LatencyRate = rate
	say("latency at %.0f rows/s: p50 %.0f ms, p99 %.0f ms", rate, r.LatencyP50Ms, r.LatencyP99Ms)

	var rows, unique uint64
	check := "SELECT count(), uniqExact(id) FROM " + o.Database + ".portal_applications"
	if o.Rows == RowsSmall {
		check = "SELECT count(), uniqExact(_partition, _offset) FROM " + o.Database + ".readings"
	}
	if err := conn.QueryRow(ctx, check).Scan(&rows, &unique); err != nil {
		return nil, err
	}
	r.Landed = rows
	r.Lost = total - int64(unique)
	r.Duplicated = int64(rows) - int64(unique)
	r.PeakRSSBytes = procstat.PeakRSS()
	r.ClickHouseRSS = procstat.PeakRSSOf(o.ClickHousePid)
	say("landed %d rows, %d unique: %d lost, %d duplicated", rows, unique, r.Lost, r.Duplicated)
	return r, nil
}

// produce writes n generated events; with rate > 0 it paces them to rate
// per second, otherwise it writes as fast as the broker takes them.
// records makes a run's records.
type records interface {
	// add appends want records to msgs, their values to buf.
	add(msgs []kafkago.Message, buf []byte, want int) ([]kafkago.Message, []byte, error)
}

// envelopes are generated Single Portal application events.
type envelopes struct{ g *generate.Generator }

func (e envelopes) add(msgs []kafkago.Message, buf []byte, want int) ([]kafkago.Message, []byte, error) {
	errFull := errors.New("chunk full")
	err := e.g.Backfill(time.Now(), want/4+1, func(ev *generate.Event) error {
		if len(msgs) == want {
			return errFull
		}
		at := len(buf)
		buf = ev.AppendJSON(buf)
		msgs = append(msgs, kafkago.Message{Key: []byte(ev.Key()), Value: buf[at:len(buf):len(buf)]})
		return nil
	})
	if err != nil && !errors.Is(err, errFull) {
		return msgs, buf, err
	}
	return msgs, buf, nil
}

// small are RowsSmall records, as an agency's logger would send them:
// no key, a zone-less time, a name and a value.
type small struct{}

func (small) add(msgs []kafkago.Message, buf []byte, want int) ([]kafkago.Message, []byte, error) {
	now := time.Now().Add(-time.Minute).Format(time.DateTime)
	for i := 0; i < want; i++ {
		at := len(buf)
		n := rand.Uint32()
		buf = append(buf, `{"time":"`...)
		buf = append(buf, now...)
		buf = append(buf, `","name":"name`...)
		buf = strconv.AppendUint(buf, uint64(n%100000), 10)
		buf = append(buf, `","value":`...)
		buf = strconv.AppendUint(buf, uint64(n%1000), 10)
		buf = append(buf, '}')
		msgs = append(msgs, kafkago.Message{Value: buf[at:len(buf):len(buf)]})
	}
	return msgs, buf, nil
}

func produce(ctx context.Context, g records, brokers *kafka.Cluster, topic string, n int, rate float64, log *sendLog) (int64, error) {
	w := brokers.NewWriter(topic)
	defer w.Close()
	var sentAt time.Time
	if log != nil {
		// Completion runs inside the synchronous WriteMessages below, once
		// per partition's batch, with the offsets the broker gave.
		w.Completion = func(msgs []kafkago.Message, err error) {
			if err == nil && len(msgs) > 0 {
				log.add(msgs[0].Partition, msgs[0].Offset, msgs[len(msgs)-1].Offset, sentAt)
			}
		}
	}
	const chunk = 10000
	var (
		msgs  = make([]kafkago.Message, 0, chunk)
		buf   []byte
		bytes int64
		sent  int
	)
	start := time.Now()
	for sent < n {
		want := min(chunk, n-sent)
		if rate > 0 {
			due := int(rate*time.Since(start).Seconds()) - sent
			if due <= 0 {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			want = min(want, due)
		}
		var err error
		if msgs, buf, err = g.add(msgs[:0], buf[:0], want); err != nil {
			return bytes, err
		}
		// buf may have moved while growing; re-slice every value from it.
		off := 0
		for i := range msgs {
			l := len(msgs[i].Value)
			msgs[i].Value = buf[off : off+l : off+l]
			off += l
			bytes += int64(l)
		}
		sentAt = time.Now()
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			return bytes, fmt.Errorf("bench: producing: %w", err)
		}
		sent += len(msgs)
	}
	return bytes, nil
}

// sendLog remembers when the latency phase sent each record, as runs of
// offsets per partition, so a committed offset range maps back to send
// times without a per-record entry.
type sendLog struct {
	mu    sync.Mutex
	parts map[int][]sendRange
}

type sendRange struct {
	first, last int64
	at          time.Time
}

func (l *sendLog) add(partition int, first, last int64, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.parts[partition] = append(l.parts[partition], sendRange{first, last, at})
}

// latencies appends, in milliseconds, committed − sent for every record
// of r that the latency phase sent.
func (l *sendLog) latencies(r pipeline.OffsetRange, committed time.Time, out []float64) []float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	runs := l.parts[r.Partition]
	i := sort.Search(len(runs), func(i int) bool { return runs[i].last >= r.First })
	for ; i < len(runs) && runs[i].first <= r.Last; i++ {
		n := min(runs[i].last, r.Last) - max(runs[i].first, r.First) + 1
		ms := float64(committed.Sub(runs[i].at)) / float64(time.Millisecond)
		for ; n > 0; n-- {
			out = append(out, ms)
		}
	}
	return out
}

// consumeOnly is limit B: the same topic read by a consumer group doing
// nothing else, timed from the first record to the n-th.
func consumeOnly(ctx context.Context, brokers *kafka.Cluster, topic string, n int) (float64, error) {
	var first time.Time
	got := 0
	err := consume(ctx, brokers, topic, "bench-limit-kafka", n, func([]byte, int, int64) error {
		if got == 0 {
			first = time.Now()
		}
		got++
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("bench: limit B: %w", err)
	}
	return float64(n-1) / time.Since(first).Seconds(), nil
}

// consume reads n records of the topic with the pipeline's consumer,
// the fastest way kafka-go offers, so neither limit is understated.
func consume(ctx context.Context, brokers *kafka.Cluster, topic, group string, n int, fn func(value []byte, partition int, offset int64) error) error {
	c, err := brokers.NewConsumer(kafka.ConsumerConfig{Group: group, Topics: []string{topic}})
	if err != nil {
		return err
	}
	defer c.Close()
	for n > 0 {
		ch, err := c.Poll(ctx)
		if err != nil {
			return err
		}
		for i := 0; i < ch.Len() && n > 0; i++ {
			if err := fn(ch.Value(i), ch.Partition, ch.Offset(i)); err != nil {
				c.Release(ch)
				return err
			}
			n--
		}
		c.Release(ch)
	}
	return nil
}

// insertOnly is limit A: the same rows, decoded ahead by the pipeline's
// decoder, inserted through the client in the pipeline's batch size; only
// the inserts are timed.
func insertOnly(ctx context.Context, conn driver.Conn, brokers *kafka.Cluster, topic string, o Options, pcfg pipeline.Config) (float64, error) {
	dopts, err := pipeline.DecodeOptions(pcfg, nil)
	if err != nil {
		return 0, err
	}
	dec, err := decode.New(dopts)
	if err != nil {
		return 0, err
	}
	db := o.Database + "_limit"
	var plain *decode.Plain
	if o.Rows == RowsSmall {
		cols, err := decode.DescribePlain(ctx, conn, db+".readings")
		if err != nil {
			return 0, err
		}
		if plain, err = decode.NewPlain(db+".readings", cols, dopts); err != nil {
			return 0, err
		}
	}
	var (
		w        clickhouse.RecordWriter
		spent    time.Duration
		inserted int
	)
	insert := func(table string, rec arrow.Record) error {
		defer rec.Release()
		start := time.Now()
		err := w.Insert(ctx, conn, table, rec)
		spent += time.Since(start)
		inserted += int(rec.NumRows())
		return err
	}
	flush := func() error {
		if plain != nil && plain.Rows() > 0 {
			return insert(plain.Table, plain.NewRecord())
		}
		for _, t := range dec.Tables() {
			if t.Rows() > 0 {
				if err := insert(db+"."+t.Family.Table, t.NewRecord()); err != nil {
					return err
				}
			}
		}
		return nil
	}
	err = consume(ctx, brokers, topic, "bench-limit-clickhouse", o.Events, func(value []byte, partition int, offset int64) error {
		var err error
		if plain != nil {
			err = plain.Decode(value, topic, partition, offset)
		} else {
			err = dec.Decode(value)
		}
		if err != nil {
			return fmt.Errorf("generated record rejected: %w", err)
		}
		if dec.Rows() >= pcfg.BatchSize || (plain != nil && plain.Rows() >= pcfg.BatchSize) {
			return flush()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("bench: limit A: %w", err)
	}
	if err := flush(); err != nil {
		return 0, err
	}
	return float64(inserted) / spent.Seconds(), nil
}

// waitIdle waits, at most 30 s, until the server runs no merges.
func waitIdle(ctx context.Context, conn driver.Conn) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.merges").Scan(&n); err != nil || n == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitFor(ctx context.Context, done <-chan error, cond func() bool, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for !cond() {
		select {
		case err := <-done:
			return fmt.Errorf("bench: pipeline stopped early: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: pipeline did not finish within %s", limit)
		}
	}
	return nil
}

func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	return s[int(q*float64(len(s)-1))]
}

// Summary is the median of several runs with one allocator: the machine
// is shared and noisy, so one run says little and a comparison needs
// several, interleaved.
type Summary struct {
	Alloc        string  `json:"alloc"`
	Runs         int     `json:"runs"`
	RowsPerS     float64 `json:"rows_per_s"`
	Ratio        float64 `json:"ratio"`
	LimitCH      float64 `json:"limit_clickhouse_rows_per_s"`
	LimitKafka   float64 `json:"limit_kafka_rows_per_s"`
	CPUSeconds   float64 `json:"cpu_seconds"`
	LatencyP50Ms float64 `json:"latency_p50_ms"`
	LatencyP99Ms float64 `json:"latency_p99_ms"`
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
	// Lost and Duplicated are the worst run's, not a median.
	Lost       int64 `json:"lost"`
	Duplicated int64 `json:"duplicated"`
}

// Summarize gives the medians of reports per allocator, in the order the
// allocators first appear.
func Summarize(reports []*Report) []Summary {
	var out []Summary
	for _, r := range reports {
		if slices.ContainsFunc(out, func(s Summary) bool { return s.Alloc == r.Alloc }) {
			continue
		}
		var runs []*Report
		for _, o := range reports {
			if o.Alloc == r.Alloc {
				runs = append(runs, o)
			}
		}
		med := func(f func(*Report) float64) float64 {
			xs := make([]float64, len(runs))
			for i, r := range runs {
				xs[i] = f(r)
			}
			return median(xs)
		}
		s := Summary{Alloc: r.Alloc, Runs: len(runs),
			RowsPerS:     med(func(r *Report) float64 { return r.RowsPerS }),
			Ratio:        med(func(r *Report) float64 { return r.Ratio }),
			LimitCH:      med(func(r *Report) float64 { return r.LimitCH }),
			LimitKafka:   med(func(r *Report) float64 { return r.LimitKafka }),
			CPUSeconds:   med(func(r *Report) float64 { return r.CPUSeconds }),
			LatencyP50Ms: med(func(r *Report) float64 { return r.LatencyP50Ms }),
			LatencyP99Ms: med(func(r *Report) float64 { return r.LatencyP99Ms }),
			PeakRSSBytes: int64(med(func(r *Report) float64 { return float64(r.PeakRSSBytes) })),
		}
		for _, r := range runs {
			s.Lost, s.Duplicated = max(s.Lost, r.Lost), max(s.Duplicated, r.Duplicated)
		}
		out = append(out, s)
	}
	return out
}

// median of xs; the mean of the middle two for an even count.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// schemaSets are the tables of a production database: the event tables,
// the doctor's assistant's (the BI's rollups read its jobs) and the BI's
// rollups, whose materialized views every insert feeds.
func schemaSets() []fs.FS {
	return []fs.FS{schema.Migrations(), worker.Migrations(), kpi.Migrations()}
}
