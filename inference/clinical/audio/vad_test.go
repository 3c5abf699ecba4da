package audio

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// syllables builds seconds of speech-like noise at 16 kHz: 200 ms bursts
// with 50 ms troughs ~30 dB down, too short to count as pauses, preceded
// and followed by lead seconds of near silence. Deep 100 ms dips are put at
// the given times.
func syllables(seconds, lead float64, dips ...float64) Clip {
	rng := rand.New(rand.NewPCG(1, 2))
	n := int((seconds + 2*lead) * SpeechRate)
	s := make([]float32, n)
	for i := range s {
		t := float64(i)/SpeechRate - lead
		amp := 0.0001
		if t >= 0 && t < seconds {
			amp = 0.2
			if math.Mod(t, 0.25) >= 0.2 {
				amp = 0.006
			}
			for _, d := range dips {
				if t >= d && t < d+0.1 {
					amp = 0.0003
				}
			}
		}
		s[i] = float32(amp * (2*rng.Float64() - 1))
	}
	return Clip{Samples: s, SampleRate: SpeechRate}
}

func TestVADCutsAtQuietestPointWithoutPauses(t *testing.T) {
	const lead = 1.0
	clip := syllables(60, lead, 24.5-lead, 41-lead)
	chunks := VAD{}.Chunks(clip)
	if len(chunks) != 3 {
		t.Fatalf("got %d chunks %v, want 3", len(chunks), chunks)
	}
	for i, c := range chunks {
		if d := clip.Slice(c).Duration(); d > 30*time.Second {
			t.Errorf("chunk %d is %v long", i, d)
		}
	}
	for i, want := range []float64{24.5, 41} {
		cut := float64(chunks[i].End) / SpeechRate
		if cut < want-0.01 || cut > want+0.1 || chunks[i+1].Start != chunks[i].End {
			t.Errorf("cut %d at %.3f s (next chunk starts %.3f s), want inside the dip at %.1f s",
				i, cut, float64(chunks[i+1].Start)/SpeechRate, want)
		}
	}
	// Speech runs into the trailing second of near-silence by at most
	// hangover+pad, and the leading silence is trimmed the same way.
	if s := float64(chunks[0].Start) / SpeechRate; s < lead-0.25 || s > lead {
		t.Errorf("first chunk starts at %.3f s, want just before %.1f s", s, lead)
	}
	if e := float64(chunks[2].End) / SpeechRate; e < 60+lead || e > 60+lead+0.55 {
		t.Errorf("last chunk ends at %.3f s, want shortly after %.1f s", e, 60+lead)
	}
}

func TestVADSilenceHasNoChunks(t *testing.T) {
	clip := Clip{Samples: make([]float32, 5*SpeechRate), SampleRate: SpeechRate}
	if c := (VAD{}).Chunks(clip); len(c) != 0 {
		t.Errorf("silence gave chunks %v", c)
	}
	if c := (VAD{}).Chunks(Clip{SampleRate: SpeechRate}); len(c) != 0 {
		t.Errorf("empty clip gave chunks %v", c)
	}
}

func TestVADIgnoresClicks(t *testing.T) {
	s := make([]float32, 3*SpeechRate)
	for i := SpeechRate; i < SpeechRate+100; i++ { // a 6 ms click
		s[i] = 0.8
	}
	if sp := (VAD{}).Speech(Clip{Samples: s, SampleRate: SpeechRate}); len(sp) != 0 {
		t.Errorf("a click was taken for speech: %v", sp)
	}
}

func TestVADSplitsAtPause(t *testing.T) {
	// 3 s of syllables, 1.5 s pause, 3 s of syllables, with a noise floor
	// 40 dB below speech the detector has to adapt to.
	a := syllables(3, 0.5)
	b := syllables(3, 0.5)
	rng := rand.New(rand.NewPCG(3, 4))
	s := append(append(append([]float32{}, a.Samples...), make([]float32, SpeechRate/2)...), b.Samples...)
	for i := range s {
		s[i] += float32(0.002 * (2*rng.Float64() - 1))
	}
	clip := Clip{Samples: s, SampleRate: SpeechRate}
	sp := VAD{}.Speech(clip)
	if len(sp) != 2 {
		t.Fatalf("got speech %v, want 2 spans", sp)
	}
	gapStart, gapEnd := 3.5, 5.0
	if e := float64(sp[0].End) / SpeechRate; e < gapStart || e > gapStart+0.4 {
		t.Errorf("first speech ends at %.3f s, want within hangover after %.1f s", e, gapStart)
	}
	if st := float64(sp[1].Start) / SpeechRate; st < gapEnd-0.02 || st > gapEnd+0.05 {
		t.Errorf("second speech starts at %.3f s, want %.1f s", st, gapEnd)
	}
	chunks := VAD{MaxChunk: 5 * time.Second}.Chunks(clip)
	if len(chunks) != 2 {
		t.Fatalf("got chunks %v, want 2", chunks)
	}
	for _, cut := range []int{chunks[0].End, chunks[1].Start} {
		if c := float64(cut) / SpeechRate; c < gapStart || c > gapEnd {
			t.Errorf("cut at %.3f s, outside the pause [%.1f, %.1f] s", c, gapStart, gapEnd)
		}
	}
}

func BenchmarkVAD(b *testing.B) {
	const seconds = 60
	clip := syllables(seconds, 1, 20, 40)
	b.ReportAllocs()
	for b.Loop() {
		if len(VAD{}.Chunks(clip)) == 0 {
			b.Fatal("no chunks")
		}
	}
	b.ReportMetric(float64(len(clip.Samples))/SpeechRate*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
}
