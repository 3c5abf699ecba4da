//go:build !whisper

package asr

import (
	"errors"
	"testing"
)

func TestWhisperNeedsBuildTag(t *testing.T) {
	_, err := New(Config{Engine: EngineWhisper, Whisper: WhisperConfig{ModelPath: "ggml-small.bin"}})
	if !errors.Is(err, ErrWhisperNotBuilt) {
		t.Fatalf("got %v, want ErrWhisperNotBuilt", err)
	}
	const want = "asr: this binary was built without the whisper tag; rebuild with -tags whisper and libwhisper installed, or use engine openai"
	if err.Error() != want {
		t.Errorf("message %q", err)
	}
}
