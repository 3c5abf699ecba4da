package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/inference/clinical/lifecycle"
	"github.com/oqim/oqim/inference/clinical/notes"
	"github.com/oqim/oqim/inference/clinical/worker"
)

func (a *app) workerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "worker asr|notes|retention|seal",
		Short: "Run the doctor's assistant workers (Kafka consumer groups, so more copies add capacity) or the KPI sealing job",
		Long: `worker asr transcribes queued recordings (doctor.jobs.jobs_topic) with the
engine asr.* configures; worker notes structures finished transcripts into
clinical notes; worker retention deletes audio (default 30 days) and jobs with their
transcripts and notes (default 90 days) older than doctor.jobs.retention. Jobs are committed only after
their result is stored, and a redelivered job is not transcribed twice.
worker seal copies the counts of closed UTC days from the KPI rollups into
the sealed daily tables every few minutes, and seals again any day that a
late or replayed event touched (see analytics/README.md); the dashboard
stays exact without it, only slower.`,
		Example: `  OQIM_ASR_ENGINE=openai OQIM_ASR_BASE_URL=http://whisper:8000/v1 OQIM_ASR_MODEL=whisper-1 oqim worker asr
  oqim worker notes
  oqim worker seal`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"asr", "notes", "retention", "seal"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "asr" && args[0] != "notes" && args[0] != "retention" && args[0] != "seal" {
				return &usageError{fmt.Errorf("unknown worker %q: use asr, notes, retention or seal", args[0])}
			}
			pr, err := a.start(cmd.Context(), "json", externalOnly)
			if err != nil {
				return err
			}
			defer pr.Close()
			g, ctx := errgroup.WithContext(cmd.Context())
			if err := startWorkers(ctx, g, pr.cfg, pr.in, pr.log, args[0]); err != nil {
				return err
			}
			return g.Wait()
		},
	}
	return cmd
}

// startWorkers runs the named workers ("asr", "notes", "retention",
// "seal", or "all" for the demo) in g. The ASR worker needs an
// engine; "all" skips it when none is configured.
func startWorkers(ctx context.Context, g *errgroup.Group, cfg config.Config, in *infra, log *slog.Logger, which string) error {
	if which == "seal" && cfg.ClickHouse.Cluster != "" {
		return fmt.Errorf("worker seal: not supported on a ClickHouse cluster (clickhouse.cluster is %q): sealing swaps partitions, which is per server; the BI stays exact without it, country-wide queries are only slower", cfg.ClickHouse.Cluster)
	}
	jobs := cfg.Doctor.Jobs.WithDefaults()
	opts := worker.Options{Config: jobs, Kafka: in.kafka, ClickHouse: in.conn, Database: cfg.ClickHouse.Database}
	if which == "asr" || which == "all" {
		// In the demo ("all") the server beside the workers has said that
		// transcription is off; saying it again only repeats it.
		elog := log
		if which == "all" {
			elog = slog.New(slog.DiscardHandler)
		}
		engine, err := asrEngine(cfg, elog)
		if err != nil {
			return err
		}
		switch {
		case engine != nil:
			o := opts
			o.Engine, o.Log = engine, log.With("worker", "asr")
			g.Go(func() error {
				defer engine.Close()
				return worker.RunASR(ctx, o)
			})
		case which == "asr":
			return fmt.Errorf("worker asr needs an engine: set asr.engine (openai with asr.base_url and asr.model, or whisper with -tags whisper and asr.whisper_model)")
		}
	}
	if which == "notes" || which == "all" {
		o := opts
		o.Structurer = notes.NewStructurer(in.llm, nil)
		o.Log = log.With("worker", "notes")
		g.Go(func() error { return worker.RunNotes(ctx, o) })
	}
	if which == "retention" || which == "all" {
		blobs, err := worker.NewBlobs(jobs.BlobDir)
		if err != nil {
			return err
		}
		store := worker.NewStore(in.conn, cfg.ClickHouse.Database)
		drafts := lifecycle.NewStore(in.conn, cfg.ClickHouse.Database)
		if cfg.ClickHouse.Cluster != "" {
			store = store.OnCluster(cfg.ClickHouse.Cluster)
			drafts = drafts.OnCluster(cfg.ClickHouse.Cluster)
		}
		r := jobs.RetentionOptions(blobs, store, drafts, worker.NewAudit(in.conn, cfg.ClickHouse.Database))
		rlog := log.With("worker", "retention")
		g.Go(func() error {
			rlog.Info("retention sweeps", "audio_days", jobs.Retention.AudioDays,
				"transcript_days", jobs.Retention.TranscriptDays, "every", jobs.Retention.Interval)
			return worker.RunRetention(ctx, r, jobs.Retention.Interval, func(err error) { rlog.Warn("retention sweep failed", "err", err) })
		})
	}
	if which == "all" && cfg.ClickHouse.Cluster != "" {
		log.Warn("KPI sealing is off on a ClickHouse cluster (it swaps partitions, which is per server); the BI stays exact, only slower", "cluster", cfg.ClickHouse.Cluster)
	}
	if (which == "seal" || which == "all") && cfg.ClickHouse.Cluster == "" {
		// Seals closed days of the KPI rollups; a failed run is logged
		// and retried at the next interval, the API staying exact.
		s := kpi.NewSealer(in.conn, cfg.ClickHouse.Database)
		s.Log = log.With("worker", "seal")
		g.Go(func() error {
			s.Log.Info("sealing closed days", "every", kpi.DefaultSealInterval, "settle", s.Settle)
			return s.Run(ctx, kpi.DefaultSealInterval, func(err error) { s.Log.Warn("sealing failed", "err", err) })
		})
	}
	return nil
}
