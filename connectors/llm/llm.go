// Package llm is Oqim's one client of OpenAI-compatible model servers
// (vLLM, llama.cpp server, Ollama, whisper servers, OpenAI): chat,
// embeddings and transcription through github.com/sashabaranov/go-openai,
// each call bounded by a per-attempt timeout and retried through
// connectors/retry on 429, 5xx, timeouts and network errors, honouring the
// server's Retry-After.
package llm

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/oqim/oqim/connectors/redact"
	"github.com/oqim/oqim/connectors/retry"
)

// Config points at one server. It is the llm.* section of oqim's
// configuration; the remote ASR engine fills one from asr.*.
type Config struct {
	// BaseURL of the API including its version path, such as
	// http://localhost:8000/v1.
	BaseURL string
	// Model answers chat completions (or transcribes, for a whisper
	// server).
	Model string
	// EmbeddingModel computes embeddings; empty leaves them off.
	EmbeddingModel string
	// APIKey is sent as a bearer token when set; servers without keys
	// (Ollama, llama.cpp server, most whisper servers) need none.
	APIKey string
	// Timeout bounds each attempt; default 2 min. A streamed chat is
	// bounded by its caller's context instead, as its length is the
	// answer's.
	Timeout time.Duration
	// Retry bounds the retries; the zero Policy makes 4 attempts with a
	// backoff from 500 ms to 30 s, and waits at most 30 s for a server's
	// Retry-After.
	Retry retry.Policy
	// HTTPClient sends the requests; nil means a client without timeout
	// (Timeout applies through the context).
	HTTPClient *http.Client
}

// ErrNotConfigured is returned by New for a configuration without a base
// URL, which is how Oqim is told to work offline. Callers that have an
// offline mode check for it with errors.Is.
var ErrNotConfigured = errors.New("llm: no model server configured (set llm.base_url and llm.model, and llm.api_key if the server wants one)")

// ErrAttemptTimeout is the cause of an attempt that ran out of Timeout.
var ErrAttemptTimeout = errors.New("request timed out")

// Check reports the settings that are missing: ErrNotConfigured without a
// base URL, an error naming the model when only the base URL is set.
func (c Config) Check() error {
	if c.BaseURL == "" {
		return ErrNotConfigured
	}
	if c.Model == "" {
		return fmt.Errorf("llm: base URL %q is set but not the model (llm.model); set it, or leave llm.base_url empty to work offline", c.BaseURL)
	}
	return nil
}

// Client calls one server. It is safe for concurrent use.
type Client struct {
	oc       *openai.Client
	cfg      Config
	redactor *redact.Redactor
}

// New checks cfg and returns a Client. It does not contact the server.
func New(cfg Config) (*Client, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	// A setting of zero or less takes its default.
	cfg.Timeout = cmp.Or(max(cfg.Timeout, 0), 2*time.Minute)
	cfg.Retry.Min = cmp.Or(max(cfg.Retry.Min, 0), 500*time.Millisecond)
	cfg.Retry.Max = cmp.Or(max(cfg.Retry.Max, 0), 30*time.Second)
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	oc.HTTPClient = retryAfterRecorder{hc}
	return &Client{oc: openai.NewClientWithConfig(oc), cfg: cfg, redactor: redact.New()}, nil
}

// Model is the chat (or transcription) model requests default to.
func (c *Client) Model() string { return c.cfg.Model }

// EmbeddingModel is the embeddings model, empty when none is configured.
func (c *Client) EmbeddingModel() string { return c.cfg.EmbeddingModel }

// Chat asks for one completion; an empty req.Model means Model().
func (c *Client) Chat(ctx context.Context, req openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	if req.Model == "" {
		req.Model = c.cfg.Model
	}
	req.Messages = c.redactUser(req.Messages)
	var resp openai.ChatCompletionResponse
	err := c.do(ctx, "chat completion", true, func(ctx context.Context) (err error) {
		resp, err = c.oc.CreateChatCompletion(ctx, req)
		return err
	})
	return resp, err
}

// ChatStream opens a streamed completion; an empty req.Model means
// Model(). Opening is retried; once the stream has started, an error ends
// it, since the caller may have shown part of the answer.
func (c *Client) ChatStream(ctx context.Context, req openai.ChatCompletionRequest) (*openai.ChatCompletionStream, error) {
	if req.Model == "" {
		req.Model = c.cfg.Model
	}
	req.Stream = true
	req.Messages = c.redactUser(req.Messages)
	var st *openai.ChatCompletionStream
	err := c.do(ctx, "chat stream", false, func(ctx context.Context) (err error) {
		st, err = c.oc.CreateChatCompletionStream(ctx, req)
		return err
	})
	return st, err
}

// redactUser returns msgs with personal identifiers removed from what
// users wrote (citizens' questions, doctors' dictations): whatever a
// caller forgot, no passport, PINFL, phone, card or e-mail leaves for a
// model server. System and assistant messages are Oqim's own text (prompts,
// knowledge-base entries with agencies' public phone numbers) and pass
// as they are. The caller's slice is not modified.
func (c *Client) redactUser(msgs []openai.ChatCompletionMessage) []openai.ChatCompletionMessage {
	out := slices.Clone(msgs)
	for i := range out {
		m := &out[i]
		if m.Role != openai.ChatMessageRoleUser {
			continue
		}
		m.Content, _ = c.redactor.Redact(m.Content)
		if len(m.MultiContent) > 0 {
			m.MultiContent = slices.Clone(m.MultiContent)
			for j := range m.MultiContent {
				m.MultiContent[j].Text, _ = c.redactor.Redact(m.MultiContent[j].Text)
			}
		}
	}
	return out
}

// Embed returns one vector per input, in input order, from
// EmbeddingModel(). Inputs are redacted like users' chat messages: a
// citizen's question embedded for retrieval leaves Oqim as surely as one
// sent for an answer, and an identifier adds nothing to what it means.
func (c *Client) Embed(ctx context.Context, in []string) ([][]float32, error) {
	if c.cfg.EmbeddingModel == "" {
		return nil, errors.New("llm: no embeddings model configured (llm.embedding_model)")
	}
	clean := make([]string, len(in))
	for i, s := range in {
		clean[i], _ = c.redactor.Redact(s)
	}
	var resp openai.EmbeddingResponse
	err := c.do(ctx, "embeddings", true, func(ctx context.Context) (err error) {
		resp, err = c.oc.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{Input: clean, Model: openai.EmbeddingModel(c.cfg.EmbeddingModel)})
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(resp.Data) != len(in) {
		return nil, fmt.Errorf("llm: embeddings: %d vectors for %d inputs", len(resp.Data), len(in))
	}
	out := make([][]float32, len(in))
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= len(in) || out[d.Index] != nil {
			return nil, fmt.Errorf("llm: embeddings: index %d out of range or repeated", d.Index)
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}

// Transcribe uploads audio (the file named by req.FilePath, whose
// extension tells the server the format) to /audio/transcriptions; an
// empty req.Model means Model(). req.Reader is ignored: each attempt reads
// audio afresh.
func (c *Client) Transcribe(ctx context.Context, req openai.AudioRequest, audio []byte) (openai.AudioResponse, error) {
	if req.Model == "" {
		req.Model = c.cfg.Model
	}
	var resp openai.AudioResponse
	err := c.do(ctx, "transcription", true, func(ctx context.Context) (err error) {
		req.Reader = bytes.NewReader(audio)
		resp, err = c.oc.CreateTranscription(ctx, req)
		return err
	})
	return resp, err
}

// do runs call through the retry policy. With bounded set, each attempt
// gets its own Timeout.
func (c *Client) do(ctx context.Context, what string, bounded bool, call func(context.Context) error) error {
	attempts, err := c.cfg.Retry.Do(ctx, func(ctx context.Context) error {
		hint := new(time.Duration)
		actx := context.WithValue(ctx, retryAfterKey{}, hint)
		if bounded {
			var cancel context.CancelFunc
			actx, cancel = context.WithTimeoutCause(actx, c.cfg.Timeout, ErrAttemptTimeout)
			defer cancel()
		}
		err := call(actx)
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return err // the caller gave up; no retry
		case actx.Err() != nil:
			// Report the timeout, not the transport's "context canceled".
			return retry.Again(fmt.Errorf("%w (%v): %w", ErrAttemptTimeout, c.cfg.Timeout, err), 0)
		case retryable(err):
			return retry.Again(err, *hint)
		}
		return err
	})
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("llm: %s: %w", what, err)
	}
	return fmt.Errorf("llm: %s failed after %d attempt(s): %w", what, attempts, err)
}

// Failure describes err for a log without what the model server said:
// an error answer may quote the request, that is the user's text. It
// keeps the HTTP status, timeouts and cancellations, and the message of
// errors that did not come from the server.
func Failure(err error) string {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &apiErr):
		return fmt.Sprintf("model server answered HTTP %d (message withheld)", apiErr.HTTPStatusCode)
	case errors.As(err, &reqErr):
		return fmt.Sprintf("model server answered HTTP %d (message withheld)", reqErr.HTTPStatusCode)
	case errors.Is(err, ErrAttemptTimeout), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return err.Error()
}

// retryable reports whether another attempt may succeed: rate limiting,
// server errors and failures to get any answer. Other HTTP errors mean the
// request itself is wrong.
func retryable(err error) bool {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr) && apiErr.HTTPStatusCode != 0:
		return retry.RetryableStatus(apiErr.HTTPStatusCode)
	case errors.As(err, &reqErr) && reqErr.HTTPStatusCode != 0:
		return retry.RetryableStatus(reqErr.HTTPStatusCode)
	}
	return true // no answer at all: network error
}

type retryAfterKey struct{}

// retryAfterRecorder is the HTTP client given to go-openai, which does not
// expose response headers on errors: it stores the response's Retry-After
// where the attempt's context points.
type retryAfterRecorder struct{ next openai.HTTPDoer }

func (r retryAfterRecorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.next.Do(req)
	if resp != nil {
		if hint, ok := req.Context().Value(retryAfterKey{}).(*time.Duration); ok {
			*hint = retry.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
	}
	return resp, err
}
