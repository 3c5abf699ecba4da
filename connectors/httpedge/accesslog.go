package httpedge

import (
	"log/slog"
	"net/http"
	"time"
)

// AccessLog logs every request: method, route pattern (or path, for
// requests no route matched), status, duration and principal. Never the
// query string or a body: they carry personal data (patient ids, chat
// text) and the log is not a place for it. Lines are at debug level, so a
// busy server logs them only when asked to.
func AccessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r, x := withExchange(r)
		rec := record(w)
		next.ServeHTTP(rec, r)
		route := r.Pattern // set by the ServeMux on this request
		if route == "" {
			route = r.URL.Path
		}
		log.Debug("http", "method", r.Method, "route", route, "status", rec.Status(),
			"dur", time.Since(start), "principal", x.principal.Label())
	})
}
