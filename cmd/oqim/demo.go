package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/connectors/clickhouse/migrate"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/doctorapi"
	"github.com/oqim/oqim/inference/clinical/fhir/standin"
	"github.com/oqim/oqim/pipelines/generate"
	"github.com/oqim/oqim/pipelines/ingest"
	"github.com/oqim/oqim/pipelines/sources/httpingest"
)

func (a *app) demoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Run the whole system locally: ClickHouse, embedded Kafka, generator, pipeline and HTTP",
		Long: `demo starts everything on this machine and prints the URLs to open.

Unless clickhouse.dsn is set, it installs clickhouse-server with apt-get when
missing and runs a private server with its data in clickhouse.local.dir
(default var/clickhouse) on ports 19000/18123. Unless kafka.brokers is set,
it starts an embedded Kafka-protocol broker on port 19092 that keeps its log
in var/kafka. Data survives restarts. Ctrl-C stops everything cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			pr, err := a.start(cmd.Context(), "text", startLocal)
			if err != nil {
				return err
			}
			defer pr.Close()
			cfg, log, ref, l, in := pr.cfg, pr.log, pr.ref, pr.l, pr.in
			if applied, err := migrate.Up(ctx, in.conn, cfg.ClickHouse.Database, schemaSets()...); err != nil {
				return err
			} else if len(applied) > 0 {
				log.Info("schema migrated", "applied", len(applied))
			}

			tuneGC(cfg.Pipeline)
			set := metrics.NewSet()
			w := in.kafka.NewWriter(cfg.Kafka.Topic)
			defer w.Close()
			backfill := cfg.Generator.Backfill
			var kept uint64
			if err := in.conn.QueryRow(ctx, "SELECT count() FROM "+cfg.ClickHouse.Database+".portal_applications").Scan(&kept); err != nil {
				return err
			}
			gopts := generate.Options{Seed: cfg.Generator.Seed, RunID: runID(), Window: cfg.Generator.Window.Duration}
			if kept > 0 {
				// A restarted demo continues the history it already has
				// instead of piling a second month on top of it, and
				// leaves the calendar families' history as it is.
				log.Info("keeping earlier data; no backfill", "events", kept)
				backfill, gopts.Families = 0, generate.LiveFamilies
			}
			gen := generate.New(ref, gopts)

			if len(cfg.HTTPIngest.Agencies) == 0 {
				cfg.HTTPIngest.Agencies = []httpingest.Agency{{Name: demoAgency, KeySHA256: httpedge.HashKey(demoKey), Types: []string{"*"}}}
			}
			if len(cfg.Doctor.APIKeys) == 0 && cfg.Doctor.JWT.Secret == "" {
				cfg.Doctor.APIKeys = []doctorapi.APIKey{{DoctorID: "demo-doctor", Name: "Demo Doctor", KeySHA256: httpedge.HashKey(demoDoctorKey)}}
			}
			// Signed notes go to a local stand-in for Digital Healthcare's
			// FHIR server unless a real one is configured.
			var dh *standinServer
			if cfg.Doctor.FHIR.BaseURL == "" {
				if dh, err = startStandin(); err != nil {
					return err
				}
				defer dh.l.Close()
				cfg.Doctor.FHIR.BaseURL = dh.base
			}
			// The demo is the one command that starts without BI
			// credentials, and it says so, in the log and with the URLs.
			if !cfg.BIGuarded() {
				cfg.Access.InsecureDemo = true
			}
			warnInsecure(&cfg, log)
			h, closeRoutes, err := serverRoutes(cfg, in, set, ref, log, w)
			if err != nil {
				return err
			}
			defer closeRoutes(context.Background())
			g, gctx := errgroup.WithContext(ctx)
			pms, err := startPipelines(gctx, g, cfg, in, set, log)
			if err != nil {
				return err
			}
			if err := startWorkers(gctx, g, cfg, in, log, "all"); err != nil {
				return err
			}
			g.Go(func() error { return httpedge.Serve(gctx, l, h, cfg.HTTP.Timeouts()) })
			if dh != nil {
				g.Go(func() error { return httpedge.Serve(gctx, dh.l, dh.h, cfg.HTTP.Timeouts()) })
			}
			g.Go(func() error {
				glog := log.With("component", "generator")
				n, err := generate.Run(gctx, gen, w, generate.RunOptions{Backfill: backfill, Rate: cfg.Generator.Rate})
				if err != nil && gctx.Err() == nil {
					return fmt.Errorf("generator: %w", err)
				}
				glog.Info("generator stopped", "events_sent", n)
				return nil
			})
			g.Go(func() error { return reportProgress(gctx, a, pms) })
			printURLs(a, cfg, in, l.Addr())
			if dh != nil {
				fmt.Fprintf(a.stdout, "Digital Healthcare stand-in (FHIR R4): %s\n  signed notes land here; list them with curl %s/Bundle\n\n", dh.base, dh.base)
			} else {
				fmt.Fprintf(a.stdout, "Signed notes go to Digital Healthcare (FHIR R4): %s\n\n", cfg.Doctor.FHIR.BaseURL)
			}
			err = g.Wait()
			log.Info("demo stopped")
			return err
		},
	}
}

// standinServer is the demo's stand-in for Digital Healthcare's FHIR R4
// server, on a loopback port of its own.
type standinServer struct {
	l    net.Listener
	h    http.Handler
	base string
}

func startStandin() (*standinServer, error) {
	s, err := standin.New(standin.Config{})
	if err != nil {
		return nil, err
	}
	h, err := s.Handler()
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("the Digital Healthcare stand-in: %w", err)
	}
	return &standinServer{l: l, h: h, base: standin.BaseURL(l.Addr().String())}, nil
}

// The demo's HTTP ingest agency, printed with the URLs; a configured
// http_ingest.agencies list replaces it.
const (
	demoAgency    = "demo-agency"
	demoKey       = "oqim-demo-key"
	demoDoctorKey = "oqim-demo-doctor"
)

// runID keeps ids of separate demo runs apart, so a restarted demo adds
// applications instead of replacing the earlier ones.
func runID() string { return strconv.FormatInt(time.Now().Unix(), 36) }

func printURLs(a *app, cfg config.Config, in *infra, addr net.Addr) {
	base := "http://" + addr.String()
	fmt.Fprintf(a.stdout, `
Oqim demo is running. Open:
  Dashboard     %[1]s/
  KPI API       %[1]s/api/v1/kpi/applications?region=UZ-JI
  Chatbot       %[1]s/chat/
  Doctor page   %[1]s/doctor/   (sign in with the doctor key below)
  Readiness     %[1]s/readyz
  Metrics       %[1]s/metrics
  Ingest        curl -H 'Authorization: Bearer %[6]s' -H 'Content-Type: application/x-ndjson' --data-binary @events.ndjson %[1]s/api/v1/ingest
                (NDJSON envelopes with "source":"%[7]s")
  Doctor        curl -H 'Authorization: Bearer %[8]s' -d '{"age":45,"sex":"male","text":"Жалобы: кашель, одышка, температура 38. Объективно: пульс 96."}' %[1]s/api/v1/notes
                (transcript or text → structured note → differential diagnosis, decision support only)
  Diagnosis     curl -H 'Authorization: Bearer %[8]s' -H 'Content-Type: application/json' -d '{"age":45,"sex":"male","text":"кашель, одышка"}' %[1]s/api/v1/diagnosis
  Audio         %[9]s
BI access       %[10]s
Kafka brokers   %[2]v%[3]s
ClickHouse      %[4]s, database %[11]s%[5]s
Press Ctrl-C to stop.

`, base, in.kafka.Brokers(), map[bool]string{true: " (embedded)", false: ""}[in.broker != nil],
		in.dsn, map[bool]string{true: " (local, data in " + cfg.ClickHouse.Local.Dir + ")", false: ""}[in.chsrv != nil],
		demoKey, demoAgency, demoDoctorKey, audioStatus(cfg), biAccessStatus(cfg), cfg.ClickHouse.Database)
}

func biAccessStatus(cfg config.Config) string {
	if cfg.BIGuarded() {
		return "keys, tokens or sign-in required (access.*, oidc.*)"
	}
	return "OPEN, INSECURE DEMO: every caller reads every region, citizens' questions included;\n                set access.keys or access.jwt.secret before letting anyone else reach this port"
}

func audioStatus(cfg config.Config) string {
	if cfg.ASR.Engine != "" {
		return "POST a recording (WAV or MP3) to /api/v1/transcriptions, engine " + cfg.ASR.Engine
	}
	return "off: set OQIM_ASR_ENGINE=openai with OQIM_ASR_BASE_URL and OQIM_ASR_MODEL (any OpenAI-compatible\n                transcription server), or build with -tags whisper and set OQIM_ASR_WHISPER_MODEL"
}

// reportProgress prints the ingest totals every 15 s, so a user watching
// the terminal sees data move.
func reportProgress(ctx context.Context, a *app, ms []*ingest.Metrics) error {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			var rows, batches uint64
			var lag, dead int64
			for _, m := range ms {
				rows, batches, lag = rows+m.Rows.Get(), batches+m.Batches.Get(), lag+m.Lag()
				for _, c := range m.DLQ {
					dead += int64(c.Get())
				}
			}
			fmt.Fprintf(a.stdout, "ingested %d rows in %d batches, %d to the DLQ, consumer lag %d\n", rows, batches, dead, lag)
		}
	}
}
