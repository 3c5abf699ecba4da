//go:build whisper

package asr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	whisper "github.com/ggerganov/whisper.cpp/bindings/go/pkg/whisper"

	"github.com/oqim/oqim/inference/clinical/audio"
)

// Whisper is the in-process whisper.cpp engine.
//
// whisper.cpp keeps decoding state in the model context, so one model runs
// one transcription at a time; Transcribe queues callers (honouring their
// contexts) and whisper.cpp itself uses Threads cores. Run a [Chunked] over
// it with Concurrency 1, or more to keep the next chunk queued.
type Whisper struct {
	model   whisper.Model
	threads int
	turn    chan struct{} // holds a token while the model is in use
}

// NewWhisper loads the model at cfg.ModelPath.
func NewWhisper(cfg WhisperConfig) (*Whisper, error) {
	if cfg.ModelPath == "" {
		return nil, errors.New(`asr: engine "whisper" needs a model path (a whisper.cpp ggml file)`)
	}
	m, err := whisper.New(cfg.ModelPath)
	if err != nil {
		return nil, fmt.Errorf("asr: loading whisper model %s: %w", cfg.ModelPath, err)
	}
	if !m.IsMultilingual() {
		m.Close()
		return nil, fmt.Errorf("asr: whisper model %s is English-only; Uzbek and Russian need a multilingual model", cfg.ModelPath)
	}
	threads := cfg.Threads
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	w := &Whisper{model: m, threads: threads, turn: make(chan struct{}, 1)}
	return w, nil
}

// Transcribe implements [Engine].
func (w *Whisper) Transcribe(ctx context.Context, clip audio.Clip, opts Options) (Transcript, error) {
	if err := checkInput(clip, opts); err != nil {
		return Transcript{}, err
	}
	select {
	case w.turn <- struct{}{}:
		defer func() { <-w.turn }()
	case <-ctx.Done():
		return Transcript{}, fmt.Errorf("asr: waiting for the whisper model: %w", context.Cause(ctx))
	}

	wctx, err := w.model.NewContext()
	if err != nil {
		return Transcript{}, fmt.Errorf("asr: whisper context: %w", err)
	}
	lang := fixedLanguage(opts)
	if lang == "" {
		lang = "auto"
	}
	if err := wctx.SetLanguage(lang); err != nil {
		return Transcript{}, fmt.Errorf("asr: whisper language %q: %w", lang, err)
	}
	wctx.SetThreads(uint(w.threads))
	if opts.Prompt != "" {
		wctx.SetInitialPrompt(opts.Prompt)
	}
	// whisper.cpp checks this before each encoder pass; returning false
	// aborts, which is how cancellation reaches C.
	keepGoing := func() bool { return ctx.Err() == nil }
	if err := wctx.Process(clip.Samples, keepGoing, nil, nil); err != nil {
		if ctx.Err() != nil {
			return Transcript{}, fmt.Errorf("asr: whisper: %w", context.Cause(ctx))
		}
		return Transcript{}, fmt.Errorf("asr: whisper: %w", err)
	}
	if ctx.Err() != nil {
		return Transcript{}, fmt.Errorf("asr: whisper: %w", context.Cause(ctx))
	}

	tr := Transcript{Language: fixedLanguage(opts)}
	if tr.Language == "" {
		tr.Language = wctx.DetectedLanguage()
	}
	var texts []string
	for {
		s, err := wctx.NextSegment()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Transcript{}, fmt.Errorf("asr: whisper segments: %w", err)
		}
		text := strings.TrimSpace(s.Text)
		if text == "" {
			continue
		}
		seg := Segment{Start: s.Start, End: s.End, Text: text}
		tr.Segments = append(tr.Segments, seg)
		texts = append(texts, text)
		if opts.OnSegment != nil {
			opts.OnSegment(seg)
		}
	}
	tr.Text = strings.Join(texts, " ")
	return tr, nil
}

// Close frees the model.
func (w *Whisper) Close() error { return w.model.Close() }
