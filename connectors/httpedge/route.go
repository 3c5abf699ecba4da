package httpedge

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Public is the Need of a route anyone may call without credentials (the
// citizens' chatbot, the dashboard's assets, health checks). It is
// declared, never implied: a route without a Need does not mount.
const Public Kind = "public"

// Defaults of a Route's zero limits.
const (
	DefaultMaxBody = 1 << 20
	DefaultTimeout = 30 * time.Second
	// NoLimit as a Route's MaxBody or Timeout turns that limit off.
	NoLimit = -1
)

// writeGrace is how long after its time limit a route may still write
// its answer (the error saying it ran out of time, say).
const writeGrace = 5 * time.Second

// Route is one endpoint and what the edge enforces before its handler runs.
type Route struct {
	// Method and Path form the ServeMux pattern ("GET", "/api/v1/x/{id}");
	// an empty Method matches every method.
	Method, Path string
	// Need is Public or the kind of principal the route serves; a
	// principal of another kind gets 403.
	Need Kind
	// MaxBody bounds the request body in bytes (default DefaultMaxBody);
	// larger is 413.
	MaxBody int64
	// Timeout bounds the request: its context ends then, and the
	// connection's read and write deadlines follow it (default
	// DefaultTimeout).
	Timeout time.Duration
	// Stream marks a long-lived response (server-sent events): the
	// server's write timeout is lifted for it and Timeout only ends its
	// context.
	Stream bool
	// RateLimit, when set, spends a token per request, keyed by RateKey,
	// or else by the principal, or on public routes by the client address.
	RateLimit *Limiter
	RateKey   func(*http.Request) string
	// InFlight, when set, bounds the requests a principal has running at
	// once on the routes that share it; the next gets 429.
	InFlight *InFlight
	Handler  http.Handler
}

// Options are a surface's edge settings, shared by the routes it mounts.
type Options struct {
	// Auth authenticates non-public routes.
	Auth Authenticator
	// Realm names the surface in WWW-Authenticate.
	Realm string
	// Auditor, when set, sees every request of these routes.
	Auditor Auditor
	// Proxies are the trusted reverse proxies (see ClientAddr).
	Proxies Proxies
	// Now is the clock for audit records; nil means time.Now.
	Now func() time.Time
}

// Mux is what Mount registers routes on: an *http.ServeMux, or one
// wrapped to keep the list of what was mounted (the server's test that
// its OpenAPI document names every route does).
type Mux interface {
	Handle(pattern string, handler http.Handler)
}

// Mount registers the routes on mux behind the edge. It refuses a route
// that does not say who may call it, or that needs credentials when opts
// has no authenticator.
func Mount(mux Mux, opts Options, routes ...Route) error {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	for _, rt := range routes {
		if rt.Need == "" {
			return fmt.Errorf("httpedge: route %s %s: Need is empty; say who may call it (Public or a Kind)", rt.Method, rt.Path)
		}
		if rt.Need != Public && opts.Auth == nil {
			return fmt.Errorf("httpedge: route %s %s needs %s principals, and no Authenticator is configured", rt.Method, rt.Path, rt.Need)
		}
		if rt.Handler == nil {
			return fmt.Errorf("httpedge: route %s %s has no handler", rt.Method, rt.Path)
		}
		if rt.MaxBody == 0 {
			rt.MaxBody = DefaultMaxBody
		}
		if rt.Timeout == 0 {
			rt.Timeout = DefaultTimeout
		}
		pattern := rt.Path
		if rt.Method != "" {
			pattern = rt.Method + " " + rt.Path
		}
		mux.Handle(pattern, &edge{route: rt, opts: opts})
	}
	return nil
}

// edge serves one route.
type edge struct {
	route Route
	opts  Options
}

func (e *edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := e.opts.Now()
	r, x := withExchange(r)
	rec := record(w)
	// Every answer is for its caller unless its handler says otherwise
	// (the dashboard's static files do): a shared cache keyed by the URL
	// would otherwise hand one principal's rows to another, and the
	// Authorization rule of RFC 9111 §3.5 does not cover X-API-Key or a
	// session cookie.
	h := rec.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if e.opts.Auditor != nil {
		defer func() {
			e.opts.Auditor.Audit(r.Context(), Audit{Time: start.UTC(), Principal: x.principal, Method: r.Method,
				Route: e.route.Path, Path: r.URL.Path, Query: truncate(r.URL.RawQuery, MaxAuditQuery),
				Status: rec.Status(), Duration: e.opts.Now().Sub(start), Rows: x.rows, Remote: e.opts.Proxies.ClientAddr(r)})
		}()
	}
	p := Principal{}
	if e.route.Need != Public {
		var err error
		if p, err = e.opts.Auth.Authenticate(r); err != nil {
			e.unauthorized(rec, err)
			return
		}
		if p.Kind != e.route.Need {
			x.principal = p
			WriteError(rec, http.StatusForbidden, Error{Detail: fmt.Sprintf("this endpoint serves %s credentials, not %s ones", e.route.Need, kindName(p.Kind))})
			return
		}
	}
	x.principal = p
	if !e.allow(rec, r, p) {
		return
	}
	// r.URL.Query drops a pair it cannot decode (a bad %-escape, a ';'),
	// so a handler would answer as if that filter had not been given and
	// widen the query; every route refuses such a query instead.
	if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
		WriteError(rec, http.StatusBadRequest, Error{Field: "query", Reason: ReasonInvalid, Detail: fmt.Sprintf("the query string is malformed (%v); percent-encode %%, ; and other reserved characters", err)})
		return
	}
	if f := e.route.InFlight; f != nil && p.Kind != Anonymous {
		key := callerKey(p)
		if err := f.Enter(key); err != nil {
			rec.Header().Set("Retry-After", "1")
			detail := fmt.Sprintf("%d requests of yours are still running; retry when one has finished", f.PerKey())
			if errors.Is(err, ErrAllBusy) {
				detail = "the server is at its bound of running requests; retry shortly"
			}
			WriteError(rec, http.StatusTooManyRequests, Error{Detail: detail})
			return
		}
		defer f.Leave(key)
	}
	// Only now, for a caller the route serves, may the connection's
	// deadlines stretch to the route's.
	e.deadlines(rec)
	if limit := e.route.MaxBody; limit > 0 {
		if r.ContentLength > limit {
			// Refused before reading: the server then closes the
			// connection rather than drain the body.
			WriteError(rec, http.StatusRequestEntityTooLarge, Error{Detail: fmt.Sprintf("the body is %d bytes; the limit is %d", r.ContentLength, limit)})
			return
		}
		r.Body = http.MaxBytesReader(rec, r.Body, limit)
	}
	ctx := WithPrincipal(r.Context(), p)
	if e.route.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.route.Timeout)
		defer cancel()
	}
	e.route.Handler.ServeHTTP(rec, r.WithContext(ctx))
}

// deadlines fit the connection's deadlines to the route: a stream has no
// write deadline, and a route may take longer (an upload) or shorter
// than the server's defaults. Recorders in tests cannot set deadlines;
// nothing is lost then.
func (e *edge) deadlines(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	now := time.Now()
	switch {
	case e.route.Stream:
		_ = rc.SetWriteDeadline(time.Time{})
	case e.route.Timeout > 0:
		_ = rc.SetReadDeadline(now.Add(e.route.Timeout))
		_ = rc.SetWriteDeadline(now.Add(e.route.Timeout + writeGrace))
	}
}

func (e *edge) unauthorized(w http.ResponseWriter, err error) {
	realm := e.opts.Realm
	if realm == "" {
		realm = "oqim"
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
	detail := "send Authorization: Bearer <API key or token>, or X-API-Key: <key>"
	var ce *ClaimError
	switch {
	case errors.As(err, &ce):
		detail = "the token is genuine but cannot be used here: " + ce.Error()
	case !errors.Is(err, ErrNoCredentials):
		detail = "the API key or token is not valid"
	}
	WriteError(w, http.StatusUnauthorized, Error{Detail: detail})
}

// allow spends the request's rate-limit token, or answers 429.
func (e *edge) allow(w http.ResponseWriter, r *http.Request, p Principal) bool {
	l := e.route.RateLimit
	if l == nil {
		return true
	}
	lim := l.LimitOf(p)
	var key string
	switch {
	case e.route.RateKey != nil:
		key = e.route.RateKey(r)
	case p.Kind != Anonymous:
		key = callerKey(p)
	default:
		key = e.opts.Proxies.RateKey(r)
	}
	ok, wait := l.allow(key, lim)
	if ok {
		return true
	}
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	WriteError(w, http.StatusTooManyRequests, Error{Detail: fmt.Sprintf("rate limit of %g requests a minute reached; retry in %d s", lim.Rate*60, secs)})
	return false
}

// callerKey names p in the edge's per-caller bounds.
func callerKey(p Principal) string { return "principal:" + string(p.Kind) + ":" + p.ID }

func kindName(k Kind) string {
	if k == Anonymous {
		return "anonymous"
	}
	return string(k)
}

// IsTooLarge reports whether err comes from reading past a route's
// MaxBody; the handler then answers 413.
func IsTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// JSONMisses answers the requests under prefix that mux has no route for
// with the one JSON error body, as every route's own errors are: 404 for
// a path nothing serves, 405 with Allow for a path served under other
// methods. Other requests, and everything outside prefix, go to mux.
func JSONMisses(mux *http.ServeMux, prefix string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The prefix first: every other request (the dashboard's files,
		// the widget) goes straight to the mux, not matched twice.
		if !strings.HasPrefix(r.URL.Path, prefix) {
			mux.ServeHTTP(w, r)
			return
		}
		if h, pattern := mux.Handler(r); pattern == "" {
			// The mux's own answer says which miss it is (and, for a
			// 405, which methods the path takes); only its status and
			// Allow are kept. Anything else (the redirect to a cleaned
			// path) is the mux's to send.
			miss := &missRecorder{header: http.Header{}}
			h.ServeHTTP(miss, r)
			if miss.code != 0 && miss.code != http.StatusNotFound && miss.code != http.StatusMethodNotAllowed {
				mux.ServeHTTP(w, r)
				return
			}
			if allow := miss.header.Get("Allow"); allow != "" {
				w.Header().Set("Allow", allow)
			}
			detail := fmt.Sprintf("no endpoint %s; see /api/openapi.json", r.URL.Path)
			if miss.code == http.StatusMethodNotAllowed {
				detail = fmt.Sprintf("%s does not take %s; it takes %s", r.URL.Path, r.Method, miss.header.Get("Allow"))
			}
			WriteError(w, cmp.Or(miss.code, http.StatusNotFound), Error{Detail: detail})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// missRecorder keeps the status and headers of the mux's plain-text miss.
type missRecorder struct {
	header http.Header
	code   int
}

func (m *missRecorder) Header() http.Header         { return m.header }
func (m *missRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (m *missRecorder) WriteHeader(code int)        { m.code = code }
