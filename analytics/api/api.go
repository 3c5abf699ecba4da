// Package api serves the Digital Region BI over HTTP: every KPI table of
// package kpi as JSON, CSV, Arrow IPC or Parquet, filtered by region,
// district and period, with each caller's region scope enforced in the
// SQL and every request audited.
package api

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/oqim/oqim/analytics/access"
	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/connectors/httpedge"
)

// Options configure the API.
type Options struct {
	Store *kpi.Store
	// Regions are the valid ISO 3166-2:UZ codes.
	Regions []string
	Logger  *slog.Logger
	Now     func() time.Time
	// Access authenticates callers. Nil, or an Authenticator without keys
	// and JWT secret, leaves the API open: every caller reads nationally.
	Access *access.Authenticator
	// Audit records every request; nil logs the entries with Logger.
	Audit httpedge.Auditor
	// Proxies are the trusted reverse proxies, for the audited address.
	Proxies httpedge.Proxies
	// Other documents the paths other surfaces of the same server serve
	// (the chatbot, the doctor's API, agency ingest), for the one OpenAPI
	// document.
	Other []httpedge.APIDoc
	// MaxQueriesPerCaller bounds the queries one analyst has running at
	// once when access control is on (0: DefaultMaxQueriesPerCaller); the
	// next is a 429. A query may run for minutes, and one key should not
	// hold the store.
	MaxQueriesPerCaller int
	// MaxQueries bounds the queries all callers have running at once
	// when access control is on (0: DefaultMaxQueries); the next is a
	// 429. Without it two analysts within their shares could take every
	// ClickHouse connection for minutes.
	MaxQueries int
}

// DefaultMaxQueriesPerCaller is above the six connections a browser opens
// to one server, so a dashboard loading its panels is never refused.
const DefaultMaxQueriesPerCaller = 8

// DefaultMaxQueries leaves a few of the ClickHouse client's 16
// connections (connectors/clickhouse) to the server's other work: audit
// rows, the chatbot's and the doctor's assistant's tables.
const DefaultMaxQueries = 12

type server struct {
	store   *kpi.Store
	other   []httpedge.APIDoc
	regions map[string]bool
	log     *slog.Logger
	now     func() time.Time
	routes  []route
	// inflight bounds each analyst's running queries; nil when access
	// is off and every caller is the same anonymous reader.
	inflight *httpedge.InFlight
}

// route is a registered method and path, for the OpenAPI document and
// its test.
type route struct {
	method, path string
	table        *kpi.Table // nil for the hand-written endpoints
}

// queryTimeout bounds one KPI request, exports included.
const queryTimeout = 2 * time.Minute

// New returns the handler for /api/v1/kpi/... and /api/openapi.json.
func New(opts Options) http.Handler {
	mux := http.NewServeMux()
	if _, err := newServer(opts, mux); err != nil {
		panic(err) // static routes; a failure is a programming error
	}
	return httpedge.JSONMisses(mux, "/api/")
}

// Mount registers /api/v1/kpi/... and /api/openapi.json on mux, behind
// the edge.
func Mount(mux httpedge.Mux, opts Options) error {
	_, err := newServer(opts, mux)
	return err
}

func newServer(opts Options, mux httpedge.Mux) (*server, error) {
	s := &server{store: opts.Store, other: opts.Other, regions: map[string]bool{}, log: opts.Logger, now: opts.Now}
	for _, r := range opts.Regions {
		s.regions[r] = true
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.Access.Enabled() {
		n := opts.MaxQueriesPerCaller
		if n <= 0 {
			n = DefaultMaxQueriesPerCaller
		}
		total := opts.MaxQueries
		if total <= 0 {
			total = DefaultMaxQueries
		}
		s.inflight = httpedge.NewInFlight(n, total)
	}
	audit := opts.Audit
	if audit == nil {
		audit = access.LogAuditor{Log: s.log}
	}
	routes := []httpedge.Route{
		s.handle("/api/v1/kpi/applications", nil, s.applications),
		s.handle("/api/v1/kpi/chatbot", nil, s.chatbot),
	}
	for _, t := range kpi.Tables() {
		routes = append(routes, s.handle("/api/v1/kpi/"+t.Name, t, s.table(t)))
	}
	edge := httpedge.Options{Auth: opts.Access, Realm: "oqim", Auditor: audit, Proxies: opts.Proxies, Now: s.now}
	if err := httpedge.Mount(mux, edge, routes...); err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	s.routes = append(s.routes, route{method: http.MethodGet, path: "/api/openapi.json"})
	doc, err := json.MarshalIndent(s.openAPI(), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("api: the OpenAPI document: %w", err)
	}
	err = httpedge.Mount(mux, httpedge.Options{}, httpedge.Route{Method: http.MethodGet, Path: "/api/openapi.json", Need: httpedge.Public,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = w.Write(doc)
		})})
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	return s, nil
}

// call is one request in flight: who, and what to audit.
type call struct {
	who   httpedge.Principal
	scope kpi.Scope
	rows  uint64
}

// handle declares a GET endpoint for analysts: the edge authenticates
// and audits it, and h gets the caller's region scope.
func (s *server) handle(path string, t *kpi.Table, h func(http.ResponseWriter, *http.Request, *call)) httpedge.Route {
	s.routes = append(s.routes, route{method: http.MethodGet, path: path, table: t})
	return httpedge.Route{Method: http.MethodGet, Path: path, Need: httpedge.Analyst, Timeout: queryTimeout, InFlight: s.inflight,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, _ := httpedge.PrincipalFrom(r.Context())
			c := &call{who: p, scope: kpi.RegionScope(p.Regions...)}
			if access.IsNational(p) {
				c.scope = kpi.NationalScope()
			}
			h(w, r, c)
			httpedge.SetRows(r.Context(), c.rows)
		})}
}

// ApplicationsResponse is the body of GET /api/v1/kpi/applications.
type ApplicationsResponse struct {
	Region   string            `json:"region"`
	From     time.Time         `json:"from"`
	To       time.Time         `json:"to"`
	ByStatus []kpi.StatusCount `json:"by_status"`
	AsOf     time.Time         `json:"as_of"`
}

func (s *server) applications(w http.ResponseWriter, r *http.Request, c *call) {
	q := r.URL.Query()
	if perr := onlyKnownOnce(q, "applications", []string{"region", "from", "to"}); perr != nil {
		httpedge.WriteError(w, perr.code, httpedge.Error{Field: perr.field, Detail: perr.msg})
		return
	}
	region := q.Get("region")
	if region != "" && !s.regions[region] {
		httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Field: "region", Detail: fmt.Sprintf("%q is not an ISO 3166-2:UZ region code such as UZ-JI", region)})
		return
	}
	if region != "" && !c.scope.Allows(region) {
		httpedge.WriteError(w, http.StatusForbidden, httpedge.Error{Field: "region", Detail: fmt.Sprintf("your access covers %s, not %s", c.scope, region)})
		return
	}
	p, field, err := s.period(q.Get("from"), q.Get("to"))
	if err != nil {
		httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Field: field, Detail: err.Error()})
		return
	}
	counts, err := s.store.Applications(r.Context(), kpi.Filter{Scope: c.scope, Region: region, Period: p})
	if err != nil {
		s.log.Error("kpi query failed", "kpi", "applications", "err", err)
		httpedge.WriteError(w, http.StatusServiceUnavailable, httpedge.Error{Detail: "the analytics store did not answer; try again shortly"})
		return
	}
	name := region
	if name == "" {
		name = "UZ"
		if !c.scope.All() {
			name = (&kpi.Filter{Scope: c.scope}).CountryLabel()
		}
	}
	c.rows = uint64(len(counts))
	httpedge.WriteJSON(w, http.StatusOK, ApplicationsResponse{Region: name, From: p.From, To: p.To, ByStatus: counts, AsOf: s.now().UTC()})
}

// ChatbotResponse is the body of GET /api/v1/kpi/chatbot.
type ChatbotResponse struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	*kpi.ChatbotUsage
	AsOf time.Time `json:"as_of"`
}

func (s *server) chatbot(w http.ResponseWriter, r *http.Request, c *call) {
	if !c.scope.All() {
		httpedge.WriteError(w, http.StatusForbidden, httpedge.Error{Detail: "the chatbot is national and has no regional breakdown; it needs the national role"})
		return
	}
	q := r.URL.Query()
	if perr := onlyKnownOnce(q, "chatbot", []string{"from", "to"}); perr != nil {
		httpedge.WriteError(w, perr.code, httpedge.Error{Field: perr.field, Detail: perr.msg})
		return
	}
	p, field, err := s.period(q.Get("from"), q.Get("to"))
	if err != nil {
		httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Field: field, Detail: err.Error()})
		return
	}
	u, err := s.store.Chatbot(r.Context(), kpi.Filter{Scope: c.scope, Period: p}, 10)
	if err != nil {
		s.log.Error("kpi query failed", "kpi", "chatbot", "err", err)
		httpedge.WriteError(w, http.StatusServiceUnavailable, httpedge.Error{Detail: "the analytics store did not answer; try again shortly"})
		return
	}
	c.rows = 1
	httpedge.WriteJSON(w, http.StatusOK, ChatbotResponse{From: p.From, To: p.To, ChatbotUsage: u, AsOf: s.now().UTC()})
}

// period parses from/to as RFC 3339 times or YYYY-MM-DD dates (UTC
// midnight). Missing bounds default to the last 30 days.
func (s *server) period(from, to string) (kpi.Period, string, error) {
	var p kpi.Period
	var err error
	if to == "" {
		p.To = s.now().UTC()
	} else if p.To, err = parseTime(to); err != nil {
		return p, "to", err
	}
	if from == "" {
		p.From = p.To.AddDate(0, 0, -30)
	} else if p.From, err = parseTime(from); err != nil {
		return p, "from", err
	}
	if !p.From.Before(p.To) {
		return p, "from", fmt.Errorf("from (%s) must be before to (%s)", p.From.Format(time.RFC3339), p.To.Format(time.RFC3339))
	}
	if p.To.Sub(p.From) > maxPeriod {
		return p, "from", fmt.Errorf("the period from %s to %s is longer than %d days", p.From.Format(time.DateOnly), p.To.Format(time.DateOnly), int(maxPeriod.Hours()/24))
	}
	return p, "", nil
}

// maxPeriod bounds one query's period (the decree runs 2025–2026).
const maxPeriod = 3 * 366 * 24 * time.Hour

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time (2025-10-01T00:00:00Z) nor a date (2025-10-01)", s)
}

// ErrorBody is every error response's shape.
type ErrorBody = httpedge.ErrorBody
