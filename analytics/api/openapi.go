package api

import (
	"strings"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/connectors/httpedge"
)

// obj is a JSON object of the OpenAPI document.
type obj = httpedge.Obj

// openAPI describes every registered route: the KPI tables from their
// column and parameter definitions, the two block endpoints by hand.
func (s *server) openAPI() obj {
	paths := obj{}
	common := obj{
		"400": httpedge.Fail("a parameter is invalid; error.field names it"),
		"401": httpedge.Fail("access control is on and no valid API key or token was sent"),
		"403": httpedge.Fail("the region asked for is outside the caller's scope, or the KPI is national"),
		"429": httpedge.Fail("access control is on and the caller, or all callers, have as many queries running as allowed; Retry-After says when to try again"),
		"503": httpedge.Fail("the analytics store did not answer"),
	}
	withCommon := func(ok obj) obj {
		out := obj{"200": ok}
		for k, v := range common {
			out[k] = v
		}
		return out
	}
	toParam := func(p param) obj {
		sc := obj{"type": p.typ}
		if len(p.enum) > 0 {
			sc["enum"] = p.enum
		}
		if p.max > 0 {
			sc["minimum"], sc["maximum"] = p.min, p.max
		}
		return obj{"name": p.name, "in": "query", "required": false, "description": p.doc, "schema": sc}
	}
	for _, rt := range s.routes {
		if rt.path == "/api/openapi.json" {
			paths[rt.path] = obj{"get": obj{"summary": "This document", "operationId": "openapi", "security": []any{},
				"responses": obj{"200": obj{"description": "OpenAPI 3 document", "content": obj{"application/json": obj{"schema": obj{"type": "object"}}}}}}}
			continue
		}
		t := rt.table
		if t == nil {
			paths[rt.path] = s.blockOp(rt.path, toParam, withCommon)
			continue
		}
		props := obj{}
		for _, c := range t.Columns {
			sc := obj{"type": typeNames[c.Type], "description": c.Doc}
			if c.Type == kpi.Date {
				sc = obj{"type": "string", "format": "date", "nullable": true, "description": c.Doc}
			}
			props[c.Name] = sc
		}
		var ps []any
		for _, p := range params(t) {
			ps = append(ps, toParam(p))
		}
		desc := t.Doc
		if t.National {
			desc += " Needs the national role."
		}
		paths[rt.path] = obj{"get": obj{
			"summary": t.Title, "description": desc, "operationId": opID(t.Name), "parameters": ps,
			"responses": withCommon(obj{
				"description": "the table: JSON with metadata and rows, or a CSV, Arrow IPC stream or Parquet download (format)",
				"content": obj{
					"application/json": obj{"schema": obj{"allOf": []any{
						obj{"$ref": "#/components/schemas/TableMeta"},
						obj{"type": "object", "properties": obj{"rows": obj{"type": "array", "items": obj{"type": "object", "properties": props}}}},
					}}},
					"text/csv":                            obj{"schema": obj{"type": "string"}},
					"application/vnd.apache.arrow.stream": obj{"schema": obj{"type": "string", "format": "binary"}},
					"application/vnd.apache.parquet":      obj{"schema": obj{"type": "string", "format": "binary"}},
				},
			}),
		}}
	}
	schemas := obj{
		httpedge.ErrorSchemaName: httpedge.ErrorSchema(),
		"TableMeta": obj{"type": "object", "properties": obj{
			"kpi": obj{"type": "string"}, "title": obj{"type": "string"}, "region": obj{"type": "string"}, "district": obj{"type": "string"},
			"level": obj{"type": "string"}, "granularity": obj{"type": "string"}, "from": obj{"type": "string", "format": "date-time"},
			"to": obj{"type": "string", "format": "date-time"}, "scope": obj{"type": "string", "description": "* for national, else the regions"},
			"targets": obj{"type": "array", "items": obj{"type": "object"}}, "regional_plans": obj{"type": "object"},
			"columns": obj{"type": "array", "items": obj{"type": "object"}}, "row_count": obj{"type": "integer"},
			"as_of": obj{"type": "string", "format": "date-time"}}},
	}
	security, analyst := httpedge.CredentialSchemes("bearer", "apiKey",
		"an analyst's API key, or an HS256 JWT with claims sub, role (analyst, regional_admin, national), regions and exp")
	// Other surfaces' parts are published as they document them; the
	// BI's own names, then the first surface's, win a clash.
	for _, o := range s.other {
		for _, m := range [][2]obj{{paths, o.Paths}, {schemas, o.Schemas}, {security, o.SecuritySchemes}} {
			for k, v := range m[1] {
				if _, ok := m[0][k]; !ok {
					m[0][k] = v
				}
			}
		}
	}
	return obj{
		"openapi": "3.0.3",
		"info": obj{"title": "Oqim", "version": "1",
			"description": "The API of oqim serve. The Digital Region BI (/api/v1/kpi): KPIs of Decree PQ-286 per region, district and period, beside the decree's targets; each analyst reads only the regions of their scope, applied in the database query, and every request is audited. The Single Portal chatbot (/api/v1/chat): public, rate limited per client. The doctor's assistant (/api/v1/transcriptions, /api/v1/notes, /api/v1/diagnosis, /api/v1/clinical-notes): doctors' keys or tokens only, every access to patient data audited. Agency ingest (/api/v1/ingest): NDJSON events under each agency's key. Each kind of credential opens its own surface only: each surface verifies its own keys and tokens, so another surface's is refused as no credential (401). Every error is the one body of the Error schema."},
		"servers":  []any{obj{"url": "/"}},
		"security": analyst,
		"paths":    paths,
		"components": obj{
			"securitySchemes": security,
			"schemas":         schemas,
		},
	}
}

// blockOp documents the two endpoints that predate the tables.
func (s *server) blockOp(path string, toParam func(param) obj, withCommon func(obj) obj) obj {
	ps := []any{toParam(paramRegion), toParam(paramFrom), toParam(paramTo)}
	summary, desc := "Applications per lifecycle status", "Applications that reached each status in the period, every status present in lifecycle order."
	props := obj{"region": obj{"type": "string"}, "from": obj{"type": "string", "format": "date-time"}, "to": obj{"type": "string", "format": "date-time"},
		"by_status": obj{"type": "array", "items": obj{"type": "object", "properties": obj{"status": obj{"type": "string"}, "count": obj{"type": "integer"}}}},
		"as_of":     obj{"type": "string", "format": "date-time"}}
	if strings.HasSuffix(path, "/chatbot") {
		ps = ps[1:]
		summary, desc = "Portal chatbot usage", "Questions per day and language, resolution and handoff rates, feedback and top unanswered questions. Needs the national role."
		props = obj{"questions": obj{"type": "integer"}, "resolution_rate": obj{"type": "number"}, "handoff_rate": obj{"type": "number"},
			"unanswered": obj{"type": "integer"}, "thumbs_up": obj{"type": "integer"}, "thumbs_down": obj{"type": "integer"},
			"questions_per_day": obj{"type": "array", "items": obj{"type": "object"}}, "top_unanswered": obj{"type": "array", "items": obj{"type": "object"}}}
	}
	return obj{"get": obj{"summary": summary, "description": desc, "operationId": opID(strings.TrimPrefix(path, "/api/v1/kpi/")), "parameters": ps,
		"responses": withCommon(obj{"description": summary, "content": obj{"application/json": obj{"schema": obj{"type": "object", "properties": props}}}})}}
}

func opID(name string) string { return strings.ReplaceAll(name, "/", "_") }
