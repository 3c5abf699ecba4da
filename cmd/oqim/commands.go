package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/oqim/oqim/bench/query"
	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/connectors/clickhouse/chserver"
	"github.com/oqim/oqim/connectors/clickhouse/migrate"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/generate"
	"github.com/oqim/oqim/pipelines/sources/opendata"
)

// insecureDemoUsage is the help of serve's and ingest's --insecure-demo.
const insecureDemoUsage = "start even though access control is not configured (a demo on a trusted machine only; same as access.insecure_demo: true)"

func (a *app) serveCmd() *cobra.Command {
	var insecure bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the dashboard, the BI API, the assistants and the operational endpoints",
		Long: `serve answers on http.addr: the Digital Region dashboard (/) and BI API
(/api/v1/kpi/..., /api/openapi.json), agency HTTP ingest (/api/v1/ingest),
the chatbot (/chat/, /api/v1/chat/...), the doctor's API
(/api/v1/transcriptions, /api/v1/notes, /api/v1/diagnosis), and /healthz,
/readyz and /metrics. It needs an external ClickHouse (clickhouse.dsn) and
Kafka (kafka.brokers); run 'oqim migrate' once before.

It refuses to start without access control: BI keys or a JWT secret
(access.*) and doctors' credentials (doctor.*). --insecure-demo starts it
open anyway, with a warning.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pr, err := a.start(cmd.Context(), "json", externalOnly, requireAccess(insecure))
			if err != nil {
				return err
			}
			defer pr.Close()
			cfg, log, ref, l, in := pr.cfg, pr.log, pr.ref, pr.l, pr.in
			w := in.kafka.NewWriter(cfg.Kafka.Topic)
			defer w.Close()
			h, closeRoutes, err := serverRoutes(cfg, in, metrics.NewSet(), ref, log, w)
			if err != nil {
				return err
			}
			defer closeRoutes(context.Background())
			log.Info("serving", "addr", l.Addr().String())
			return httpedge.Serve(cmd.Context(), l, h, cfg.HTTP.Timeouts())
		},
	}
	cmd.Flags().BoolVar(&insecure, "insecure-demo", false, insecureDemoUsage)
	return cmd
}

func (a *app) ingestCmd() *cobra.Command {
	var insecure bool
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Consume agency events from Kafka into ClickHouse",
		Long: `ingest runs the ingestion pipeline: it reads kafka.topic as consumer group
kafka.group, validates each event, sends bad ones to <topic>.dlq with the
reason, inserts batches into ClickHouse, and commits offsets only after the
insert. Run more copies to scale out; partitions are shared among them.
/healthz, /readyz and /metrics are served on http.addr.

Like serve, it refuses a configuration without access control (it is the
same deployment's configuration) unless --insecure-demo is given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pr, err := a.start(cmd.Context(), "json", externalOnly, requireAccess(insecure))
			if err != nil {
				return err
			}
			defer pr.Close()
			cfg, log, l, in := pr.cfg, pr.log, pr.l, pr.in
			tuneGC(cfg.Pipeline)
			set := metrics.NewSet()
			h, err := opsRoutes(cfg, in, set, log)
			if err != nil {
				return err
			}
			g, ctx := errgroup.WithContext(cmd.Context())
			if _, err := startPipelines(ctx, g, cfg, in, set, log); err != nil {
				return err
			}
			if err := startPollers(ctx, g, cfg, in, set, log); err != nil {
				return err
			}
			g.Go(func() error { return httpedge.Serve(ctx, l, h, cfg.HTTP.Timeouts()) })
			return g.Wait()
		},
	}
	cmd.Flags().BoolVar(&insecure, "insecure-demo", false, insecureDemoUsage)
	return cmd
}

// generateFast loads events straight into ClickHouse, bypassing Kafka, so
// that query benchmarks can have 100 million events in minutes; the rollups
// are fed exactly as by the pipeline.
func (a *app) generateFast(ctx context.Context, cfg config.Config, events int, seed uint64) error {
	if events <= 0 {
		return &usageError{errors.New("--fast needs --limit N, the number of events to load")}
	}
	if cfg.ClickHouse.DSN == "" {
		return errors.New("clickhouse.dsn is empty: --fast writes straight to ClickHouse; set OQIM_CLICKHOUSE_DSN")
	}
	conn, err := openClickHouse(ctx, cfg, cfg.ClickHouse.DSN)
	if err != nil {
		return err
	}
	defer conn.Close()
	rep, err := query.Load(ctx, conn, cfg.ClickHouse.Database, query.Options{Events: events, Seed: seed, Progress: a.stderr})
	if err != nil {
		return err
	}
	return rep.WriteText(a.stdout)
}

// startPollers runs one open-data poller per configured dataset; their
// events go to kafka.topic like any agency's.
func startPollers(ctx context.Context, g *errgroup.Group, cfg config.Config, in *infra, set *metrics.Set, log *slog.Logger) error {
	for i, dc := range cfg.OpenData {
		if dc.Topic == "" {
			dc.Topic = cfg.Kafka.Topic
		}
		// The poller names each message's topic (events and rows may
		// go to different ones); kafka-go refuses a message whose writer
		// names one too.
		w := in.kafka.NewWriter("")
		p, err := opendata.NewPoller(dc, w, opendata.WithLogger(log), opendata.WithMetrics(set))
		if err != nil {
			w.Close()
			return fmt.Errorf("config: opendata[%d] (%s): %w", i, dc.Dataset, err)
		}
		g.Go(func() error {
			defer w.Close()
			return p.Run(ctx)
		})
	}
	return nil
}

func (a *app) generateCmd() *cobra.Command {
	var (
		backfill, limit int
		rate, bad       float64
		seed            uint64
		families        []string
		fast            bool
	)
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Produce realistic agency events into Kafka",
		Long: `generate writes agency events of every family (or --families) to kafka.topic:
first --backfill applications (and the other families' activity in
proportion) spread over generator.window before now, then --rate new
applications per second, following the daily and weekly rhythm, until
Ctrl-C or --limit events. Regions are weighted by population.
--bad-fraction replaces that share of records with bad ones, counted per
DLQ reason at the end.`,
		Example: `  OQIM_KAFKA_BROKERS=localhost:9092 oqim generate --backfill 100000 --rate 0
  oqim generate --rate 50 --limit 1000000 --bad-fraction 0.01
  oqim generate --families emergency.call,mahalla.appeal --rate 20
  OQIM_CLICKHOUSE_DSN=clickhouse://127.0.0.1:19000/default oqim generate --fast --limit 100000000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := a.config("text")
			if err != nil {
				return err
			}
			if fast {
				return a.generateFast(cmd.Context(), cfg, limit, seed)
			}
			if len(cfg.Kafka.Brokers) == 0 {
				return errors.New("kafka.brokers is empty: set OQIM_KAFKA_BROKERS to the cluster to write to (oqim demo runs its own generator)")
			}
			if !cmd.Flags().Changed("backfill") {
				backfill = cfg.Generator.Backfill
			}
			if !cmd.Flags().Changed("rate") {
				rate = cfg.Generator.Rate
			}
			if !cmd.Flags().Changed("seed") {
				seed = cfg.Generator.Seed
			}
			if backfill < 0 || rate < 0 || limit < 0 {
				return &usageError{errors.New("--backfill, --rate and --limit must not be negative")}
			}
			ref, err := region.Load()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			cluster, err := cfg.Kafka.Cluster(cfg.Kafka.Brokers)
			if err != nil {
				return err
			}
			if err := cluster.EnsureTopics(ctx, cfg.Kafka.Partitions, cfg.Kafka.Topic); err != nil {
				return fmt.Errorf("%w\n  fix: check kafka.brokers / OQIM_KAFKA_BROKERS (and kafka.tls, kafka.sasl) and that the brokers are up", err)
			}
			w := cluster.NewWriter(cfg.Kafka.Topic)
			defer w.Close()
			if bad < 0 || bad > 1 {
				return &usageError{fmt.Errorf("--bad-fraction %g must be between 0 and 1", bad)}
			}
			var fams []generate.Family
			for _, name := range families {
				f, err := generate.ParseFamily(name)
				if err != nil {
					return &usageError{fmt.Errorf("--families: %w", err)}
				}
				fams = append(fams, f)
			}
			gen := generate.New(ref, generate.Options{Seed: seed, RunID: runID(), Window: cfg.Generator.Window.Duration,
				Families: fams, BadFraction: bad})
			start := time.Now()
			last := start
			n, err := generate.Run(ctx, gen, w, generate.RunOptions{
				Backfill: backfill, Rate: rate, Limit: limit,
				Progress: func(sent int) {
					if time.Since(last) >= 2*time.Second {
						last = time.Now()
						log.Info("generating", "events_sent", sent, "per_s", int(float64(sent)/time.Since(start).Seconds()))
					}
				},
			})
			args := []any{"events_sent", n, "elapsed", time.Since(start).Round(time.Millisecond), "topic", cfg.Kafka.Topic}
			for reason, k := range gen.Bad() {
				args = append(args, "bad_"+string(reason), k)
			}
			log.Info("generator done", args...)
			return err
		},
	}
	cmd.Flags().IntVar(&backfill, "backfill", 0, "applications to spread over the window before now (default generator.backfill)")
	cmd.Flags().Float64Var(&rate, "rate", 0, "new applications per second after the backfill; 0 stops after it (default generator.rate)")
	cmd.Flags().IntVar(&limit, "limit", 0, "stop after this many events (0: no limit)")
	cmd.Flags().Uint64Var(&seed, "seed", 0, "random seed (default generator.seed)")
	cmd.Flags().Float64Var(&bad, "bad-fraction", 0, "share of records (0-1) replaced by bad ones, spread over the DLQ reasons")
	cmd.Flags().StringSliceVar(&families, "families", nil, "event families to generate, e.g. portal.application,emergency.call (default all)")
	cmd.Flags().BoolVar(&fast, "fast", false, "write --limit events of every family straight into ClickHouse (clickhouse.dsn), days of history back from now, for query benchmarks")
	return cmd
}

func (a *app) migrateCmd() *cobra.Command {
	var cluster string
	cmd := &cobra.Command{
		Use:   "migrate [up|status]",
		Short: "Apply or list the ClickHouse schema migrations",
		Long: `migrate up (the default) creates clickhouse.database and applies every
migration not yet applied; running it again changes nothing. migrate status
lists each migration and when it was applied.

With --cluster NAME (or clickhouse.cluster) the schema is created ON CLUSTER
NAME on every server of that cluster: each table as a replicated local table
<name>_local, sharded by a hash of its sorting key, behind a Distributed
table under the name the queries use; the materialized views feed the local
tables. Every server of the cluster must be up.`,
		Example: `  OQIM_CLICKHOUSE_DSN=clickhouse://127.0.0.1:9000/default oqim migrate up
  OQIM_CLICKHOUSE_DSN=$(oqim clickhouse cluster start | head -1) oqim migrate up --cluster oqim`,
		Args:      cobra.MatchAll(cobra.MaximumNArgs(1), cobra.OnlyValidArgs),
		ValidArgs: []string{"up", "status"},
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, _, err := a.config("text")
			if err != nil {
				return err
			}
			if cluster != "" {
				// The runner checks the name, as it does clickhouse.cluster's.
				cfg.ClickHouse.Cluster = cluster
			}
			if cfg.ClickHouse.DSN == "" {
				return errors.New("clickhouse.dsn is empty: set OQIM_CLICKHOUSE_DSN to the server to migrate")
			}
			target := migrate.Target{DB: cfg.ClickHouse.Database, Cluster: cfg.ClickHouse.Cluster}
			conn, err := openClickHouse(cmd.Context(), cfg, cfg.ClickHouse.DSN)
			if err != nil {
				return err
			}
			defer conn.Close()
			if len(args) == 0 || args[0] == "up" {
				applied, err := migrate.UpOn(cmd.Context(), conn, target, schemaSets()...)
				for _, m := range applied {
					fmt.Fprintf(a.stdout, "applied %04d_%s\n", m.Version, m.Name)
				}
				if err == nil && len(applied) == 0 {
					fmt.Fprintln(a.stdout, "schema is up to date")
				}
				return err
			}
			states, err := migrate.StatusOn(cmd.Context(), conn, target, schemaSets()...)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tNAME\tAPPLIED")
			for _, s := range states {
				at := "pending"
				if s.Applied {
					at = s.AppliedAt.Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%04d\t%s\t%s\n", s.Version, s.Name, at)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&cluster, "cluster", "", "create the schema ON CLUSTER this cluster, replicated and sharded (overrides clickhouse.cluster)")
	return cmd
}

func (a *app) clickhouseCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "clickhouse",
		Short: "Manage a private local ClickHouse server (used by make test)",
	}
	var (
		dir           string
		tcpPt, httpPt int
	)
	start := &cobra.Command{
		Use:   "start",
		Short: "Install if needed, start a detached server on --dir, and print its DSN",
		Example: `  oqim clickhouse start --dir var/test/clickhouse --tcp-port 0
  oqim clickhouse stop --dir var/test/clickhouse`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := a.opsLogger()
			bin, err := chserver.Install(cmd.Context(), log)
			if err != nil {
				return err
			}
			srv, err := chserver.Start(cmd.Context(), chserver.Options{
				Dir: dir, TCPPort: tcpPt, HTTPPort: httpPt, Binary: bin, Detached: true, Logger: log,
			})
			if err != nil {
				var pe *chserver.PortInUseError
				if errors.As(err, &pe) {
					return fmt.Errorf("%w\n  fix: pass --%s-port with a free port, or 0 to pick one", err, pe.Role)
				}
				return err
			}
			fmt.Fprintln(a.stdout, srv.DSN())
			return nil
		},
	}
	start.Flags().StringVar(&dir, "dir", "var/clickhouse", "folder for the server's config, data and logs")
	start.Flags().IntVar(&tcpPt, "tcp-port", 19000, "native-protocol port (0: a free one)")
	start.Flags().IntVar(&httpPt, "http-port", 0, "HTTP port (0: a free one)")
	cmd.AddCommand(start, a.stopDirCmd("server", "var/clickhouse", chserver.StopDir), a.clickhouseClusterCmd())
	return cmd
}

// clickhouseClusterCmd runs a local ClickHouse cluster (ZooKeeper and
// shards × replicas servers on loopback ports) for tests and for trying
// the cluster schema (migrate --cluster).
func (a *app) clickhouseClusterCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Manage a private local ClickHouse cluster: ZooKeeper and 2 shards × 2 replicas (used by make test)",
	}
	var (
		dir, name        string
		shards, replicas int
	)
	start := &cobra.Command{
		Use:   "start",
		Short: "Install ZooKeeper and a JRE if needed, start a detached cluster on --dir, and print each server's DSN",
		Long: `cluster start installs zookeeper and a Java runtime with apt-get when they
are missing (as root), starts ZooKeeper and --shards × --replicas
clickhouse-server processes on free loopback ports, each with its own folder
under --dir, and prints one DSN per server, shard by shard. The servers'
remote_servers name the cluster --name; create the schema on it with
  OQIM_CLICKHOUSE_DSN=<a DSN> oqim migrate up --cluster <name>`,
		Example: `  oqim clickhouse cluster start --dir var/test/clickhouse-cluster
  oqim clickhouse cluster stop --dir var/test/clickhouse-cluster`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := a.opsLogger()
			bin, err := chserver.Install(cmd.Context(), log)
			if err != nil {
				return err
			}
			java, err := chserver.InstallZooKeeper(cmd.Context(), log)
			if err != nil {
				return err
			}
			c, err := chserver.StartCluster(cmd.Context(), chserver.ClusterOptions{
				Dir: dir, Name: name, Shards: shards, Replicas: replicas, Binary: bin, Java: java, Detached: true, Logger: log,
			})
			if err != nil {
				return err
			}
			for _, dsn := range c.DSNs() {
				fmt.Fprintln(a.stdout, dsn)
			}
			return nil
		},
	}
	start.Flags().StringVar(&dir, "dir", "var/clickhouse-cluster", "folder for ZooKeeper's and every server's config, data and logs")
	start.Flags().StringVar(&name, "name", "oqim", "cluster name (remote_servers; clickhouse.cluster)")
	start.Flags().IntVar(&shards, "shards", 2, "number of shards")
	start.Flags().IntVar(&replicas, "replicas", 2, "replicas per shard")
	cmd.AddCommand(start, a.stopDirCmd("cluster", "var/clickhouse-cluster", chserver.StopClusterDir))
	return cmd
}

// stopDirCmd is the stop subcommand of a local server kind (what) started
// detached on --dir.
func (a *app) stopDirCmd(what, defaultDir string, stop func(context.Context, string, *slog.Logger) error) *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "stop",
		Short: "Stop the " + what + " started on --dir",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return stop(cmd.Context(), dir, a.opsLogger())
		},
	}
	c.Flags().StringVar(&dir, "dir", defaultDir, "folder the "+what+" was started on")
	return c
}

// opsLogger logs the local servers' start and stop for a person at a
// terminal, whatever the configuration says.
func (a *app) opsLogger() *slog.Logger {
	return newLogger(a.stderr, config.LogConfig{Format: "text", Level: "info"})
}
