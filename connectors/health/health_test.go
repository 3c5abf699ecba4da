package health

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestReadyNeedsEveryCheck(t *testing.T) {
	ok := Check{Name: "clickhouse", Fn: func(context.Context) error { return nil }}
	down := Check{Name: "kafka", Fn: func(context.Context) error { return errors.New("dial tcp 10.0.3.7:9092: connection refused") }}
	slow := Check{Name: "slow", Fn: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }}

	for _, tt := range []struct {
		name   string
		checks []Check
		code   int
		failed string
	}{
		{"all up", []Check{ok}, http.StatusOK, ""},
		{"one down", []Check{ok, down}, http.StatusServiceUnavailable, "kafka"},
		{"one hangs", []Check{ok, slow}, http.StatusServiceUnavailable, "slow"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			start := time.Now()
			var logged bytes.Buffer
			Ready(100*time.Millisecond, slog.New(slog.NewTextHandler(&logged, nil)), tt.checks...).ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
			// /readyz is public: a failing check's error, with the
			// internal address in it, goes to the log, not the body.
			if strings.Contains(rec.Body.String(), "10.0.3.7") || strings.Contains(rec.Body.String(), "refused") {
				t.Errorf("the body echoes the check's error: %s", rec.Body)
			}
			if tt.failed == "kafka" && !strings.Contains(logged.String(), "10.0.3.7:9092") {
				t.Errorf("the failing check's error was not logged: %q", logged.String())
			}
			if time.Since(start) > 2*time.Second {
				t.Fatal("a hanging check was not cut off by the timeout")
			}
			if rec.Code != tt.code {
				t.Fatalf("code %d, want %d", rec.Code, tt.code)
			}
			var body struct {
				Checks map[string]string `json:"checks"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body.Checks["clickhouse"] != "ok" {
				t.Errorf("clickhouse = %q", body.Checks["clickhouse"])
			}
			if tt.failed != "" && body.Checks[tt.failed] == "ok" {
				t.Errorf("%s reported ok", tt.failed)
			}
		})
	}
}

// An operator (as the server decides) sees the errors; others do not.
func TestReadyDetailsForOperators(t *testing.T) {
	down := Check{Name: "kafka", Fn: func(context.Context) error { return errors.New("dial tcp 10.0.3.7:9092: connection refused") }}
	h := ReadyFor(time.Second, nil, func(r *http.Request) bool { return r.Header.Get("X-Operator") == "yes" }, down)
	for _, op := range []string{"", "yes"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/readyz", nil)
		req.Header.Set("X-Operator", op)
		h.ServeHTTP(rec, req)
		if shown := strings.Contains(rec.Body.String(), "10.0.3.7:9092"); shown != (op == "yes") {
			t.Errorf("operator %q: error shown %v: %s", op, shown, rec.Body)
		}
	}
}
