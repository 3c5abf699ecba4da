// Package bench measures the chatbot end to end: concurrent sessions, in
// offline (extractive) mode, against a real HTTP server on loopback, each
// starting a session and asking questions over SSE as the widget does.
package bench

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/chatbot"
)

//go:embed questions.txt
var defaultQuestions string

// Options configure Run.
type Options struct {
	// Sessions is how many sessions run at once (default 1,000).
	Sessions int
	// QuestionsPerSession is how many questions each asks in turn
	// (default 5).
	QuestionsPerSession int
	// Questions to draw from; nil uses a built-in mixed-language set.
	Questions []string
}

// Report is the outcome, in JSON for `oqim bench chatbot --json`.
type Report struct {
	Sessions        int     `json:"sessions"`
	Questions       int     `json:"questions"`
	Errors          int     `json:"errors"`
	DurationSeconds float64 `json:"duration_seconds"`
	QuestionsPerSec float64 `json:"questions_per_second"`
	P50Ms           float64 `json:"p50_ms"`
	P99Ms           float64 `json:"p99_ms"`
	MaxMs           float64 `json:"max_ms"`
	FirstError      string  `json:"first_error,omitempty"`
}

// WriteText writes the report for people.
func (r Report) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "sessions %d  questions %d  errors %d  in %.2fs\n%.0f questions/s  p50 %.2f ms  p99 %.2f ms  max %.2f ms\n",
		r.Sessions, r.Questions, r.Errors, r.DurationSeconds, r.QuestionsPerSec, r.P50Ms, r.P99Ms, r.MaxMs)
	return err
}

// Run starts an offline chatbot on a loopback port and drives it.
func Run(ctx context.Context, opts Options) (Report, error) {
	// A setting of zero or less takes its default.
	opts.Sessions = cmp.Or(max(opts.Sessions, 0), 1000)
	opts.QuestionsPerSession = cmp.Or(max(opts.QuestionsPerSession, 0), 5)
	qs := opts.Questions
	if len(qs) == 0 {
		for _, l := range strings.Split(defaultQuestions, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				qs = append(qs, l)
			}
		}
	}
	// Every simulated client has its own address, as separate citizens
	// do: the bench is a trusted proxy (loopback) that names each one in
	// X-Forwarded-For, as a load balancer in front of oqim serve would,
	// so the limiter runs on every request with a bucket per client.
	clients := make([]string, opts.Sessions)
	for i := range clients {
		clients[i] = fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
	}
	loopback, err := httpedge.ParseProxies([]string{"127.0.0.0/8"})
	if err != nil {
		return Report{}, err
	}
	svc, err := chatbot.New(chatbot.Config{Proxies: loopback, RatePerSecond: 100, Burst: 100, MaxSessions: opts.Sessions * 2})
	if err != nil {
		return Report{}, err
	}
	defer svc.Close(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Report{}, fmt.Errorf("bench: listening on loopback: %w", err)
	}
	srv := httpedge.NewServer(svc, httpedge.Timeouts{}) // as oqim serve runs it
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: opts.Sessions, MaxIdleConnsPerHost: opts.Sessions, MaxConnsPerHost: 0}, Timeout: 60 * time.Second}
	defer client.CloseIdleConnections()

	lat := make([][]time.Duration, opts.Sessions)
	var errCount atomic.Int64
	var firstErr atomic.Value
	fail := func(err error) {
		errCount.Add(1)
		firstErr.CompareAndSwap(nil, err.Error())
	}
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < opts.Sessions; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sid, err := createSession(ctx, client, base, clients[i])
			if err != nil {
				fail(err)
				return
			}
			for j := 0; j < opts.QuestionsPerSession; j++ {
				q := qs[(i*opts.QuestionsPerSession+j)%len(qs)]
				t0 := time.Now()
				if err := askSSE(ctx, client, base, clients[i], sid, q); err != nil {
					fail(err)
					continue
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	rep := Report{Sessions: opts.Sessions, Questions: len(all), Errors: int(errCount.Load()), DurationSeconds: elapsed.Seconds()}
	if s, ok := firstErr.Load().(string); ok {
		rep.FirstError = s
	}
	if len(all) == 0 {
		return rep, errors.New("bench: no question was answered: " + rep.FirstError)
	}
	slices.Sort(all)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	rep.QuestionsPerSec = float64(len(all)) / elapsed.Seconds()
	rep.P50Ms = ms(all[len(all)/2])
	rep.P99Ms = ms(all[min(len(all)-1, len(all)*99/100)])
	rep.MaxMs = ms(all[len(all)-1])
	return rep, nil
}

func createSession(ctx context.Context, c *http.Client, base, client string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/chat/sessions", nil)
	req.Header.Set("X-Forwarded-For", client)
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("bench: create session: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("bench: create session: %s", resp.Status)
	}
	var s struct {
		SessionID string `json:"session_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return "", fmt.Errorf("bench: create session: %w", err)
	}
	return s.SessionID, nil
}

// askSSE asks one question and reads the stream to its done event.
func askSSE(ctx context.Context, c *http.Client, base, client, sid, q string) error {
	body, _ := json.Marshal(map[string]string{"text": q})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/chat/sessions/"+sid+"/messages", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("X-Forwarded-For", client)
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("bench: ask: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: ask: %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if sc.Text() == "event: done" {
			io.Copy(io.Discard, resp.Body)
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("bench: reading stream: %w", err)
	}
	return errors.New("bench: stream ended without a done event")
}
