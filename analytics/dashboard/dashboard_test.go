package dashboard

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/oqim/oqim/models/region"
)

func serve(t *testing.T, method, path string) (*http.Response, string) {
	t.Helper()
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, httptest.NewRequest(method, path, nil))
	resp := w.Result()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestHandlerPaths(t *testing.T) {
	for _, p := range []string{"/", "/dashboard/"} {
		resp, body := serve(t, "GET", p)
		if resp.StatusCode != 200 || !strings.Contains(body, `src="/dashboard/app.js"`) {
			t.Errorf("GET %s: %d\n%.200s", p, resp.StatusCode, body)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: CSP %q", p, csp)
		}
	}
	for path, ctype := range map[string]string{"/dashboard/app.js": "javascript", "/dashboard/app.css": "text/css", "/dashboard/regions.json": "application/json"} {
		resp, body := serve(t, "GET", path)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), ctype) || len(body) < 100 {
			t.Errorf("GET %s: %d %q, %d bytes", path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", path)
		}
	}
	if resp, _ := serve(t, "GET", "/dashboard"); resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/dashboard/" {
		t.Errorf("GET /dashboard: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, p := range []string{"/dashboard/missing.js", "/other", "/dashboard/../go.mod"} {
		if resp, _ := serve(t, "GET", p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
	if resp, _ := serve(t, "POST", "/"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d", resp.StatusCode)
	}
}

// TestEveryStringIsTranslated checks that the three languages of app.js
// have the same keys, so no label falls back to English unnoticed.
func TestEveryStringIsTranslated(t *testing.T) {
	b, err := assets.ReadFile("assets/app.js")
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	keys := map[string][]string{}
	for _, lang := range []string{"uz", "ru", "en"} {
		start := strings.Index(src, "\n    "+lang+": {\n")
		if start < 0 {
			t.Fatalf("no %s strings", lang)
		}
		end := strings.Index(src[start:], "\n    },\n")
		for _, line := range strings.Split(src[start:start+end], "\n")[2:] {
			for _, part := range strings.Split(line, "', ") {
				part = strings.TrimSpace(part)
				if i := strings.Index(part, ": "); i > 0 && !strings.ContainsAny(part[:i], " '{") {
					keys[lang] = append(keys[lang], part[:i])
				}
			}
		}
		slices.Sort(keys[lang])
	}
	if len(keys["en"]) < 60 {
		t.Fatalf("found only %d English keys: %v", len(keys["en"]), keys["en"])
	}
	for _, lang := range []string{"uz", "ru"} {
		if !slices.Equal(keys[lang], keys["en"]) {
			t.Errorf("%s keys differ from en:\n%v\n%v", lang, keys[lang], keys["en"])
		}
	}
}

func TestRegionsJSON(t *testing.T) {
	_, body := serve(t, "GET", "/dashboard/regions.json")
	var ref Reference
	if err := json.Unmarshal([]byte(body), &ref); err != nil {
		t.Fatal(err)
	}
	data, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	if ref.ViewBox != ViewBox || len(ref.Regions) != len(data.Regions) || len(ref.Regions) != 14 {
		t.Fatalf("view box %q, %d regions", ref.ViewBox, len(ref.Regions))
	}
	for i, r := range ref.Regions {
		if r.ID != data.Regions[i].ID || r.Name["uz"] != data.Regions[i].NameUz || r.Name["ru"] != data.Regions[i].NameRu || r.Name["en"] != data.Regions[i].NameEn {
			t.Errorf("region %d: %+v", i, r)
		}
		if !strings.HasPrefix(r.Path, "M") || !strings.HasSuffix(r.Path, "Z") {
			t.Errorf("%s: path %q", r.ID, r.Path)
		}
		if r.Label[0] <= 0 || r.Label[0] >= mapWidth || r.Label[1] <= 0 || r.Label[1] >= mapHeight {
			t.Errorf("%s: label at %v is off the map", r.ID, r.Label)
		}
	}
}

// TestMapTopology checks the outlines where the eye would: regions that
// border each other share an edge, others do not, and they lie where
// they are (west to east, north to south).
func TestMapTopology(t *testing.T) {
	shared := func(a, b string) int {
		n := 0
		for _, v := range rings[a] {
			if slices.Contains(rings[b], v) {
				n++
			}
		}
		return n
	}
	borders := [][2]string{
		{"UZ-QR", "UZ-XO"}, {"UZ-QR", "UZ-NW"}, {"UZ-QR", "UZ-BU"}, {"UZ-NW", "UZ-BU"}, {"UZ-NW", "UZ-JI"},
		{"UZ-NW", "UZ-SA"}, {"UZ-NW", "UZ-QA"}, {"UZ-BU", "UZ-QA"}, {"UZ-SA", "UZ-QA"}, {"UZ-SA", "UZ-JI"},
		{"UZ-QA", "UZ-SU"}, {"UZ-JI", "UZ-SI"}, {"UZ-SI", "UZ-TO"}, {"UZ-TO", "UZ-NG"}, {"UZ-NG", "UZ-AN"},
		{"UZ-NG", "UZ-FA"}, {"UZ-AN", "UZ-FA"},
	}
	for _, b := range borders {
		if shared(b[0], b[1]) < 2 {
			t.Errorf("%s and %s do not share a border", b[0], b[1])
		}
	}
	for _, b := range [][2]string{{"UZ-QR", "UZ-FA"}, {"UZ-XO", "UZ-NW"}, {"UZ-SU", "UZ-SA"}, {"UZ-TO", "UZ-FA"}, {"UZ-BU", "UZ-SA"}} {
		if shared(b[0], b[1]) >= 2 {
			t.Errorf("%s and %s share a border", b[0], b[1])
		}
	}
	c := map[string][2]float64{}
	for id, s := range Shapes() {
		c[id] = s.Label
	}
	west := func(a, b string) {
		if c[a][0] >= c[b][0] {
			t.Errorf("%s (%v) is not west of %s (%v)", a, c[a], b, c[b])
		}
	}
	north := func(a, b string) {
		if c[a][1] >= c[b][1] {
			t.Errorf("%s (%v) is not north of %s (%v)", a, c[a], b, c[b])
		}
	}
	for _, id := range []string{"UZ-XO", "UZ-NW", "UZ-BU", "UZ-SA", "UZ-TO", "UZ-FA"} {
		west("UZ-QR", id)
	}
	north("UZ-QR", "UZ-XO")
	west("UZ-BU", "UZ-NW")
	west("UZ-NW", "UZ-JI")
	west("UZ-SA", "UZ-JI")
	north("UZ-SA", "UZ-QA")
	north("UZ-QA", "UZ-SU")
	west("UZ-JI", "UZ-SI")
	west("UZ-SI", "UZ-TO")
	west("UZ-TO", "UZ-NG")
	west("UZ-FA", "UZ-AN")
	north("UZ-NG", "UZ-FA")
	for _, id := range []string{"UZ-QR", "UZ-NW", "UZ-BU", "UZ-QA", "UZ-SA", "UZ-JI", "UZ-SI", "UZ-TO", "UZ-XO"} {
		west(id, "UZ-AN")
		north(id, "UZ-SU")
	}
	// Tashkent city is a hole in Tashkent region, inside its bounds.
	sh := Shapes()
	if !strings.Contains(sh["UZ-TO"].Path, sh["UZ-TK"].Path) {
		t.Error("Tashkent region's outline lacks the city as a hole")
	}
}
