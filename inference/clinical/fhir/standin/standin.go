// Package standin is a stand-in for Digital Healthcare's FHIR R4 server,
// for `oqim demo` and the tests: it is not Digital Healthcare, only a
// small server that accepts Bundles the way a FHIR R4 server does, so the
// signing and delivery of clinical notes can run end to end on one
// machine.
//
//	POST [base]/Bundle       store a Bundle: 201 with Location, or 200 when
//	                         If-None-Exist names a Bundle already stored;
//	                         400 (not a Bundle) or 422 (invalid) with an
//	                         OperationOutcome; 413 past the size limit
//	GET  [base]/Bundle       the Bundles received, as a searchset Bundle
//	GET  [base]/Bundle/{id}  one of them
//
// Each Bundle is checked by Oqim's own validator (inference/clinical/fhir)
// and by Google's R4 parser (inference/clinical/fhir/r4). Bundles are kept
// in memory, the newest MaxBundles of them, and optionally written to Dir.
package standin

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	fhirclient "github.com/oqim/oqim/connectors/fhir"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/fhir"
	"github.com/oqim/oqim/inference/clinical/fhir/r4"
	"github.com/oqim/oqim/inference/clinical/worker"
)

// Defaults of Config.
const (
	DefaultMaxBody    = 8 << 20
	DefaultMaxBundles = 1000
	// Prefix is where the stand-in serves FHIR: its base URL is
	// http://host:port/fhir.
	Prefix = "/fhir"
)

// Config configures the stand-in.
type Config struct {
	// MaxBody bounds a Bundle in bytes (default 8 MiB); larger is 413.
	MaxBody int64
	// MaxBundles bounds the Bundles kept in memory (default 1000); the
	// oldest go first.
	MaxBundles int
	// Dir, when set, also receives each stored Bundle as <id>.json.
	Dir string
	// Token, when set, must arrive as "Authorization: Bearer <token>".
	Token string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Received is one stored Bundle.
type Received struct {
	ID string `json:"id"`
	// Identifier is the Bundle's identifier as system|value.
	Identifier string          `json:"identifier"`
	ReceivedAt time.Time       `json:"received_at"`
	Bundle     json.RawMessage `json:"bundle"`
}

// Server is the stand-in. It is safe for concurrent use.
type Server struct {
	cfg    Config
	parser *r4.Parser

	mu       sync.Mutex
	received []Received
	byIdent  map[string]string // identifier → id
	failures []failure
	posts    []time.Time
}

type failure struct {
	status     int
	retryAfter string
}

// New returns a stand-in.
func New(cfg Config) (*Server, error) {
	// A setting of zero or less takes its default.
	cfg.MaxBody = cmp.Or(max(cfg.MaxBody, 0), DefaultMaxBody)
	cfg.MaxBundles = cmp.Or(max(cfg.MaxBundles, 0), DefaultMaxBundles)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Dir != "" {
		if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
			return nil, fmt.Errorf("standin: %w", err)
		}
	}
	p, err := r4.New()
	if err != nil {
		return nil, fmt.Errorf("standin: %w", err)
	}
	return &Server{cfg: cfg, parser: p, byIdent: map[string]string{}}, nil
}

// Mount registers the stand-in's routes under Prefix on mux.
func (s *Server) Mount(mux *http.ServeMux) error {
	return httpedge.Mount(mux, httpedge.Options{},
		// The body's bound is applied in create, so that even a refusal
		// for size is an OperationOutcome, as a FHIR client expects.
		httpedge.Route{Method: "POST", Path: Prefix + "/Bundle", Need: httpedge.Public, MaxBody: httpedge.NoLimit, Handler: http.HandlerFunc(s.create)},
		httpedge.Route{Method: "GET", Path: Prefix + "/Bundle", Need: httpedge.Public, Handler: http.HandlerFunc(s.list)},
		httpedge.Route{Method: "GET", Path: Prefix + "/Bundle/{id}", Need: httpedge.Public, Handler: http.HandlerFunc(s.read)},
		// The version read the Location of a create names, as a FHIR
		// server answers it; every Bundle here has one version.
		httpedge.Route{Method: "GET", Path: Prefix + "/Bundle/{id}/_history/{vid}", Need: httpedge.Public, Handler: http.HandlerFunc(s.read)},
	)
}

// Handler is the stand-in on a mux of its own.
func (s *Server) Handler() (http.Handler, error) {
	mux := http.NewServeMux()
	if err := s.Mount(mux); err != nil {
		return nil, err
	}
	return mux, nil
}

// FailNext makes the next n POSTs answer status, with a Retry-After
// header when retryAfter is not empty: a Digital Healthcare that is
// down, or busy, for a while.
func (s *Server) FailNext(n, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, failure{status: status, retryAfter: retryAfter})
	}
}

// Recover drops the failures FailNext asked for and not yet served.
func (s *Server) Recover() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = nil
}

// Received returns the stored Bundles, oldest first.
func (s *Server) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Posts returns when each POST arrived, failed ones included.
func (s *Server) Posts() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.posts...)
}

// Issue is one issue of an OperationOutcome.
type Issue struct {
	Severity    string   `json:"severity"`
	Code        string   `json:"code"`
	Diagnostics string   `json:"diagnostics,omitempty"`
	Expression  []string `json:"expression,omitempty"`
}

// OperationOutcome is FHIR's error answer.
type OperationOutcome struct {
	ResourceType string  `json:"resourceType"`
	Issue        []Issue `json:"issue"`
}

func writeFHIR(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", fhirclient.ContentType+"; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func outcome(w http.ResponseWriter, status int, issues ...Issue) {
	writeFHIR(w, status, OperationOutcome{ResourceType: "OperationOutcome", Issue: issues})
}

// maxIssues bounds an OperationOutcome: enough to fix a Bundle, not a
// copy of a hostile one's every fault.
const maxIssues = 50

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.posts = append(s.posts, s.cfg.Now())
	var fail *failure
	if len(s.failures) > 0 {
		f := s.failures[0]
		s.failures = s.failures[1:]
		fail = &f
	}
	s.mu.Unlock()
	if s.cfg.Token != "" && r.Header.Get("Authorization") != "Bearer "+s.cfg.Token {
		w.Header().Set("WWW-Authenticate", `Bearer realm="digital-healthcare-stand-in"`)
		outcome(w, http.StatusUnauthorized, Issue{Severity: "error", Code: "login", Diagnostics: "send Authorization: Bearer <token>"})
		return
	}
	if fail != nil {
		if fail.retryAfter != "" {
			w.Header().Set("Retry-After", fail.retryAfter)
		}
		outcome(w, fail.status, Issue{Severity: "error", Code: "transient", Diagnostics: "the stand-in was told to fail this request"})
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != fhirclient.ContentType && mt != "application/json") {
		outcome(w, http.StatusUnsupportedMediaType, Issue{Severity: "error", Code: "structure", Diagnostics: "send Content-Type: application/fhir+json"})
		return
	}
	if r.ContentLength > s.cfg.MaxBody {
		w.Header().Set("Connection", "close")
		outcome(w, http.StatusRequestEntityTooLarge, Issue{Severity: "error", Code: "too-costly", Diagnostics: fmt.Sprintf("the Bundle is larger than %d bytes", s.cfg.MaxBody)})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	if err != nil {
		if httpedge.IsTooLarge(err) {
			outcome(w, http.StatusRequestEntityTooLarge, Issue{Severity: "error", Code: "too-costly", Diagnostics: fmt.Sprintf("the Bundle is larger than %d bytes", s.cfg.MaxBody)})
			return
		}
		outcome(w, http.StatusBadRequest, Issue{Severity: "error", Code: "structure", Diagnostics: "reading the body: " + err.Error()})
		return
	}
	head, err := fhirclient.ReadHead(body)
	if err != nil {
		outcome(w, http.StatusBadRequest, Issue{Severity: "error", Code: "structure", Diagnostics: "not a JSON object: " + err.Error()})
		return
	}
	if head.ResourceType != "Bundle" {
		outcome(w, http.StatusBadRequest, Issue{Severity: "error", Code: "structure", Expression: []string{"resourceType"},
			Diagnostics: fmt.Sprintf("this endpoint stores Bundles, not %q", head.ResourceType)})
		return
	}
	if issues := s.validate(body); len(issues) > 0 {
		outcome(w, http.StatusUnprocessableEntity, issues...)
		return
	}
	ident := head.IdentifierToken()
	base := "http://" + r.Host + Prefix
	s.mu.Lock()
	defer s.mu.Unlock()
	// A conditional create (If-None-Exist: identifier=system|value) of a
	// Bundle already stored answers 200 and stores nothing.
	if cond := r.Header.Get("If-None-Exist"); cond != "" {
		q, err := url.ParseQuery(cond)
		if err != nil || q.Get("identifier") == "" {
			outcome(w, http.StatusBadRequest, Issue{Severity: "error", Code: "invalid", Expression: []string{"If-None-Exist"}, Diagnostics: "use identifier=system|value"})
			return
		}
		if id, ok := s.byIdent[q.Get("identifier")]; ok {
			w.Header().Set("Location", base+"/Bundle/"+id+"/_history/1")
			writeFHIR(w, http.StatusOK, json.RawMessage(s.find(id).Bundle))
			return
		}
	}
	id := worker.NewID()
	if s.cfg.Dir != "" {
		if err := os.WriteFile(filepath.Join(s.cfg.Dir, id+".json"), body, 0o600); err != nil {
			outcome(w, http.StatusInternalServerError, Issue{Severity: "fatal", Code: "exception", Diagnostics: "the stand-in could not store the Bundle"})
			return
		}
	}
	s.received = append(s.received, Received{ID: id, Identifier: ident, ReceivedAt: s.cfg.Now().UTC(), Bundle: body})
	if ident != "" {
		s.byIdent[ident] = id
	}
	if over := len(s.received) - s.cfg.MaxBundles; over > 0 {
		for _, old := range s.received[:over] {
			if s.byIdent[old.Identifier] == old.ID {
				delete(s.byIdent, old.Identifier)
			}
		}
		s.received = append([]Received(nil), s.received[over:]...)
	}
	w.Header().Set("Location", base+"/Bundle/"+id+"/_history/1")
	writeFHIR(w, http.StatusCreated, json.RawMessage(body))
}

// validate runs both validators and returns their issues as
// OperationOutcome issues, at most maxIssues.
func (s *Server) validate(body []byte) []Issue {
	var issues []Issue
	var ve *fhir.ValidationError
	if err := fhir.Validate(body); errors.As(err, &ve) {
		for _, is := range ve.Issues {
			issues = append(issues, Issue{Severity: "error", Code: "invalid", Diagnostics: "oqim: " + is.Message, Expression: []string{is.Path}})
		}
	} else if err != nil {
		issues = append(issues, Issue{Severity: "error", Code: "invalid", Diagnostics: "oqim: " + err.Error()})
	}
	var pe *r4.Error
	if err := s.parser.CheckBundle(body); errors.As(err, &pe) {
		for _, is := range pe.Issues {
			iss := Issue{Severity: "error", Code: "structure", Diagnostics: "r4 parser: " + is.Message}
			if is.Path != "" {
				iss.Expression = []string{is.Path}
			}
			issues = append(issues, iss)
		}
	} else if err != nil {
		issues = append(issues, Issue{Severity: "error", Code: "structure", Diagnostics: "r4 parser: " + err.Error()})
	}
	if len(issues) > maxIssues {
		n := len(issues) - maxIssues
		issues = append(issues[:maxIssues], Issue{Severity: "information", Code: "too-costly", Diagnostics: strconv.Itoa(n) + " more issues left out"})
	}
	return issues
}

func (s *Server) find(id string) *Received {
	for i := range s.received {
		if s.received[i].ID == id {
			return &s.received[i]
		}
	}
	return nil
}

type searchEntry struct {
	FullURL  string          `json:"fullUrl"`
	Resource json.RawMessage `json:"resource"`
}

// list is GET [base]/Bundle: a searchset of what was received.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	base := "http://" + r.Host + Prefix
	s.mu.Lock()
	entries := make([]searchEntry, 0, len(s.received))
	for _, rc := range s.received {
		entries = append(entries, searchEntry{FullURL: base + "/Bundle/" + rc.ID, Resource: withID(rc.Bundle, rc.ID)})
	}
	s.mu.Unlock()
	writeFHIR(w, http.StatusOK, map[string]any{"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries})
}

// read is GET [base]/Bundle/{id} and its version read,
// [base]/Bundle/{id}/_history/1.
func (s *Server) read(w http.ResponseWriter, r *http.Request) {
	if vid := r.PathValue("vid"); vid != "" && vid != "1" {
		outcome(w, http.StatusNotFound, Issue{Severity: "error", Code: "not-found", Diagnostics: "no such version: every Bundle here has version 1 only"})
		return
	}
	s.mu.Lock()
	rc := s.find(r.PathValue("id"))
	var body json.RawMessage
	if rc != nil {
		body = withID(rc.Bundle, rc.ID)
	}
	s.mu.Unlock()
	if rc == nil {
		outcome(w, http.StatusNotFound, Issue{Severity: "error", Code: "not-found", Diagnostics: "no Bundle with this id"})
		return
	}
	writeFHIR(w, http.StatusOK, body)
}

// withID is the stored Bundle with the server's id, as a FHIR server
// returns what it stored.
func withID(b json.RawMessage, id string) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return b
	}
	m["id"], _ = json.Marshal(id)
	out, err := json.Marshal(m)
	if err != nil {
		return b
	}
	return bytes.TrimSpace(out)
}

// BaseURL is the stand-in's FHIR base for a server listening at addr
// (host:port).
func BaseURL(addr string) string { return "http://" + strings.TrimPrefix(addr, "http://") + Prefix }
