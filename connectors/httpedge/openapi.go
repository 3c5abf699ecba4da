package httpedge

import "strings"

// The server has one OpenAPI 3.0 document (GET /api/openapi.json, served
// by analytics/api), written in parts: each surface documents its routes
// beside their handlers. These builders give the parts one shape, and
// the error body, which is the edge's, one schema.

// Obj is a JSON object of an OpenAPI document.
type Obj = map[string]any

// APIDoc is a surface's part of the document: its paths, the component
// schemas they refer to and the security schemes they name.
type APIDoc struct {
	Paths, Schemas, SecuritySchemes Obj
}

// ErrorSchemaName is ErrorBody's name among the component schemas.
const ErrorSchemaName = "Error"

// Ref refers to the component schema name.
func Ref(name string) Obj { return Obj{"$ref": "#/components/schemas/" + name} }

// Body is a required request body of one media type.
func Body(mediaType string, schema Obj) Obj {
	return Obj{"required": true, "content": Obj{mediaType: Obj{"schema": schema}}}
}

// JSONBody is a required JSON request body, read as ReadJSON reads it.
func JSONBody(schema Obj) Obj { return Body("application/json", schema) }

// Answer is a response with a JSON body of schema, or no body when
// schema is nil.
func Answer(desc string, schema Obj) Obj {
	if schema == nil {
		return Obj{"description": desc}
	}
	return Obj{"description": desc, "content": Obj{"application/json": Obj{"schema": schema}}}
}

// Fail is an error response: ErrorBody, saying desc.
func Fail(desc string) Obj { return Answer(desc, Ref(ErrorSchemaName)) }

// PathParam is a required path parameter.
func PathParam(name, desc string, schema Obj) Obj {
	return Obj{"name": name, "in": "path", "required": true, "description": desc, "schema": schema}
}

// Security is an operation's security requirement: any one of schemes.
// Without schemes it is public, as a Public route is.
func Security(schemes ...string) []any {
	out := []any{}
	for _, s := range schemes {
		out = append(out, Obj{s: []any{}})
	}
	return out
}

// CredentialSchemes document Credentials, which take a credential in
// Authorization: Bearer or in X-API-Key: the two schemes, named bearer
// and apiKey, and the security that takes either.
func CredentialSchemes(bearer, apiKey, desc string) (Obj, []any) {
	return Obj{
		bearer: Obj{"type": "http", "scheme": "bearer", "description": desc},
		apiKey: Obj{"type": "apiKey", "in": "header", "name": "X-API-Key", "description": desc},
	}, Security(bearer, apiKey)
}

// Refused are the answers of the edge to a caller a route that needs
// kind does not serve, before its handler runs. Each surface verifies only
// its own kind of credential, so another surface's is no credential here
// (401); a surface whose routes can refuse a valid caller (a region out of
// scope) documents its 403 itself.
func Refused(kind Kind) Obj {
	return Obj{
		"401": Fail("no valid " + string(kind) + " credential was sent; another surface's key or token is none here, since each surface verifies only its own; WWW-Authenticate names the scheme (Bearer)"),
	}
}

// Common is what every operation of a surface shares, as the edge gives
// it to each of the surface's routes.
type Common struct {
	Tag       string
	Security  []any
	Responses Obj
}

// Apply gives each operation of paths what it does not state itself: the
// tag, the security and each of the responses. It returns paths.
func (c Common) Apply(paths Obj) Obj {
	for _, item := range paths {
		for key, v := range item.(Obj) {
			op, isOp := v.(Obj)
			if !isOp || key == "parameters" {
				continue
			}
			if _, ok := op["tags"]; !ok && c.Tag != "" {
				op["tags"] = []any{c.Tag}
			}
			if _, ok := op["security"]; !ok && c.Security != nil {
				op["security"] = c.Security
			}
			rs, _ := op["responses"].(Obj)
			if rs == nil {
				rs = Obj{}
				op["responses"] = rs
			}
			for code, r := range c.Responses {
				if _, ok := rs[code]; !ok {
					rs[code] = r
				}
			}
		}
	}
	return paths
}

// reasons are the edge's own, for the error schema.
var reasons = []string{ReasonInvalid, ReasonDuplicateKey, ReasonUnauthorized, ReasonForbidden, ReasonNotFound, ReasonMethod,
	ReasonTooLarge, ReasonUnsupported, ReasonRateLimited, ReasonInternal, ReasonUpstream, ReasonUnavailable, ReasonTimeout}

// ErrorSchema documents ErrorBody.
func ErrorSchema() Obj {
	e := Obj{"type": "object", "required": []any{"reason", "detail"}, "properties": Obj{
		"line":   Obj{"type": "integer", "minimum": 1, "description": "the line of a multi-line body (NDJSON) at fault"},
		"field":  Obj{"type": "string", "description": "the parameter, form field or JSON field at fault, when one is (such as region, text, evidence[0].id)"},
		"reason": Obj{"type": "string", "description": "a stable code: " + strings.Join(reasons, ", ") + ", or one a route documents"},
		"detail": Obj{"type": "string", "description": "what to change, for people"}}}
	return Obj{"type": "object", "required": []any{"error"}, "properties": Obj{
		"error":   e,
		"errors":  Obj{"type": "array", "items": e, "description": "every problem of the request, when a route reports several (the lines of an NDJSON body); error is the first"},
		"omitted": Obj{"type": "integer", "description": "problems left out of errors"}}}
}
