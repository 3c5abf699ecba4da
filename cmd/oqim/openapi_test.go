package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/doctorapi"
	"github.com/oqim/oqim/pipelines/sources/httpingest"
)

// routeList is a ServeMux that lists the patterns mounted on it, so a
// test knows what the server routes without a list of its own to drift.
type routeList struct {
	*http.ServeMux
	patterns []string
}

func (l *routeList) Handle(pattern string, h http.Handler) {
	l.patterns = append(l.patterns, pattern)
	l.ServeMux.Handle(pattern, h)
}

// /api/openapi.json documents every route the server mounts under /api/
// with every surface on (BI, chatbot, doctor API, agency ingest), and
// nothing it does not mount; it is well-formed OpenAPI 3.0; and an
// operation is public in the document exactly when the server serves it
// without credentials. Pages, assets, sign-in and probes (outside /api/)
// are not the API.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	conn, db := clinicalDatabase(t)
	cfg := config.Default()
	cfg.ClickHouse.Database = db
	cfg.Access.JWT.Secret = "a-bi-secret-of-at-least-32-bytes!!"
	cfg.Doctor.APIKeys = []doctorapi.APIKey{{DoctorID: "d-1", KeySHA256: httpedge.HashKey("doctor-key")}}
	cfg.HTTPIngest.Agencies = []httpingest.Agency{{Name: "agency", KeySHA256: httpedge.HashKey("agency-key"), Types: []string{"*"}}}
	mux := &routeList{ServeMux: http.NewServeMux()}
	srv := serveOn(t, conn, cfg, mux, mux.ServeMux)

	var doc obj
	code, body := send(t, "GET", srv.URL+"/api/openapi.json", "", "", "")
	if err := json.Unmarshal([]byte(body), &doc); code != http.StatusOK || err != nil {
		t.Fatalf("openapi.json: %d %v", code, err)
	}
	paths, _ := doc["paths"].(obj)

	// A pattern without a method takes every method; the document names
	// those its handler serves.
	mounted := map[string]bool{}
	for _, p := range mux.patterns {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			method, path = "", p
		}
		if !strings.HasPrefix(path, "/api/") {
			continue
		}
		mounted[strings.ToLower(method)+" "+path] = true
		ops, _ := paths[path].(obj)
		if _, ok := ops[strings.ToLower(method)]; !ok && (method != "" || len(operations(ops)) == 0) {
			t.Errorf("%s is mounted and not documented", p)
		}
	}
	// One route of each surface, or the configuration left one off.
	for _, r := range []string{"get /api/v1/kpi/applications", "post /api/v1/chat/sessions", "post /api/v1/notes", "post /api/v1/diagnosis", " /api/v1/ingest"} {
		if !mounted[r] {
			t.Fatalf("%s is not mounted: %v", r, mux.patterns)
		}
	}
	for path, item := range paths {
		for method := range operations(item.(obj)) {
			if !mounted[method+" "+path] && !mounted[" "+path] {
				t.Errorf("%s %s is documented and not mounted", strings.ToUpper(method), path)
			}
		}
	}

	checkOpenAPI(t, doc)

	// Whether a route is public is the edge's business; the document
	// must say the same, or a client sends no credentials and gets 401
	// (or is asked for some it cannot have).
	rootSecurity, _ := doc["security"].([]any)
	param := regexp.MustCompile(`\{[^}]+\}`)
	for path, item := range paths {
		for method, op := range operations(item.(obj)) {
			security, ok := op["security"].([]any)
			if !ok {
				security = rootSecurity
			}
			public := len(security) == 0 || slices.ContainsFunc(security, func(r any) bool { return len(r.(obj)) == 0 })
			code, body := send(t, strings.ToUpper(method), srv.URL+param.ReplaceAllString(path, "x"), "", "application/json", "")
			if public == (code == http.StatusUnauthorized) {
				t.Errorf("%s %s: documented public %v, answers %d without credentials: %.200s", strings.ToUpper(method), path, public, code, body)
			}
		}
	}
}

type obj = map[string]any

// operations are a path item's operations by lower-case method.
func operations(item obj) map[string]obj {
	ops := map[string]obj{}
	for _, m := range []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"} {
		if op, ok := item[m].(obj); ok {
			ops[m] = op
		}
	}
	return ops
}

// checkOpenAPI checks what a client generator relies on in an OpenAPI 3.0
// document, short of the specification's full schema: every $ref
// resolves, every operation has a unique operationId and described
// responses with a success among them, every path parameter is declared
// and every declared one is in the path, and security names only
// defined schemes.
func checkOpenAPI(t *testing.T, doc obj) {
	t.Helper()
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Errorf("openapi is %q, want 3.0.x", doc["openapi"])
	}
	if info, _ := doc["info"].(obj); info["title"] == "" || info["title"] == nil || info["version"] == nil {
		t.Errorf("info lacks title or version: %v", info)
	}
	components, _ := doc["components"].(obj)
	schemas, _ := components["schemas"].(obj)
	schemes, _ := components["securitySchemes"].(obj)
	for name, s := range schemes {
		switch s := s.(obj); s["type"] {
		case "http":
			if s["scheme"] == nil {
				t.Errorf("security scheme %s: http without scheme", name)
			}
		case "apiKey":
			if s["name"] == nil || !slices.Contains([]any{"header", "query", "cookie"}, s["in"]) {
				t.Errorf("security scheme %s: apiKey without name or in", name)
			}
		default:
			t.Errorf("security scheme %s: type %v", name, s["type"])
		}
	}
	checkSecurity := func(where string, v any) {
		reqs, ok := v.([]any)
		if v != nil && !ok {
			t.Errorf("%s: security is not a list", where)
		}
		for _, r := range reqs {
			for name := range r.(obj) {
				if schemes[name] == nil {
					t.Errorf("%s: security names the undefined scheme %s", where, name)
				}
			}
		}
	}
	checkSecurity("root", doc["security"])
	var refs func(where string, v any)
	refs = func(where string, v any) {
		switch v := v.(type) {
		case obj:
			if r, ok := v["$ref"].(string); ok {
				name, local := strings.CutPrefix(r, "#/components/schemas/")
				if !local || schemas[name] == nil {
					t.Errorf("%s: $ref %s does not resolve", where, r)
				}
			}
			for _, x := range v {
				refs(where, x)
			}
		case []any:
			for _, x := range v {
				refs(where, x)
			}
		}
	}
	refs("components", components)
	ids := map[string]string{}
	param := regexp.MustCompile(`\{([^}]+)\}`)
	paths, _ := doc["paths"].(obj)
	for path, item := range paths {
		item := item.(obj)
		var inPath []string
		for _, m := range param.FindAllStringSubmatch(path, -1) {
			inPath = append(inPath, m[1])
		}
		shared, _ := item["parameters"].([]any)
		for method, op := range operations(item) {
			where := strings.ToUpper(method) + " " + path
			refs(where, op)
			checkSecurity(where, op["security"])
			id, _ := op["operationId"].(string)
			if other, dup := ids[id]; id == "" || dup {
				t.Errorf("%s: operationId %q is empty or also %s's", where, id, other)
			}
			ids[id] = where
			own, _ := op["parameters"].([]any)
			declared := map[string]bool{}
			for _, p := range append(slices.Clone(shared), own...) {
				p := p.(obj)
				if !slices.Contains([]any{"query", "header", "path", "cookie"}, p["in"]) || p["name"] == nil || (p["schema"] == nil && p["content"] == nil) {
					t.Errorf("%s: parameter %v lacks name, in or schema", where, p)
				}
				if p["in"] == "path" {
					declared[fmt.Sprint(p["name"])] = true
					if p["required"] != true || !slices.Contains(inPath, fmt.Sprint(p["name"])) {
						t.Errorf("%s: path parameter %v is not required or not in the path", where, p["name"])
					}
				}
			}
			for _, name := range inPath {
				if !declared[name] {
					t.Errorf("%s: {%s} is not declared", where, name)
				}
			}
			if rb, ok := op["requestBody"].(obj); ok {
				if c, _ := rb["content"].(obj); len(c) == 0 {
					t.Errorf("%s: a request body without content", where)
				}
			}
			responses, _ := op["responses"].(obj)
			success := false
			for code, r := range responses {
				if d, _ := r.(obj)["description"].(string); d == "" {
					t.Errorf("%s: response %s has no description", where, code)
				}
				if len(code) != 3 || code[0] < '1' || code[0] > '5' {
					t.Errorf("%s: response code %q", where, code)
				}
				success = success || strings.HasPrefix(code, "2")
			}
			if !success {
				t.Errorf("%s: no success response among %d", where, len(responses))
			}
		}
	}
}
