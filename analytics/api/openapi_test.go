package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/connectors/httpedge"
)

// Every registered route is documented, and every documented path is
// routed by the handler New returns.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	mux := http.NewServeMux()
	s, err := newServer(Options{Store: kpi.NewStore(nil, "db"), Regions: []string{"UZ-JI"}}, mux)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/api/openapi.json", nil))
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json: %v, version %q", err, doc.OpenAPI)
	}
	var routed []string
	for _, r := range s.routes {
		routed = append(routed, r.path)
		if _, ok := doc.Paths[r.path][strings.ToLower(r.method)]; !ok {
			t.Errorf("route %s %s is not documented", r.method, r.path)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			req := httptest.NewRequest(strings.ToUpper(method), path, nil)
			if _, pattern := mux.Handler(req); pattern == "" || !slices.Contains(routed, path) {
				t.Errorf("documented %s %s is not routed", method, path)
			}
		}
	}
	if len(doc.Paths) != len(s.routes) || len(doc.Paths) < len(kpi.Tables())+3 {
		t.Errorf("%d documented paths, %d routes, %d tables", len(doc.Paths), len(s.routes), len(kpi.Tables()))
	}
	// Every table parameter that the filter accepts is documented.
	for _, tb := range kpi.Tables() {
		for _, u := range tb.Uses {
			if _, ok := optional[u]; !ok {
				t.Errorf("%s uses undocumented parameter %s", tb.Name, u)
			}
		}
	}
}

// Paths another surface documents are published beside the BI's, and
// cannot replace them.
func TestOpenAPIPublishesOtherSurfaces(t *testing.T) {
	other := []httpedge.APIDoc{{
		Paths:           obj{"/api/v1/clinical-notes": obj{"post": obj{"summary": "other"}}, "/api/openapi.json": obj{"get": obj{"summary": "hijack"}}},
		Schemas:         obj{"ClinicalNote": obj{"type": "object"}, "Error": obj{"type": "string"}},
		SecuritySchemes: obj{"doctorBearer": obj{"type": "http"}},
	}, {
		Paths: obj{"/api/v1/chat/sessions": obj{"post": obj{"summary": "chat"}}},
	}}
	mux := http.NewServeMux()
	if _, err := newServer(Options{Store: kpi.NewStore(nil, "db"), Regions: []string{"UZ-JI"}, Other: other}, mux); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/api/openapi.json", nil))
	body := rec.Body.String()
	for _, want := range []string{`"/api/v1/clinical-notes"`, `"ClinicalNote"`, `"doctorBearer"`, `"This document"`, `"/api/v1/chat/sessions"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the document lacks %s", want)
		}
	}
	if strings.Contains(body, "hijack") || strings.Contains(body, `"Error": {
        "type": "string"`) {
		t.Error("another surface replaced the BI's own path or schema")
	}
}
