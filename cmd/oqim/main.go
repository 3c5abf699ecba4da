// Command oqim runs every long-lived part of Oqim: the demo, ingestion,
// the HTTP server, the data generator and the operational tools.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot(os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "oqim:", err)
		var ue *usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a command-line mistake (exit code 2).
type usageError struct{ error }

// app holds what every subcommand shares: the config file flag and the
// output streams, so tests can run commands in-process.
type app struct {
	configPath string
	stdout     io.Writer
	stderr     io.Writer
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "oqim",
		Short: "Oqim: streaming data and AI pipelines for Uzbekistan's regional digital government",
		Long: `Oqim moves agency events from Kafka into ClickHouse and serves the Digital Region BI.

Configuration comes from a YAML file (--config, or OQIM_CONFIG) and OQIM_*
environment variables, which override the file: kafka.brokers is
OQIM_KAFKA_BROKERS, clickhouse.dsn is OQIM_CLICKHOUSE_DSN, and so on.
See oqim.example.yaml for every key.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&a.configPath, "config", os.Getenv("OQIM_CONFIG"), "YAML config file (env OQIM_CONFIG)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(
		a.demoCmd(),
		a.serveCmd(),
		a.ingestCmd(),
		a.generateCmd(),
		a.migrateCmd(),
		a.clickhouseCmd(),
		a.evalCmd(),
		a.benchCmd(),
		a.brokerCmd(),
		a.workerCmd(),
		a.exportCmd(),
	)
	return root
}

// config loads the configuration; demo picks text logs by default, the
// production commands JSON.
func (a *app) config(defaultLogFormat string) (config.Config, *slog.Logger, error) {
	cfg, err := config.Load(a.configPath, os.Environ())
	if err != nil {
		return cfg, nil, err
	}
	if cfg.Log.Format == "" {
		cfg.Log.Format = defaultLogFormat
	}
	return cfg, newLogger(a.stderr, cfg.Log), nil
}

func newLogger(w io.Writer, c config.LogConfig) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level)) // validated in loadConfig
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// textReport is a result a command prints as text or, with --json, as one
// JSON object.
type textReport interface{ WriteText(io.Writer) error }

// report prints rep as the command's output.
func (a *app) report(asJSON bool, rep textReport) error {
	if asJSON {
		return json.NewEncoder(a.stdout).Encode(rep)
	}
	return rep.WriteText(a.stdout)
}
