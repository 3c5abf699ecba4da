package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/VictoriaMetrics/metrics"
	"golang.org/x/sync/errgroup"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/clickhouse/chserver"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/kafka/embedded"
	"github.com/oqim/oqim/connectors/llm"
	"github.com/oqim/oqim/inference/clinical/worker"
	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/ingest"
	"github.com/oqim/oqim/pipelines/schema"
)

// infra is the Kafka and ClickHouse a command talks to: external ones
// when configured, otherwise (demo only) an embedded broker and a local
// server that infra owns and stops.
type infra struct {
	registry *schema.Registry
	// kafka is the one cluster every producer and consumer of the
	// command is built from.
	kafka  *kafka.Cluster
	dsn    string
	conn   driver.Conn
	broker *embedded.Broker
	chsrv  *chserver.Server
	// llm is the one client of the llm.* model server that every
	// assistant shares; nil keeps them offline.
	llm *llm.Client
	log *slog.Logger
}

// infraPolicy says whether a command may start Kafka and ClickHouse
// itself when the configuration names none.
type infraPolicy uint8

const (
	// externalOnly connects to the configured cluster and server, and
	// fails naming the setting when one is missing (serve, ingest, workers).
	externalOnly infraPolicy = iota
	// startLocal starts an embedded broker and a local ClickHouse for what
	// is not configured (the demo).
	startLocal
)

func startInfra(ctx context.Context, cfg config.Config, log *slog.Logger, policy infraPolicy) (_ *infra, err error) {
	in := &infra{log: log, dsn: cfg.ClickHouse.DSN}
	if in.registry, err = schema.Load(); err != nil {
		return nil, err
	}
	if in.llm, err = cfg.LLM.Client(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			in.Close()
		}
	}()
	if in.dsn == "" {
		if policy != startLocal {
			return nil, errors.New("clickhouse.dsn is empty: set OQIM_CLICKHOUSE_DSN (or clickhouse.dsn in the config) to your ClickHouse, e.g. clickhouse://user:pass@ch-1:9000/default; only `oqim demo` starts a local server")
		}
		bin, err := chserver.Install(ctx, log)
		if err != nil {
			return nil, err
		}
		in.chsrv, err = chserver.Start(ctx, chserver.Options{
			Dir: cfg.ClickHouse.Local.Dir, TCPPort: cfg.ClickHouse.Local.TCPPort, HTTPPort: cfg.ClickHouse.Local.HTTPPort,
			Binary: bin, Logger: log,
		})
		if err != nil {
			return nil, explainPort(err)
		}
		in.dsn = in.chsrv.DSN()
	} else {
		log.Info("using external ClickHouse", "database", cfg.ClickHouse.Database)
	}
	if len(cfg.Kafka.Brokers) == 0 {
		if policy != startLocal {
			return nil, errors.New("kafka.brokers is empty: set OQIM_KAFKA_BROKERS (or kafka.brokers in the config) to your cluster, e.g. kafka-1:9092,kafka-2:9092; only `oqim demo` starts an embedded broker")
		}
		in.broker, err = embedded.Start(embedded.Options{
			Port: cfg.Kafka.Embedded.Port, Topics: []string{cfg.Kafka.Topic, cfg.Kafka.Topic + ".dlq"},
			Partitions: int32(cfg.Kafka.Partitions), DataDir: cfg.Kafka.Embedded.DataDir, Brokers: cfg.Kafka.Embedded.Brokers,
		})
		if err != nil {
			return nil, explainPort(err)
		}
		// The embedded broker speaks plaintext without SASL; kafka.tls and
		// kafka.sasl are for an external cluster.
		local := config.KafkaConfig{ClientID: cfg.Kafka.ClientID}
		if in.kafka, err = local.Cluster(in.broker.Addrs()); err != nil {
			return nil, err
		}
		log.Info("embedded Kafka broker started", "addr", strings.Join(in.broker.Addrs(), ","), "data_dir", cfg.Kafka.Embedded.DataDir)
	} else {
		if in.kafka, err = cfg.Kafka.Cluster(cfg.Kafka.Brokers); err != nil {
			return nil, err
		}
		log.Info("using external Kafka", "brokers", strings.Join(cfg.Kafka.Brokers, ","),
			"tls", cfg.Kafka.TLS != config.KafkaTLS{}, "sasl", cfg.Kafka.SASL.Mechanism)
	}
	in.conn, err = clickhouse.Await(ctx, cfg.ClickHouse.ConnectWait.Duration, log, func(ctx context.Context) (driver.Conn, error) {
		return openClickHouse(ctx, cfg, in.dsn)
	})
	if err != nil {
		return nil, fmt.Errorf("%w\n  fix: check clickhouse.dsn / OQIM_CLICKHOUSE_DSN and that the server is running", err)
	}
	topics := []string{cfg.Kafka.Topic, cfg.Kafka.Topic + ".dlq"}
	for _, p := range cfg.PipelineSpecs() {
		topics = append(topics, p.Topics...)
		topics = append(topics, p.Topics[0]+".dlq")
	}
	if err := in.kafka.EnsureTopics(ctx, cfg.Kafka.Partitions, topics...); err != nil {
		return nil, fmt.Errorf("%w\n  fix: check kafka.brokers / OQIM_KAFKA_BROKERS (and kafka.tls, kafka.sasl) and that the brokers are up", err)
	}
	return in, nil
}

// Close stops what infra started, ClickHouse last so in-flight work
// elsewhere could still land.
func (in *infra) Close() {
	if in.conn != nil {
		in.conn.Close()
	}
	if in.broker != nil {
		in.broker.Close()
		in.log.Info("embedded Kafka broker stopped")
	}
	if in.chsrv != nil {
		_ = in.chsrv.Stop(context.Background())
	}
}

// explainPort adds the setting that moves a clashing port.
func explainPort(err error) error {
	var chp *chserver.PortInUseError
	if errors.As(err, &chp) {
		key := "clickhouse.local." + chp.Role + "_port"
		return fmt.Errorf("%w\n  fix: stop that program, or set %s (%s) to a free port, or 0 to pick one", err, key, config.EnvName(key))
	}
	var kp *embedded.PortInUseError
	if errors.As(err, &kp) {
		return fmt.Errorf("%w\n  fix: stop that program, or set kafka.embedded.port (OQIM_KAFKA_EMBEDDED_PORT) to a free port, or 0 to pick one", err)
	}
	return err
}

// startPipelines runs every declared pipeline in g and returns their
// metrics, registered in set under each pipeline's name.
func startPipelines(ctx context.Context, g *errgroup.Group, cfg config.Config, in *infra, set *metrics.Set, log *slog.Logger) ([]*ingest.Metrics, error) {
	var all []*ingest.Metrics
	for _, spec := range cfg.PipelineSpecs() {
		p, err := ingest.NewPipeline(ctx, spec.Ingest(cfg.Pipeline), ingest.Deps{
			Kafka: in.kafka, Conn: in.conn, Database: cfg.ClickHouse.Database, Registry: in.registry,
			Metrics: set, Logger: log.With("pipeline", spec.Name),
		})
		if err != nil {
			return nil, fmt.Errorf("pipeline %s: %w", spec.Name, err)
		}
		g.Go(func() error { return p.Run(ctx) })
		all = append(all, p.Metrics())
	}
	return all, nil
}

// process is what every long-running command starts with: its config and
// logger, the reference data, its HTTP listener, and Kafka and ClickHouse.
type process struct {
	cfg config.Config
	log *slog.Logger
	ref *region.Data
	l   net.Listener
	in  *infra
}

// start brings a process up; the HTTP address is bound before Kafka and
// ClickHouse so that a port clash fails fast, and the checks run before
// either, on the loaded configuration, so a refused one starts nothing.
func (a *app) start(ctx context.Context, defaultLogFormat string, policy infraPolicy, checks ...func(*config.Config, *slog.Logger) error) (*process, error) {
	cfg, log, err := a.config(defaultLogFormat)
	if err != nil {
		return nil, err
	}
	for _, check := range checks {
		if err := check(&cfg, log); err != nil {
			return nil, err
		}
	}
	ref, err := region.Load()
	if err != nil {
		return nil, err
	}
	l, err := listen(cfg.HTTP.Addr)
	if err != nil {
		return nil, err
	}
	in, err := startInfra(ctx, cfg, log, policy)
	if err != nil {
		l.Close()
		return nil, err
	}
	return &process{cfg: cfg, log: log, ref: ref, l: l, in: in}, nil
}

// Close stops Kafka and ClickHouse (if the process started them) and the
// listener.
func (p *process) Close() {
	p.in.Close()
	p.l.Close()
}

// requireAccess is the check of the commands that serve: it refuses a
// configuration that leaves a surface without credentials unless this is
// explicitly a demo (insecureDemo, from --insecure-demo, or
// access.insecure_demo), and then warns at every start.
func requireAccess(insecureDemo bool) func(*config.Config, *slog.Logger) error {
	return func(cfg *config.Config, log *slog.Logger) error {
		if insecureDemo {
			cfg.Access.InsecureDemo = true
		}
		if err := cfg.RequireAccess(); err != nil {
			return err
		}
		warnInsecure(cfg, log)
		return nil
	}
}

// warnInsecure logs, at error level so no filter hides it, each surface
// an insecure demo leaves open.
func warnInsecure(cfg *config.Config, log *slog.Logger) {
	if !cfg.Access.InsecureDemo {
		return
	}
	for _, gap := range cfg.AccessGaps() {
		log.Error("INSECURE DEMO: access control is off; never expose this process", "missing", gap)
	}
}

// tuneGC applies pipeline.gc_percent and memory_limit_mb to a process
// that runs a pipeline.
func tuneGC(c config.PipelineConfig) {
	if c.GCPercent > 0 {
		debug.SetGCPercent(c.GCPercent)
	}
	if c.MemoryLimitMB > 0 {
		debug.SetMemoryLimit(int64(c.MemoryLimitMB) << 20)
	}
}

// listen binds the HTTP address before anything else starts, so a clash
// fails fast with the setting to change.
func listen(addr string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http.addr %s cannot be used: %v\n  fix: stop the program using it, or set http.addr (OQIM_HTTP_ADDR) to a free address, e.g. 127.0.0.1:8081", addr, err)
	}
	return l, nil
}

// schemaSets are the migrations of every part, each owning the tables it
// uses: the event tables ingest writes, the doctor's assistant's, and the
// BI's. migrate merges them by version, so `migrate up` and the demo
// apply them in one order.
func schemaSets() []fs.FS {
	return []fs.FS{schema.Migrations(), worker.Migrations(), kpi.Migrations()}
}

// openClickHouse connects to dsn, with the cluster settings when the
// schema lives on a cluster (clickhouse.cluster).
func openClickHouse(ctx context.Context, cfg config.Config, dsn string) (driver.Conn, error) {
	if cfg.ClickHouse.Cluster != "" {
		return clickhouse.OpenCluster(ctx, dsn)
	}
	return clickhouse.Open(ctx, dsn)
}
