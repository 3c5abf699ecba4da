package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/bench/procstat"
	"github.com/oqim/oqim/connectors/clickhouse/migrate"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/generate"
)

// Ingester is one ingest process of a scale-out run: `oqim ingest`,
// started by the caller on the run's topic, group and database.
type Ingester interface {
	// Pid is the process, for its CPU time.
	Pid() int
	// Rows is what its pipeline has landed so far.
	Rows(ctx context.Context) (int64, error)
	// Stop ends the process and waits for it.
	Stop() error
}

// Target is where a scale-out run's ingesters read and write: a topic and
// database of the run's own, so no run sees another's rows.
type Target struct {
	Topic, Group, Database string
}

// ScaleOutOptions configure ScaleOut.
type ScaleOutOptions struct {
	// Events are produced into each run's topic once its processes have
	// joined the group.
	Events     int
	Partitions int
	// Kafka is the cluster, with the kafka.* connection settings.
	Kafka *kafka.Cluster
	// ClickHousePid, if set, adds the server's CPU time to the report.
	ClickHousePid int
	// Cluster, when set, is the ClickHouse cluster conn is a server of:
	// each run's schema is created on it (migrate.UpOn), replicated and
	// sharded, and dropped from all of it.
	Cluster string
	// Start runs the i-th ingest process of a run (i from 0) on target;
	// the process must be consuming when it returns.
	Start    func(ctx context.Context, i int, target Target) (Ingester, error)
	Progress io.Writer
}

// ScaleReport is one run of N ingest processes in one consumer group.
type ScaleReport struct {
	Processes int `json:"processes"`
	Events    int `json:"events"`
	// Seconds runs from the first row visible in ClickHouse to the last
	// distinct one, and RowsPerS is the rows landed in between over it.
	// Process start-up and the group join come before the events are
	// produced, so they are left out; ProduceSeconds is how long the
	// producer (in the bench process, sharing the cores) took.
	Seconds        float64 `json:"seconds"`
	ProduceSeconds float64 `json:"produce_seconds"`
	RowsPerS       float64 `json:"rows_per_s"`
	// RowsPerSPerProcess is RowsPerS ÷ Processes.
	RowsPerSPerProcess float64 `json:"rows_per_s_per_process"`
	// CPUSeconds are the ingest processes' together, from the settled
	// group to the last row; RowsPerCPUSecond is Events over it: the rows
	// one fully busy core of ingest handles per second.
	CPUSeconds       float64 `json:"ingest_cpu_seconds"`
	RowsPerCPUSecond float64 `json:"rows_per_ingest_cpu_second"`
	ClickHouseCPU    float64 `json:"clickhouse_cpu_seconds"`
	// PerProcess are each process's rows landed and CPU seconds.
	PerProcess []ProcessFigures `json:"per_process"`
	Landed     uint64           `json:"rows_landed"`
	Lost       int64            `json:"lost"`
	Duplicated int64            `json:"duplicated"`
}

// ProcessFigures are one ingest process's share of a run.
type ProcessFigures struct {
	Rows       int64   `json:"rows"`
	CPUSeconds float64 `json:"cpu_seconds"`
}

// ScaleOut runs processes ingest processes in consumer group
// target.Group on a fresh topic target.Topic and database
// target.Database; once the group has settled with every process owning
// partitions, it produces o.Events generated events and waits until every
// one has landed, counting duplicates (records redelivered after a
// rebalance, which FINAL collapses). It drops the database at the end.
func ScaleOut(ctx context.Context, conn driver.Conn, o ScaleOutOptions, processes int, target Target) (*ScaleReport, error) {
	if processes < 1 || o.Start == nil || o.Kafka == nil || o.Events <= 0 {
		return nil, errors.New("bench: ScaleOut needs Events, Kafka, Start and at least one process")
	}
	if err := o.Kafka.EnsureTopics(ctx, o.Partitions, target.Topic, target.Topic+".dlq"); err != nil {
		return nil, err
	}
	if _, err := migrate.UpOn(ctx, conn, migrate.Target{DB: target.Database, Cluster: o.Cluster}, schemaSets()...); err != nil {
		return nil, err
	}
	drop := "DROP DATABASE IF EXISTS " + target.Database
	if o.Cluster != "" {
		drop += " ON CLUSTER " + o.Cluster
	}
	defer conn.Exec(context.Background(), drop)
	ref, err := region.Load()
	if err != nil {
		return nil, err
	}
	waitIdle(ctx, conn)

	r := &ScaleReport{Processes: processes, Events: o.Events}
	var procs []Ingester
	defer func() {
		for _, p := range procs {
			_ = p.Stop()
		}
	}()
	for i := range processes {
		p, err := o.Start(ctx, i, target)
		if err != nil {
			return nil, fmt.Errorf("bench: starting ingest process %d: %w", i+1, err)
		}
		procs = append(procs, p)
	}
	if err := settled(ctx, o.Kafka, target, processes, o.Partitions); err != nil {
		return nil, err
	}
	cpu0 := make([]float64, processes)
	for i, p := range procs {
		cpu0[i] = procstat.CPUSecondsOf(p.Pid())
	}
	ch0 := procstat.CPUSecondsOf(o.ClickHousePid)

	gen := envelopes{generate.New(ref, generate.Options{Seed: 1, RunID: target.Topic, Families: []generate.Family{generate.PortalApplication}})}
	produced := make(chan error, 1)
	began := time.Now()
	go func() {
		_, err := produce(ctx, gen, o.Kafka, target.Topic, o.Events, 0, nil)
		r.ProduceSeconds = time.Since(began).Seconds()
		produced <- err
	}()

	// count() is cheap and tells when the last row may be in; the
	// distinct count then says when the last missing one is.
	var (
		first   time.Time
		atFirst uint64
		done    time.Time
	)
	deadline := time.Now().Add(30 * time.Minute)
	for done.IsZero() {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM "+target.Database+".portal_applications").Scan(&n); err != nil {
			return nil, err
		}
		now := time.Now()
		if n > 0 && first.IsZero() {
			first, atFirst = now, n
		}
		if n >= uint64(o.Events) {
			var unique uint64
			if err := conn.QueryRow(ctx, "SELECT uniqExact(id) FROM "+target.Database+".portal_applications").Scan(&unique); err != nil {
				return nil, err
			}
			if unique >= uint64(o.Events) {
				done = now
				break
			}
		}
		if now.After(deadline) {
			return nil, fmt.Errorf("bench: %d of %d rows after 30 minutes", n, o.Events)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err := <-produced; err != nil {
		return nil, err
	}
	r.ClickHouseCPU = procstat.CPUSecondsOf(o.ClickHousePid) - ch0
	for i, p := range procs {
		r.PerProcess = append(r.PerProcess, ProcessFigures{CPUSeconds: procstat.CPUSecondsOf(p.Pid()) - cpu0[i]})
		r.CPUSeconds += r.PerProcess[i].CPUSeconds
	}
	// A pipeline counts its rows once the batch is committed, a moment
	// after ClickHouse shows them: wait for the counts to catch up.
	for wait := time.Now().Add(10 * time.Second); ; {
		var sum int64
		for i, p := range procs {
			rows, err := p.Rows(ctx)
			if err != nil {
				return nil, err
			}
			r.PerProcess[i].Rows = rows
			sum += rows
		}
		if sum >= int64(o.Events) || time.Now().After(wait) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.Seconds = done.Sub(first).Seconds()
	if r.Seconds > 0 {
		r.RowsPerS = float64(uint64(o.Events)-atFirst) / r.Seconds
	} else {
		// Everything became visible at once (a run of one batch): only
		// the time since producing began says anything.
		r.RowsPerS = float64(o.Events) / done.Sub(began).Seconds()
	}
	r.RowsPerSPerProcess = r.RowsPerS / float64(processes)
	if r.CPUSeconds > 0 {
		r.RowsPerCPUSecond = float64(o.Events) / r.CPUSeconds
	}

	var rows, unique uint64
	if err := conn.QueryRow(ctx, "SELECT count(), uniqExact(id) FROM "+target.Database+".portal_applications").Scan(&rows, &unique); err != nil {
		return nil, err
	}
	r.Landed, r.Lost, r.Duplicated = rows, int64(o.Events)-int64(unique), int64(rows)-int64(unique)
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "%d process(es): %.0f rows/s (%.0f per process), %.1f ingest CPU-s, %d lost, %d duplicated\n",
			processes, r.RowsPerS, r.RowsPerSPerProcess, r.CPUSeconds, r.Lost, r.Duplicated)
	}
	return r, nil
}

// settled waits until the group has processes members that own every
// partition of the topic between them, each at least one.
func settled(ctx context.Context, k *kafka.Cluster, t Target, processes, partitions int) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		members, err := k.GroupMembers(ctx, t.Group, t.Topic)
		if err == nil && len(members) == processes {
			owned := 0
			for _, m := range members {
				if len(m.Partitions) == 0 {
					owned = -1
					break
				}
				owned += len(m.Partitions)
			}
			if owned == partitions {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: group %s did not settle with %d processes owning %d partitions within 2 minutes (%+v, %v)", t.Group, processes, partitions, members, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ScaleSummary is the median of several runs with the same process count.
type ScaleSummary struct {
	Processes          int     `json:"processes"`
	Runs               int     `json:"runs"`
	RowsPerS           float64 `json:"rows_per_s"`
	RowsPerSPerProcess float64 `json:"rows_per_s_per_process"`
	CPUSeconds         float64 `json:"ingest_cpu_seconds"`
	RowsPerCPUSecond   float64 `json:"rows_per_ingest_cpu_second"`
	ClickHouseCPU      float64 `json:"clickhouse_cpu_seconds"`
	// Lost and Duplicated are the sums over the runs.
	Lost       int64 `json:"lost"`
	Duplicated int64 `json:"duplicated"`
}

// SummarizeScale takes the medians per process count, in the order the
// counts first appear.
func SummarizeScale(reports []*ScaleReport) []ScaleSummary {
	var order []int
	by := map[int][]*ScaleReport{}
	for _, r := range reports {
		if _, ok := by[r.Processes]; !ok {
			order = append(order, r.Processes)
		}
		by[r.Processes] = append(by[r.Processes], r)
	}
	var out []ScaleSummary
	for _, n := range order {
		rs := by[n]
		pick := func(f func(*ScaleReport) float64) float64 {
			xs := make([]float64, len(rs))
			for i, r := range rs {
				xs[i] = f(r)
			}
			return median(xs)
		}
		s := ScaleSummary{Processes: n, Runs: len(rs),
			RowsPerS:           pick(func(r *ScaleReport) float64 { return r.RowsPerS }),
			RowsPerSPerProcess: pick(func(r *ScaleReport) float64 { return r.RowsPerSPerProcess }),
			CPUSeconds:         pick(func(r *ScaleReport) float64 { return r.CPUSeconds }),
			RowsPerCPUSecond:   pick(func(r *ScaleReport) float64 { return r.RowsPerCPUSecond }),
			ClickHouseCPU:      pick(func(r *ScaleReport) float64 { return r.ClickHouseCPU }),
		}
		for _, r := range rs {
			s.Lost += r.Lost
			s.Duplicated += r.Duplicated
		}
		out = append(out, s)
	}
	return out
}
