package doctorapi

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/oqim/oqim/inference/clinical/worker"
)

const diagnosisBody = `{"age":45,"sex":"male","text":"кашель, одышка, температура 38"}`

// /api/v1/diagnosis is a doctors' path like the rest of the clinical API:
// credentials required, a token minted for the BI refused, each request
// audited, the per-doctor rate limit applied.
func TestDiagnosisNeedsADoctor(t *testing.T) {
	rec := &auditRecorder{}
	e := newEnv(t, envOptions{audit: rec, noEngine: true, tune: func(c *Config) {
		c.DoctorLimits = map[string]Limits{"d-2": {RequestsPerMinute: 1, Burst: 1}}
	}})
	body := []byte(diagnosisBody)
	exp := time.Now().Add(time.Hour).Unix()
	bi := signJWT(t, jwt.SigningMethodHS256, []byte(e.cfg.JWT.Secret), jwt.MapClaims{"iss": "oqim", "aud": "oqim-bi", "sub": "analyst", "exp": exp})
	for _, tc := range []struct {
		name, cred string
		want       int
	}{
		{"anonymous", "", http.StatusUnauthorized},
		{"BI token with the same secret", bi, http.StatusUnauthorized},
		{"doctor", keyOne, http.StatusOK},
	} {
		resp, b := e.do(http.MethodPost, "/api/v1/diagnosis", tc.cred, "application/json", body)
		if resp.StatusCode != tc.want {
			t.Fatalf("%s: status %d, want %d: %s", tc.name, resp.StatusCode, tc.want, b)
		}
		if tc.want == http.StatusOK && !strings.Contains(string(b), `"conditions"`) {
			t.Errorf("%s: no differential: %s", tc.name, b)
		}
	}
	rec.mu.Lock()
	audited := hasAudit(rec.records, worker.AuditRecord{Action: "diagnosis.request", DoctorID: "d-1", Outcome: worker.OutcomeOK})
	rec.mu.Unlock()
	if !audited {
		t.Errorf("the doctor's diagnosis is not audited: %+v", rec.records)
	}
	// A bad request is audited as rejected.
	if resp, b := e.do(http.MethodPost, "/api/v1/diagnosis", keyOne, "application/json", []byte(`{"age":500}`)); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad age: %d %s", resp.StatusCode, b)
	}
	rec.mu.Lock()
	audited = hasAudit(rec.records, worker.AuditRecord{Action: "diagnosis.request", DoctorID: "d-1", Outcome: worker.OutcomeRejected})
	rec.mu.Unlock()
	if !audited {
		t.Errorf("the rejected request is not audited: %+v", rec.records)
	}
	// Doctor two's bucket holds one request.
	if resp, b := e.do(http.MethodPost, "/api/v1/diagnosis", keyTwo, "application/json", body); resp.StatusCode != http.StatusOK {
		t.Fatalf("doctor two's first request: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.do(http.MethodPost, "/api/v1/diagnosis", keyTwo, "application/json", body); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("doctor two's second request: %d %s", resp.StatusCode, b)
	}
}

func TestDiagnosisNotServedUnaudited(t *testing.T) {
	rec := &auditRecorder{err: errors.New("audit store down")}
	e := newEnv(t, envOptions{audit: rec, noEngine: true})
	resp, b := e.do(http.MethodPost, "/api/v1/diagnosis", keyOne, "application/json", []byte(diagnosisBody))
	if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(string(b), "conditions") {
		t.Fatalf("unaudited diagnosis served: %d %s", resp.StatusCode, b)
	}
}
