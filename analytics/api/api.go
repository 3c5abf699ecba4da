// Package api serves the Digital Region BI over HTTP as JSON.
package api

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/oqim/oqim/analytics/kpi"
)

// Options configure the API.
type Options struct {
	Store *kpi.Store
	// Regions are the valid ISO 3166-2:UZ codes.
	Regions []string
	Logger  *slog.Logger
	Now     func() time.Time
}

type server struct {
	store   *kpi.Store
	regions map[string]bool
	log     *slog.Logger
	now     func() time.Time
}

// New returns the handler for /api/v1/kpi/...
func New(opts Options) http.Handler {
	s := &server{store: opts.Store, regions: map[string]bool{}, log: opts.Logger, now: opts.Now}
	for _, r := range opts.Regions {
		s.regions[r] = true
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/kpi/applications", s.applications)
	mux.HandleFunc("GET /api/v1/kpi/chatbot", s.chatbot)
	return mux
}

// ApplicationsResponse is the body of GET /api/v1/kpi/applications.
type ApplicationsResponse struct {
	Region   string            `json:"region"`
	From     time.Time         `json:"from"`
	To       time.Time         `json:"to"`
	ByStatus []kpi.StatusCount `json:"by_status"`
	AsOf     time.Time         `json:"as_of"`
}

func (s *server) applications(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	region := q.Get("region")
	if region != "" && !s.regions[region] {
		writeError(w, http.StatusBadRequest, "region", fmt.Sprintf("%q is not an ISO 3166-2:UZ region code such as UZ-JI", region))
		return
	}
	p, field, err := s.period(q.Get("from"), q.Get("to"))
	if err != nil {
		writeError(w, http.StatusBadRequest, field, err.Error())
		return
	}
	counts, err := s.store.Applications(r.Context(), region, p)
	if err != nil {
		s.log.Error("kpi query failed", "kpi", "applications", "err", err)
		writeError(w, http.StatusServiceUnavailable, "", "the analytics store did not answer; try again shortly")
		return
	}
	name := region
	if name == "" {
		name = "UZ"
	}
	writeJSON(w, http.StatusOK, ApplicationsResponse{Region: name, From: p.From, To: p.To, ByStatus: counts, AsOf: s.now().UTC()})
}

// ChatbotResponse is the body of GET /api/v1/kpi/chatbot.
type ChatbotResponse struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	*kpi.ChatbotUsage
	AsOf time.Time `json:"as_of"`
}

func (s *server) chatbot(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p, field, err := s.period(q.Get("from"), q.Get("to"))
	if err != nil {
		writeError(w, http.StatusBadRequest, field, err.Error())
		return
	}
	u, err := s.store.Chatbot(r.Context(), p, 10)
	if err != nil {
		s.log.Error("kpi query failed", "kpi", "chatbot", "err", err)
		writeError(w, http.StatusServiceUnavailable, "", "the analytics store did not answer; try again shortly")
		return
	}
	writeJSON(w, http.StatusOK, ChatbotResponse{From: p.From, To: p.To, ChatbotUsage: u, AsOf: s.now().UTC()})
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
	return p, "", nil
}

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
type ErrorBody struct {
	Error struct {
		Field   string `json:"field,omitempty"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, code int, field, msg string) {
	var b ErrorBody
	b.Error.Field, b.Error.Message = field, msg
	writeJSON(w, code, b)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
