package asr

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oqim/oqim/inference/clinical/audio"
)

// openAITranscriptionProtocolDouble is a test double of a server speaking
// OpenAI's POST /v1/audio/transcriptions protocol: it parses the multipart
// upload (file, model, language, prompt, response_format), decodes the
// uploaded audio and answers verbose_json whose segments are derived from
// the audio's length, so callers can check timestamps. Failures are
// scripted per request and answered with OpenAI's error JSON.
type openAITranscriptionProtocolDouble struct {
	t      *testing.T
	apiKey string
	// segment is the length of the segments the double invents.
	segment time.Duration

	mu       sync.Mutex
	script   []scriptedReply // consumed one per request; then success
	requests []transcriptionRequest
	inFlight int
	maxIn    int
	delay    time.Duration // added to every successful reply
}

type scriptedReply struct {
	status     int
	retryAfter string
	hang       bool // never answer; the client has to time out
}

type transcriptionRequest struct {
	Model, Language, Prompt, ResponseFormat, FileName string
	Audio                                             audio.Clip
	At                                                time.Time
}

func newOpenAITranscriptionProtocolDouble(t *testing.T) (*openAITranscriptionProtocolDouble, *httptest.Server) {
	d := &openAITranscriptionProtocolDouble{t: t, apiKey: "test-key", segment: 2 * time.Second}
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	return d, srv
}

func (d *openAITranscriptionProtocolDouble) writeOpenAIError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "param": nil, "code": nil,
	}})
}

func (d *openAITranscriptionProtocolDouble) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/audio/transcriptions" {
		d.writeOpenAIError(w, http.StatusNotFound, "invalid_request_error", "unknown endpoint "+r.Method+" "+r.URL.Path)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+d.apiKey {
		d.writeOpenAIError(w, http.StatusUnauthorized, "invalid_request_error", "Incorrect API key provided")
		return
	}
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		d.writeOpenAIError(w, http.StatusBadRequest, "invalid_request_error", "could not parse multipart form: "+err.Error())
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		d.writeOpenAIError(w, http.StatusBadRequest, "invalid_request_error", "missing file")
		return
	}
	defer file.Close()
	clip, _, err := audio.Decode(file, audio.Limits{})
	if err != nil {
		d.writeOpenAIError(w, http.StatusBadRequest, "invalid_request_error", "Invalid file format: "+err.Error())
		return
	}
	req := transcriptionRequest{
		Model: r.FormValue("model"), Language: r.FormValue("language"), Prompt: r.FormValue("prompt"),
		ResponseFormat: r.FormValue("response_format"), FileName: hdr.Filename, Audio: clip, At: time.Now(),
	}

	d.mu.Lock()
	d.requests = append(d.requests, req)
	var reply *scriptedReply
	if len(d.script) > 0 {
		reply = &d.script[0]
		d.script = d.script[1:]
	}
	d.inFlight++
	d.maxIn = max(d.maxIn, d.inFlight)
	delay := d.delay
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.inFlight--
		d.mu.Unlock()
	}()

	if reply != nil {
		if reply.hang {
			<-r.Context().Done()
			return
		}
		if reply.retryAfter != "" {
			w.Header().Set("Retry-After", reply.retryAfter)
		}
		typ := "server_error"
		switch {
		case reply.status == http.StatusTooManyRequests:
			typ = "rate_limit_exceeded"
		case reply.status < 500:
			typ = "invalid_request_error"
		}
		d.writeOpenAIError(w, reply.status, typ, fmt.Sprintf("scripted %d", reply.status))
		return
	}
	if req.Model == "" {
		d.writeOpenAIError(w, http.StatusBadRequest, "invalid_request_error", "you must provide a model parameter")
		return
	}
	select {
	case <-time.After(delay):
	case <-r.Context().Done():
		return
	}

	// Segments every d.segment over the uploaded audio; the text names
	// each segment's local span so tests can recompute it.
	total := clip.Duration()
	type seg struct {
		ID    int     `json:"id"`
		Start float64 `json:"start"`
		End   float64 `json:"end"`
		Text  string  `json:"text"`
	}
	var segs []seg
	var texts []string
	for start := time.Duration(0); start < total; start += d.segment {
		end := min(start+d.segment, total)
		text := fmt.Sprintf("[%d-%d]", start.Milliseconds(), end.Milliseconds())
		segs = append(segs, seg{ID: len(segs), Start: start.Seconds(), End: end.Seconds(), Text: " " + text})
		texts = append(texts, text)
	}
	lang := map[string]string{"uz": "uzbek", "ru": "russian", "": "russian"}[req.Language]
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"task": "transcribe", "language": lang, "duration": total.Seconds(),
		"text": strings.Join(texts, " "), "segments": segs,
	})
}

func (d *openAITranscriptionProtocolDouble) setScript(replies ...scriptedReply) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.script = replies
}

func (d *openAITranscriptionProtocolDouble) recorded() []transcriptionRequest {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]transcriptionRequest(nil), d.requests...)
}
