package llm

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/oqim/oqim/connectors/retry"
)

// chatDouble is a double of an OpenAI-compatible server: it answers
// /chat/completions and /embeddings with the scripted failures first, then
// successfully, and records when each request came.
type chatDouble struct {
	mu       sync.Mutex
	failures []func(w http.ResponseWriter)
	times    []time.Time
}

func newChatDouble(t *testing.T, failures ...func(w http.ResponseWriter)) (*chatDouble, *httptest.Server) {
	d := &chatDouble{failures: failures}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer test-key" {
			http.Error(w, `{"error":{"message":"bad key"}}`, http.StatusUnauthorized)
			return
		}
		d.mu.Lock()
		d.times = append(d.times, time.Now())
		var fail func(http.ResponseWriter)
		if len(d.failures) > 0 {
			fail, d.failures = d.failures[0], d.failures[1:]
		}
		d.mu.Unlock()
		if fail != nil {
			fail(w)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/chat/completions":
			json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": "salom"}}}})
		case "/v1/embeddings":
			json.NewEncoder(w).Encode(map[string]any{"data": []any{
				map[string]any{"index": 1, "embedding": []float32{0, 1}},
				map[string]any{"index": 0, "embedding": []float32{1, 0}},
			}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return d, srv
}

func (d *chatDouble) requests() []time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]time.Time(nil), d.times...)
}

func status(code int, retryAfter string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		w.Write([]byte(`{"error":{"message":"scripted","type":"test"}}`))
	}
}

func testClient(t *testing.T, url string, p retry.Policy) *Client {
	t.Helper()
	if p.Min == 0 {
		p.Min, p.Max = time.Millisecond, 5*time.Millisecond
	}
	if p.MaxRetryAfter == 0 {
		p.MaxRetryAfter = 5 * time.Second
	}
	c, err := New(Config{BaseURL: url + "/v1", Model: "test-model", EmbeddingModel: "test-embed", APIKey: "test-key", Retry: p})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func chat(t *testing.T, c *Client) (string, error) {
	t.Helper()
	resp, err := c.Chat(t.Context(), openai.ChatCompletionRequest{Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "salom"}}})
	if err != nil {
		return "", err
	}
	return resp.Choices[0].Message.Content, nil
}

func TestChatHonoursRetryAfter(t *testing.T) {
	for name, header := range map[string]func() string{
		"seconds": func() string { return "1" },
		// An HTTP date has whole seconds: two from now is at least one.
		"date": func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) },
	} {
		t.Run(name, func(t *testing.T) {
			d, srv := newChatDouble(t, status(http.StatusTooManyRequests, header()))
			got, err := chat(t, testClient(t, srv.URL, retry.Policy{}))
			if err != nil || got != "salom" {
				t.Fatalf("answer %q, err %v", got, err)
			}
			reqs := d.requests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2", len(reqs))
			}
			if gap := reqs[1].Sub(reqs[0]); gap < 900*time.Millisecond {
				t.Fatalf("retried after %v, before the server's Retry-After", gap)
			}
		})
	}
}

func TestRetriesAreBounded(t *testing.T) {
	fail := status(http.StatusServiceUnavailable, "")
	d, srv := newChatDouble(t, fail, fail, fail, fail, fail)
	_, err := chat(t, testClient(t, srv.URL, retry.Policy{Attempts: 3}))
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 503 {
		t.Fatalf("err %v, want the last 503", err)
	}
	if n := len(d.requests()); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
	if !strings.Contains(err.Error(), "after 3 attempt(s)") {
		t.Fatalf("error %q does not say how often it tried", err)
	}
}

func TestRetryAfterIsCapped(t *testing.T) {
	d, srv := newChatDouble(t, status(http.StatusTooManyRequests, "3600"))
	start := time.Now()
	if _, err := chat(t, testClient(t, srv.URL, retry.Policy{MaxRetryAfter: 200 * time.Millisecond})); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 200*time.Millisecond || el > 5*time.Second || len(d.requests()) != 2 {
		t.Fatalf("took %v for %d requests, want the 200 ms cap", el, len(d.requests()))
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	d, srv := newChatDouble(t, status(http.StatusBadRequest, ""))
	if _, err := chat(t, testClient(t, srv.URL, retry.Policy{})); err == nil {
		t.Fatal("a 400 succeeded")
	}
	if n := len(d.requests()); n != 1 {
		t.Fatalf("%d requests after a 400, want 1", n)
	}
}

func TestAttemptTimeoutIsRetried(t *testing.T) {
	hang := func(w http.ResponseWriter) { time.Sleep(300 * time.Millisecond) }
	d, srv := newChatDouble(t, hang, hang)
	c := testClient(t, srv.URL, retry.Policy{Attempts: 2})
	c.cfg.Timeout = 50 * time.Millisecond
	_, err := chat(t, c)
	if !errors.Is(err, ErrAttemptTimeout) || len(d.requests()) != 2 {
		t.Fatalf("err %v after %d requests, want a timeout after 2", err, len(d.requests()))
	}
}

func TestEmbedOrdersVectorsByIndex(t *testing.T) {
	_, srv := newChatDouble(t, status(http.StatusBadGateway, ""))
	vs, err := testClient(t, srv.URL, retry.Policy{}).Embed(t.Context(), []string{"a", "b"})
	if err != nil || len(vs) != 2 || vs[0][0] != 1 || vs[1][1] != 1 {
		t.Fatalf("vectors %v, err %v", vs, err)
	}
}

func TestNotConfigured(t *testing.T) {
	_, err := New(Config{})
	if !errors.Is(err, ErrNotConfigured) || !strings.Contains(err.Error(), "llm.base_url") {
		t.Fatalf("empty config: %v, want ErrNotConfigured naming llm.base_url", err)
	}
	_, err = New(Config{BaseURL: "http://model.test/v1"})
	if err == nil || errors.Is(err, ErrNotConfigured) || !strings.Contains(err.Error(), "llm.model") {
		t.Fatalf("base URL only: %v, want an error naming llm.model", err)
	}
	c, _ := New(Config{BaseURL: "http://model.test/v1", Model: "m", APIKey: "k"})
	if _, err := c.Embed(t.Context(), []string{"x"}); err == nil || !strings.Contains(err.Error(), "llm.embedding_model") {
		t.Fatalf("embeddings without a model: %v", err)
	}
}

// What a user wrote reaches the model server without personal
// identifiers; Oqim's own system text passes untouched; the caller's
// messages are not modified.
func TestChatRedactsWhatUsersWrote(t *testing.T) {
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": "ok"}}}})
	}))
	defer srv.Close()
	c := testClient(t, srv.URL, retry.Policy{})
	const system = "Call centre: (71) 202-32-32"
	user := "pasport AA 123 45 67, tel +998 90 123 45 67, karta 8600 1234 5678 9012, ali@mail.uz"
	msgs := []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleSystem, Content: system}, {Role: openai.ChatMessageRoleUser, Content: user}}
	if _, err := c.Chat(t.Context(), openai.ChatCompletionRequest{Messages: msgs}); err != nil {
		t.Fatal(err)
	}
	var sent openai.ChatCompletionRequest
	if err := json.Unmarshal(body, &sent); err != nil {
		t.Fatal(err)
	}
	got := sent.Messages[1].Content
	for _, leak := range []string{"123 45 67", "90 123", "8600", "ali@mail.uz"} {
		if strings.Contains(got, leak) {
			t.Errorf("the server received %q in %q", leak, got)
		}
	}
	if sent.Messages[0].Content != system {
		t.Errorf("system text changed to %q", sent.Messages[0].Content)
	}
	if msgs[1].Content != user {
		t.Error("the caller's message was modified")
	}
}

// Text sent for embeddings (a citizen's question, for retrieval) leaves
// without personal identifiers too.
func TestEmbedRedactsItsInput(t *testing.T) {
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"data": []any{map[string]any{"index": 0, "embedding": []float32{1, 0}}}})
	}))
	defer srv.Close()
	in := []string{"pasport АВ1234567, JShShIR 31205\u00a0678901\u00a0234, tel 90.123.45.67, karta 8600 1234 5678 9012, ali@mail.uz, 1 250 000 so'm"}
	if _, err := testClient(t, srv.URL, retry.Policy{}).Embed(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	var sent struct{ Input []string }
	if err := json.Unmarshal(body, &sent); err != nil || len(sent.Input) != 1 {
		t.Fatalf("request %s: %v", body, err)
	}
	for _, leak := range []string{"1234567", "678901", "90.123", "8600", "ali@mail.uz"} {
		if strings.Contains(sent.Input[0], leak) {
			t.Errorf("the embeddings server received %q in %q", leak, sent.Input[0])
		}
	}
	if !strings.Contains(sent.Input[0], "1 250 000") {
		t.Errorf("the amount was lost: %q", sent.Input[0])
	}
	if !strings.Contains(in[0], "8600") {
		t.Error("the caller's input was modified")
	}
}
