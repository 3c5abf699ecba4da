// Package asr turns 16 kHz mono speech into timed text through one [Engine]
// interface, with two engines chosen by [Config]:
//
//   - "openai": any server speaking OpenAI's audio-transcription API
//     (OpenAI itself, or a self-hosted faster-whisper/vLLM server), through
//     github.com/sashabaranov/go-openai, the most widely used Go client,
//     with retries and per-request timeouts added here.
//   - "whisper": whisper.cpp in process, through its official Go bindings,
//     compiled only with the build tag "whisper" because it needs cgo and
//     libwhisper.
//
// [Chunked] wraps an engine for recordings of any length: it cuts the audio
// at pauses into chunks of at most 30 s (Whisper's window), transcribes them
// concurrently and stitches the results with timestamps relative to the
// whole recording. [New] builds that stack from configuration.
package asr

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oqim/oqim/inference/clinical/audio"
)

// Engine transcribes speech. The clip must be mono at [audio.SpeechRate];
// engines do not resample. Implementations are safe for concurrent use.
type Engine interface {
	Transcribe(ctx context.Context, clip audio.Clip, opts Options) (Transcript, error)
}

// Options steer one transcription.
type Options struct {
	// Language is "uz", "ru", or "auto"/"" to let the engine detect it per
	// chunk, which suits doctors switching languages between sentences.
	Language string
	// Prompt primes the recogniser with vocabulary and spelling; see
	// [MedicalPrompt].
	Prompt string
	// OnSegment, if set, receives each segment as soon as it and all
	// segments before it are final, in order and never concurrently, so a
	// caller can stream partial results. It must not block for long: it
	// holds up delivery of later segments.
	OnSegment func(Segment)
}

// Transcript is the text of a recording.
type Transcript struct {
	// Language is the language requested, or the one detected for most of
	// the speech ("uz", "ru", ...); empty when no speech was found.
	Language string
	Text     string
	Segments []Segment
}

// Segment is a piece of text with its time from the start of the recording.
type Segment struct {
	Start, End time.Duration
	Text       string
}

// MedicalPrompt is a default prompt carrying clinical vocabulary in Uzbek
// (Latin script) and Russian. Whisper-family models use the prompt as
// preceding context, which biases spelling of terms and abbreviations
// toward what doctors write.
const MedicalPrompt = "Shifokor ko'rigi. Bemor shikoyatlari, anamnez, tashxis: arterial gipertenziya, " +
	"qandli diabet, yurak urishi, qon bosimi, tana harorati, davolash rejasi. " +
	"Осмотр врача. Жалобы, анамнез, диагноз: артериальная гипертензия, сахарный диабет, " +
	"АД 140/90 мм рт. ст., ЧСС, ЧДД, температура тела, план лечения."

var (
	// ErrNoEngine is returned by [New] when no engine is configured.
	ErrNoEngine = errors.New(`asr: no speech recognition engine configured: set engine to "openai" ` +
		`(with base URL, model and API key) or "whisper" (with a model path, in a binary built with -tags whisper)`)

	// ErrWhisperNotBuilt is returned when the whisper engine is selected in
	// a binary built without the whisper tag.
	ErrWhisperNotBuilt = errors.New("asr: this binary was built without the whisper tag; " +
		"rebuild with -tags whisper and libwhisper installed, or use engine openai")

	// ErrInvalidInput reports a clip or options an engine cannot take.
	ErrInvalidInput = errors.New("asr: invalid input")
)

// Engine names accepted in [Config].Engine.
const (
	EngineOpenAI  = "openai"
	EngineWhisper = "whisper"
)

// Config selects and configures an engine.
type Config struct {
	// Engine is EngineOpenAI or EngineWhisper.
	Engine  string
	OpenAI  OpenAIConfig
	Whisper WhisperConfig
	// Concurrency bounds chunks transcribed at once; see [Chunked].
	Concurrency int
	// Prompt is used when a request brings none; empty means
	// [MedicalPrompt].
	Prompt string
	// VAD tunes where long recordings are cut; the zero value is sensible.
	VAD audio.VAD
}

// New builds the configured engine wrapped in a [Chunked], ready for
// recordings of any length. Close the result to release the engine.
func New(cfg Config) (*Chunked, error) {
	var (
		e   Engine
		err error
	)
	switch cfg.Engine {
	case "":
		return nil, ErrNoEngine
	case EngineOpenAI:
		e, err = NewOpenAI(cfg.OpenAI)
	case EngineWhisper:
		e, err = NewWhisper(cfg.Whisper)
	default:
		return nil, fmt.Errorf("asr: unknown engine %q: use %q or %q", cfg.Engine, EngineOpenAI, EngineWhisper)
	}
	if err != nil {
		return nil, err
	}
	prompt := cfg.Prompt
	if prompt == "" {
		prompt = MedicalPrompt
	}
	return &Chunked{Engine: e, VAD: cfg.VAD, Concurrency: cfg.Concurrency, DefaultPrompt: prompt}, nil
}

// checkInput validates what every engine requires.
func checkInput(clip audio.Clip, opts Options) error {
	if clip.SampleRate != audio.SpeechRate {
		return fmt.Errorf("%w: audio at %d Hz, engines take %d Hz", ErrInvalidInput, clip.SampleRate, audio.SpeechRate)
	}
	switch opts.Language {
	case "", "auto", "uz", "ru":
		return nil
	}
	return fmt.Errorf("%w: language %q: use \"uz\", \"ru\" or \"auto\"", ErrInvalidInput, opts.Language)
}

// fixedLanguage is the language to request, or "" to detect.
func fixedLanguage(opts Options) string {
	if opts.Language == "auto" {
		return ""
	}
	return opts.Language
}
