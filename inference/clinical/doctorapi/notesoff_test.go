package doctorapi

import (
	"net/http"
	"strings"
	"testing"
)

// Without ClickHouse there is no note store: every lifecycle route says so
// (503, what to configure) instead of failing on a nil store.
func TestClinicalNotesWithoutAStoreSayWhatIsMissing(t *testing.T) {
	e := newEnv(t, envOptions{audit: &auditRecorder{}, noEngine: true})
	for _, rt := range e.h.clinicalNoteRoutes() {
		path := strings.ReplaceAll(rt.Path, "{id}", "n-1")
		resp, b := e.do(rt.Method, path, keyOne, "application/json", []byte(`{"version":1}`))
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "need ClickHouse configured") {
			t.Errorf("%s %s: %d %s, want 503 naming ClickHouse", rt.Method, path, resp.StatusCode, b)
		}
	}
}
