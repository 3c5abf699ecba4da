package asr_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/oqim/oqim/connectors/llm"
	"github.com/oqim/oqim/inference/clinical/asr"
	"github.com/oqim/oqim/inference/clinical/asr/asrtest"
	"github.com/oqim/oqim/inference/clinical/audio"
)

func testClip(seconds float64) audio.Clip {
	s := make([]float32, int(seconds*audio.SpeechRate))
	for i := range s {
		s[i] = float32(0.3 * math.Sin(2*math.Pi*220*float64(i)/audio.SpeechRate))
	}
	return audio.Clip{Samples: s, SampleRate: audio.SpeechRate}
}

// newTestOpenAI is an OpenAI engine talking to d, with a short backoff.
func newTestOpenAI(t *testing.T, d *asrtest.TranscriptionProtocolDouble, cfg asr.OpenAIConfig) *asr.OpenAI {
	t.Helper()
	cfg.BaseURL = d.URL + "/v1"
	if cfg.APIKey == "" {
		cfg.APIKey = d.APIKey
	}
	if cfg.InitialBackoff == 0 {
		cfg.InitialBackoff = 5 * time.Millisecond
	}
	e, err := asr.NewOpenAI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestOpenAIUploadAndResponse(t *testing.T) {
	d := asrtest.NewTranscriptionProtocolDouble(t)
	e := newTestOpenAI(t, d, asr.OpenAIConfig{Model: "whisper-large-v3"})
	clip := testClip(5)
	var streamed []asr.Segment
	tr, err := e.Transcribe(t.Context(), clip, asr.Options{Language: "uz", Prompt: "qon bosimi", OnSegment: func(s asr.Segment) { streamed = append(streamed, s) }})
	if err != nil {
		t.Fatal(err)
	}
	reqs := d.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Model != "whisper-large-v3" || r.Language != "uz" || r.Prompt != "qon bosimi" || r.ResponseFormat != "verbose_json" || !strings.HasSuffix(r.FileName, ".wav") {
		t.Errorf("request fields %+v", r)
	}
	if r.Audio.SampleRate != 16000 || len(r.Audio.Samples) != len(clip.Samples) {
		t.Fatalf("uploaded %d samples at %d Hz, want %d at 16 kHz", len(r.Audio.Samples), r.Audio.SampleRate, len(clip.Samples))
	}
	for i := range clip.Samples {
		if math.Abs(float64(r.Audio.Samples[i]-clip.Samples[i])) > 1e-4 {
			t.Fatalf("uploaded sample %d = %v, want %v", i, r.Audio.Samples[i], clip.Samples[i])
		}
	}
	want := []asr.Segment{
		{0, 2 * time.Second, "[0-2000]"},
		{2 * time.Second, 4 * time.Second, "[2000-4000]"},
		{4 * time.Second, 5 * time.Second, "[4000-5000]"},
	}
	if tr.Language != "uz" || tr.Text != "[0-2000] [2000-4000] [4000-5000]" || !equalSegments(tr.Segments, want) {
		t.Errorf("got %+v, want segments %+v", tr, want)
	}
	if !equalSegments(streamed, want) {
		t.Errorf("OnSegment got %+v", streamed)
	}
}

func TestOpenAIAutoLanguageOmitsField(t *testing.T) {
	d := asrtest.NewTranscriptionProtocolDouble(t)
	e := newTestOpenAI(t, d, asr.OpenAIConfig{})
	tr, err := e.Transcribe(t.Context(), testClip(1), asr.Options{Language: "auto"})
	if err != nil {
		t.Fatal(err)
	}
	if r := d.Requests()[0]; r.Language != "" || r.Model != openai.Whisper1 {
		t.Errorf("sent language %q model %q, want none and whisper-1", r.Language, r.Model)
	}
	if tr.Language != "ru" { // the double answers "russian"
		t.Errorf("language %q, want the detected name mapped to ru", tr.Language)
	}
}

func TestOpenAIRetriesRateLimitAndServerErrors(t *testing.T) {
	d := asrtest.NewTranscriptionProtocolDouble(t)
	e := newTestOpenAI(t, d, asr.OpenAIConfig{MaxRetries: 3})
	d.SetScript(asrtest.Reply{Status: 429, RetryAfter: "1"}, asrtest.Reply{Status: 503})
	tr, err := e.Transcribe(t.Context(), testClip(1), asr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reqs := d.Requests()
	if len(reqs) != 3 || len(tr.Segments) != 1 {
		t.Fatalf("%d requests and %d segments, want 3 and 1", len(reqs), len(tr.Segments))
	}
	if gap := reqs[1].Started.Sub(reqs[0].Started); gap < 900*time.Millisecond {
		t.Errorf("retried %v after a 429 with Retry-After: 1", gap)
	}
	if gap := reqs[2].Started.Sub(reqs[1].Started); gap > 500*time.Millisecond {
		t.Errorf("retried %v after a 503, want the short backoff", gap)
	}
}

func TestOpenAIGivesUp(t *testing.T) {
	d := asrtest.NewTranscriptionProtocolDouble(t)
	e := newTestOpenAI(t, d, asr.OpenAIConfig{MaxRetries: 2})
	d.SetScript(asrtest.Reply{Status: 503}, asrtest.Reply{Status: 500}, asrtest.Reply{Status: 503}, asrtest.Reply{Status: 503})
	_, err := e.Transcribe(t.Context(), testClip(1), asr.Options{})
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 503 || apiErr.Message != "scripted 503" {
		t.Fatalf("got %v, want the last 503 as *openai.APIError", err)
	}
	if n := len(d.Requests()); n != 3 {
		t.Errorf("%d attempts, want 1 + MaxRetries = 3", n)
	}
	if !strings.Contains(err.Error(), "after 3 attempt(s)") {
		t.Errorf("error %q does not say how often it tried", err)
	}
}

func TestOpenAIDoesNotRetryClientErrors(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge} {
		d := asrtest.NewTranscriptionProtocolDouble(t)
		e := newTestOpenAI(t, d, asr.OpenAIConfig{MaxRetries: 3})
		d.SetScript(asrtest.Reply{Status: status})
		_, err := e.Transcribe(t.Context(), testClip(1), asr.Options{})
		var apiErr *openai.APIError
		if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != status {
			t.Errorf("%d: got %v", status, err)
		}
		if n := len(d.Requests()); n != 1 {
			t.Errorf("%d: %d attempts, want 1", status, n)
		}
	}
}

func TestOpenAITimeout(t *testing.T) {
	d := asrtest.NewTranscriptionProtocolDouble(t)
	e := newTestOpenAI(t, d, asr.OpenAIConfig{Timeout: 150 * time.Millisecond, MaxRetries: 1})
	d.SetScript(asrtest.Reply{Hang: true}, asrtest.Reply{Hang: true})
	start := time.Now()
	_, err := e.Transcribe(t.Context(), testClip(1), asr.Options{})
	if !errors.Is(err, llm.ErrAttemptTimeout) {
		t.Fatalf("got %v, want a timeout", err)
	}
	if n := len(d.Requests()); n != 2 {
		t.Errorf("%d attempts, want 2 (a timeout is retried)", n)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %v with a 150 ms timeout", el)
	}

	// A timeout followed by success recovers.
	d.SetScript(asrtest.Reply{Hang: true})
	if _, err := e.Transcribe(t.Context(), testClip(1), asr.Options{}); err != nil {
		t.Errorf("after one timeout: %v", err)
	}
}

func TestOpenAICallerCancellationStopsRetries(t *testing.T) {
	d := asrtest.NewTranscriptionProtocolDouble(t)
	e := newTestOpenAI(t, d, asr.OpenAIConfig{MaxRetries: 5})
	d.SetScript(asrtest.Reply{Status: 429, RetryAfter: "60"})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Transcribe(ctx, testClip(1), asr.Options{})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("got %v after %v, want the caller's deadline promptly", err, time.Since(start))
	}
}

func TestOpenAIRejectsBadInput(t *testing.T) {
	d := asrtest.NewTranscriptionProtocolDouble(t)
	e := newTestOpenAI(t, d, asr.OpenAIConfig{})
	if _, err := e.Transcribe(t.Context(), audio.Clip{Samples: make([]float32, 100), SampleRate: 8000}, asr.Options{}); !errors.Is(err, asr.ErrInvalidInput) {
		t.Errorf("8 kHz clip: %v", err)
	}
	if _, err := e.Transcribe(t.Context(), testClip(1), asr.Options{Language: "de"}); !errors.Is(err, asr.ErrInvalidInput) {
		t.Errorf("language de: %v", err)
	}
	if _, err := asr.NewOpenAI(asr.OpenAIConfig{}); err == nil || !strings.Contains(err.Error(), "base URL") {
		t.Errorf("no base URL: %v", err)
	}
}

func equalSegments(a, b []asr.Segment) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
