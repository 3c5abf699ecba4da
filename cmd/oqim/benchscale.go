package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	benchingest "github.com/oqim/oqim/bench/ingest"
	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/clickhouse/chserver"
)

type scaleOutFlags struct {
	events, partitions, brokers, processes, runs, batch int
	alloc, dir                                          string
	asJSON, cluster                                     bool
}

// benchScaleOut is `oqim bench ingest --processes N`: 1 and N `oqim
// ingest` processes in one consumer group.
func (a *app) benchScaleOut(ctx context.Context, cfg config.Config, log *slog.Logger, f scaleOutFlags) error {
	if len(cfg.Pipelines) > 0 {
		// The processes' rows are read from the default pipeline's series.
		return &usageError{errors.New("--processes measures the default pipeline (agency-events, on kafka.topic): use a configuration without pipelines:")}
	}
	// Where the processes write: one server, and with --cluster also the
	// local cluster, measured side by side in the same run (alternating),
	// so that the two compare under the same load on this machine.
	type store struct {
		label   string
		conn    benchCH
		dsns    []string // process i writes through dsns[i % len]
		cluster string
	}
	var stores []store
	single, stopSingle, err := benchClickHouse(ctx, cfg, log, filepath.Join(f.dir, "clickhouse"))
	if err != nil {
		return err
	}
	defer stopSingle()
	stores = append(stores, store{label: "one server", conn: single, dsns: []string{single.dsn}})
	if f.cluster {
		bin, err := chserver.Install(ctx, log)
		if err != nil {
			return err
		}
		java, err := chserver.InstallZooKeeper(ctx, log)
		if err != nil {
			return err
		}
		c, err := chserver.StartCluster(ctx, chserver.ClusterOptions{Dir: filepath.Join(f.dir, "clickhouse-cluster"), Binary: bin, Java: java, Logger: log})
		if err != nil {
			return err
		}
		defer func() { _ = c.Stop(context.Background()) }()
		conn, err := clickhouse.OpenCluster(ctx, c.DSNs()[0])
		if err != nil {
			return err
		}
		defer conn.Close()
		stores = append(stores, store{label: fmt.Sprintf("cluster %dx%d", c.Nodes[len(c.Nodes)-1].Shard, c.Nodes[len(c.Nodes)-1].Replica),
			conn: benchCH{conn: conn}, dsns: c.DSNs(), cluster: c.Name})
	}
	cl, stopKafka, brokerPid, err := benchKafka(ctx, cfg.Kafka, f.brokers, f.partitions)
	if err != nil {
		return err
	}
	defer stopKafka()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	stamp := time.Now().Unix()
	options := func(st store) benchingest.ScaleOutOptions {
		o := benchingest.ScaleOutOptions{
			Events: f.events, Partitions: f.partitions, Kafka: cl,
			ClickHousePid: st.conn.pid, Cluster: st.cluster, Progress: a.stderr,
		}
		// Each process is `oqim ingest` with this process's configuration
		// (file and OQIM_* variables, kafka.tls and kafka.sasl included);
		// only where it reads and writes, and its HTTP port, are the run's.
		o.Start = func(ctx context.Context, i int, t benchingest.Target) (benchingest.Ingester, error) {
			env := []string{
				"OQIM_KAFKA_BROKERS=" + strings.Join(cl.Brokers(), ","), "OQIM_KAFKA_TOPIC=" + t.Topic, "OQIM_KAFKA_GROUP=" + t.Group,
				"OQIM_KAFKA_PARTITIONS=" + strconv.Itoa(f.partitions),
				"OQIM_CLICKHOUSE_DSN=" + st.dsns[i%len(st.dsns)], "OQIM_CLICKHOUSE_DATABASE=" + t.Database, "OQIM_CLICKHOUSE_CLUSTER=" + st.cluster,
				"OQIM_LOG_LEVEL=warn", "OQIM_PIPELINE_ALLOCATOR=" + f.alloc,
			}
			if f.batch > 0 {
				env = append(env, "OQIM_PIPELINE_BATCH_SIZE="+strconv.Itoa(f.batch))
			}
			args := []string{"ingest", "--insecure-demo"}
			if a.configPath != "" {
				args = append(args, "--config", a.configPath)
			}
			name := fmt.Sprintf("ingest-%d", i+1)
			return benchingest.StartProcess(self, name, filepath.Join(f.dir, "logs", t.Topic, name+".log"), args, append(os.Environ(), env...))
		}
		return o
	}
	counts := []int{1}
	if f.processes > 1 {
		counts = append(counts, f.processes)
	}
	runs := max(f.runs, 1)
	reports := make([][]*benchingest.ScaleReport, len(stores))
	for i := range runs {
		// Alternate which configuration goes first, so that neither always
		// meets the machine's load at the same point.
		order := slices.Clone(counts)
		if i%2 == 1 {
			slices.Reverse(order)
		}
		for k := range stores {
			si := k
			if i%2 == 1 {
				si = len(stores) - 1 - k
			}
			st := stores[si]
			for _, n := range order {
				fmt.Fprintf(a.stderr, "run %d of %d, %s, %d ingest process(es)\n", i+1, runs, st.label, n)
				t := benchingest.Target{Topic: fmt.Sprintf("bench.scale.%d.%d.%d.%d", stamp, si, n, i), Group: fmt.Sprintf("bench-scale-%d-%d-%d-%d", stamp, si, n, i),
					Database: fmt.Sprintf("bench_scale_%d_%d_%d_%d", stamp, si, n, i)}
				rep, err := benchingest.ScaleOut(ctx, st.conn.conn, options(st), n, t)
				if err != nil {
					return fmt.Errorf("%s, %d process(es): %w", st.label, n, err)
				}
				reports[si] = append(reports[si], rep)
				if f.asJSON {
					if err := json.NewEncoder(a.stdout).Encode(map[string]any{"clickhouse": st.label, "run": rep}); err != nil {
						return err
					}
				}
			}
		}
	}
	if f.asJSON {
		medians := map[string]any{}
		for si, st := range stores {
			medians[st.label] = benchingest.SummarizeScale(reports[si])
		}
		return json.NewEncoder(a.stdout).Encode(map[string]any{"medians": medians, "cores": runtime.NumCPU(), "broker_pid": brokerPid})
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%d events, %d partitions, %d broker(s); %d cores shared by all of them; medians\n", f.events, f.partitions, len(cl.Brokers()), runtime.NumCPU())
	fmt.Fprintln(tw, "ClickHouse\tprocesses\truns\trows/s\tper process\tingest cpu s\trows/cpu-s\tClickHouse cpu s\tlost\tdup")
	for si, st := range stores {
		for _, s := range benchingest.SummarizeScale(reports[si]) {
			chCPU := fmt.Sprintf("%.1f", s.ClickHouseCPU)
			if st.cluster != "" {
				chCPU = "-" // four servers: not measured per run
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.0f\t%.1f\t%.0f\t%s\t%d\t%d\n", st.label, s.Processes, s.Runs, s.RowsPerS, s.RowsPerSPerProcess,
				s.CPUSeconds, s.RowsPerCPUSecond, chCPU, s.Lost, s.Duplicated)
		}
	}
	return tw.Flush()
}
