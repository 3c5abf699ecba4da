// Package asrtest gives tests outside inference/clinical/asr a server speaking
// OpenAI's audio-transcription protocol, so code that uses asr.New runs
// its real engine over HTTP without a speech model.
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

// APIKey is the key the double accepts.
const APIKey = "asrtest-key"

// TranscriptionProtocolDouble is a test double of a server speaking
// OpenAI's POST /v1/audio/transcriptions: it parses the multipart upload,
// decodes the audio and answers verbose_json with one segment per
// Segment of audio, whose text names its span in milliseconds relative
// to the uploaded chunk ("[0-2000]"). It does no speech recognition.
type TranscriptionProtocolDouble struct {
	// URL is the server root; the API root is URL + "/v1".
	URL string
	// Segment is the length of the invented segments (2 s).
	Segment time.Duration

	mu       sync.Mutex
	delay    time.Duration
	requests []Request
}

// Request is one transcription request the double answered.
type Request struct {
	Language string
	Audio    time.Duration
	Started  time.Time
	Finished time.Time
}

// NewTranscriptionProtocolDouble starts the double; it stops when t ends.
func NewTranscriptionProtocolDouble(t testing.TB) *TranscriptionProtocolDouble {
	d := &TranscriptionProtocolDouble{Segment: 2 * time.Second}
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	d.URL = srv.URL
	return d
}

// Config is an asr.Config selecting the OpenAI engine against the double.
func (d *TranscriptionProtocolDouble) Config() asr.Config {
	return asr.Config{Engine: asr.EngineOpenAI, OpenAI: asr.OpenAIConfig{
		BaseURL: d.URL + "/v1", Model: "whisper-1", APIKey: APIKey, MaxRetries: -1,
	}}
}

// SetDelay makes every later answer wait d, so tests can watch partial
// results arrive.
func (d *TranscriptionProtocolDouble) SetDelay(delay time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.delay = delay
}

// Requests returns the requests answered so far, in order of arrival.
func (d *TranscriptionProtocolDouble) Requests() []Request {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Request(nil), d.requests...)
}

// writeOpenAIError replies as the OpenAI server does, which is the shape
// the client under test must understand; it is not Oqim's error body.
func writeOpenAIError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": msg, "type": "invalid_request_error", "param": nil, "code": nil,
	}})
}

// ServeHTTP implements the protocol.
func (d *TranscriptionProtocolDouble) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	if r.Method != http.MethodPost || r.URL.Path != "/v1/audio/transcriptions" {
		writeOpenAIError(w, http.StatusNotFound, "unknown endpoint "+r.Method+" "+r.URL.Path)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+APIKey {
		writeOpenAIError(w, http.StatusUnauthorized, "Incorrect API key provided")
		return
	}
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		writeOpenAIError(w, http.StatusBadRequest, "could not parse multipart form: "+err.Error())
		return
	}
	defer r.MultipartForm.RemoveAll()
	file, _, err := r.FormFile("file")
	if err != nil {
		writeOpenAIError(w, http.StatusBadRequest, "missing file")
		return
	}
	defer file.Close()
	clip, _, err := audio.Decode(file, audio.Limits{})
	if err != nil {
		writeOpenAIError(w, http.StatusBadRequest, "Invalid file format: "+err.Error())
		return
	}
	if r.FormValue("model") == "" {
		writeOpenAIError(w, http.StatusBadRequest, "you must provide a model parameter")
		return
	}
	d.mu.Lock()
	delay := d.delay
	d.mu.Unlock()
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
	for start := time.Duration(0); start < total; start += d.Segment {
		end := min(start+d.Segment, total)
		text := fmt.Sprintf("[%d-%d]", start.Milliseconds(), end.Milliseconds())
		segs = append(segs, seg{ID: len(segs), Start: start.Seconds(), End: end.Seconds(), Text: " " + text})
		texts = append(texts, text)
	}
	lang := r.FormValue("language")
	name := map[string]string{"uz": "uzbek", "ru": "russian", "": "russian"}[lang]
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"task": "transcribe", "language": name, "duration": total.Seconds(),
		"text": strings.Join(texts, " "), "segments": segs,
	})
	d.mu.Lock()
	d.requests = append(d.requests, Request{Language: lang, Audio: total, Started: started, Finished: time.Now()})
	d.mu.Unlock()
}
