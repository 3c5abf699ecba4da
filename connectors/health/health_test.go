package health

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestReadyNeedsEveryCheck(t *testing.T) {
	ok := Check{Name: "clickhouse", Fn: func(context.Context) error { return nil }}
	down := Check{Name: "kafka", Fn: func(context.Context) error { return errors.New("dial tcp: connection refused") }}
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
			Ready(100*time.Millisecond, tt.checks...).ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
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
