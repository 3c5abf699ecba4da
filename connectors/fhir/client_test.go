package fhir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const bundle = `{"resourceType":"Bundle","id":"b1","identifier":{"system":"urn:oqim:clinical-note","value":"note-1"},"type":"document","timestamp":"2025-10-14T04:30:00Z","entry":[]}`

// fhirServer is a local FHIR server: it checks the request like a real
// server would, stores Bundles by identifier (conditional create) and
// can be told to fail the next requests.
type fhirServer struct {
	t        *testing.T
	mu       sync.Mutex
	failures []int // statuses to answer before succeeding
	drop     int   // connections to cut before answering
	requests int
	stored   map[string]string // identifier → id
}

func outcome(severity, code, diag, expr string) string {
	return fmt.Sprintf(`{"resourceType":"OperationOutcome","issue":[{"severity":%q,"code":%q,"diagnostics":%q,"expression":[%q]}]}`, severity, code, diag, expr)
}

func (s *fhirServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	w.Header().Set("Content-Type", ContentType)
	if r.Method != http.MethodPost || r.URL.Path != "/fhir/Bundle" {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, outcome("error", "not-found", "unknown endpoint", r.URL.Path))
		return
	}
	if r.Header.Get("Content-Type") != ContentType {
		w.WriteHeader(http.StatusUnsupportedMediaType)
		io.WriteString(w, outcome("error", "not-supported", "use application/fhir+json", "Bundle"))
		return
	}
	if r.Header.Get("Authorization") != "Bearer secret-token" {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, outcome("error", "login", "bad token", "Bundle"))
		return
	}
	if s.drop > 0 {
		s.drop--
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	if len(s.failures) > 0 {
		st := s.failures[0]
		s.failures = s.failures[1:]
		if st == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		w.WriteHeader(st)
		io.WriteString(w, outcome("error", "transient", "Patient: ABCD1234567 unavailable", "Bundle"))
		return
	}
	var b struct {
		ResourceType string `json:"resourceType"`
		Type         string `json:"type"`
		Identifier   struct{ System, Value string }
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || b.ResourceType != "Bundle" {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, outcome("error", "structure", "not a Bundle", "Bundle"))
		return
	}
	if b.Type != "document" {
		w.WriteHeader(http.StatusUnprocessableEntity)
		io.WriteString(w, outcome("error", "invariant", "bdl-9: a document needs a Composition", "Bundle.type"))
		return
	}
	cond := r.Header.Get("If-None-Exist")
	if want := "identifier=" + url.QueryEscape(b.Identifier.System+"|"+b.Identifier.Value); cond != want {
		w.WriteHeader(http.StatusPreconditionFailed)
		io.WriteString(w, outcome("error", "required", "conditional create needs If-None-Exist", "Bundle.identifier"))
		return
	}
	if id, ok := s.stored[cond]; ok {
		w.Header().Set("Location", "http://fhir.test/fhir/Bundle/"+id+"/_history/1")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"duplicate"}]}`)
		return
	}
	id := fmt.Sprintf("%d", len(s.stored)+1)
	s.stored[cond] = id
	w.Header().Set("Location", "http://fhir.test/fhir/Bundle/"+id+"/_history/1")
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, `{"resourceType":"Bundle","id":"`+id+`"}`)
}

func newTestServer(t *testing.T) (*fhirServer, *Client) {
	t.Helper()
	s := &fhirServer{t: t, stored: map[string]string{}}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	c, err := New(Config{BaseURL: ts.URL + "/fhir/", Token: "secret-token", Timeout: 2 * time.Second,
		MaxAttempts: 4, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func TestSendCreatesOnceAndIsIdempotent(t *testing.T) {
	s, c := newTestServer(t)
	ctx := context.Background()
	r1, err := c.Send(ctx, []byte(bundle))
	if err != nil {
		t.Fatal(err)
	}
	if r1.Status != http.StatusCreated || r1.Attempts != 1 || !strings.Contains(r1.Location, "/Bundle/1/") {
		t.Fatalf("first send: %+v", r1)
	}
	r2, err := c.Send(ctx, []byte(bundle))
	if err != nil {
		t.Fatal(err)
	}
	if r2.Status != http.StatusOK || r2.Location != r1.Location || len(s.stored) != 1 {
		t.Fatalf("second send stored again: %+v, %d stored", r2, len(s.stored))
	}
}

func TestSendRetriesTransientFailures(t *testing.T) {
	s, c := newTestServer(t)
	s.failures = []int{http.StatusServiceUnavailable, http.StatusTooManyRequests}
	s.drop = 1
	r, err := c.Send(context.Background(), []byte(bundle))
	if err != nil {
		t.Fatal(err)
	}
	if r.Attempts != 4 || r.Status != http.StatusCreated {
		t.Fatalf("got %+v, want created on the 4th attempt", r)
	}
}

func TestSendGivesUpAfterMaxAttempts(t *testing.T) {
	s, c := newTestServer(t)
	s.failures = []int{500, 502, 503, 504, 500}
	_, err := c.Send(context.Background(), []byte(bundle))
	var se *ServerError
	if !errors.As(err, &se) || se.Status != http.StatusGatewayTimeout || se.Attempts != 4 || s.requests != 4 {
		t.Fatalf("got %v (%d requests)", err, s.requests)
	}
	if strings.Contains(err.Error(), "ABCD1234567") {
		t.Fatalf("error quotes the server's diagnostics, which may hold patient data: %v", err)
	}
}

func TestSendDoesNotRetryClientErrors(t *testing.T) {
	s, c := newTestServer(t)
	notDocument := strings.Replace(bundle, `"document"`, `"collection"`, 1)
	_, err := c.Send(context.Background(), []byte(notDocument))
	var se *ServerError
	if !errors.As(err, &se) || se.Status != http.StatusUnprocessableEntity || s.requests != 1 {
		t.Fatalf("got %v after %d requests, want one 422", err, s.requests)
	}
	if len(se.Issues) != 1 || se.Issues[0].Code != "invariant" || !strings.Contains(err.Error(), "Bundle.type") {
		t.Fatalf("OperationOutcome not parsed: %+v", se.Issues)
	}

	bad, err := New(Config{BaseURL: c.cfg.BaseURL, Token: "wrong", MinBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Send(context.Background(), []byte(bundle))
	if !errors.As(err, &se) || se.Status != http.StatusUnauthorized || s.requests != 2 {
		t.Fatalf("got %v after %d requests, want one 401", err, s.requests)
	}
}

func TestSendNeedsIdentifier(t *testing.T) {
	_, c := newTestServer(t)
	_, err := c.Send(context.Background(), []byte(`{"resourceType":"Bundle","type":"document"}`))
	if !errors.Is(err, ErrNoIdentifier) {
		t.Fatalf("got %v", err)
	}
}

func TestSendStopsWhenContextEnds(t *testing.T) {
	s, c := newTestServer(t)
	c.cfg.MinBackoff, c.cfg.MaxBackoff = time.Hour, time.Hour
	s.failures = []int{503}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Send(ctx, []byte(bundle))
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("got %v after %v", err, time.Since(start))
	}
}

func TestNewRejectsBadURL(t *testing.T) {
	if _, err := New(Config{BaseURL: "fhir.example.uz"}); err == nil {
		t.Fatal("accepted a URL without scheme")
	}
}

// TestSendHonoursRetryAfter runs against a double of a FHIR server that
// rate-limits the first request with Retry-After, once in seconds and
// once as an HTTP date, and stores the Bundle on the second.
func TestSendHonoursRetryAfter(t *testing.T) {
	for name, header := range map[string]func() string{
		"seconds": func() string { return "1" },
		"date":    func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) },
	} {
		t.Run(name, func(t *testing.T) {
			var times []time.Time
			double := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				times = append(times, time.Now())
				if len(times) == 1 {
					w.Header().Set("Retry-After", header())
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				w.WriteHeader(http.StatusCreated)
			}))
			defer double.Close()
			c, err := New(Config{BaseURL: double.URL, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.Send(context.Background(), []byte(bundle))
			if err != nil || res.Attempts != 2 {
				t.Fatalf("res %+v, err %v", res, err)
			}
			// An HTTP date has whole seconds, so the date form may wait
			// a little under two.
			if gap := times[1].Sub(times[0]); gap < 900*time.Millisecond {
				t.Fatalf("retried after %v, before the server's Retry-After", gap)
			}
		})
	}
}

// elsewhere is a server that is not the configured FHIR server: it
// records what reached it and answers 200 (for a GET, what a search
// answers; for a POST, whatever).
type elsewhere struct {
	mu      sync.Mutex
	methods []string
	auth    []string // Authorization and X-API-Key seen
	bodies  []string
}

func (e *elsewhere) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	e.mu.Lock()
	e.methods = append(e.methods, r.Method)
	e.auth = append(e.auth, r.Header.Get("Authorization")+r.Header.Get("X-API-Key"))
	e.bodies = append(e.bodies, string(b))
	e.mu.Unlock()
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `{"resourceType":"Bundle","type":"searchset","total":0}`)
}

// redirector is the configured FHIR server, answering every POST with a
// redirect to target.
func redirector(t *testing.T, status int, target string) *httptest.Server {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.Path, status)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// TestSendDoesNotFollowRedirects: a FHIR server (or anything on the path to
// it: a load balancer sending http to https, a moved endpoint, a
// compromised proxy) that answers the POST with a redirect must not make
// the client (a) send the Bundle, patient data, and the server's
// credential to another origin, nor (b) take a GET's 200 somewhere else
// for "stored". A redirect is an answer the client reports as a failure.
func TestSendDoesNotFollowRedirects(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		authHeader string
		host       string // how the redirect names the other server
	}{
		// 303 (and 301/302) turn the POST into a GET: the Bundle is not
		// sent, but the GET's 200 is taken for the server storing it.
		{"303 to a GET", http.StatusSeeOther, "", "127.0.0.1"},
		{"301 to a GET", http.StatusMovedPermanently, "", "127.0.0.1"},
		// 307 and 308 repeat the POST with its body at the new origin.
		// Go keeps Authorization when only the port differs, and never
		// strips a custom header such as X-API-Key.
		{"307 bearer to another port", http.StatusTemporaryRedirect, "", "127.0.0.1"},
		{"308 X-API-Key to another host", http.StatusPermanentRedirect, "X-API-Key", "localhost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := &elsewhere{}
			ots := httptest.NewServer(other)
			t.Cleanup(ots.Close)
			target := strings.Replace(ots.URL, "127.0.0.1", tc.host, 1)
			fhirSrv := redirector(t, tc.status, target)
			c, err := New(Config{BaseURL: fhirSrv.URL + "/fhir", Token: "secret-token", AuthHeader: tc.authHeader,
				Timeout: 2 * time.Second, MaxAttempts: 1, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.Send(context.Background(), []byte(bundle))
			other.mu.Lock()
			defer other.mu.Unlock()
			for i := range other.methods {
				if strings.Contains(other.auth[i], "secret-token") {
					t.Errorf("the FHIR credential reached %s (%s)", target, other.methods[i])
				}
				if strings.Contains(other.bodies[i], "note-1") {
					t.Errorf("the Bundle reached %s (%s)", target, other.methods[i])
				}
			}
			if err == nil {
				t.Errorf("a %d redirect was reported as delivered: %+v (requests elsewhere: %v)", tc.status, res, other.methods)
			}
		})
	}
}

// TestSendErrorHidesURLPassword: a base URL with user:password (how some
// FHIR gateways take basic credentials, and what Go's client sends as
// Basic auth) must not reach the error, which the lifecycle stores as the
// record's last_error, shows the doctor, writes to the audit table and
// logs.
func TestSendErrorHidesURLPassword(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens: every attempt is a network error
	c, err := New(Config{BaseURL: "http://oqim:gw-s3cret@" + addr + "/fhir", MaxAttempts: 1, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var attemptErr error
	_, err = c.SendObserved(context.Background(), []byte(bundle), func(a Attempt) { attemptErr = a.Err })
	if err == nil {
		t.Fatal("sent to a closed port")
	}
	for _, e := range []error{err, attemptErr} {
		if strings.Contains(e.Error(), "gw-s3cret") {
			t.Errorf("the error carries the URL's password: %v", e)
		}
	}
}
