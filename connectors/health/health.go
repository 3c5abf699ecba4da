// Package health serves liveness and readiness for load balancers and
// orchestrators.
package health

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Check is one dependency the service needs to do its work.
type Check struct {
	Name string
	Fn   func(context.Context) error
}

// Live answers 200 while the process serves HTTP at all.
func Live() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
}

// Ready runs every check concurrently, each bounded by timeout, and
// answers 200 only if all pass, with "ok" or "failing" per check in the
// body. The errors themselves go to log only: they name internal hosts
// and ports (dial tcp 10.0.3.7:9092 ...), and /readyz is public, for
// probes. log may be nil.
func Ready(timeout time.Duration, log *slog.Logger, checks ...Check) http.Handler {
	return ReadyFor(timeout, log, nil, checks...)
}

// ReadyFor is Ready that also tells an operator, a request for which
// operator reports true, each failing check's error. operator may be nil.
func ReadyFor(timeout time.Duration, log *slog.Logger, operator func(*http.Request) bool, checks ...Check) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		detail := operator != nil && operator(r)
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		results := make(map[string]string, len(checks))
		var mu sync.Mutex
		var wg sync.WaitGroup
		ok := true
		for _, c := range checks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res := "ok"
				if err := c.Fn(ctx); err != nil {
					res = "failing"
					if detail {
						res = err.Error()
					}
					log.Warn("readiness check failing", "check", c.Name, "err", err)
				}
				mu.Lock()
				defer mu.Unlock()
				results[c.Name] = res
				if res != "ok" {
					ok = false
				}
			}()
		}
		wg.Wait()
		status, code := "ready", http.StatusOK
		if !ok {
			status, code = "not ready", http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": status, "checks": results})
	})
}
