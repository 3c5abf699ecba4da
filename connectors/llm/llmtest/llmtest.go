// Package llmtest is a test double of an OpenAI-compatible model server
// (the edge Oqim cannot run here): it speaks the chat-completions
// protocol over real HTTP, plain and streamed, records every request and
// answers from a script, so tests check what Oqim sends to a model and
// what it makes of the answer without each package writing its own
// server.
package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/oqim/oqim/connectors/llm"
	"github.com/oqim/oqim/connectors/retry"
)

// Model and Key are what Client configures and the double expects.
const (
	Model = "test-model"
	Key   = "test-key"
)

// Reply is the double's answer to one request.
type Reply struct {
	// Content is the assistant message.
	Content string
	// Chunks, for a streamed request, are the pieces Content is sent in;
	// empty sends Content as one piece.
	Chunks []string
	// Status, when not zero, fails the request with that HTTP status and
	// an OpenAI error body carrying Error (or "scripted failure").
	Status int
	Error  string
}

// Answer replies content to every request.
func Answer(content string) func(openai.ChatCompletionRequest) Reply {
	return func(openai.ChatCompletionRequest) Reply { return Reply{Content: content} }
}

// Request is one request as the double received it.
type Request struct {
	openai.ChatCompletionRequest
	// Authorization is the request's Authorization header.
	Authorization string
	// Body is the raw JSON, for fields the client library does not model.
	Body []byte
}

// Chat is a chat-completions server double.
type Chat struct {
	srv *httptest.Server

	mu       sync.Mutex
	reply    func(openai.ChatCompletionRequest) Reply
	requests []Request
}

// NewChat starts a double answering with reply; it stops when t ends.
func NewChat(t testing.TB, reply func(openai.ChatCompletionRequest) Reply) *Chat {
	t.Helper()
	c := &Chat{reply: reply}
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.srv.Close)
	return c
}

// URL is the server's base URL, including /v1.
func (c *Chat) URL() string { return c.srv.URL + "/v1" }

// SetReply changes the script for the requests that follow.
func (c *Chat) SetReply(reply func(openai.ChatCompletionRequest) Reply) {
	c.mu.Lock()
	c.reply = reply
	c.mu.Unlock()
}

// Requests returns the requests received so far.
func (c *Chat) Requests() []Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Request(nil), c.requests...)
}

// Client is Oqim's one LLM client pointed at the double, with quick,
// bounded retries.
func (c *Chat) Client(t testing.TB) *llm.Client {
	t.Helper()
	lc, err := llm.New(llm.Config{BaseURL: c.URL(), Model: Model, APIKey: Key,
		Retry: retry.Policy{Attempts: 2, Min: time.Millisecond, Max: 5 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return lc
}

func (c *Chat) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		fail(w, http.StatusNotFound, "no such endpoint on this double")
		return
	}
	var body json.RawMessage
	var req openai.ChatCompletionRequest
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := json.Unmarshal(body, &req); err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	c.mu.Lock()
	c.requests = append(c.requests, Request{ChatCompletionRequest: req, Authorization: r.Header.Get("Authorization"), Body: body})
	reply := c.reply(req)
	c.mu.Unlock()
	switch {
	case reply.Status != 0:
		msg := reply.Error
		if msg == "" {
			msg = "scripted failure"
		}
		fail(w, reply.Status, msg)
	case req.Stream:
		stream(w, reply)
	default:
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(openai.ChatCompletionResponse{
			ID: "chatcmpl-double", Object: "chat.completion", Model: req.Model,
			Choices: []openai.ChatCompletionChoice{{FinishReason: openai.FinishReasonStop,
				Message: openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: reply.Content}}},
		})
	}
}

func stream(w http.ResponseWriter, reply Reply) {
	chunks := reply.Chunks
	if len(chunks) == 0 {
		chunks = []string{reply.Content}
	}
	w.Header().Set("Content-Type", "text/event-stream")
	for _, piece := range chunks {
		b, _ := json.Marshal(openai.ChatCompletionStreamResponse{Choices: []openai.ChatCompletionStreamChoice{{
			Delta: openai.ChatCompletionStreamChoiceDelta{Content: piece}}}})
		fmt.Fprintf(w, "data: %s\n\n", b)
		w.(http.Flusher).Flush()
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// fail writes an error the way OpenAI-compatible servers do.
func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "server_error"}})
}
