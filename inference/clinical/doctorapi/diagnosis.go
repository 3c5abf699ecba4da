package doctorapi

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/diagnosis"
	"github.com/oqim/oqim/inference/clinical/worker"
)

// diagnosisRoute is the diagnostic assistant behind the doctors' edge:
// their credentials, their rate limit, and the audit table.
func (h *Handler) diagnosisRoute() httpedge.Route {
	rt := diagnosis.Route(http.HandlerFunc(h.diagnose), 0)
	rt.RateLimit = h.limiter
	return rt
}

// diagnose serves the assistant into a buffer first, so that the audit
// record carries the outcome and nothing is answered when the record
// cannot be written, as on every other clinical path. The answer is a
// small JSON document; the request body is bounded by the route.
func (h *Handler) diagnose(w http.ResponseWriter, r *http.Request) {
	buf := &bufferedResponse{header: http.Header{}}
	h.diagnosis.ServeHTTP(buf, r)
	status := buf.Status()
	outcome := worker.OutcomeOK
	switch {
	case status >= 500:
		outcome = worker.OutcomeError
	case status >= 400:
		outcome = worker.OutcomeRejected
	}
	if h.record(r.Context(), "diagnosis.request", "", "", outcome, strconv.Itoa(status)) != nil {
		auditFailed(w)
		return
	}
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.body.Bytes())
}

// bufferedResponse holds a handler's answer until it may be sent.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// Status is what the handler answered; 200 when it wrote nothing.
func (b *bufferedResponse) Status() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}
