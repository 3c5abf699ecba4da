package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/spf13/cobra"

	benchingest "github.com/oqim/oqim/bench/ingest"
	"github.com/oqim/oqim/bench/query"
	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/clickhouse/chserver"
	"github.com/oqim/oqim/connectors/kafka"
	chatbotBench "github.com/oqim/oqim/inference/chatbot/bench"
	"github.com/oqim/oqim/pipelines/ingest"
)

func (a *app) benchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure a hot path against its physical limits, side by side in one run",
	}
	var (
		events, partitions, batch, runs int
		processes, brokers              int
		latencyFor                      time.Duration
		asJSON, cluster                 bool
		dir, cpuProfile, rows, alloc    string
	)
	ingestC := &cobra.Command{
		Use:   "ingest",
		Short: "Kafka → pipeline → ClickHouse throughput and latency, against Kafka-only and ClickHouse-only limits",
		Long: `bench ingest preloads --events generated events into an embedded Kafka broker,
then measures, in one run:
  limit B   the same topic read by a consumer that does nothing else;
  limit A   the same rows, already decoded, inserted straight through the client;
  pipeline  oqim's pipeline (decode, validate, DLQ, dedup-safe insert, commit);
and a latency phase with live events at half the pipeline's rate. ratio is
pipeline ÷ min(A, B). ClickHouse is clickhouse.dsn, or a private local
server under --dir. Every row is then counted: nothing lost or duplicated.

The pipeline is the one 'oqim ingest' runs, built by the same constructor
from the same pipeline.* settings (batching, allocator, GC); --batch-size
and --alloc override them. --alloc both runs the pool and the Go
allocator back to back, --runs times, alternating which goes first, each
run with a fresh broker, topic and database; the medians per allocator
follow the runs.

--processes N measures scale-out instead: 1 and N 'oqim ingest' processes
(this binary, with this configuration; kafka.topic, kafka.group and
clickhouse.database set per run) share one consumer group, --runs times
each, alternating which goes first, each run on a fresh topic and
database. Once the group has settled (every process owns partitions),
--events events are produced and timed from the first row visible in
ClickHouse to the last distinct one. Reported: rows/s, per process, the
ingest processes' CPU seconds and rows per CPU-second (what one busy core
of ingest handles), ClickHouse's CPU seconds, lost and duplicated rows.
The processes share the machine's cores with ClickHouse, the broker and
the producer: N processes can only go faster than one while a core is idle.
Each process's output is kept in --dir/logs/<run's topic>/ingest-<i>.log.
--cluster adds a local ClickHouse cluster (ZooKeeper, 2 shards × 2
replicas, the schema ON CLUSTER as 'migrate up --cluster' creates it),
process i writing through server i, measured side by side with the single
server in the same run (alternating which goes first); the cluster's
ClickHouse CPU is not reported.`,
		Example: `  oqim bench ingest --events 1000000
  oqim bench ingest --events 2000000 --json
  oqim bench ingest --events 2000000 --alloc both --runs 3
  oqim bench ingest --events 8000000 --rows small   # the clickhouse_sinker comparison's rows
  oqim bench ingest --events 1000000 --processes 2 --brokers 3 --runs 3   # scale-out: 1 and 2 ingest processes
  oqim bench ingest --events 1000000 --processes 2 --brokers 3 --cluster  # the same on one server and on a 2×2 cluster, side by side`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := a.config("text")
			if err != nil {
				return err
			}
			tuneGC(cfg.Pipeline)
			ctx := cmd.Context()
			if brokers < 1 || brokers > 9 {
				return &usageError{fmt.Errorf("--brokers %d: want 1 to 9", brokers)}
			}
			if cluster && processes == 0 {
				return &usageError{errors.New("--cluster goes with --processes")}
			}
			if processes > 0 {
				if alloc == "both" || rows != benchingest.RowsEnvelope {
					return &usageError{errors.New("--processes measures the production pipeline on envelopes: drop --alloc both and --rows")}
				}
				if _, err := ingest.NewAllocator(alloc); err != nil {
					return &usageError{fmt.Errorf("--alloc: %w", err)}
				}
				return a.benchScaleOut(ctx, cfg, log, scaleOutFlags{events: events, partitions: partitions, brokers: brokers,
					processes: processes, runs: runs, batch: batch, alloc: alloc, asJSON: asJSON, cluster: cluster, dir: dir})
			}
			ch, stop, err := benchClickHouse(ctx, cfg, log, filepath.Join(dir, "clickhouse"))
			if err != nil {
				return err
			}
			defer stop()
			conn, pid := ch.conn, ch.pid
			allocs := []string{alloc}
			if alloc == "both" {
				allocs = []string{ingest.AllocPool, ingest.AllocGo}
			} else if _, err := ingest.NewAllocator(alloc); err != nil {
				return &usageError{fmt.Errorf("--alloc: %w, or both", err)}
			}
			if runs < 1 {
				return &usageError{errors.New("--runs must be at least 1")}
			}
			// The production pipeline's settings; the flags override them.
			pcfg := ingest.Config{BatchSize: cfg.Pipeline.BatchSize, BatchBytes: cfg.Pipeline.BatchBytes, BatchInterval: cfg.Pipeline.BatchInterval.Duration}
			if batch > 0 {
				pcfg.BatchSize = batch
			}
			stamp := time.Now().Unix()
			var reports []*benchingest.Report
			for i := 0; i < runs; i++ {
				order := allocs
				if i%2 == 1 {
					order = slices.Clone(allocs)
					slices.Reverse(order)
				}
				for _, al := range order {
					pcfg.Allocator = al
					opts := benchingest.Options{
						Events: events, Partitions: partitions, Pipeline: pcfg, LatencyFor: latencyFor,
						Progress: a.stderr, ClickHousePid: pid, Rows: rows,
						Database: fmt.Sprintf("bench_%d_%s_%d", stamp, al, i), Topic: fmt.Sprintf("bench.events.%s.%d", al, i),
					}
					if cpuProfile != "" && len(reports) == 0 {
						f, err := os.Create(cpuProfile)
						if err != nil {
							return err
						}
						defer f.Close()
						opts.CPUProfile = f
					}
					fmt.Fprintf(a.stderr, "run %d of %d, allocator %s\n", i+1, runs, al)
					rep, err := benchIngestRun(ctx, conn, cfg.Kafka, brokers, partitions, opts)
					if err != nil {
						return err
					}
					reports = append(reports, rep)
					if err := writeIngestReport(a, rep, asJSON); err != nil {
						return err
					}
				}
			}
			if len(reports) == 1 {
				return nil
			}
			sums := benchingest.Summarize(reports)
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(map[string]any{"medians": sums})
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "\nmedians\truns\trows/s\tratio\tlimit A\tlimit B\tcpu s\tp50 ms\tp99 ms\tpeak RSS MiB\tlost\tdup")
			for _, s := range sums {
				fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.2f\t%.0f\t%.0f\t%.1f\t%.0f\t%.0f\t%.0f\t%d\t%d\n", s.Alloc, s.Runs, s.RowsPerS, s.Ratio,
					s.LimitCH, s.LimitKafka, s.CPUSeconds, s.LatencyP50Ms, s.LatencyP99Ms, float64(s.PeakRSSBytes)/(1<<20), s.Lost, s.Duplicated)
			}
			return tw.Flush()
		},
	}
	ingestC.Flags().IntVar(&events, "events", 1000000, "events to send through each stage")
	ingestC.Flags().IntVar(&partitions, "partitions", 4, "topic partitions")
	ingestC.Flags().IntVar(&batch, "batch-size", 0, "rows per insert (0: pipeline.batch_size)")
	ingestC.Flags().StringVar(&alloc, "alloc", ingest.DefaultAllocator, "the pipeline's allocator: pool, go, or both side by side")
	ingestC.Flags().IntVar(&processes, "processes", 0, "scale-out: run N `oqim ingest` processes in one consumer group beside a single one, --runs times each (0: the single-pipeline phases above)")
	ingestC.Flags().BoolVar(&cluster, "cluster", false, "with --processes: also a local ClickHouse cluster of 2 shards × 2 replicas with ZooKeeper (oqim clickhouse cluster) under --dir, the processes spread over its servers, side by side with the single server")
	ingestC.Flags().IntVar(&brokers, "brokers", 1, "brokers of the embedded cluster when kafka.brokers is empty (3: replication factor 3)")
	ingestC.Flags().IntVar(&runs, "runs", 1, "runs per allocator; with more than one, the medians are printed at the end")
	ingestC.Flags().DurationVar(&latencyFor, "latency-for", 10*time.Second, "length of the latency phase")
	ingestC.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per run (and one of medians after several)")
	ingestC.Flags().StringVar(&dir, "dir", "var/bench", "folder for the local ClickHouse when clickhouse.dsn is empty")
	ingestC.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the (first run's) pipeline phase to this file")
	ingestC.Flags().StringVar(&rows, "rows", benchingest.RowsEnvelope, "record shape: envelope (generated Single Portal events) or small (three-field {time,name,value} rows into a plain table, the clickhouse_sinker comparison's shape)")
	cmd.AddCommand(ingestC, a.benchChatbotCmd(), a.benchQueryCmd())
	return cmd
}

// benchIngestRun runs one bench ingest on kafka.brokers, with the kafka.*
// connection settings, or, when there are none, on a broker of its own in
// a child process, as a real cluster would be, so that peak RSS is the
// pipeline's alone; a fresh broker per run also frees the previous run's
// topic.
func benchIngestRun(ctx context.Context, conn driver.Conn, kc config.KafkaConfig, brokers, partitions int, o benchingest.Options) (*benchingest.Report, error) {
	cl, stop, pid, err := benchKafka(ctx, kc, brokers, partitions)
	if err != nil {
		return nil, err
	}
	defer stop()
	o.Kafka, o.BrokerPid = cl, pid
	return benchingest.Run(ctx, conn, o)
}

// benchKafka is the cluster a bench uses: kafka.brokers with the kafka.*
// connection settings (TLS, SASL), or a plaintext embedded cluster of
// brokers brokers in a child process (pid) that stop ends.
func benchKafka(ctx context.Context, kc config.KafkaConfig, brokers, partitions int) (*kafka.Cluster, func(), int, error) {
	if len(kc.Brokers) > 0 {
		cl, err := kc.Cluster(kc.Brokers)
		return cl, func() {}, 0, err
	}
	b, err := startBroker(ctx, brokers, partitions)
	if err != nil {
		return nil, nil, 0, err
	}
	return kafka.Plain(b.addrs...), b.stop, b.cmd.Process.Pid, nil
}

func writeIngestReport(a *app, rep *benchingest.Report, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(a.stdout).Encode(rep)
	}
	_, err := fmt.Fprintf(a.stdout, `allocator         %s
events            %d (%.1f MB)
pipeline          %.0f rows/s, %.1f MB/s (%.2f s)
limit A (CH)      %.0f rows/s
limit B (Kafka)   %.0f rows/s
ratio             %.2f  (pipeline ÷ min(A, B))
latency           p50 %.0f ms, p99 %.0f ms at %.0f rows/s
cpu               %.1f s pipeline process, %.1f s ClickHouse, %.1f s broker
peak RSS          %.0f MiB oqim, %.0f MiB ClickHouse
check             %d rows landed, %d lost, %d duplicated
`, rep.Alloc, rep.Events, float64(rep.Bytes)/1e6, rep.RowsPerS, rep.MBPerS, rep.Seconds, rep.LimitCH, rep.LimitKafka, rep.Ratio,
		rep.LatencyP50Ms, rep.LatencyP99Ms, rep.LatencyRate, rep.CPUSeconds, rep.ClickHouseCPU, rep.BrokerCPU,
		float64(rep.PeakRSSBytes)/(1<<20), float64(rep.ClickHouseRSS)/(1<<20), rep.Landed, rep.Lost, rep.Duplicated)
	return err
}

// benchCH is the ClickHouse a bench runs against.
type benchCH struct {
	conn driver.Conn
	// dsn is for the processes a bench starts; pid, when the bench
	// started the server, is for its CPU and memory figures.
	dsn string
	pid int
}

// benchClickHouse connects to clickhouse.dsn, or starts a private server
// on dir (kept between runs). stop closes the connection and stops a
// server it started.
func benchClickHouse(ctx context.Context, cfg config.Config, log *slog.Logger, dir string) (benchCH, func(), error) {
	ch := benchCH{dsn: cfg.ClickHouse.DSN}
	stopServer := func() {}
	if ch.dsn == "" {
		bin, err := chserver.Install(ctx, log)
		if err != nil {
			return ch, nil, err
		}
		srv, err := chserver.Start(ctx, chserver.Options{Dir: dir, Binary: bin, Logger: log})
		if err != nil {
			return ch, nil, explainPort(err)
		}
		ch.dsn, ch.pid = srv.DSN(), srv.Pid()
		stopServer = func() { _ = srv.Stop(context.Background()) }
	}
	conn, err := clickhouse.Open(ctx, ch.dsn)
	if err != nil {
		stopServer()
		return ch, nil, err
	}
	ch.conn = conn
	return ch, func() { conn.Close(); stopServer() }, nil
}

func (a *app) benchQueryCmd() *cobra.Command {
	var (
		events        int
		dir, only     string
		asJSON        bool
		repeats, runs int
		minTime       time.Duration
	)
	c := &cobra.Command{
		Use:   "query",
		Short: "Latency of every dashboard endpoint over N loaded events, against the same SQL run directly",
		Long: `bench query loads --events generated events of every family straight into
ClickHouse (once: the data stays under --dir, or in clickhouse.dsn's server,
in database bench_q<N>), then measures p50 and p95 of every dashboard
endpoint through the HTTP API at region and country level, and of the same
SQL statements replayed directly through the client. ratio is API p95 ÷
direct p95. Targets: p95 < 150 ms, ratio ≤ 1.5.`,
		Example: `  oqim bench query --events 1000000
  oqim bench query --events 100000000 --json     # the load takes about 10 minutes on 2 cores`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := a.config("text")
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			ch, stop, err := benchClickHouse(ctx, cfg, log, dir)
			if err != nil {
				return err
			}
			defer stop()
			conn := ch.conn
			db := fmt.Sprintf("bench_q%d", events)
			have, err := query.Events(ctx, conn, db)
			if err != nil || have < uint64(events) {
				rep, err := query.Load(ctx, conn, db, query.Options{Events: events, Seed: 1, Progress: a.stderr})
				if err != nil {
					return err
				}
				if err := rep.WriteText(a.stderr); err != nil {
					return err
				}
			}
			rep, err := query.Run(ctx, conn, query.RunOptions{Database: db, Repeats: repeats, MinTime: minTime, Runs: runs, Only: only, Progress: a.stderr})
			if err != nil {
				return err
			}
			if asJSON {
				return rep.WriteJSON(a.stdout)
			}
			return rep.WriteText(a.stdout)
		},
	}
	c.Flags().IntVar(&events, "events", 1000000, "events to load (once) and query over")
	c.Flags().StringVar(&dir, "dir", "var/bench-query", "folder of the local ClickHouse (its data is kept for later runs) when clickhouse.dsn is empty")
	c.Flags().IntVar(&repeats, "repeats", 0, "requests per endpoint per run, at least (0: the harness default, 20)")
	c.Flags().DurationVar(&minTime, "min-time", 0, "repeat each endpoint beyond --repeats until its API requests of a run add up to this (0: the harness default, 500ms; negative: --repeats only)")
	c.Flags().IntVar(&runs, "runs", 0, "runs; the median run is reported (0: the harness default)")
	c.Flags().StringVar(&only, "only", "", "only endpoints whose name contains this")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per endpoint")
	return c
}

type childBroker struct {
	cmd   *exec.Cmd
	addrs []string
}

// startBroker runs `oqim broker` with brokers brokers on free ports and
// waits for their addresses.
func startBroker(ctx context.Context, brokers, partitions int) (*childBroker, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	c := exec.Command(self, "broker", "--port", "0", "--brokers", strconv.Itoa(brokers), "--partitions", strconv.Itoa(partitions))
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	c.Stderr = os.Stderr
	out, err := c.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, fmt.Errorf("bench: starting broker: %w", err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		_ = c.Process.Kill()
		_ = c.Wait()
		return nil, fmt.Errorf("bench: broker did not start (%q, %v)", line, err)
	}
	return &childBroker{cmd: c, addrs: strings.Split(addr, ",")}, nil
}

func (b *childBroker) stop() {
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	_ = b.cmd.Wait()
}

func (a *app) benchChatbotCmd() *cobra.Command {
	var (
		sessions, perSession int
		asJSON               bool
	)
	c := &cobra.Command{
		Use:   "chatbot",
		Short: "Concurrent chatbot sessions over loopback HTTP, offline mode: latency and questions/s",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep, err := chatbotBench.Run(cmd.Context(), chatbotBench.Options{Sessions: sessions, QuestionsPerSession: perSession})
			if err != nil {
				return err
			}
			return a.report(asJSON, rep)
		},
	}
	c.Flags().IntVar(&sessions, "sessions", 1000, "concurrent sessions")
	c.Flags().IntVar(&perSession, "questions", 5, "questions each session asks in turn")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}
