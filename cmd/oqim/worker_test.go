package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/oqim/oqim/cmd/oqim/config"
)

// Sealing swaps partitions per server, so on a ClickHouse cluster the seal
// worker refuses before it touches anything (no infra is needed to say so).
func TestSealWorkerRefusesACluster(t *testing.T) {
	cfg := config.Default()
	cfg.ClickHouse.Cluster = "oqim"
	var g errgroup.Group
	err := startWorkers(context.Background(), &g, cfg, nil, slog.New(slog.DiscardHandler), "seal")
	if err == nil || !strings.Contains(err.Error(), "not supported on a ClickHouse cluster") {
		t.Fatalf("worker seal on a cluster: %v", err)
	}
}
