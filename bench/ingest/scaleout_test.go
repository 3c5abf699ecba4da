package ingest

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/oqim/oqim/connectors/clickhouse/chtest"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/kafka/embedded"
	pipeline "github.com/oqim/oqim/pipelines/ingest"
)

// inProcess is an Ingester that runs the pipeline in this process, a
// stand-in for the `oqim ingest` child processes the command starts.
type inProcess struct {
	m      *pipeline.Metrics
	cancel context.CancelFunc
	done   chan error
}

func (p *inProcess) Pid() int                            { return os.Getpid() }
func (p *inProcess) Rows(context.Context) (int64, error) { return int64(p.m.Rows.Get()), nil }
func (p *inProcess) Stop() error                         { p.cancel(); return <-p.done }

// A scale-out run of two pipelines in one group on a three-broker
// cluster: it waits for both to own partitions, every event lands, and
// the figures add up (the processes' rows are the table's raw rows).
func TestScaleOutAccounts(t *testing.T) {
	conn, db := chtest.Database(t)
	b, err := embedded.Start(embedded.Options{Brokers: 3, Partitions: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cl := kafka.Plain(b.Addrs()...)
	started := 0
	o := ScaleOutOptions{Events: 4000, Partitions: 4, Kafka: cl,
		Start: func(ctx context.Context, i int, tg Target) (Ingester, error) {
			started++
			p, err := pipeline.NewPipeline(ctx, pipeline.Config{Name: fmt.Sprint("p", i), Topics: []string{tg.Topic}, Group: tg.Group,
				BatchSize: 500, BatchInterval: 50 * time.Millisecond},
				pipeline.Deps{Kafka: cl, Conn: conn, Database: tg.Database, Metrics: metrics.NewSet()})
			if err != nil {
				return nil, err
			}
			ctx, cancel := context.WithCancel(context.Background())
			ip := &inProcess{m: p.Metrics(), cancel: cancel, done: make(chan error, 1)}
			go func() { ip.done <- p.Run(ctx) }()
			return ip, nil
		}}
	r, err := ScaleOut(context.Background(), conn, o, 2, Target{Topic: "scale.t", Group: "scale-g", Database: db + "_scale"})
	if err != nil {
		t.Fatal(err)
	}
	if started != 2 || r.Processes != 2 || len(r.PerProcess) != 2 {
		t.Fatalf("%d started, report %+v", started, r)
	}
	if r.Lost != 0 || r.Landed < 4000 || uint64(r.Duplicated)+4000 != r.Landed {
		t.Fatalf("landed %d, lost %d, duplicated %d", r.Landed, r.Lost, r.Duplicated)
	}
	var sum int64
	for i, p := range r.PerProcess {
		if p.Rows == 0 {
			t.Errorf("process %d landed nothing though it owned partitions", i)
		}
		sum += p.Rows
	}
	if uint64(sum) != r.Landed {
		t.Errorf("the processes landed %d rows, the table holds %d", sum, r.Landed)
	}
	if !(r.RowsPerS > 0 && r.RowsPerSPerProcess == r.RowsPerS/2) {
		t.Errorf("rates %+v", r)
	}
}
