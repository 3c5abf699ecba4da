package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/oqim/oqim/analytics/access"
	"github.com/oqim/oqim/analytics/api"
	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/analytics/kpi/kpitest"
)

// TestTableAnswersAreNeverCached: every KPI answer is for its caller
// only (a national reader's rows are not a regional analyst's), so, like
// /applications and every error, each table's answer, in every format,
// says Cache-Control: no-store and nosniff. Without it a shared cache
// keyed by URL (a proxy that caches 200s heuristically; X-API-Key and
// cookies are not the Authorization header RFC 9111 §3.5 protects) can
// hand one principal's rows to another, or to no principal at all.
func TestTableAnswersAreNeverCached(t *testing.T) {
	e := kpitest.Load(t, kpitest.Options{Applications: 300})
	auth, err := access.New(access.Config{Keys: []access.Key{
		{Name: "statistics-agency", SHA256: access.HashKey("national-key"), Role: access.National},
	}}, e.Ref.RegionIDs())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Store: e.Store, Regions: e.Ref.RegionIDs(), Access: auth}))
	defer srv.Close()
	fx := &fixture{url: srv.URL}
	paths := []string{"/api/v1/kpi/applications"}
	for _, tb := range kpi.Tables() {
		for _, f := range []string{"json", "csv", "arrow", "parquet"} {
			paths = append(paths, "/api/v1/kpi/"+tb.Name+"?format="+f)
		}
	}
	for _, p := range paths {
		code, h, b := fx.get(t, "national-key", p)
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", p, code, b)
		}
		if got := h.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", p, got)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q, want nosniff", p, got)
		}
	}
}
