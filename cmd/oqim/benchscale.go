package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
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
			return startIngester(self, fmt.Sprintf("ingest-%d", i+1), args, append(os.Environ(), env...))
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

// ingester is an `oqim ingest` child process.
type ingester struct {
	name    string
	cmd     *exec.Cmd
	metrics string
	out     *syncBuffer
	exited  chan struct{} // closed once the process has been waited for
}

// startIngester runs bin with args and env (on which it sets
// OQIM_HTTP_ADDR to a free loopback port, for its /metrics) and waits
// until its /metrics answers.
func startIngester(bin, name string, args, env []string) (*ingester, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	c := exec.Command(bin, args...)
	c.Env = append(env, "OQIM_HTTP_ADDR="+addr)
	// The child dies with its parent, whatever happens to the parent.
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	p := &ingester{name: name, cmd: c, metrics: "http://" + addr + "/metrics", out: &syncBuffer{}, exited: make(chan struct{})}
	c.Stdout, c.Stderr = p.out, p.out
	if err := c.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	go func() { _ = c.Wait(); close(p.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := p.Rows(context.Background()); err == nil {
			return p, nil
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("%s exited: %s", name, strings.TrimSpace(p.out.String()))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = c.Process.Kill()
			return nil, fmt.Errorf("%s: no /metrics after 60 s: %s", name, strings.TrimSpace(p.out.String()))
		}
	}
}

func (p *ingester) Pid() int { return p.cmd.Process.Pid }

// Rows is the agency-events pipeline's oqim_ingest_rows_total.
func (p *ingester) Rows(ctx context.Context) (int64, error) {
	return scrapeCounter(ctx, p.metrics, `oqim_ingest_rows_total{pipeline="agency-events"}`)
}

// Stop ends the process with SIGTERM, as an orchestrator would, and
// kills it if it has not exited 30 s later.
func (p *ingester) Stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return nil
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("%s did not stop within 30 s of SIGTERM", p.name)
	}
}

// Kill ends the process with SIGKILL and waits for it.
func (p *ingester) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// syncBuffer is a bytes.Buffer safe for a child's output and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// scrapeCounter reads one series from a /metrics page.
func scrapeCounter(ctx context.Context, url, series string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New(url + ": no " + series)
}
