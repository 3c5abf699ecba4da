// Package ingest measures the ingestion pipeline against the two limits
// it cannot beat, in one run on one machine: ClickHouse's own insert rate
// for the same rows already decoded (limit A), and Kafka's consume-only
// rate for the same topic (limit B). The ratio of the pipeline's rate to
// the lower limit says how much of the hardware the pipeline leaves unused.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/analytics/migrations"
	"github.com/oqim/oqim/bench/procstat"
	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/kafka/embedded"
	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/decode"
	"github.com/oqim/oqim/pipelines/generate"
	pipeline "github.com/oqim/oqim/pipelines/ingest"
)

// Options configure a run.
type Options struct {
	// Events is how many generated events go through each stage.
	Events     int
	Partitions int
	BatchSize  int
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
	// Brokers of a Kafka-protocol broker to use; the run creates its own
	// topic there. Empty starts an embedded broker in this process, whose
	// memory then counts in peak_rss_bytes.
	Brokers []string
	// CPUProfile, if set, receives a pprof CPU profile of the pipeline
	// phase.
	CPUProfile io.Writer
}

// Report is the run's figures.
type Report struct {
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

const topic = "bench.events"

// Run executes every phase against conn, with an embedded broker of its
// own. It leaves no database behind.
func Run(ctx context.Context, conn driver.Conn, o Options) (*Report, error) {
	if o.Events <= 0 {
		return nil, errors.New("bench: Events must be positive")
	}
	if o.Partitions <= 0 {
		o.Partitions = 4
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 100000
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
	brokers := o.Brokers
	if len(brokers) == 0 {
		broker, err := embedded.Start(embedded.Options{Partitions: int32(o.Partitions)})
		if err != nil {
			return nil, err
		}
		defer broker.Close()
		brokers = broker.Addrs()
	}
	if err := kafka.EnsureTopics(ctx, brokers, o.Partitions, topic, topic+".dlq"); err != nil {
		return nil, err
	}
	for _, db := range []string{o.Database, o.Database + "_limit"} {
		if _, err := migrations.Up(ctx, conn, db); err != nil {
			return nil, err
		}
		defer conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db)
	}

	r := &Report{Events: o.Events}
	say := func(format string, args ...any) { fmt.Fprintf(o.Progress, format+"\n", args...) }

	// Preload the topic, so every stage reads the same records.
	start := time.Now()
	gen := generate.New(ref, generate.Options{Seed: 1, RunID: "bench", Families: []generate.Family{generate.PortalApplication}})
	if r.Bytes, err = produce(ctx, gen, brokers, o.Events, 0, nil); err != nil {
		return nil, err
	}
	r.ProduceRowsPerS = float64(o.Events) / time.Since(start).Seconds()
	say("preloaded %d events (%.1f MB) at %.0f events/s", o.Events, float64(r.Bytes)/1e6, r.ProduceRowsPerS)

	if r.LimitKafka, err = consumeOnly(ctx, brokers, o.Events); err != nil {
		return nil, err
	}
	say("limit B, Kafka consume-only: %.0f rows/s", r.LimitKafka)

	if r.LimitCH, err = insertOnly(ctx, conn, brokers, o, ref); err != nil {
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
	metrics := pipeline.NewMetrics(nil, "bench")
	p, err := pipeline.New(ctx, conn, pipeline.Options{
		Brokers: brokers, Topics: []string{topic}, Group: "bench-pipeline", Database: o.Database,
		BatchSize: o.BatchSize, BatchInterval: time.Second, Metrics: metrics,
		Decode: decode.Options{Regions: ref.RegionIDs(), Alloc: &decode.PoolAllocator{}}, OnCommit: onCommit,
	})
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
	if _, err := produce(ctx, gen, brokers, liveN, rate, sent); err != nil {
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
	if err := conn.QueryRow(ctx, "SELECT count(), uniqExact(id) FROM "+o.Database+".portal_applications").Scan(&rows, &unique); err != nil {
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
func produce(ctx context.Context, g *generate.Generator, brokers []string, n int, rate float64, log *sendLog) (int64, error) {
	w := kafka.NewWriter(brokers, topic)
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
	errFull := errors.New("chunk full")
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
		msgs, buf = msgs[:0], buf[:0]
		err := g.Backfill(time.Now(), want/4+1, func(e *generate.Event) error {
			if len(msgs) == want {
				return errFull
			}
			at := len(buf)
			buf = e.AppendJSON(buf)
			msgs = append(msgs, kafkago.Message{Key: []byte(e.Key()), Value: buf[at:len(buf):len(buf)]})
			return nil
		})
		if err != nil && !errors.Is(err, errFull) {
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
func consumeOnly(ctx context.Context, brokers []string, n int) (float64, error) {
	var first time.Time
	got := 0
	err := consume(ctx, brokers, "bench-limit-kafka", n, func(value []byte) error {
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
func consume(ctx context.Context, brokers []string, group string, n int, fn func(value []byte) error) error {
	c, err := kafka.NewConsumer(kafka.ConsumerConfig{Brokers: brokers, Group: group, Topics: []string{topic}})
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
			if err := fn(ch.Value(i)); err != nil {
				c.Release(ch)
				return err
			}
			n--
		}
		c.Release(ch)
	}
	return nil
}

// insertOnly is limit A: the same rows, decoded ahead, inserted through
// the client in the pipeline's batch size; only the inserts are timed.
func insertOnly(ctx context.Context, conn driver.Conn, brokers []string, o Options, ref *region.Data) (float64, error) {
	dec, err := decode.New(decode.Options{Regions: ref.RegionIDs(), Alloc: &decode.PoolAllocator{}, Registry: mustRegistry()})
	if err != nil {
		return 0, err
	}
	var (
		w        clickhouse.RecordWriter
		spent    time.Duration
		inserted int
	)
	flush := func() error {
		for _, t := range dec.Tables() {
			if t.Rows() == 0 {
				continue
			}
			rec := t.NewRecord()
			start := time.Now()
			err := w.Insert(ctx, conn, o.Database+"_limit."+t.Family.Table, rec)
			spent += time.Since(start)
			inserted += int(rec.NumRows())
			rec.Release()
			if err != nil {
				return err
			}
		}
		return nil
	}
	err = consume(ctx, brokers, "bench-limit-clickhouse", o.Events, func(value []byte) error {
		if err := dec.Decode(value); err != nil {
			return fmt.Errorf("generated record rejected: %w", err)
		}
		if dec.Rows() >= o.BatchSize {
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
