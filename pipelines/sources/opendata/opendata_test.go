package opendata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/kafka/embedded"
	"github.com/oqim/oqim/connectors/kafka/kafkatest"
	"github.com/oqim/oqim/pipelines/decode"
	"github.com/oqim/oqim/pipelines/schema"
)

const (
	eventsTopic = "oqim.test.opendata"
	rowsTopic   = "oqim.test.opendata.rows"
)

// dataset is a portal serving one file. With conditional set it sends
// ETag and Last-Modified and answers If-None-Match and If-Modified-Since
// as RFC 9110 says; without, it ignores them and always sends the file.
type dataset struct {
	mu          sync.Mutex
	body        string
	contentType string
	etag        string
	modified    time.Time
	conditional bool
	failures    int    // answer 503 to this many requests first
	retryAfter  string // the failures' Retry-After header, if any
	requests    []http.Header
	times       []time.Time
}

func (d *dataset) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.requests = append(d.requests, r.Header.Clone())
	d.times = append(d.times, time.Now())
	if d.failures > 0 {
		d.failures--
		if d.retryAfter != "" {
			w.Header().Set("Retry-After", d.retryAfter)
		}
		http.Error(w, "portal under maintenance", http.StatusServiceUnavailable)
		return
	}
	if d.conditional {
		if d.etag != "" {
			w.Header().Set("ETag", d.etag)
		}
		w.Header().Set("Last-Modified", d.modified.UTC().Format(http.TimeFormat))
		// If-None-Match wins; If-Modified-Since counts only without it.
		if inm := r.Header.Get("If-None-Match"); inm != "" && d.etag != "" {
			if slices.Contains(strings.Split(inm, ", "), d.etag) {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		} else if t, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil && !d.modified.Truncate(time.Second).After(t) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", d.contentType)
	w.Write([]byte(d.body))
}

func (d *dataset) update(body, etag string, modified time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.body, d.etag, d.modified = body, etag, modified
}

func (d *dataset) lastRequest() http.Header {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.requests[len(d.requests)-1]
}

func (d *dataset) requestCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.requests)
}

type env struct {
	brokers []string
	w       *kafkago.Writer
	srv     *httptest.Server
	cfg     Config
}

func start(t *testing.T, d *dataset) *env {
	t.Helper()
	b, err := embedded.Start(embedded.Options{Topics: []string{eventsTopic, rowsTopic}, Partitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	w := kafka.Plain(b.Addrs()...).NewWriter("")
	t.Cleanup(func() { w.Close() })
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	return &env{brokers: b.Addrs(), w: w, srv: srv, cfg: Config{
		Agency:    "stat.uz",
		Dataset:   "applications-by-region",
		URL:       srv.URL + "/datasets/applications.csv",
		Region:    "UZ-TK",
		Topic:     eventsTopic,
		StatePath: filepath.Join(t.TempDir(), "state", "applications.json"),
		Timeout:   5 * time.Second,
	}}
}

func (e *env) poller(t *testing.T, cfg Config) *Poller {
	t.Helper()
	p, err := NewPoller(cfg, e.w)
	if err != nil {
		t.Fatal(err)
	}
	p.now = func() time.Time { return time.Date(2025, 11, 3, 12, 0, 0, 0, time.UTC) }
	return p
}

func poll(t *testing.T, p *Poller) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := p.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// readTopic returns every message in the topic's only partition, as key
// and value.
func readTopic(t *testing.T, brokers []string, topic string) []string {
	t.Helper()
	var out []string
	for _, m := range kafkatest.ReadPartition(t, brokers, topic, 0) {
		out = append(out, string(m.Key)+" "+string(m.Value))
	}
	return out
}

func eventMessage(t *testing.T, ev Event) string {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return ev.Data.Agency + "/" + ev.Data.Dataset + " " + string(b)
}

// wantDecodes checks that the pipeline's decoder, which reads envelopes
// with the one envelope parser, takes the poller's event as it is written.
func wantDecodes(t *testing.T, ev Event) {
	t.Helper()
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	d, err := decode.New(decode.Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Validate(b); err != nil {
		t.Fatalf("the ingest decoder refuses the poller's event %s: %v", b, err)
	}
}

func wantMessages(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("topic has\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestConditionalRequestsAndRows(t *testing.T) {
	v1 := "\xef\xbb\xbfregion,service,applications\r\nUZ-JI,\"annex4-12, passport\",17\r\nUZ-TK,annex4-3,\"say \"\"hi\"\"\"\r\nUZ-QR,annex6-1,0\r\n"
	modified := time.Date(2025, 10, 30, 9, 15, 0, 0, time.UTC)
	d := &dataset{contentType: "text/csv; charset=utf-8", conditional: true}
	d.update(v1, `"v1"`, modified)
	e := start(t, d)
	cfg := e.cfg
	cfg.RowsTopic = rowsTopic
	p := e.poller(t, cfg)

	res := poll(t, p)
	if res.Status != http.StatusOK || res.Event == nil {
		t.Fatalf("first poll: status %d event %v, want 200 and an event", res.Status, res.Event)
	}
	first := *res.Event
	want := Event{ID: first.ID, Source: "stat.uz", Type: TypePublished, Time: time.Date(2025, 10, 30, 9, 15, 0, 0, time.UTC), Region: "UZ-TK",
		Data: EventData{Agency: "stat.uz", Dataset: "applications-by-region", Format: "csv", Rows: 3, URL: cfg.URL}}
	if first != want || !strings.HasPrefix(first.ID, "opendata-") {
		t.Fatalf("event = %+v\nwant    %+v", first, want)
	}
	wantMessages(t, readTopic(t, e.brokers, eventsTopic), eventMessage(t, first))
	wantDecodes(t, first)
	wantMessages(t, readTopic(t, e.brokers, rowsTopic),
		first.ID+`/1 {"region":"UZ-JI","service":"annex4-12, passport","applications":"17"}`,
		first.ID+`/2 {"region":"UZ-TK","service":"annex4-3","applications":"say \"hi\""}`,
		first.ID+`/3 {"region":"UZ-QR","service":"annex6-1","applications":"0"}`,
	)

	// Unchanged: the poller asks conditionally and emits nothing.
	if res := poll(t, p); res.Status != http.StatusNotModified || res.Event != nil {
		t.Fatalf("second poll: status %d event %v, want 304 and none", res.Status, res.Event)
	}
	h := d.lastRequest()
	if h.Get("If-None-Match") != `"v1"` || h.Get("If-Modified-Since") != "Thu, 30 Oct 2025 09:15:00 GMT" {
		t.Fatalf("conditional headers If-None-Match %q If-Modified-Since %q", h.Get("If-None-Match"), h.Get("If-Modified-Since"))
	}

	// A restart reads the state file and stays conditional.
	p2 := e.poller(t, cfg)
	if res := poll(t, p2); res.Status != http.StatusNotModified || res.Event != nil {
		t.Fatalf("poll after restart: status %d event %v, want 304 and none", res.Status, res.Event)
	}
	if got := d.lastRequest().Get("If-None-Match"); got != `"v1"` {
		t.Fatalf("after restart If-None-Match = %q, want \"v1\"", got)
	}

	// A new version is an update with a new id.
	d.update("region,service,applications\nUZ-JI,annex4-12,18\n", `"v2"`, modified.Add(time.Hour))
	res = poll(t, p2)
	if res.Event == nil || res.Event.Type != TypeUpdated || res.Event.Data.Rows != 1 || res.Event.ID == first.ID {
		t.Fatalf("after change: %+v, want an update with 1 row and a new id", res.Event)
	}
	wantMessages(t, readTopic(t, e.brokers, eventsTopic), eventMessage(t, first), eventMessage(t, *res.Event))
	if rows := readTopic(t, e.brokers, rowsTopic); len(rows) != 4 || rows[3] != res.Event.ID+`/1 {"region":"UZ-JI","service":"annex4-12","applications":"18"}` {
		t.Fatalf("rows after the update: %q", rows)
	}

	var st State
	b, err := os.ReadFile(cfg.StatePath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	if st.ETag != `"v2"` || st.EventID != res.Event.ID || st.Rows != 1 || st.URL != cfg.URL || len(st.ContentSHA256) != 64 {
		t.Fatalf("state file = %+v", st)
	}
}

func TestLastModifiedOnly(t *testing.T) {
	d := &dataset{contentType: "text/csv", conditional: true}
	d.update("a\n1\n", "", time.Date(2025, 10, 30, 9, 15, 0, 0, time.UTC))
	e := start(t, d)
	p := e.poller(t, e.cfg)
	if res := poll(t, p); res.Event == nil {
		t.Fatal("first poll emitted nothing")
	}
	if res := poll(t, p); res.Status != http.StatusNotModified || res.Event != nil {
		t.Fatalf("second poll: status %d event %+v, want 304 and none", res.Status, res.Event)
	}
	if h := d.lastRequest(); h.Get("If-None-Match") != "" || h.Get("If-Modified-Since") != "Thu, 30 Oct 2025 09:15:00 GMT" {
		t.Fatalf("conditional headers: %v", h)
	}
	if n := len(readTopic(t, e.brokers, eventsTopic)); n != 1 {
		t.Fatalf("%d events, want 1", n)
	}
}

func TestServerIgnoringConditionalsDedupsByContent(t *testing.T) {
	v1 := `[{"region":"UZ-JI","km":120.5,"done":true},
	        {"region":"UZ-SA","km":80,"note":{"a":1}}]`
	d := &dataset{contentType: "application/json"}
	d.update(v1, "", time.Time{})
	e := start(t, d)
	cfg := e.cfg
	cfg.URL = e.srv.URL + "/fibre.json"
	cfg.RowsTopic = rowsTopic
	p := e.poller(t, cfg)

	res := poll(t, p)
	if res.Event == nil || res.Event.Type != TypePublished || res.Event.Data.Rows != 2 || res.Event.Data.Format != "json" {
		t.Fatalf("first poll: %+v", res.Event)
	}
	if !res.Event.Time.Equal(time.Date(2025, 11, 3, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("time = %s, want the poll time without Last-Modified", res.Event.Time)
	}
	first := *res.Event

	if res := poll(t, p); res.Status != http.StatusOK || res.Event != nil {
		t.Fatalf("same content again: status %d event %+v, want 200 and none", res.Status, res.Event)
	}
	if h := d.lastRequest(); h.Get("If-None-Match") != "" || h.Get("If-Modified-Since") != "" {
		t.Fatalf("sent conditional headers without validators: %v", h)
	}
	wantMessages(t, readTopic(t, e.brokers, eventsTopic), eventMessage(t, first))
	wantDecodes(t, first)
	wantMessages(t, readTopic(t, e.brokers, rowsTopic),
		first.ID+`/1 {"region":"UZ-JI","km":120.5,"done":true}`,
		first.ID+`/2 {"region":"UZ-SA","km":80,"note":{"a":1}}`,
	)

	// The id depends on URL and content only: a poller without state
	// (a lost state file) emits the same version under the same id.
	cfg.StatePath = ""
	if res := poll(t, e.poller(t, cfg)); res.Event == nil || res.Event.ID != first.ID {
		t.Fatalf("fresh poller: event %+v, want id %s", res.Event, first.ID)
	}

	d.update(`[{"region":"UZ-JI","km":121}]`, "", time.Time{})
	if res := poll(t, p); res.Event == nil || res.Event.Type != TypeUpdated || res.Event.Data.Rows != 1 || res.Event.ID == first.ID {
		t.Fatalf("changed content: %+v", res.Event)
	}
}

func TestBadResponsesEmitNothing(t *testing.T) {
	d := &dataset{contentType: "text/csv"}
	e := start(t, d)
	for _, tt := range []struct {
		name, body, contentType, want string
		failures                      int
	}{
		{"server error", "a\n1\n", "text/csv", "503 Service Unavailable", 1},
		{"ragged csv", "a,b\n1,2\n3\n", "text/csv", "wrong number of fields", 0},
		{"duplicate column", "a,a\n1,2\n", "text/csv", `column "a" appears twice`, 0},
		{"html", "<html>", "text/html", `Content-Type "text/html"`, 0},
		{"json not array", `{"a":1}`, "application/json", "array of objects", 0},
		{"json scalar row", `[{"a":1},2]`, "application/json", "element 2 is not an object", 0},
		{"too large", "a\n" + strings.Repeat("1\n", 600), "text/csv", "larger than max_bytes", 0},
	} {
		d.mu.Lock()
		d.body, d.contentType, d.failures = tt.body, tt.contentType, tt.failures
		d.mu.Unlock()
		cfg := e.cfg
		cfg.MaxBytes = 1000
		p := e.poller(t, cfg)
		_, err := p.Poll(context.Background())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one containing %q", tt.name, err, tt.want)
		}
		if tt.failures > 0 {
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != http.StatusServiceUnavailable || !strings.Contains(se.Body, "maintenance") {
				t.Errorf("%s: err = %#v, want a *StatusError with 503 and the body", tt.name, err)
			}
		}
		if _, err := os.Stat(cfg.StatePath); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: state file written after a failed poll (%v)", tt.name, err)
		}
	}
	wantMessages(t, readTopic(t, e.brokers, eventsTopic))
}

func TestRunBacksOffAndStops(t *testing.T) {
	d := &dataset{contentType: "text/csv", failures: 3}
	d.update("a\n1\n", "", time.Time{})
	e := start(t, d)
	cfg := e.cfg
	cfg.Interval = time.Hour // only the retries may poll during the test
	cfg.MinBackoff = 20 * time.Millisecond
	cfg.MaxBackoff = 40 * time.Millisecond
	p := e.poller(t, cfg)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(readTopic(t, e.brokers, eventsTopic)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no event 10 s after start; %d requests", d.requestCount())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil after cancellation", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return 5 s after cancellation")
	}
	if n := d.requestCount(); n != 4 {
		t.Fatalf("%d requests, want 3 failures and 1 success", n)
	}
}

func TestRunHonoursRetryAfter(t *testing.T) {
	d := &dataset{contentType: "text/csv", failures: 1, retryAfter: "1"}
	d.update("a\n1\n", "", time.Time{})
	e := start(t, d)
	cfg := e.cfg
	cfg.Interval = time.Hour
	cfg.MinBackoff, cfg.MaxBackoff = 10*time.Millisecond, 5*time.Second
	p := e.poller(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	// Run writes the state file; it must have returned before the test's
	// temporary directory is removed.
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for d.requestCount() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no retry 10 s after a 503 with Retry-After: 1")
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.mu.Lock()
	gap := d.times[1].Sub(d.times[0])
	d.mu.Unlock()
	if gap < 900*time.Millisecond {
		t.Fatalf("retried after %v, before the portal's Retry-After", gap)
	}
}

func TestConfigErrors(t *testing.T) {
	good := Config{Agency: "a", Dataset: "d", URL: "https://data.egov.uz/x.csv", Region: "UZ-TK", Topic: "t"}
	for _, tt := range []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"missing", func(c *Config) { c.Agency, c.Topic = "", "" }, "agency, topic must be set"},
		{"format", func(c *Config) { c.Format = "xlsx" }, `format "xlsx"`},
		{"url", func(c *Config) { c.URL = "ftp://x" }, "not an http(s) URL"},
	} {
		cfg := good
		tt.mod(&cfg)
		if _, err := NewPoller(cfg, kafka.Plain("127.0.0.1:1").NewWriter("")); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	// A writer that names a topic would have every message refused by
	// kafka-go, at every poll, for ever: refused at the start instead.
	w := kafka.Plain("127.0.0.1:1").NewWriter("t")
	defer w.Close()
	if _, err := NewPoller(good, w); err == nil || !strings.Contains(err.Error(), `names topic "t"`) {
		t.Errorf("a writer with a topic: err = %v", err)
	}
}

// measured passes writes to the broker, noting the largest message and
// the largest write.
type measured struct {
	kafka.Writer
	mu                  sync.Mutex
	rows, maxMsg, maxWr int
}

func (w *measured) WriteMessages(ctx context.Context, ms ...kafkago.Message) error {
	w.mu.Lock()
	n := 0
	for _, m := range ms {
		n += len(m.Value)
		w.maxMsg = max(w.maxMsg, len(m.Value))
		if m.Topic == rowsTopic {
			w.rows++
		}
	}
	w.maxWr = max(w.maxWr, n)
	w.mu.Unlock()
	return w.Writer.WriteMessages(ctx, ms...)
}

// A CSV row becomes an object repeating every column name: a wide header
// of long names over empty rows grows a hundredfold. A batch is flushed
// by bytes as well as by count, and a row over max_row_bytes is skipped,
// so neither memory nor a Kafka message grows with the amplification,
// and the rest of the dataset still lands.
func TestWideCSVRowsAreBounded(t *testing.T) {
	wide := func(cols, rows int) string {
		var b strings.Builder
		for i := range cols {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%0200d", i)
		}
		b.WriteString("\n")
		for range rows {
			b.WriteString(strings.Repeat(",", cols-1) + "\n")
		}
		return b.String()
	}
	for _, c := range []struct {
		cols, sent int
	}{
		{2000, 60}, // 400 KB rows: sent, 20 or so to a write
		{3000, 0},  // 600 KB rows: over max_row_bytes, skipped
	} {
		e := start(t, &dataset{body: wide(c.cols, 60), contentType: "text/csv"})
		w := &measured{Writer: e.w}
		cfg := e.cfg
		cfg.RowsTopic = rowsTopic
		p, err := NewPoller(cfg, w)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Poll(context.Background()); err != nil {
			t.Fatalf("%d columns: %v", c.cols, err)
		}
		if w.rows != c.sent || w.maxMsg > 512<<10 || w.maxWr > 8<<20+512<<10 {
			t.Errorf("%d columns: %d rows sent (want %d), largest message %d KB, largest write %d KB",
				c.cols, w.rows, c.sent, w.maxMsg>>10, w.maxWr>>10)
		}
	}
}

// A state file that cannot be written is refused when the poller is made:
// every version is saved as pending before it is sent, so such a poller
// would never send anything.
func TestUnwritableStatePathIsRefused(t *testing.T) {
	// Nothing is there to load, and nobody, root included, may make a
	// directory in /proc.
	if _, err := os.Stat("/proc/self"); err != nil {
		t.Skip("needs Linux's /proc")
	}
	cfg := Config{Agency: "a", Dataset: "d", URL: "https://data.egov.uz/x.csv", Region: "UZ-TK", Topic: "t", StatePath: "/proc/oqim-opendata-state/s.json"}
	w := kafka.Plain("127.0.0.1:1").NewWriter("")
	defer w.Close()
	if _, err := NewPoller(cfg, w); err == nil || !strings.Contains(err.Error(), cfg.StatePath) {
		t.Errorf("unwritable state path: %v, want an error naming it", err)
	}
}

// A CSV export that is not UTF-8 (Windows-1251, as some portals still
// give) fails the poll naming the line and column, where its cells were
// published as U+FFFD for good.
func TestNonUTF8CSVFailsThePollNamingTheCell(t *testing.T) {
	cp1251 := "\xde\xed\xf3\xf1\xee\xe1\xee\xe4" // "Юнусобод"
	d := &dataset{contentType: "text/csv; charset=windows-1251", body: "region,district,applications\nUZ-TK," + cp1251 + ",17\n"}
	e := start(t, d)
	cfg := e.cfg
	cfg.RowsTopic = rowsTopic
	p := e.poller(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := p.Poll(ctx)
	if err == nil || !strings.Contains(err.Error(), `line 2, column "district"`) || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("poll: %v; want an error naming line 2, column district, and UTF-8", err)
	}
	if rows := readTopic(t, e.brokers, rowsTopic); len(rows) != 0 {
		t.Errorf("%d rows published from a file that is not UTF-8: %q", len(rows), rows)
	}
	// So does a header that is not, over cells that are plain ASCII.
	d.body = "\xd0\xe5\xe3\xe8\xee\xed,\xd0\xe0\xe9\xee\xed\nUZ-TK,Yunusobod\n" // "Регион,Район"
	if _, err := p.Poll(ctx); err == nil || !strings.Contains(err.Error(), "header") || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("poll of a Windows-1251 header: %v; want an error naming the header", err)
	}
}

// A portal that redirects the poller off the dataset's origin (to an
// internal address, or from https down to http) fails the poll: nothing
// fetched there is published as the agency's rows. A redirect within the
// origin is followed.
func TestRedirectOffTheOriginFailsThePoll(t *testing.T) {
	elsewhere := httptest.NewServer(&dataset{contentType: "text/csv", body: "region,secret\nUZ-TK,internal\n"})
	t.Cleanup(elsewhere.Close)
	d := &dataset{contentType: "text/csv", body: "region,applications\nUZ-TK,17\n"}
	e := start(t, d)
	mux := http.NewServeMux()
	mux.Handle("/moved", http.RedirectHandler(e.srv.URL+"/datasets/applications.csv", http.StatusFound))
	mux.Handle("/away", http.RedirectHandler(elsewhere.URL+"/x.csv", http.StatusFound))
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	cfg := e.cfg
	cfg.RowsTopic = rowsTopic
	cfg.URL = front.URL + "/away"
	if _, err := e.poller(t, cfg).Poll(ctx); err == nil || !strings.Contains(err.Error(), "origin") {
		t.Errorf("a redirect to another host: %v, want the poll refused", err)
	}
	if rows := readTopic(t, e.brokers, rowsTopic); len(rows) != 0 {
		t.Errorf("rows published from another host: %q", rows)
	}
	// Within the origin (the front server redirects to itself here).
	mux.Handle("/here", http.RedirectHandler("/moved2", http.StatusFound))
	mux.Handle("/moved2", d)
	cfg.URL = front.URL + "/here"
	cfg.StatePath = filepath.Join(t.TempDir(), "state.json")
	if _, err := e.poller(t, cfg).Poll(ctx); err != nil {
		t.Errorf("a redirect within the origin: %v", err)
	}
}
