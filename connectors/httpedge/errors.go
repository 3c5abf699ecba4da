package httpedge

import (
	"encoding/json"
	"net/http"
)

// Error is one problem with a request, as every Oqim surface reports it.
type Error struct {
	// Line locates the problem in a multi-line body (NDJSON), from 1.
	Line int `json:"line,omitempty"`
	// Field names the parameter, form field or JSON field at fault.
	Field string `json:"field,omitempty"`
	// Reason is a stable machine-readable code such as too_large; empty
	// takes the status's default (see ReasonFor).
	Reason string `json:"reason"`
	// Detail tells a person what to change.
	Detail string `json:"detail"`
}

// ErrorBody is the body of every error response:
//
//	{"error":{"field":"region","reason":"invalid_value","detail":"..."}}
//
// A request with several problems (the lines of an NDJSON body) lists all
// of them in Errors, Error being the first, and counts those left out.
type ErrorBody struct {
	Error   Error   `json:"error"`
	Errors  []Error `json:"errors,omitempty"`
	Omitted int     `json:"omitted,omitempty"`
}

// Reasons the edge uses, and the defaults by status.
const (
	ReasonInvalid      = "invalid_value"
	ReasonUnauthorized = "unauthorized"
	ReasonForbidden    = "forbidden"
	ReasonNotFound     = "not_found"
	ReasonMethod       = "method_not_allowed"
	ReasonTooLarge     = "too_large"
	ReasonUnsupported  = "unsupported_media_type"
	ReasonRateLimited  = "rate_limited"
	ReasonInternal     = "internal"
	ReasonUpstream     = "upstream_failed"
	ReasonUnavailable  = "unavailable"
	ReasonTimeout      = "timeout"
)

// ReasonFor is the reason of an Error sent with status and no reason of
// its own.
func ReasonFor(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return ReasonUnauthorized
	case http.StatusForbidden:
		return ReasonForbidden
	case http.StatusNotFound:
		return ReasonNotFound
	case http.StatusMethodNotAllowed:
		return ReasonMethod
	case http.StatusRequestEntityTooLarge:
		return ReasonTooLarge
	case http.StatusUnsupportedMediaType:
		return ReasonUnsupported
	case http.StatusTooManyRequests:
		return ReasonRateLimited
	case http.StatusBadGateway:
		return ReasonUpstream
	case http.StatusServiceUnavailable:
		return ReasonUnavailable
	case http.StatusGatewayTimeout:
		return ReasonTimeout
	}
	if status >= 500 {
		return ReasonInternal
	}
	return ReasonInvalid
}

// WriteError answers with status and the one error body.
func WriteError(w http.ResponseWriter, status int, e Error) {
	if e.Reason == "" {
		e.Reason = ReasonFor(status)
	}
	WriteJSON(w, status, ErrorBody{Error: e})
}

// WriteErrors answers with status and every problem of the request, up to
// the caller's bound; omitted counts those left out. errs must not be
// empty.
func WriteErrors(w http.ResponseWriter, status int, errs []Error, omitted int) {
	for i := range errs {
		if errs[i].Reason == "" {
			errs[i].Reason = ReasonFor(status)
		}
	}
	WriteJSON(w, status, ErrorBody{Error: errs[0], Errors: errs, Omitted: omitted})
}

// WriteJSON answers with status and v as JSON. Responses are never
// cached by shared caches: every API answer is for its caller only.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do then
}
