// Package dashboard serves the Digital Region dashboard: a page for the
// regional analysts of the situation room with a map of the 14 regions
// coloured by a chosen KPI, a drill-down per region with time series
// against the decree's targets and plans, and a table behind every chart.
//
// The page is plain JavaScript, CSS and SVG embedded in the binary (no
// build step, no CDN); it reads the KPIs from /api/v1/kpi/... in the
// browser, so the API's access control, region scopes and audit apply to
// it as to any other client. Handler serves:
//
//	/                         the page
//	/dashboard/               the same page
//	/dashboard/app.js, app.css
//	/dashboard/regions.json   region names (uz, ru, en), plans and outlines
package dashboard

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strings"

	"github.com/oqim/oqim/models/region"
)

//go:embed assets
var assets embed.FS

// Region is one entry of /dashboard/regions.json.
type Region struct {
	ID   string            `json:"id"`
	Name map[string]string `json:"name"` // uz (Latin), ru, en
	// Telecom plans of Annex 1.
	FibreKm2025  int `json:"fibre_km_2025"`
	FibreKm2026  int `json:"fibre_km_2026"`
	Stations2025 int `json:"base_stations_2025"`
	Stations2026 int `json:"base_stations_2026"`
	Shape
}

// Reference is the body of /dashboard/regions.json.
type Reference struct {
	ViewBox string   `json:"view_box"`
	Regions []Region `json:"regions"`
}

// NewReference joins the reference data's regions with their outlines,
// in the reference data's order.
func NewReference(ref *region.Data) Reference {
	shapes := Shapes()
	out := Reference{ViewBox: ViewBox}
	for _, r := range ref.Regions {
		out.Regions = append(out.Regions, Region{
			ID:          r.ID,
			Name:        map[string]string{"uz": r.NameUz, "ru": r.NameRu, "en": r.NameEn},
			FibreKm2025: r.FibreKm2025, FibreKm2026: r.FibreKm2026,
			Stations2025: r.Stations2025, Stations2026: r.Stations2026,
			Shape: shapes[r.ID],
		})
	}
	return out
}

// Handler serves the page at / and /dashboard/, and its assets under
// /dashboard/. Mount it for "GET /{$}" and "GET /dashboard/".
func Handler() http.Handler {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	ref, err := region.Load()
	if err != nil {
		panic(err) // embedded reference data; its own tests check it
	}
	regions, err := json.Marshal(NewReference(ref))
	if err != nil {
		panic(err)
	}
	page, err := fs.ReadFile(sub, "index.html")
	if err != nil {
		panic(err)
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		switch p := r.URL.Path; {
		case p == "/" || p == "/dashboard/" || p == "/dashboard/index.html":
			// The page loads only its own files and talks only to its
			// own origin; it may not be framed.
			h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("Cache-Control", "no-cache")
			h.Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(page)
		case p == "/dashboard":
			http.Redirect(w, r, "/dashboard/", http.StatusMovedPermanently)
		case p == "/dashboard/regions.json":
			h.Set("Content-Type", "application/json; charset=utf-8")
			h.Set("Cache-Control", "public, max-age=3600")
			_, _ = w.Write(regions)
		case strings.HasPrefix(p, "/dashboard/"):
			h.Set("Cache-Control", "no-cache")
			r2 := r.Clone(r.Context())
			r2.URL.Path = strings.TrimPrefix(p, "/dashboard")
			files.ServeHTTP(w, r2)
		default:
			http.NotFound(w, r)
		}
	})
}
