package asr

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/oqim/oqim/inference/clinical/audio"
)

// DefaultConcurrency is used when [Chunked].Concurrency is zero: enough to
// hide a remote server's latency without being rate limited.
const DefaultConcurrency = 4

// Chunked is an [Engine] for recordings of any length. It splits the clip
// with VAD, runs up to Concurrency chunks through Engine at once, shifts
// each chunk's segments by the chunk's start and joins them in order.
//
// Chunks are independent, so a chunk does not see the text before it as
// context; a recording is cut only in pauses, which keeps the loss small.
// Silence between chunks is never sent, which also spares Whisper models
// from "hallucinating" text in long silences.
type Chunked struct {
	Engine      Engine
	VAD         audio.VAD
	Concurrency int
	// DefaultPrompt is used for requests with an empty Options.Prompt.
	DefaultPrompt string
}

type chunkResult struct {
	tr  Transcript
	err error
}

// Transcribe implements [Engine]. On the first chunk that fails, the rest are
// cancelled and the error names the chunk's place in the recording.
func (c *Chunked) Transcribe(ctx context.Context, clip audio.Clip, opts Options) (Transcript, error) {
	if err := checkInput(clip, opts); err != nil {
		return Transcript{}, err
	}
	if opts.Prompt == "" {
		opts.Prompt = c.DefaultPrompt
	}
	spans := c.VAD.Chunks(clip)
	if len(spans) == 0 {
		return Transcript{Language: fixedLanguage(opts)}, nil
	}

	// Deferred in this order, cancel runs before the wait, so on an early
	// return in-flight chunks are abandoned rather than waited out.
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]chunkResult, len(spans))
	done := make([]chan struct{}, len(spans))
	for i := range done {
		done[i] = make(chan struct{})
	}
	// Workers take chunks in order, so the earliest chunks finish first and
	// OnSegment streams without waiting on the whole recording.
	next := make(chan int)
	workers := c.Concurrency
	if workers <= 0 {
		workers = DefaultConcurrency
	}
	chunkOpts := Options{Language: opts.Language, Prompt: opts.Prompt}
	for range min(workers, len(spans)) {
		wg.Go(func() {
			for i := range next {
				results[i] = c.transcribeChunk(ctx, clip, spans[i], chunkOpts)
				close(done[i])
			}
		})
	}
	go func() {
		defer close(next)
		for i := range spans {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()

	var (
		out     Transcript
		texts   []string
		spoken  = map[string]time.Duration{}
		forUser = opts.OnSegment
	)
	for i, span := range spans {
		select {
		case <-done[i]:
		case <-ctx.Done():
			return Transcript{}, fmt.Errorf("asr: transcribing: %w", context.Cause(ctx))
		}
		r := results[i]
		if r.err != nil {
			cancel()
			return Transcript{}, fmt.Errorf("asr: chunk %d of %d (%s–%s): %w", i+1, len(spans),
				clip.Time(span.Start).Round(time.Millisecond), clip.Time(span.End).Round(time.Millisecond), r.err)
		}
		for _, s := range r.tr.Segments {
			out.Segments = append(out.Segments, s)
			if forUser != nil {
				forUser(s)
			}
		}
		if t := strings.TrimSpace(r.tr.Text); t != "" {
			texts = append(texts, t)
		}
		spoken[r.tr.Language] += clip.Time(span.Len())
	}
	out.Text = strings.Join(texts, " ")
	out.Language = fixedLanguage(opts)
	if out.Language == "" {
		var most time.Duration
		for lang, d := range spoken {
			if lang != "" && (d > most || d == most && lang < out.Language) {
				out.Language, most = lang, d
			}
		}
	}
	return out, nil
}

func (c *Chunked) transcribeChunk(ctx context.Context, clip audio.Clip, span audio.Span, opts Options) chunkResult {
	if err := ctx.Err(); err != nil {
		return chunkResult{err: err}
	}
	part := clip.Slice(span)
	tr, err := c.Engine.Transcribe(ctx, part, opts)
	if err != nil {
		return chunkResult{err: err}
	}
	offset, length := clip.Time(span.Start), part.Duration()
	if len(tr.Segments) == 0 && strings.TrimSpace(tr.Text) != "" {
		tr.Segments = []Segment{{Start: 0, End: length, Text: strings.TrimSpace(tr.Text)}}
	}
	segs := make([]Segment, 0, len(tr.Segments))
	for _, s := range tr.Segments {
		// Whisper pads its input to 30 s and may stamp the last segment
		// past the audio; clamping keeps global times in order.
		s.Start = offset + min(max(s.Start, 0), length)
		s.End = offset + min(max(s.End, 0), length)
		s.Text = strings.TrimSpace(s.Text)
		segs = append(segs, s)
	}
	tr.Segments = segs
	return chunkResult{tr: tr}
}

// Close releases the underlying engine if it holds resources (the whisper
// engine holds its model).
func (c *Chunked) Close() error {
	if cl, ok := c.Engine.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}
