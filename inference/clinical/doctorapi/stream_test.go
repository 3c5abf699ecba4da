package doctorapi

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/worker"
)

// countingConn counts the SELECT queries that go through it.
type countingConn struct {
	driver.Conn
	selects atomic.Int64
}

func (c *countingConn) Query(ctx context.Context, query string, args ...any) (driver.Rows, error) {
	if strings.HasPrefix(strings.TrimSpace(query), "SELECT") {
		c.selects.Add(1)
	}
	return c.Conn.Query(ctx, query, args...)
}

func (c *countingConn) QueryRow(ctx context.Context, query string, args ...any) driver.Row {
	if strings.HasPrefix(strings.TrimSpace(query), "SELECT") {
		c.selects.Add(1)
	}
	return c.Conn.QueryRow(ctx, query, args...)
}

// openStream opens an event stream and returns its events as they come;
// the channel closes when the stream ends.
func openStream(t *testing.T, ctx context.Context, url, cred string) (*http.Response, <-chan sseEvent) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+cred)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan sseEvent, 256)
	if resp.StatusCode != http.StatusOK {
		close(events)
		return resp, events
	}
	go func() {
		defer close(events)
		defer resp.Body.Close()
		var cur sseEvent
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if cur.name != "" {
					cur.at = time.Now()
					events <- cur
				}
				cur = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				cur.name = line[7:]
			case strings.HasPrefix(line, "id: "):
				cur.id = line[4:]
			case strings.HasPrefix(line, "data: "):
				cur.data = line[6:]
			}
		}
	}()
	return resp, events
}

func next(t *testing.T, events <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("the stream ended early")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
	return sseEvent{}
}

// openLive opens the event stream at url, wants it accepted (what names
// it in the failure) and its first event, and returns its events.
func openLive(t *testing.T, ctx context.Context, url, cred, what string) <-chan sseEvent {
	t.Helper()
	resp, events := openStream(t, ctx, url, cred)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d", what, resp.StatusCode)
	}
	next(t, events)
	return events
}

// runningJob stores a running job of doctor's, created at created, and
// returns the URL of its event stream.
func (e *env) runningJob(ctx context.Context, store *worker.Store, doctor string, created time.Time) string {
	e.t.Helper()
	j := worker.Job{ID: worker.NewID(), DoctorID: doctor, PatientID: "p-1", Status: worker.StatusRunning, CreatedAt: created}
	if err := store.Put(ctx, j); err != nil {
		e.t.Fatal(err)
	}
	return e.srv.URL + "/api/v1/transcriptions/" + j.ID + "/events"
}

// N streams of one job cost the job store a constant number of queries
// per poll interval, not a FINAL query per stream per interval; every
// stream still gets the segments and the end.
func TestStreamsShareOneWatcher(t *testing.T) {
	const streams = 12
	var counter *countingConn
	e := newEnv(t, envOptions{noEngine: true, noKafka: true,
		tune: func(c *Config) { c.MaxStreamsPerDoctor = streams },
		wrapConn: func(c driver.Conn) driver.Conn {
			counter = &countingConn{Conn: c}
			return counter
		}})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	store := worker.NewStore(e.conn, e.db)
	created := time.Now().UTC().Truncate(time.Second)
	j := worker.Job{ID: worker.NewID(), DoctorID: "d-1", PatientID: "p-1", Language: "uz", Status: worker.StatusRunning, CreatedAt: created}
	if err := store.Put(ctx, j); err != nil {
		t.Fatal(err)
	}
	url := e.srv.URL + "/api/v1/transcriptions/" + j.ID + "/events"
	var all []<-chan sseEvent
	for range streams {
		resp, events := openStream(t, ctx, url, keyOne)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("stream: %d", resp.StatusCode)
		}
		if ev := next(t, events); ev.name != "status" {
			t.Fatalf("first event %q %s, want status", ev.name, ev.data)
		}
		all = append(all, events)
	}

	// All streams open and idle: count the queries of 20 intervals.
	const intervals = 20
	before := counter.selects.Load()
	time.Sleep(intervals * e.cfg.PollInterval)
	queries := counter.selects.Load() - before
	// Two queries a poll (jobs, segments) whatever the number of streams;
	// one poller per stream would make 2×12 a poll.
	if queries > 3*intervals {
		t.Errorf("%d store queries in %d poll intervals with %d streams of one job: the streams poll on their own", queries, intervals, streams)
	}
	t.Logf("%d queries in %d intervals for %d streams", queries, intervals, streams)

	for i := range 3 {
		if err := store.PutSegment(ctx, j.ID, created, worker.Segment{Seq: i, StartMS: int64(i) * 1000, EndMS: int64(i+1) * 1000, Text: "segment"}); err != nil {
			t.Fatal(err)
		}
	}
	j.Status, j.Transcript, j.UpdatedAt = worker.StatusDone, &worker.Transcript{Text: "segment segment segment"}, time.Now()
	if err := store.Put(ctx, j); err != nil {
		t.Fatal(err)
	}
	for i, events := range all {
		var seqs []string
		var last sseEvent
		for ev := range events {
			if ev.name == "segment" {
				seqs = append(seqs, ev.id)
			}
			last = ev
		}
		if strings.Join(seqs, ",") != "0,1,2" || last.name != "done" {
			t.Errorf("stream %d: segments %v, last event %q; want 0,1,2 then done", i, seqs, last.name)
		}
	}
}

// A doctor may hold MaxStreamsPerDoctor streams (default 4); the next is
// refused with 429 and the one error body, others are not affected, and a
// closed stream frees its slot.
func TestStreamsPerDoctorCapped(t *testing.T) {
	e := newEnv(t, envOptions{noEngine: true, noKafka: true})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	store := worker.NewStore(e.conn, e.db)
	one, two := e.runningJob(ctx, store, "d-1", time.Now()), e.runningJob(ctx, store, "d-2", time.Now())
	var cancels []context.CancelFunc
	for range DefaultMaxStreamsPerDoc {
		sctx, scancel := context.WithCancel(ctx)
		cancels = append(cancels, scancel)
		openLive(t, sctx, one, keyOne, "stream within the cap")
	}
	resp, events := openStream(t, ctx, one, keyOne)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("stream %d of one doctor: %d, want 429", DefaultMaxStreamsPerDoc+1, resp.StatusCode)
	}
	var body httpedge.ErrorBody
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Error.Reason == "" || !strings.Contains(body.Error.Detail, "max_streams_per_doctor") {
		t.Errorf("429 body %+v (%v), want the error body naming max_streams_per_doctor", body, err)
	}
	resp.Body.Close()
	if resp.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	_ = events

	openLive(t, ctx, two, keyTwo, "another doctor's stream")

	cancels[0]()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, events := openStream(t, ctx, one, keyOne)
		if resp.StatusCode == http.StatusOK {
			next(t, events)
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatalf("a closed stream's slot was not freed: %d", resp.StatusCode)
		}
	}
	for _, c := range cancels {
		c()
	}
}

// A job deleted while streamed (retention) ends its streams rather than
// holding them open until stream_timeout.
func TestStreamEndsWhenTheJobIsDeleted(t *testing.T) {
	e := newEnv(t, envOptions{noEngine: true, noKafka: true})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	store := worker.NewStore(e.conn, e.db)
	events := openLive(t, ctx, e.runningJob(ctx, store, "d-1", time.Now().Add(-time.Hour)), keyOne, "stream")
	if err := store.DeleteBefore(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	select {
	case ev, ok := <-events:
		if ok {
			t.Fatalf("event %q %s after the job was deleted", ev.name, ev.data)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the stream of a deleted job is still open")
	}
}

// The process's total is bounded too: past max_streams every doctor gets
// 503, whatever their own count.
func TestStreamsTotalCapped(t *testing.T) {
	e := newEnv(t, envOptions{noEngine: true, noKafka: true, tune: func(c *Config) { c.MaxStreams = 2 }})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	store := worker.NewStore(e.conn, e.db)
	one, two := e.runningJob(ctx, store, "d-1", time.Now()), e.runningJob(ctx, store, "d-2", time.Now())
	for _, s := range []struct{ url, key string }{{one, keyOne}, {two, keyTwo}} {
		openLive(t, ctx, s.url, s.key, "stream within the total")
	}
	resp, _ := openStream(t, ctx, two, keyTwo)
	defer resp.Body.Close()
	var body httpedge.ErrorBody
	if resp.StatusCode != http.StatusServiceUnavailable || json.NewDecoder(resp.Body).Decode(&body) != nil || !strings.Contains(body.Error.Detail, "doctor.max_streams") {
		t.Fatalf("third stream with max_streams 2: %d %+v, want 503 naming doctor.max_streams", resp.StatusCode, body)
	}
}

// Streams opened while the watcher polls other jobs stay open: a job the
// poll did not read is not taken for deleted.
func TestStreamsOpenedDuringPollsStayOpen(t *testing.T) {
	const jobs = 16
	e := newEnv(t, envOptions{noEngine: true, noKafka: true, tune: func(c *Config) {
		c.MaxStreamsPerDoctor = jobs
		c.PollInterval = 5 * time.Millisecond
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	store := worker.NewStore(e.conn, e.db)
	var all []<-chan sseEvent
	for range jobs {
		all = append(all, openLive(t, ctx, e.runningJob(ctx, store, "d-1", time.Now()), keyOne, "stream"))
	}
	time.Sleep(300 * time.Millisecond)
	for i, events := range all {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Errorf("stream %d of a live job ended", i)
			} else {
				t.Errorf("stream %d: unexpected event %q %s", i, ev.name, ev.data)
			}
		default:
		}
	}
}
