package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/VictoriaMetrics/metrics"

	"github.com/oqim/oqim/analytics/kpi/kpitest"
	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/connectors/clickhouse/migrate/migratetest"
	"github.com/oqim/oqim/connectors/httpedge/oidc/oidctest"
	"github.com/oqim/oqim/models/region"
)

// TestServeAcceptsTheProvidersPeople wires `oqim serve`'s routes from an
// oidc configuration and checks, with tokens from a stand-in provider,
// that each surface takes its own people and only them.
func TestServeAcceptsTheProvidersPeople(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	idp := oidctest.NewStandInProvider(t, oidctest.Options{Alg: "ES256",
		Clients: map[string]oidctest.Client{"oqim": {RedirectURIs: []string{base + "/auth/bi/callback", base + "/auth/doctor/callback"}}}})
	cfg, err := config.Load("", []string{"OQIM_OIDC_ISSUER=" + idp.Issuer(), "OQIM_OIDC_CLIENT_ID=oqim", "OQIM_OIDC_PUBLIC_URL=" + base,
		"OQIM_OIDC_SURFACES=bi,doctor", "OQIM_OIDC_DOCTOR_AUDIENCE=oqim-doctor"})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.RequireAccess(); err != nil {
		t.Fatalf("oidc for both surfaces is not enough for serve: %v", err)
	}
	ref, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	conn, db := migratetest.Database(t, kpitest.Migrations()...)
	cfg.ClickHouse.Database = db
	h, closeRoutes, err := serverRoutes(cfg, &infra{conn: conn}, metrics.NewSet(), ref, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeRoutes(context.Background())
	srv.Config.Handler = h
	srv.Start()
	defer srv.Close()

	call := func(method, path, token string) (int, string) {
		t.Helper()
		return send(t, method, base+path, token, "application/json", `{}`)
	}
	analyst := idp.Mint(map[string]any{"sub": "u-17", "aud": "oqim", "oqim_role": "analyst", "oqim_regions": []string{"UZ-JI"}})
	doctor := idp.Mint(map[string]any{"sub": "u-9", "aud": "oqim-doctor", "oqim_doctor_id": "D-0042"})
	noRegions := idp.Mint(map[string]any{"sub": "u-18", "aud": "oqim", "oqim_role": "analyst"})
	const kpi = "/api/v1/kpi/eservices/electronic?from=2026-01-01&to=2026-02-01&granularity=day"

	for _, c := range []struct {
		what, method, path, token string
		status                    int
		body                      string
	}{
		{"analyst in their region", "GET", kpi + "&region=UZ-JI", analyst, http.StatusOK, `"rows"`},
		{"analyst outside their region", "GET", kpi + "&region=UZ-SA", analyst, http.StatusForbidden, "UZ-SA"},
		{"no credentials", "GET", kpi + "&region=UZ-JI", "", http.StatusUnauthorized, ""},
		{"a doctor's token at the BI", "GET", kpi + "&region=UZ-JI", doctor, http.StatusUnauthorized, "not valid"},
		{"an analyst without regions", "GET", kpi + "&region=UZ-JI", noRegions, http.StatusUnauthorized, "oidc.claims.regions"},
		{"an analyst's token at the doctor API", "POST", "/api/v1/notes", analyst, http.StatusUnauthorized, "not valid"},
		// Past authentication: the empty note is refused for what it lacks.
		{"a doctor at the doctor API", "POST", "/api/v1/notes", doctor, http.StatusBadRequest, ""},
		{"the dashboard's sign-in", "GET", "/auth/bi/session", "", http.StatusOK, `"signed_in":false`},
		{"the workspace's sign-in", "GET", "/auth/doctor/session", "", http.StatusOK, `"login":"/auth/doctor/login"`},
	} {
		status, body := call(c.method, c.path, c.token)
		if status != c.status || !strings.Contains(body, c.body) {
			t.Errorf("%s: %d %.300s; want %d with %q", c.what, status, body, c.status, c.body)
		}
	}
}
