//go:build !whisper

package asr

import (
	"context"

	"github.com/oqim/oqim/inference/clinical/audio"
)

// Whisper is the whisper.cpp engine. This binary was built without the
// whisper tag, so it only reports [ErrWhisperNotBuilt].
type Whisper struct{}

// NewWhisper returns [ErrWhisperNotBuilt]: rebuild with -tags whisper.
func NewWhisper(WhisperConfig) (*Whisper, error) { return nil, ErrWhisperNotBuilt }

// Transcribe returns [ErrWhisperNotBuilt].
func (*Whisper) Transcribe(context.Context, audio.Clip, Options) (Transcript, error) {
	return Transcript{}, ErrWhisperNotBuilt
}

// Close does nothing.
func (*Whisper) Close() error { return nil }
