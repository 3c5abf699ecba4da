package asr_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oqim/oqim/inference/clinical/asr"
	"github.com/oqim/oqim/inference/clinical/asr/asrtest"
	"github.com/oqim/oqim/inference/clinical/audio"
	"github.com/oqim/oqim/inference/clinical/audio/audiotest"
)

func TestChunkedStitchesLongSpeechThroughOpenAI(t *testing.T) {
	rec := audiotest.Long(t, t.TempDir())
	clip := rec.ForASR(t)

	d := asrtest.NewTranscriptionProtocolDouble(t)
	// Long enough that the second request starts before the first ends
	// even on a loaded machine under -race (100 ms was not, once).
	d.SetDelay(time.Second)
	eng := &asr.Chunked{Engine: newTestOpenAI(t, d, asr.OpenAIConfig{}), Concurrency: 2, DefaultPrompt: asr.MedicalPrompt}
	var streamed []asr.Segment
	tr, err := eng.Transcribe(t.Context(), clip, asr.Options{Language: "ru", OnSegment: func(s asr.Segment) { streamed = append(streamed, s) }})
	if err != nil {
		t.Fatal(err)
	}

	// Recompute what the double must have been sent and what it answers.
	spans := audio.VAD{}.Chunks(clip)
	if len(spans) < 3 {
		t.Fatalf("%v recording planned as %d chunks", clip.Duration(), len(spans))
	}
	var want []asr.Segment
	var wantText []string
	for _, sp := range spans {
		offset, length := clip.Time(sp.Start), clip.Time(sp.Len())
		for s := time.Duration(0); s < length; s += 2 * time.Second {
			e := min(s+2*time.Second, length)
			text := fmt.Sprintf("[%d-%d]", s.Milliseconds(), e.Milliseconds())
			want = append(want, asr.Segment{offset + s, offset + e, text})
			wantText = append(wantText, text)
		}
	}
	if len(tr.Segments) != len(want) {
		t.Fatalf("got %d segments, want %d", len(tr.Segments), len(want))
	}
	for i := range want {
		g := tr.Segments[i]
		if g.Text != want[i].Text || (g.Start-want[i].Start).Abs() > time.Microsecond || (g.End-want[i].End).Abs() > time.Microsecond {
			t.Errorf("segment %d = %+v, want %+v", i, g, want[i])
		}
		if i > 0 && g.Start < tr.Segments[i-1].End {
			t.Errorf("segment %d starts at %v, before the previous one ends", i, g.Start)
		}
	}
	if tr.Text != strings.Join(wantText, " ") || tr.Language != "ru" {
		t.Errorf("text %q language %q", tr.Text, tr.Language)
	}
	if !equalSegments(streamed, tr.Segments) {
		t.Errorf("OnSegment delivered %d segments, not the transcript's %d in order", len(streamed), len(tr.Segments))
	}

	reqs := d.Requests()
	if len(reqs) != len(spans) {
		t.Fatalf("%d uploads for %d chunks", len(reqs), len(spans))
	}
	sent := map[int]bool{}
	for _, r := range reqs {
		sent[len(r.Audio.Samples)] = true
		if r.Prompt != asr.MedicalPrompt || r.Language != "ru" || r.Audio.Duration() > 30*time.Second {
			t.Errorf("upload of %v with prompt %q language %q", r.Audio.Duration(), r.Prompt, r.Language)
		}
	}
	for _, sp := range spans {
		if !sent[sp.Len()] {
			t.Errorf("no upload of %d samples for chunk %v", sp.Len(), sp)
		}
	}
	if n := d.MaxInFlight(); n != 2 {
		t.Errorf("at most %d requests were in flight, want exactly the bound 2", n)
	}
}

// engineTestDouble stands in for a speech model (none can run here): it answers each call with one segment
// over the whole clip, in the language keyed by the clip's length.
type engineTestDouble struct {
	mu       sync.Mutex
	calls    int
	lang     func(n int) string
	failOn   func(n int) error
	inFlight int
	maxIn    int
}

func (f *engineTestDouble) Transcribe(ctx context.Context, clip audio.Clip, _ asr.Options) (asr.Transcript, error) {
	f.mu.Lock()
	f.calls++
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.inFlight--; f.mu.Unlock() }()
	n := len(clip.Samples)
	if f.failOn != nil {
		if err := f.failOn(n); err != nil {
			return asr.Transcript{}, err
		}
	}
	select {
	case <-time.After(20 * time.Millisecond):
	case <-ctx.Done():
		return asr.Transcript{}, ctx.Err()
	}
	lang := "uz"
	if f.lang != nil {
		lang = f.lang(n)
	}
	// The end overshoots the clip, as Whisper's often do.
	return asr.Transcript{Language: lang, Text: fmt.Sprint(n), Segments: []asr.Segment{{0, clip.Duration() + time.Second, fmt.Sprint(n)}}}, nil
}

// bursts is tone bursts of the given lengths separated by 1 s of silence.
func bursts(lengths ...float64) (audio.Clip, []audio.Span) {
	var s []float32
	var spans []audio.Span
	for _, l := range lengths {
		s = append(s, make([]float32, audio.SpeechRate)...)
		start := len(s)
		s = append(s, testClip(l).Samples...)
		spans = append(spans, audio.Span{Start: start, End: len(s)})
	}
	s = append(s, make([]float32, audio.SpeechRate)...)
	return audio.Clip{Samples: s, SampleRate: audio.SpeechRate}, spans
}

func TestChunkedLanguageAndClamping(t *testing.T) {
	clip, _ := bursts(1, 1.5, 1)
	vad := audio.VAD{MaxChunk: 2 * time.Second}
	spans := vad.Chunks(clip)
	if len(spans) != 3 {
		t.Fatalf("planned %v", spans)
	}
	long := spans[1].Len()
	eng := &asr.Chunked{Engine: &engineTestDouble{lang: func(n int) string {
		if n == long {
			return "ru"
		}
		return "uz"
	}}, VAD: vad}
	tr, err := eng.Transcribe(t.Context(), clip, asr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// uz covers two chunks, ru one longer one; uz still has more time.
	if tr.Language != "uz" {
		t.Errorf("language %q, want uz", tr.Language)
	}
	for i, s := range tr.Segments {
		if s.Start != clip.Time(spans[i].Start) || s.End != clip.Time(spans[i].End) {
			t.Errorf("segment %d %v–%v, want clamped to chunk %v–%v", i, s.Start, s.End, clip.Time(spans[i].Start), clip.Time(spans[i].End))
		}
	}
}

func TestChunkedFailureCancelsTheRest(t *testing.T) {
	clip, _ := bursts(1, 1, 1, 1, 1, 1, 1, 1)
	vad := audio.VAD{MaxChunk: 1500 * time.Millisecond}
	spans := vad.Chunks(clip)
	boom := errors.New("engine exploded")
	fe := &engineTestDouble{}
	fe.failOn = func(int) error { // the second call fails
		fe.mu.Lock()
		defer fe.mu.Unlock()
		if fe.calls == 2 {
			return boom
		}
		return nil
	}
	eng := &asr.Chunked{Engine: fe, VAD: vad, Concurrency: 2}
	_, err := eng.Transcribe(t.Context(), clip, asr.Options{})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), fmt.Sprintf("of %d", len(spans))) {
		t.Fatalf("got %v, want the engine's error naming the chunk", err)
	}
	fe.mu.Lock()
	defer fe.mu.Unlock()
	if fe.calls >= len(spans) {
		t.Errorf("all %d chunks were sent despite the failure", fe.calls)
	}
}

func TestChunkedSilenceCallsNoEngine(t *testing.T) {
	fe := &engineTestDouble{}
	eng := &asr.Chunked{Engine: fe}
	tr, err := eng.Transcribe(t.Context(), audio.Clip{Samples: make([]float32, 5*audio.SpeechRate), SampleRate: audio.SpeechRate}, asr.Options{Language: "uz"})
	if err != nil || tr.Text != "" || len(tr.Segments) != 0 || tr.Language != "uz" || fe.calls != 0 {
		t.Errorf("got %+v, %v after %d calls", tr, err, fe.calls)
	}
}

func TestChunkedRespectsConcurrencyBound(t *testing.T) {
	clip, _ := bursts(1, 1, 1, 1, 1, 1)
	fe := &engineTestDouble{}
	eng := &asr.Chunked{Engine: fe, VAD: audio.VAD{MaxChunk: 1500 * time.Millisecond}, Concurrency: 3}
	if _, err := eng.Transcribe(t.Context(), clip, asr.Options{}); err != nil {
		t.Fatal(err)
	}
	if fe.calls != 6 || fe.maxIn != 3 {
		t.Errorf("%d calls with up to %d in flight, want 6 with 3", fe.calls, fe.maxIn)
	}
}

func TestNewSelectsEngine(t *testing.T) {
	if _, err := asr.New(asr.Config{}); !errors.Is(err, asr.ErrNoEngine) || !strings.Contains(err.Error(), "openai") {
		t.Errorf("no engine: %v", err)
	}
	if _, err := asr.New(asr.Config{Engine: "deepgram"}); err == nil || !strings.Contains(err.Error(), `"deepgram"`) {
		t.Errorf("unknown engine: %v", err)
	}
	c, err := asr.New(asr.Config{Engine: asr.EngineOpenAI, OpenAI: asr.OpenAIConfig{BaseURL: "http://127.0.0.1:1/v1"}, Concurrency: 7})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Engine.(*asr.OpenAI); !ok || c.Concurrency != 7 || c.DefaultPrompt != asr.MedicalPrompt {
		t.Errorf("built %+v", c)
	}
	if err := c.Close(); err != nil {
		t.Error(err)
	}
}
