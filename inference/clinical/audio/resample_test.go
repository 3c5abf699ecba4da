package audio

import (
	"math"
	"testing"
)

func tone(rate int, freq, amp float64, d float64) []float32 {
	s := make([]float32, int(d*float64(rate)))
	for i := range s {
		s[i] = float32(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return s
}

// interior drops the edges, where the filter meets the zeros before the
// start and after the end.
func interior(s []float32, rate int) []float32 {
	edge := rate / 10
	return s[edge : len(s)-edge]
}

func rms(s []float32) float64 {
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(len(s)))
}

// zeroCrossFreq measures frequency from the first and last rising zero
// crossings, interpolated between samples.
func zeroCrossFreq(s []float32, rate int) float64 {
	first, last, n := -1.0, -1.0, 0
	for i := 1; i < len(s); i++ {
		if s[i-1] < 0 && s[i] >= 0 {
			t := float64(i-1) + float64(-s[i-1])/float64(s[i]-s[i-1])
			if first < 0 {
				first = t
			}
			last = t
			n++
		}
	}
	if n < 2 {
		return 0
	}
	return float64(n-1) / ((last - first) / float64(rate))
}

func TestResampleKeepsInBandTone(t *testing.T) {
	for _, from := range []int{8000, 11025, 22050, 24000, 32000, 44100, 48000} {
		in := Clip{Samples: tone(from, 1000, 0.5, 2), SampleRate: from}
		out, err := Resample(in, SpeechRate)
		if err != nil {
			t.Fatal(err)
		}
		mid := interior(out.Samples, SpeechRate)
		if f := zeroCrossFreq(mid, SpeechRate); math.Abs(f-1000) > 0.5 {
			t.Errorf("%d Hz -> 16 kHz: 1 kHz tone came out at %.3f Hz", from, f)
		}
		amp := rms(mid) * math.Sqrt2
		if db := 20 * math.Log10(amp/0.5); math.Abs(db) > 0.05 {
			t.Errorf("%d Hz -> 16 kHz: 1 kHz tone amplitude %.4f (%.3f dB off)", from, amp, db)
		}
	}
}

func TestResampleRemovesContentAboveNewNyquist(t *testing.T) {
	for _, f := range []float64{8500, 10000, 12000, 20000} {
		in := Clip{Samples: tone(48000, f, 0.5, 2), SampleRate: 48000}
		out, err := Resample(in, SpeechRate)
		if err != nil {
			t.Fatal(err)
		}
		att := 20 * math.Log10(rms(interior(out.Samples, SpeechRate))/(0.5/math.Sqrt2))
		if att > -40 {
			t.Errorf("48 kHz -> 16 kHz: %.0f Hz tone only attenuated to %.1f dB, want <= -40 dB", f, att)
		}
		t.Logf("%.0f Hz: %.1f dB", f, att)
	}
}

func TestResampleLengthAndStreaming(t *testing.T) {
	in := tone(44100, 440, 0.3, 1.2345)
	whole, err := Resample(Clip{Samples: in, SampleRate: 44100}, SpeechRate)
	if err != nil {
		t.Fatal(err)
	}
	wantLen := (len(in)*160 + 440) / 441
	if len(whole.Samples) != wantLen {
		t.Fatalf("got %d samples, want ceil(%d*16000/44100) = %d", len(whole.Samples), len(in), wantLen)
	}
	r, err := NewResampler(44100, SpeechRate)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 { // the second round checks Flush resets state
		var out []float32
		for rest, step := in, 1; len(rest) > 0; step = step*3 + 1 {
			n := min(step, len(rest))
			out = r.Write(out, rest[:n])
			rest = rest[n:]
		}
		out = r.Flush(out)
		if len(out) != len(whole.Samples) {
			t.Fatalf("round %d: streamed %d samples, one-shot %d", round, len(out), len(whole.Samples))
		}
		for i := range out {
			if out[i] != whole.Samples[i] {
				t.Fatalf("round %d: sample %d streamed %v, one-shot %v", round, i, out[i], whole.Samples[i])
			}
		}
	}
}

func TestNewResamplerRejectsBadRates(t *testing.T) {
	if _, err := NewResampler(0, 16000); err == nil {
		t.Error("NewResampler(0, 16000) succeeded")
	}
}

func BenchmarkResample48kTo16k(b *testing.B) { benchResample(b, 48000) }
func BenchmarkResample44kTo16k(b *testing.B) { benchResample(b, 44100) }

func benchResample(b *testing.B, from int) {
	const seconds = 10
	in := tone(from, 1000, 0.5, seconds)
	r, err := NewResampler(from, SpeechRate)
	if err != nil {
		b.Fatal(err)
	}
	out := make([]float32, 0, seconds*SpeechRate+1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out = r.Write(out[:0], in)
		out = r.Flush(out)
	}
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
}
