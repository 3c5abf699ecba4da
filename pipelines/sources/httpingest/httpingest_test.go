package httpingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/kafka/embedded"
	"github.com/oqim/oqim/connectors/kafka/kafkatest"
	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/events"
)

const (
	topic     = "oqim.test.ingest"
	portalKey = "portal-secret-key"
	healthKey = "health-secret-key"
)

var testNow = time.Date(2025, 11, 3, 12, 0, 0, 0, time.UTC)

func testConfig() Config {
	return Config{
		Agencies: []Agency{
			{Name: "single-portal", KeySHA256: httpedge.HashKey(portalKey), Types: []string{"portal.application.*"}},
			{Name: "health", KeySHA256: httpedge.HashKey(healthKey), Types: []string{"health.visit.recorded"}},
		},
		MaxBodyBytes: 64 << 10,
		MaxLineBytes: 4 << 10,
		WriteTimeout: 2 * time.Second,
		RetryAfter:   3 * time.Second,
	}
}

func testValidator(t testing.TB) Validator {
	t.Helper()
	ref, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	return NewEnvelopeValidator(ref.RegionIDs(), events.DefaultLimits(), func() time.Time { return testNow })
}

func event(id, source, typ, reg string) string {
	return fmt.Sprintf(`{"id":%q,"source":%q,"type":%q,"time":"2025-11-03T08:30:00+05:00","region":%q,"data":{"application_id":"A-%s"}}`, id, source, typ, reg, id)
}

type env struct {
	srv     *httptest.Server
	brokers []string
	broker  *embedded.Broker
	writer  *kafkago.Writer
	set     *metrics.Set
}

// start runs the handler behind a real HTTP server, writing to a fresh
// embedded broker through the production writer.
func start(t testing.TB, cfg Config) *env {
	t.Helper()
	b, err := embedded.Start(embedded.Options{Topics: []string{topic}, Partitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	w := kafka.Plain(b.Addrs()...).NewWriter(topic)
	// Bounded so the Kafka-down test's writer gives up quickly on Close.
	w.MaxAttempts = 3
	w.WriteBackoffMax = 100 * time.Millisecond
	t.Cleanup(func() { w.Close() })
	set := metrics.NewSet()
	h, err := NewHandler(cfg, w, testValidator(t), WithMetrics(set))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(Path, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{srv: srv, brokers: b.Addrs(), broker: b, writer: w, set: set}
}

type request struct {
	body     []byte
	headers  map[string]string
	chunked  bool // send without Content-Length
	method   string
	noCTType bool
}

func (e *env) post(t testing.TB, rq request) (*http.Response, []byte) {
	t.Helper()
	var body io.Reader = bytes.NewReader(rq.body)
	if rq.chunked {
		body = io.MultiReader(body) // hides the length, so the client streams it chunked
	}
	method := rq.method
	if method == "" {
		method = http.MethodPost
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, e.srv.URL+Path, body)
	if err != nil {
		t.Fatal(err)
	}
	if !rq.noCTType {
		req.Header.Set("Content-Type", "application/x-ndjson")
	}
	for k, v := range rq.headers {
		req.Header.Set(k, v)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, out
}

func bearer(key string) map[string]string { return map[string]string{"Authorization": "Bearer " + key} }

// readAll returns every message in the topic's only partition.
func readAll(t *testing.T, brokers []string) []kafkago.Message {
	t.Helper()
	return kafkatest.ReadPartition(t, brokers, topic, 0)
}

func wantWritten(t *testing.T, brokers []string, lines ...string) {
	t.Helper()
	msgs := readAll(t, brokers)
	if len(msgs) != len(lines) {
		t.Fatalf("topic has %d messages, want %d", len(msgs), len(lines))
	}
	var p events.Parser
	for i, m := range msgs {
		env, err := p.Parse([]byte(lines[i]))
		if err != nil {
			t.Fatal(err)
		}
		id := env.ID.GetStringBytes()
		if string(m.Key) != string(id) || string(m.Value) != lines[i] {
			t.Errorf("message %d = key %q value %s\nwant key %q value %s", i, m.Key, m.Value, id, lines[i])
		}
	}
}

func wantErrors(t *testing.T, body []byte, want ...LineError) {
	t.Helper()
	var got httpedge.ErrorBody
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	if got.Error.Reason == "" || (len(got.Errors) > 0 && got.Errors[0] != got.Error) {
		t.Fatalf("error body %s: error is not the first of errors", body)
	}
	if got.Errors == nil { // an error about the whole request, as the edge gives
		got.Errors = []LineError{got.Error}
	}
	if len(got.Errors) != len(want) {
		t.Fatalf("errors = %+v, want %+v", got.Errors, want)
	}
	for i := range want {
		g, w := got.Errors[i], want[i]
		if g.Line != w.Line || g.Field != w.Field || g.Reason != w.Reason || !strings.Contains(g.Detail, w.Detail) {
			t.Errorf("error %d = %+v, want %+v (detail containing %q)", i, g, w, w.Detail)
		}
	}
}

func metricValue(t *testing.T, set *metrics.Set, series string) string {
	t.Helper()
	var b bytes.Buffer
	set.WritePrometheus(&b)
	for _, l := range strings.Split(b.String(), "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			return v
		}
	}
	t.Fatalf("no series %s in\n%s", series, b.String())
	return ""
}

func TestAcceptWritesEveryLineExactly(t *testing.T) {
	e := start(t, testConfig())
	l1 := event("e1", "single-portal", "portal.application.submitted", "UZ-JI")
	l2 := event("e2", "single-portal", "portal.application.issued", "UZ-TK")
	l3 := event("e3", "single-portal", "portal.application.refused", "UZ-QR")
	// CRLF line ends, a blank line and no final newline are all fine.
	resp, body := e.post(t, request{body: []byte(l1 + "\r\n" + l2 + "\n\n" + l3), headers: bearer(portalKey)})
	if resp.StatusCode != http.StatusAccepted || strings.TrimSpace(string(body)) != `{"accepted":3}` {
		t.Fatalf("got %d %s, want 202 {\"accepted\":3}", resp.StatusCode, body)
	}

	// gzip, application/json and X-API-Key.
	l4 := event("e4", "health", "health.visit.recorded", "UZ-SA")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(l4 + "\n"))
	zw.Close()
	resp, body = e.post(t, request{body: gz.Bytes(), headers: map[string]string{
		"X-API-Key": healthKey, "Content-Encoding": "gzip", "Content-Type": "application/json; charset=utf-8"}})
	if resp.StatusCode != http.StatusAccepted || strings.TrimSpace(string(body)) != `{"accepted":1}` {
		t.Fatalf("gzip: got %d %s, want 202 {\"accepted\":1}", resp.StatusCode, body)
	}

	wantWritten(t, e.brokers, l1, l2, l3, l4)
	if v := metricValue(t, e.set, `oqim_httpingest_requests_total{status="202"}`); v != "2" {
		t.Errorf("202 requests = %s, want 2", v)
	}
	if v := metricValue(t, e.set, `oqim_httpingest_lines_total{result="accepted"}`); v != "4" {
		t.Errorf("accepted lines = %s, want 4", v)
	}
}

func TestUnauthorized(t *testing.T) {
	e := start(t, testConfig())
	line := []byte(event("e1", "single-portal", "portal.application.submitted", "UZ-JI"))
	for name, h := range map[string]map[string]string{
		"no key":        nil,
		"wrong key":     bearer("guess"),
		"hash as key":   bearer(httpedge.HashKey(portalKey)),
		"basic scheme":  {"Authorization": "Basic " + portalKey},
		"wrong api key": {"X-API-Key": portalKey + "x"},
	} {
		resp, body := e.post(t, request{body: line, headers: h})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d %s, want 401", name, resp.StatusCode, body)
			continue
		}
		if resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate header", name)
		}
		wantErrors(t, body, LineError{Reason: ReasonUnauthorized, Detail: "API key"})
	}
	wantWritten(t, e.brokers)
	if v := metricValue(t, e.set, `oqim_httpingest_requests_total{status="401"}`); v != "5" {
		t.Errorf("401 requests = %s, want 5", v)
	}
}

func TestForbiddenTypeAndSource(t *testing.T) {
	e := start(t, testConfig())
	body := strings.Join([]string{
		event("e1", "single-portal", "portal.application.submitted", "UZ-JI"),
		event("e2", "single-portal", "health.visit.recorded", "UZ-JI"),
		event("e3", "health", "portal.application.submitted", "UZ-JI"),
		event("e4", "single-portal", "portal.application", "UZ-JI"),
		event("e5", "single-portal", "portal.application.submitted", "UZ-ZZ"),
	}, "\n")
	resp, out := e.post(t, request{body: []byte(body), headers: bearer(portalKey)})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d %s, want 403", resp.StatusCode, out)
	}
	// Every problem is listed, the invalid region on line 5 included.
	wantErrors(t, out,
		LineError{Line: 2, Field: "type", Reason: ReasonForbiddenType, Detail: `may not send events of type "health.visit.recorded"`},
		LineError{Line: 3, Field: "source", Reason: ReasonSourceMismatch, Detail: `source "health" does not match`},
		LineError{Line: 4, Field: "type", Reason: ReasonForbiddenType, Detail: `"portal.application"`},
		LineError{Line: 5, Field: "region", Reason: string(events.ReasonUnknownRegion), Detail: "UZ-ZZ"},
	)
	wantWritten(t, e.brokers)
}

func TestInvalidLinesListedAndNothingWritten(t *testing.T) {
	e := start(t, testConfig())
	good := event("e1", "single-portal", "portal.application.submitted", "UZ-JI")
	lines := []string{
		good,
		`{"id":"e2",`,
		event("e3", "single-portal", "portal.application.submitted", "UZ-ZZ"),
		strings.Replace(good, "2025-11-03T08:30:00+05:00", "2025-11-04T08:30:00+05:00", 1),
		strings.Replace(good, `"data":{"application_id":"A-e1"}`, `"data":[1]`, 1),
		strings.Replace(good, `"id":"e1",`, ``, 1),
		`[1,2]`,
	}
	resp, out := e.post(t, request{body: []byte(strings.Join(lines, "\n") + "\n"), headers: bearer(portalKey)})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d %s, want 400", resp.StatusCode, out)
	}
	wantErrors(t, out,
		LineError{Line: 2, Reason: string(events.ReasonMalformed)},
		LineError{Line: 3, Field: "region", Reason: string(events.ReasonUnknownRegion), Detail: `"UZ-ZZ" is not an ISO 3166-2:UZ region code`},
		LineError{Line: 4, Field: "time", Reason: string(events.ReasonFutureTime), Detail: "in the future"},
		LineError{Line: 5, Field: "data", Reason: string(events.ReasonWrongType), Detail: "must be an object"},
		LineError{Line: 6, Field: "id", Reason: string(events.ReasonMissingField), Detail: "required"},
		LineError{Line: 7, Reason: string(events.ReasonMalformed), Detail: "not a JSON object"},
	)
	wantWritten(t, e.brokers)
	if v := metricValue(t, e.set, `oqim_httpingest_lines_total{result="rejected"}`); v != "6" {
		t.Errorf("rejected lines = %s, want 6", v)
	}

	for name, body := range map[string]string{"empty": "", "blank lines": "\n \r\n\n"} {
		resp, out := e.post(t, request{body: []byte(body), headers: bearer(portalKey)})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: status %d %s, want 400", name, resp.StatusCode, out)
		}
		wantErrors(t, out, LineError{Reason: ReasonEmptyBody, Detail: "no events"})
	}
}

func TestErrorListIsBounded(t *testing.T) {
	cfg := testConfig()
	cfg.MaxErrors = 2
	e := start(t, cfg)
	resp, out := e.post(t, request{body: []byte("x\ny\nz\nw\n"), headers: bearer(portalKey)})
	var got errorResponse
	if err := json.Unmarshal(out, &got); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d %s (%v), want 400", resp.StatusCode, out, err)
	}
	if len(got.Errors) != 2 || got.Omitted != 2 {
		t.Fatalf("got %d errors and %d omitted, want 2 and 2: %s", len(got.Errors), got.Omitted, out)
	}
}

func TestTooLarge(t *testing.T) {
	cfg := testConfig()
	e := start(t, cfg)
	line := event("e1", "single-portal", "portal.application.submitted", "UZ-JI") + "\n"
	big := []byte(strings.Repeat(line, int(cfg.MaxBodyBytes)/len(line)+1))
	exact := []byte(strings.Repeat(line, int(cfg.MaxBodyBytes)/len(line)))

	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	for range 16 { // 16 × limit of newlines: tiny compressed, huge expanded
		zw.Write(bytes.Repeat([]byte("\n"), int(cfg.MaxBodyBytes)))
	}
	zw.Close()
	if int64(bomb.Len()) > cfg.MaxBodyBytes/4 {
		t.Fatalf("bomb is %d bytes compressed; the test needs it well under the limit", bomb.Len())
	}
	longLine := []byte(event("e1", "single-portal", "portal.application.submitted", "UZ-JI") + "\n" +
		strings.Replace(event("e2", "single-portal", "portal.application.submitted", "UZ-JI"), "A-e2", strings.Repeat("x", cfg.MaxLineBytes), 1))

	for _, tt := range []struct {
		name string
		rq   request
		want LineError
	}{
		{"content-length", request{body: big}, LineError{Reason: "too_large", Detail: "limit"}},
		{"chunked", request{body: big, chunked: true}, LineError{Reason: "too_large", Detail: "larger than"}},
		{"gzip bomb", request{body: bomb.Bytes(), headers: map[string]string{"Content-Encoding": "gzip"}}, LineError{Reason: "too_large", Detail: "after decompression"}},
		{"long line", request{body: longLine}, LineError{Line: 2, Reason: "too_large", Detail: "line is longer than 4096 bytes"}},
	} {
		if tt.rq.headers == nil {
			tt.rq.headers = map[string]string{}
		}
		tt.rq.headers["Authorization"] = "Bearer " + portalKey
		resp, out := e.post(t, tt.rq)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: status %d %s, want 413", tt.name, resp.StatusCode, out)
			continue
		}
		wantErrors(t, out, tt.want)
	}
	wantWritten(t, e.brokers)

	// A body of exactly the limit passes.
	resp, out := e.post(t, request{body: exact, headers: bearer(portalKey), chunked: true})
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("body at the limit: status %d %s, want 202", resp.StatusCode, out)
	}
}

func TestProtocolErrors(t *testing.T) {
	e := start(t, testConfig())
	line := []byte(event("e1", "single-portal", "portal.application.submitted", "UZ-JI"))
	for _, tt := range []struct {
		name   string
		rq     request
		status int
	}{
		{"GET", request{method: http.MethodGet}, http.StatusMethodNotAllowed},
		{"no content type", request{body: line, noCTType: true}, http.StatusUnsupportedMediaType},
		{"text/plain", request{body: line, headers: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType},
		{"brotli", request{body: line, headers: map[string]string{"Content-Encoding": "br"}}, http.StatusUnsupportedMediaType},
		{"not gzip", request{body: line, headers: map[string]string{"Content-Encoding": "gzip"}}, http.StatusBadRequest},
	} {
		if tt.rq.headers == nil {
			tt.rq.headers = map[string]string{}
		}
		tt.rq.headers["Authorization"] = "Bearer " + portalKey
		if resp, out := e.post(t, tt.rq); resp.StatusCode != tt.status {
			t.Errorf("%s: status %d %s, want %d", tt.name, resp.StatusCode, out, tt.status)
		}
	}
	wantWritten(t, e.brokers)
}

func TestKafkaDownIs503(t *testing.T) {
	e := start(t, testConfig())
	e.broker.Close()
	start := time.Now()
	resp, out := e.post(t, request{body: []byte(event("e1", "single-portal", "portal.application.submitted", "UZ-JI")), headers: bearer(portalKey)})
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d %s, want 503", resp.StatusCode, out)
	}
	if got := resp.Header.Get("Retry-After"); got != "3" {
		t.Errorf("Retry-After = %q, want 3", got)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("503 took %s; the write timeout is 2s", d)
	}
	wantErrors(t, out, LineError{Reason: ReasonUnavailable, Detail: "retry"})
	if v := metricValue(t, e.set, `oqim_httpingest_lines_total{result="accepted"}`); v != "0" {
		t.Errorf("accepted lines = %s after a failed write, want 0", v)
	}
}

func TestConfigErrors(t *testing.T) {
	valid := Agency{Name: "a", KeySHA256: httpedge.HashKey("k"), Types: []string{"x.*"}}
	for _, tt := range []struct {
		name string
		ags  []Agency
		want string
	}{
		{"plain key", []Agency{{Name: "a", KeySHA256: "k", Types: []string{"x"}}}, "64 hex digits"},
		{"no name", []Agency{{KeySHA256: httpedge.HashKey("k"), Types: []string{"x"}}}, "name is empty"},
		{"duplicate", []Agency{valid, valid}, "listed twice"},
		{"shared key", []Agency{valid, {Name: "b", KeySHA256: httpedge.HashKey("k"), Types: []string{"x"}}}, "same key"},
		{"no types", []Agency{{Name: "a", KeySHA256: httpedge.HashKey("k")}}, "types is empty"},
		{"inner star", []Agency{{Name: "a", KeySHA256: httpedge.HashKey("k"), Types: []string{"portal.*.submitted"}}}, "trailing segment"},
		{"partial star", []Agency{{Name: "a", KeySHA256: httpedge.HashKey("k"), Types: []string{"portal.app*"}}}, "trailing segment"},
	} {
		_, err := NewHandler(Config{Agencies: tt.ags}, kafka.Plain("127.0.0.1:1").NewWriter("unused"), testValidator(t))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestTypePatterns(t *testing.T) {
	for _, tt := range []struct {
		pattern, typ string
		want         bool
	}{
		{"portal.application.*", "portal.application.submitted", true},
		{"portal.application.*", "portal.application.x.y", true},
		{"portal.application.*", "portal.application.", false},
		{"portal.application.*", "portal.application", false},
		{"portal.application.*", "portal.applications.x", false},
		{"portal.application.submitted", "portal.application.submitted", true},
		{"portal.application.submitted", "portal.application.submittedx", false},
		{"*", "anything.at.all", true},
	} {
		p, err := parseTypePattern(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.match(tt.typ); got != tt.want {
			t.Errorf("%q matches %q = %v, want %v", tt.pattern, tt.typ, got, tt.want)
		}
	}
}
