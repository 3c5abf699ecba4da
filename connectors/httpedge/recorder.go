package httpedge

import (
	"context"
	"net/http"
)

// exchange is what the edge learns about one request as it goes, shared
// by the access log (outermost) and the route (innermost) through the
// request context, because the route's context is not the access log's.
type exchange struct {
	principal Principal
	rows      uint64
}

type exchangeKey struct{}

func exchangeFrom(ctx context.Context) *exchange {
	x, _ := ctx.Value(exchangeKey{}).(*exchange)
	return x
}

// withExchange returns r carrying an exchange, reusing one already there.
func withExchange(r *http.Request) (*http.Request, *exchange) {
	if x := exchangeFrom(r.Context()); x != nil {
		return r, x
	}
	x := &exchange{}
	return r.WithContext(context.WithValue(r.Context(), exchangeKey{}, x)), x
}

// SetRows records how many rows a request returned, for its audit record.
func SetRows(ctx context.Context, n uint64) {
	if x := exchangeFrom(ctx); x != nil {
		x.rows = n
	}
}

// statusRecorder remembers the status a handler sent. Unwrap lets
// http.ResponseController reach the connection (flush, deadlines).
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func record(w http.ResponseWriter) *statusRecorder {
	if s, ok := w.(*statusRecorder); ok {
		return s
	}
	return &statusRecorder{ResponseWriter: w}
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Flush keeps server-sent events flowing through the recorder.
func (s *statusRecorder) Flush() {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	_ = http.NewResponseController(s.ResponseWriter).Flush()
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Status is what was sent; 200 when the handler wrote nothing.
func (s *statusRecorder) Status() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}
