package asr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/oqim/oqim/connectors/llm"
	"github.com/oqim/oqim/connectors/retry"
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
	// MaxBackoff, with jitter; defaults 500 ms and 30 s (connectors/llm's).
	// A server's Retry-After, when longer, is honoured instead (up to
	// 5 min).
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	// HTTPClient is optional; its own Timeout should be zero or above
	// Timeout.
	HTTPClient *http.Client
}

// maxRetryAfter bounds how long a server may tell us to wait: a job
// waits anyway, so longer than for a chat answer.
const maxRetryAfter = 5 * time.Minute

// OpenAI is the "openai" engine: it uploads each clip as 16-bit WAV to an
// OpenAI-compatible /audio/transcriptions endpoint and asks for verbose
// JSON, the response format that carries segment timestamps. Its client is
// connectors/llm's, with the asr.* settings: a whisper server is usually
// not the chat model's server.
type OpenAI struct {
	client *llm.Client
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
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 4
	}
	c, err := llm.New(llm.Config{
		BaseURL: cfg.BaseURL, Model: cfg.Model, APIKey: cfg.APIKey, Timeout: cfg.Timeout, HTTPClient: cfg.HTTPClient,
		Retry: retry.Policy{Attempts: max(cfg.MaxRetries, 0) + 1, Min: cfg.InitialBackoff, Max: cfg.MaxBackoff, MaxRetryAfter: maxRetryAfter},
	})
	if err != nil {
		return nil, fmt.Errorf("asr: %w", err)
	}
	return &OpenAI{client: c}, nil
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
		FilePath: "audio.wav", // the server reads the format from the name
		Prompt:   opts.Prompt,
		Language: fixedLanguage(opts),
		Format:   openai.AudioResponseFormatVerboseJSON,
	}
	resp, err := e.client.Transcribe(ctx, req, wav.Bytes())
	if err != nil {
		return Transcript{}, fmt.Errorf("asr: openai: %w", err)
	}
	tr := toTranscript(resp)
	if opts.OnSegment != nil {
		for _, s := range tr.Segments {
			opts.OnSegment(s)
		}
	}
	return tr, nil
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
