package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/analytics/access"
	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/doctorapi"
)

// The server as serve wires it: /api/v1/diagnosis answers doctors only. A
// BI analyst's token is refused even when the BI and the doctors share a
// JWT secret (the audience differs), and without doctors' credentials the
// path says what to set.
func TestDiagnosisEndToEnd(t *testing.T) {
	conn, db := clinicalDatabase(t)
	const secret = "one-secret-shared-by-bi-and-doctors!"
	serve := func(cfg config.Config) *httptest.Server {
		cfg.ClickHouse.Database = db
		return serveRoutes(t, conn, cfg)
	}
	post := func(srv *httptest.Server, cred string) (int, string) {
		return send(t, http.MethodPost, srv.URL+"/api/v1/diagnosis", cred, "application/json", `{"age":30,"sex":"female","text":"кашель и температура"}`)
	}

	cfg := config.Default()
	cfg.Access.JWT.Secret = secret
	cfg.Doctor.JWT.Secret = secret
	cfg.Doctor.APIKeys = []doctorapi.APIKey{{DoctorID: "d-1", Name: "Dr One", KeySHA256: httpedge.HashKey("doctor-key")}}
	srv := serve(cfg)
	biToken, err := access.Sign(cfg.Access.JWT, httpedge.Principal{Kind: httpedge.Analyst, ID: "national-reader", Role: "national"}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if code, b := post(srv, ""); code != http.StatusUnauthorized {
		t.Errorf("anonymous: %d %s", code, b)
	}
	if code, b := post(srv, biToken); code != http.StatusUnauthorized {
		t.Errorf("a BI token: %d %s", code, b)
	}
	if code, b := post(srv, "doctor-key"); code != http.StatusOK || !strings.Contains(b, `"conditions"`) {
		t.Errorf("a doctor: %d %s", code, b)
	}

	off := config.Default()
	off.Access.JWT.Secret = secret
	offSrv := serve(off)
	if code, b := post(offSrv, ""); code != http.StatusServiceUnavailable || !strings.Contains(b, "doctor.api_keys") {
		t.Errorf("no doctors configured: %d %s", code, b)
	}
	// Nor is HTTP ingest mounted without agencies.
	resp, err := http.Post(offSrv.URL+"/api/v1/ingest", "application/x-ndjson", strings.NewReader("{}\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "http_ingest.agencies") {
		t.Errorf("no agencies configured: %d %s", resp.StatusCode, b)
	}
}
