package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/spf13/cobra"

	benchingest "github.com/oqim/oqim/bench/ingest"
	"github.com/oqim/oqim/bench/query"
	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/clickhouse/chserver"
	chatbotBench "github.com/oqim/oqim/inference/chatbot/bench"
)

func (a *app) benchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure a hot path against its physical limits, side by side in one run",
	}
	var (
		events, partitions, batch int
		latencyFor                time.Duration
		asJSON                    bool
		dir, cpuProfile, rows     string
	)
	ingest := &cobra.Command{
		Use:   "ingest",
		Short: "Kafka → pipeline → ClickHouse throughput and latency, against Kafka-only and ClickHouse-only limits",
		Long: `bench ingest preloads --events generated events into an embedded Kafka broker,
then measures, in one run:
  limit B   the same topic read by a consumer that does nothing else;
  limit A   the same rows, already decoded, inserted straight through the client;
  pipeline  oqim's pipeline (decode, validate, DLQ, dedup-safe insert, commit);
and a latency phase with live events at half the pipeline's rate. ratio is
pipeline ÷ min(A, B). ClickHouse is clickhouse.dsn, or a private local
server under --dir. Every row is then counted: nothing lost or duplicated.`,
		Example: `  oqim bench ingest --events 1000000
  oqim bench ingest --events 5000000 --json
  oqim bench ingest --events 8000000 --rows small   # the clickhouse_sinker comparison's rows`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := a.config("text")
			if err != nil {
				return err
			}
			tuneGC(cfg.Pipeline)
			ctx := cmd.Context()
			conn, pid, stop, err := benchClickHouse(ctx, cfg, log, filepath.Join(dir, "clickhouse"))
			if err != nil {
				return err
			}
			defer stop()
			brokers, brokerPid := cfg.Kafka.Brokers, 0
			if len(brokers) == 0 {
				// The broker runs as a child process, as a real cluster
				// would, so peak RSS is the pipeline's alone.
				b, err := startBroker(ctx, partitions)
				if err != nil {
					return err
				}
				defer b.stop()
				brokers, brokerPid = []string{b.addr}, b.cmd.Process.Pid
			}
			opts := benchingest.Options{
				Events: events, Partitions: partitions, BatchSize: batch, LatencyFor: latencyFor,
				Progress: a.stderr, ClickHousePid: pid, BrokerPid: brokerPid, Brokers: brokers, Rows: rows,
			}
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				defer f.Close()
				opts.CPUProfile = f
			}
			rep, err := benchingest.Run(ctx, conn, opts)
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(rep)
			}
			fmt.Fprintf(a.stdout, `events            %d (%.1f MB)
pipeline          %.0f rows/s, %.1f MB/s (%.2f s)
limit A (CH)      %.0f rows/s
limit B (Kafka)   %.0f rows/s
ratio             %.2f  (pipeline ÷ min(A, B))
latency           p50 %.0f ms, p99 %.0f ms at %.0f rows/s
cpu               %.1f s pipeline process, %.1f s ClickHouse, %.1f s broker
peak RSS          %.0f MiB oqim, %.0f MiB ClickHouse
check             %d rows landed, %d lost, %d duplicated
`, rep.Events, float64(rep.Bytes)/1e6, rep.RowsPerS, rep.MBPerS, rep.Seconds, rep.LimitCH, rep.LimitKafka, rep.Ratio,
				rep.LatencyP50Ms, rep.LatencyP99Ms, rep.LatencyRate, rep.CPUSeconds, rep.ClickHouseCPU, rep.BrokerCPU,
				float64(rep.PeakRSSBytes)/(1<<20), float64(rep.ClickHouseRSS)/(1<<20), rep.Landed, rep.Lost, rep.Duplicated)
			return nil
		},
	}
	ingest.Flags().IntVar(&events, "events", 1000000, "events to send through each stage")
	ingest.Flags().IntVar(&partitions, "partitions", 4, "topic partitions")
	ingest.Flags().IntVar(&batch, "batch-size", 100000, "rows per insert")
	ingest.Flags().DurationVar(&latencyFor, "latency-for", 10*time.Second, "length of the latency phase")
	ingest.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	ingest.Flags().StringVar(&dir, "dir", "var/bench", "folder for the local ClickHouse when clickhouse.dsn is empty")
	ingest.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the pipeline phase to this file")
	ingest.Flags().StringVar(&rows, "rows", benchingest.RowsEnvelope, "record shape: envelope (generated Single Portal events) or small (three-field {time,name,value} rows into a plain table, the clickhouse_sinker comparison's shape)")
	cmd.AddCommand(ingest, a.benchChatbotCmd(), a.benchQueryCmd())
	return cmd
}

// benchClickHouse connects to clickhouse.dsn, or starts a private server
// on dir (kept between runs) and returns its pid for CPU and memory
// figures. stop closes the connection and stops a server it started.
func benchClickHouse(ctx context.Context, cfg Config, log *slog.Logger, dir string) (driver.Conn, int, func(), error) {
	dsn, pid := cfg.ClickHouse.DSN, 0
	stopServer := func() {}
	if dsn == "" {
		bin, err := chserver.Install(ctx, log)
		if err != nil {
			return nil, 0, nil, err
		}
		srv, err := chserver.Start(ctx, chserver.Options{Dir: dir, Binary: bin, Logger: log})
		if err != nil {
			return nil, 0, nil, explainPort(err)
		}
		dsn, pid = srv.DSN(), srv.Pid()
		stopServer = func() { _ = srv.Stop(context.Background()) }
	}
	conn, err := clickhouse.Open(ctx, dsn)
	if err != nil {
		stopServer()
		return nil, 0, nil, err
	}
	return conn, pid, func() { conn.Close(); stopServer() }, nil
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
			conn, _, stop, err := benchClickHouse(ctx, cfg, log, dir)
			if err != nil {
				return err
			}
			defer stop()
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
	cmd  *exec.Cmd
	addr string
}

// startBroker runs `oqim broker` on a free port and waits for its address.
func startBroker(ctx context.Context, partitions int) (*childBroker, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	c := exec.Command(self, "broker", "--port", "0", "--partitions", strconv.Itoa(partitions))
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
	return &childBroker{cmd: c, addr: addr}, nil
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
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(rep)
			}
			return rep.WriteText(a.stdout)
		},
	}
	c.Flags().IntVar(&sessions, "sessions", 1000, "concurrent sessions")
	c.Flags().IntVar(&perSession, "questions", 5, "questions each session asks in turn")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}
