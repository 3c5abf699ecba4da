package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"golang.org/x/sync/errgroup"

	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/pipelines/ingest/ingesttest"
	"github.com/oqim/oqim/pipelines/sources/opendata"
)

// The open-data pollers `oqim ingest` starts (startPollers) announce a
// new dataset version on kafka.topic, and the pipeline lands it in
// opendata_datasets. The poller names each message's topic itself, so
// its writer must have none.
func TestIngestPollerEventLands(t *testing.T) {
	env := ingesttest.New(t)
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		w.Header().Set("Last-Modified", time.Date(2025, 10, 30, 9, 15, 0, 0, time.UTC).Format(http.TimeFormat))
		io.WriteString(w, "region,applications\nUZ-JI,17\n")
	}))
	defer portal.Close()

	var cfg config.Config
	cfg.Kafka.Topic = ingesttest.Topic
	cfg.OpenData = []opendata.Config{{Agency: "stat.uz", Dataset: "applications-by-region", URL: portal.URL + "/a.csv",
		Region: "UZ-TK", Interval: time.Hour, MinBackoff: 100 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}}
	set := metrics.NewSet()
	ctx, cancel := context.WithCancel(context.Background())
	g, gctx := errgroup.WithContext(ctx)
	defer func() { cancel(); _ = g.Wait() }()
	if err := startPollers(gctx, g, cfg, &infra{kafka: env.Kafka}, set, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	env.Start(t, "opendata-pollers")

	deadline := time.Now().Add(20 * time.Second)
	for {
		var n uint64
		if err := env.Conn.QueryRow(context.Background(), "SELECT count() FROM "+env.DB+".opendata_datasets FINAL").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			return
		}
		if time.Now().After(deadline) {
			var b bytes.Buffer
			set.WritePrometheus(&b)
			t.Fatalf("no open-data event landed in 20 s (%d rows); poller metrics:\n%s", n, b.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
