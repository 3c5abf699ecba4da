package workspace

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The page and its assets are served with a CSP that keeps it on its own
// origin, and nothing in them loads from outside (the demo works offline).
func TestServesPageOffline(t *testing.T) {
	h := Handler()
	for _, p := range []string{"/doctor/", "/doctor/app.js", "/doctor/style.css"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d", p, rec.Code)
		}
		if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("%s: no self-only CSP", p)
		}
		if strings.Contains(rec.Body.String(), "http://") || strings.Contains(rec.Body.String(), "https://") {
			t.Errorf("%s: refers to an outside address", p)
		}
		if strings.Contains(rec.Body.String(), "innerHTML") {
			t.Errorf("%s: uses innerHTML; text must go in through textContent", p)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/doctor", nil))
	if rec.Code != http.StatusMovedPermanently {
		t.Errorf("/doctor: status %d, want redirect", rec.Code)
	}
}
