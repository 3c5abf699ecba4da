//go:build whisper

package asr

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/inference/clinical/audio/audiotest"
)

// ModelEnv names a multilingual whisper.cpp ggml model for these tests.
// Building them at all needs libwhisper (the tag links it).
const modelEnv = "OQIM_WHISPER_MODEL"

func whisperModel(t *testing.T) string {
	path := os.Getenv(modelEnv)
	if path == "" {
		t.Skipf("no whisper model: set %s to a multilingual whisper.cpp ggml model (e.g. ggml-base.bin) to run the whisper engine tests", modelEnv)
	}
	if _, err := os.Stat(path); err != nil {
		t.Skipf("whisper model %s=%s is not readable: %v", modelEnv, path, err)
	}
	return path
}

func TestWhisperTranscribesSpeech(t *testing.T) {
	eng, err := New(Config{Engine: EngineWhisper, Whisper: WhisperConfig{ModelPath: whisperModel(t)}, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	rec := audiotest.TwoPhrases(t, t.TempDir())
	clip := rec.ForASR(t)
	var streamed int
	tr, err := eng.Transcribe(t.Context(), clip, Options{Language: "ru", OnSegment: func(Segment) { streamed++ }})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Language != "ru" || len(tr.Segments) == 0 || streamed != len(tr.Segments) {
		t.Fatalf("got %+v (%d streamed)", tr, streamed)
	}
	// The Russian phrase comes after the pause; its words must be there.
	if !strings.Contains(strings.ToLower(tr.Text), "пульс") {
		t.Errorf("text %q lacks the Russian phrase's \"пульс\"", tr.Text)
	}
	for _, s := range tr.Segments {
		if s.End < s.Start || s.End > clip.Duration()+time.Millisecond {
			t.Errorf("segment %+v outside the %v recording", s, clip.Duration())
		}
	}
}

func TestWhisperMissingModel(t *testing.T) {
	_, err := NewWhisper(WhisperConfig{ModelPath: t.TempDir() + "/absent.bin"})
	if err == nil || !strings.Contains(err.Error(), "absent.bin") {
		t.Errorf("got %v", err)
	}
}
