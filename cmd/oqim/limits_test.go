package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/VictoriaMetrics/metrics"

	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/connectors/clickhouse/chtest"
	"github.com/oqim/oqim/models/region"
)

// The chatbot's per-client limit and the BI audit's drop count come from
// the configuration file and show in the server as wired: a burst of 2
// lets a client open two sessions, not three, and /metrics reports what
// the audit dropped.
func TestChatbotLimitsAndAuditMetricsFromConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "oqim.yaml")
	yaml := "chatbot:\n  max_sessions: 50\n  max_history: 6\n  rate_per_second: 0.001\n  burst: 2\naccess:\n  audit_max_pending: 100\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Chatbot.Burst != 2 || cfg.Chatbot.MaxSessions != 50 || cfg.Access.AuditMaxPending != 100 {
		t.Fatalf("read as %+v, audit_max_pending %d", cfg.Chatbot, cfg.Access.AuditMaxPending)
	}
	ref, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	conn, db := chtest.Database(t)
	cfg.ClickHouse.Database = db
	h, closeRoutes, err := serverRoutes(cfg, &infra{conn: conn}, metrics.NewSet(), ref, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeRoutes(context.Background())
	srv := httptest.NewServer(h)
	defer srv.Close()
	var codes []int
	for range 3 {
		resp, err := http.Post(srv.URL+"/api/v1/chat/sessions", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] >= 300 || codes[1] >= 300 || codes[2] != http.StatusTooManyRequests {
		t.Errorf("three sessions with burst 2: %v", codes)
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "oqim_bi_audit_dropped_entries 0") {
		t.Errorf("/metrics lacks the audit's drop count:\n%.2000s", b)
	}
}
