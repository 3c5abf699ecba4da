// Package asrtest gives tests a server speaking OpenAI's
// audio-transcription protocol, so code that uses asr.New runs its real
// engine over HTTP without a speech model. It is the one such double:
// asr's own tests (as package asr_test) and the tests of its callers use
// it alike.
package asrtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oqim/oqim/inference/clinical/asr"
	"github.com/oqim/oqim/inference/clinical/audio"
)

// DefaultAPIKey is the key a new double accepts.
const DefaultAPIKey = "asrtest-key"

// TranscriptionProtocolDouble is a test double of a server speaking
// OpenAI's POST /v1/audio/transcriptions: it parses the multipart upload
// (file, model, language, prompt, response_format), decodes the audio and
// answers verbose_json with one segment per Segment of audio, whose text
// names its span in milliseconds relative to the uploaded chunk
// ("[0-2000]"), so callers can recompute the timestamps, or, after
// SetTranscript, one segment carrying a fixed dictation. It does no
// speech recognition. Failures are scripted per request (see SetScript)
// and answered in OpenAI's error format.
//
// Change Segment or APIKey only before the first request.
type TranscriptionProtocolDouble struct {
	// URL is the server root; the API root is URL + "/v1".
	URL string
	// Segment is the length of the invented segments (2 s).
	Segment time.Duration
	// APIKey is the bearer token the double accepts (DefaultAPIKey).
	APIKey string

	mu       sync.Mutex
	delay    time.Duration
	text     string  // SetTranscript's dictation; "" answers span labels
	script   []Reply // consumed one per request; then success
	requests []Request
	inFlight int
	maxIn    int
}

// Reply is a scripted failure for one request.
type Reply struct {
	// Status is the HTTP status answered with an OpenAI error body.
	Status int
	// RetryAfter, when not empty, is sent as the Retry-After header.
	RetryAfter string
	// Hang makes the double never answer, so the client has to give up;
	// Status and RetryAfter are then unused.
	Hang bool
}

// Request is one transcription request as the double received it.
type Request struct {
	Model, Language, Prompt, ResponseFormat string
	// FileName is the uploaded file's name.
	FileName string
	// Audio is the uploaded file, decoded.
	Audio audio.Clip
	// Started is when the request arrived.
	Started time.Time
	// Finished is when the double answered; zero when it never did
	// (a hang, or the client gave up during the delay).
	Finished time.Time
}

// NewTranscriptionProtocolDouble starts the double; it stops when t ends.
func NewTranscriptionProtocolDouble(t testing.TB) *TranscriptionProtocolDouble {
	t.Helper()
	d := &TranscriptionProtocolDouble{Segment: 2 * time.Second, APIKey: DefaultAPIKey}
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	d.URL = srv.URL
	return d
}

// Config is an asr.Config selecting the OpenAI engine against the double.
func (d *TranscriptionProtocolDouble) Config() asr.Config {
	return asr.Config{Engine: asr.EngineOpenAI, OpenAI: asr.OpenAIConfig{
		BaseURL: d.URL + "/v1", Model: "whisper-1", APIKey: d.APIKey, MaxRetries: -1,
	}}
}

// SetDelay makes every later successful answer wait delay, so tests can
// watch partial results arrive or keep requests overlapping.
func (d *TranscriptionProtocolDouble) SetDelay(delay time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.delay = delay
}

// SetTranscript makes every later successful answer one segment spanning
// the whole upload with text, standing in for what a speech model would
// hear in a dictation, so a caller's note and differential have words to
// work on. The double still does not listen: it answers text whatever the
// audio holds, so a test must check the audio itself (Requests). Use it
// with uploads shorter than one chunk of the caller's engine, or each
// chunk repeats the text. "" restores the span labels.
func (d *TranscriptionProtocolDouble) SetTranscript(text string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.text = text
}

// SetScript makes the next len(replies) requests fail as the replies say,
// one each in order; requests after them succeed. It replaces any script
// not yet consumed.
func (d *TranscriptionProtocolDouble) SetScript(replies ...Reply) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.script = append([]Reply(nil), replies...)
}

// Requests returns every request that carried decodable audio, scripted
// failures included, in order of arrival.
func (d *TranscriptionProtocolDouble) Requests() []Request {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Request(nil), d.requests...)
}

// MaxInFlight is the largest number of requests the double was handling
// at once, so tests can check a client's concurrency bound.
func (d *TranscriptionProtocolDouble) MaxInFlight() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.maxIn
}

// writeError replies as the OpenAI server does, which is the shape the
// client under test must understand; it is not Oqim's error body. Every
// error the double sends goes through here.
func writeError(w http.ResponseWriter, status int, msg string) {
	typ := "server_error"
	switch {
	case status == http.StatusTooManyRequests:
		typ = "rate_limit_exceeded"
	case status < 500:
		typ = "invalid_request_error"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "param": nil, "code": nil,
	}})
}

// ServeHTTP implements the protocol.
func (d *TranscriptionProtocolDouble) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	if r.Method != http.MethodPost || r.URL.Path != "/v1/audio/transcriptions" {
		writeError(w, http.StatusNotFound, "unknown endpoint "+r.Method+" "+r.URL.Path)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+d.APIKey {
		writeError(w, http.StatusUnauthorized, "Incorrect API key provided")
		return
	}
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		writeError(w, http.StatusBadRequest, "could not parse multipart form: "+err.Error())
		return
	}
	defer r.MultipartForm.RemoveAll()
	file, hdr, err := r.FormFile("file")
	if err != nil {
		writeError(w, http.StatusBadRequest, "missing file")
		return
	}
	defer file.Close()
	clip, _, err := audio.Decode(file, audio.Limits{})
	if err != nil {
		writeError(w, http.StatusBadRequest, "Invalid file format: "+err.Error())
		return
	}
	req := Request{
		Model: r.FormValue("model"), Language: r.FormValue("language"), Prompt: r.FormValue("prompt"),
		ResponseFormat: r.FormValue("response_format"), FileName: hdr.Filename, Audio: clip, Started: started,
	}

	d.mu.Lock()
	// Recorded on arrival, so attempts that fail or hang are counted too.
	idx := len(d.requests)
	d.requests = append(d.requests, req)
	var reply *Reply
	if len(d.script) > 0 {
		reply = &d.script[0]
		d.script = d.script[1:]
	}
	d.inFlight++
	d.maxIn = max(d.maxIn, d.inFlight)
	delay, dictation := d.delay, d.text
	d.mu.Unlock()
	answered := false
	defer func() {
		d.mu.Lock()
		d.inFlight--
		if answered {
			d.requests[idx].Finished = time.Now()
		}
		d.mu.Unlock()
	}()

	if reply != nil {
		if reply.Hang {
			<-r.Context().Done()
			return
		}
		if reply.RetryAfter != "" {
			w.Header().Set("Retry-After", reply.RetryAfter)
		}
		writeError(w, reply.Status, fmt.Sprintf("scripted %d", reply.Status))
		answered = true
		return
	}
	if req.Model == "" {
		writeError(w, http.StatusBadRequest, "you must provide a model parameter")
		answered = true
		return
	}
	select {
	case <-time.After(delay):
	case <-r.Context().Done():
		return
	}

	type seg struct {
		ID    int     `json:"id"`
		Start float64 `json:"start"`
		End   float64 `json:"end"`
		Text  string  `json:"text"`
	}
	total := clip.Duration()
	var segs []seg
	var texts []string
	if dictation != "" {
		segs = append(segs, seg{Start: 0, End: total.Seconds(), Text: " " + dictation})
		texts = append(texts, dictation)
	}
	for start := time.Duration(0); start < total && dictation == ""; start += d.Segment {
		end := min(start+d.Segment, total)
		text := fmt.Sprintf("[%d-%d]", start.Milliseconds(), end.Milliseconds())
		segs = append(segs, seg{ID: len(segs), Start: start.Seconds(), End: end.Seconds(), Text: " " + text})
		texts = append(texts, text)
	}
	// Whisper names the language it heard; without a language the double
	// claims Russian, so tests see the name mapped back to a code.
	name := map[string]string{"uz": "uzbek", "ru": "russian", "": "russian"}[req.Language]
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"task": "transcribe", "language": name, "duration": total.Seconds(),
		"text": strings.Join(texts, " "), "segments": segs,
	})
	answered = true
}
