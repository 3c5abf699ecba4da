package asr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/oqim/oqim/inference/clinical/audio"
)

// OpenAIConfig configures the "openai" engine. Zero fields take the defaults
// in their comments.
type OpenAIConfig struct {
	// BaseURL of the API including its version path, such as
	// "https://api.openai.com/v1" or "http://asr.internal:8000/v1".
	BaseURL string
	// Model is the transcription model; default "whisper-1".
	Model  string
	APIKey string
	// Timeout bounds each HTTP attempt, upload included; default 2 min.
	Timeout time.Duration
	// MaxRetries is how often a failed attempt is retried after a 429, a
	// 5xx, a timeout or a network error; default 4, negative for none.
	// Other 4xx responses are never retried: repeating them cannot help.
	MaxRetries int
	// InitialBackoff is the first retry delay, doubled each retry up to
	// MaxBackoff, with full jitter; defaults 500 ms and 30 s. A server's
	// Retry-After, when longer, is honoured instead (up to 5 min).
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	// HTTPClient is optional; its own Timeout should be zero or above
	// Timeout.
	HTTPClient *http.Client
}

// maxRetryAfter bounds how long a server may tell us to wait.
const maxRetryAfter = 5 * time.Minute

// OpenAI is the "openai" engine: it uploads each clip as 16-bit WAV to an
// OpenAI-compatible /audio/transcriptions endpoint and asks for verbose
// JSON, the response format that carries segment timestamps.
type OpenAI struct {
	client *openai.Client
	cfg    OpenAIConfig
}

// NewOpenAI validates cfg and returns the engine. It does not contact the
// server.
func NewOpenAI(cfg OpenAIConfig) (*OpenAI, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New(`asr: engine "openai" needs a base URL, such as https://api.openai.com/v1`)
	}
	if cfg.Model == "" {
		cfg.Model = openai.Whisper1
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 4
	}
	if cfg.InitialBackoff <= 0 {
		cfg.InitialBackoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	oc.HTTPClient = retryAfterRecorder{hc}
	return &OpenAI{client: openai.NewClientWithConfig(oc), cfg: cfg}, nil
}

// Transcribe implements [Engine].
func (e *OpenAI) Transcribe(ctx context.Context, clip audio.Clip, opts Options) (Transcript, error) {
	if err := checkInput(clip, opts); err != nil {
		return Transcript{}, err
	}
	var wav bytes.Buffer
	wav.Grow(44 + 2*len(clip.Samples))
	if err := audio.EncodeWAV(&wav, clip); err != nil {
		return Transcript{}, fmt.Errorf("asr: %w", err)
	}
	req := openai.AudioRequest{
		Model:    e.cfg.Model,
		FilePath: "audio.wav", // the server reads the format from the name
		Prompt:   opts.Prompt,
		Language: fixedLanguage(opts),
		Format:   openai.AudioResponseFormatVerboseJSON,
	}
	for attempt := 0; ; attempt++ {
		var hint retryHint
		resp, err := e.attempt(ctx, req, wav.Bytes(), &hint)
		if err == nil {
			tr := toTranscript(resp)
			if opts.OnSegment != nil {
				for _, s := range tr.Segments {
					opts.OnSegment(s)
				}
			}
			return tr, nil
		}
		if ctx.Err() != nil {
			return Transcript{}, fmt.Errorf("asr: openai transcription: %w", context.Cause(ctx))
		}
		if !retryable(err) || attempt >= e.cfg.MaxRetries {
			return Transcript{}, fmt.Errorf("asr: openai transcription failed after %d attempt(s): %w", attempt+1, err)
		}
		wait := e.backoff(attempt)
		if hint.retryAfter > wait {
			wait = min(hint.retryAfter, maxRetryAfter)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return Transcript{}, fmt.Errorf("asr: openai transcription, waiting to retry %v: %w", err, context.Cause(ctx))
		case <-t.C:
		}
	}
}

func (e *OpenAI) attempt(ctx context.Context, req openai.AudioRequest, wav []byte, hint *retryHint) (openai.AudioResponse, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, e.cfg.Timeout, errAttemptTimeout)
	defer cancel()
	req.Reader = bytes.NewReader(wav)
	resp, err := e.client.CreateTranscription(context.WithValue(ctx, retryHintKey{}, hint), req)
	if err != nil && ctx.Err() != nil {
		// Report the timeout, not the transport's "context canceled".
		err = fmt.Errorf("%w (%v): %w", errAttemptTimeout, e.cfg.Timeout, err)
	}
	return resp, err
}

var errAttemptTimeout = errors.New("request timed out")

// backoff is exponential with full jitter, so clients that failed together
// do not retry together.
func (e *OpenAI) backoff(attempt int) time.Duration {
	d := e.cfg.MaxBackoff
	if attempt < 30 {
		d = min(e.cfg.InitialBackoff<<attempt, e.cfg.MaxBackoff)
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

// retryable reports whether another attempt may succeed: rate limiting,
// server errors and failures to get any response. Other HTTP errors mean
// the request itself is wrong.
func retryable(err error) bool {
	status := 0
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	if status == 0 {
		return true // timeout or transport error: no answer at all
	}
	return status == http.StatusTooManyRequests || status >= 500
}

func toTranscript(resp openai.AudioResponse) Transcript {
	tr := Transcript{Language: languageCode(resp.Language), Text: strings.TrimSpace(resp.Text)}
	for _, s := range resp.Segments {
		tr.Segments = append(tr.Segments, Segment{
			Start: seconds(s.Start),
			End:   seconds(s.End),
			Text:  strings.TrimSpace(s.Text),
		})
	}
	return tr
}

func seconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

// languageCode maps the language names OpenAI's verbose JSON reports
// ("russian") to the codes the rest of the system uses; servers that already
// send codes pass through.
func languageCode(name string) string {
	switch l := strings.ToLower(strings.TrimSpace(name)); l {
	case "uzbek":
		return "uz"
	case "russian":
		return "ru"
	case "english":
		return "en"
	default:
		return l
	}
}

// retryHint carries the Retry-After of one attempt's response out of the
// client library, which does not expose headers on errors.
type retryHint struct{ retryAfter time.Duration }

type retryHintKey struct{}

// retryAfterRecorder is the HTTP client given to go-openai; it records
// Retry-After into the retryHint found in the request's context.
type retryAfterRecorder struct{ next openai.HTTPDoer }

func (r retryAfterRecorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.next.Do(req)
	if resp != nil {
		if h, ok := req.Context().Value(retryHintKey{}).(*retryHint); ok {
			h.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
	}
	return resp, err
}

// parseRetryAfter reads delay-seconds or an HTTP date (RFC 9110 10.2.3).
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
