package audio

import (
	"fmt"
	"math"
	"slices"
)

// Filter design for [Resampler]. The pass band runs to 85% of the lower of
// the two Nyquist frequencies (6.8 kHz at 16 kHz output, all the speech
// band recognisers use) and the stop band starts exactly at that Nyquist
// frequency, so nothing that could alias is passed at more than -80 dB.
const (
	passEdge   = 0.85
	stopAtten  = 80.0 // dB
	kaiserBeta = 0.1102 * (stopAtten - 8.7)
)

// Resampler converts mono audio between two sample rates with a polyphase
// windowed-sinc filter: conceptually it upsamples by L (zero stuffing),
// low-passes with a Kaiser-windowed sinc and keeps every M-th sample, where
// L/M is the reduced rate ratio; only the filter taps that meet non-zero
// input are computed. Unlike linear interpolation, which passes everything
// above the new Nyquist frequency folded back into the speech band, this
// suppresses it by about 80 dB.
//
// A Resampler streams: feed consecutive blocks to Write and call Flush at the
// end. It keeps the tail of the input it still needs, so memory does not
// grow with the length of the stream. It is not safe for concurrent use.
type Resampler struct {
	from, to int
	up, down int64
	taps     int       // taps per phase
	center   int64     // delay of the prototype filter, in upsampled samples
	coef     []float32 // up phases of taps coefficients each, time-reversed

	pending []float32 // input not yet consumed; pending[0] has index base
	base    int64
	next    int64 // index of the next output sample
	written int64 // input samples seen
}

// MaxRatioTerm bounds the terms of the reduced ratio between two rates.
// The filter grows with the larger term: 44.1 kHz to 16 kHz is 160/441
// (a few hundred kilobytes of coefficients), while 47,999 Hz to 16 kHz is
// 16000/47999 and would need 3 million taps, 36 MB and most of a second
// of CPU for every upload made at that rate.
const MaxRatioTerm = 1000

// NewResampler returns a Resampler from one sample rate to another. Rates
// must be positive and their reduced ratio's terms at most MaxRatioTerm
// (every standard rate to or from 16 kHz is), so the filter stays under a
// few megabytes.
func NewResampler(from, to int) (*Resampler, error) {
	if from <= 0 || to <= 0 {
		return nil, fmt.Errorf("resampler: invalid rates %d Hz -> %d Hz", from, to)
	}
	g := gcd(from, to)
	if max(from, to)/g > MaxRatioTerm {
		return nil, fmt.Errorf("resampler: %d Hz -> %d Hz reduces to %d/%d, beyond %d: resample from a standard rate", from, to, to/g, from/g, MaxRatioTerm)
	}
	r := &Resampler{from: from, to: to, up: int64(to / g), down: int64(from / g)}
	r.design()
	r.Reset()
	return r, nil
}

// Reset discards buffered input so the Resampler can start a new stream.
func (r *Resampler) Reset() {
	// Taps that reach before the first sample meet zeros, so a stream
	// starts with taps-1 zeros of history.
	r.pending = appendZeros(r.pending[:0], r.taps-1)
	r.base = -int64(r.taps - 1)
	r.next = 0
	r.written = 0
}

func (r *Resampler) design() {
	// All frequencies in cycles per sample at the upsampled rate, where the
	// lower Nyquist frequency is 1/(2·max(L, M)).
	nyquist := 0.5 / float64(max(r.up, r.down))
	transition := (1 - passEdge) * nyquist
	cutoff := nyquist - transition/2
	n := int(math.Ceil((stopAtten - 7.95) / (14.36 * transition))) // Kaiser's estimate
	n |= 1                                                         // odd length: integer delay
	center := (n - 1) / 2

	h := make([]float64, n)
	var sum float64
	i0Beta := besselI0(kaiserBeta)
	for i := range h {
		t := float64(i - center)
		x := 2 * cutoff * t
		sinc := 1.0
		if x != 0 {
			sinc = math.Sin(math.Pi*x) / (math.Pi * x)
		}
		ratio := t / float64(center)
		w := besselI0(kaiserBeta*math.Sqrt(max(0, 1-ratio*ratio))) / i0Beta
		h[i] = 2 * cutoff * sinc * w
		sum += h[i]
	}
	// Zero stuffing divides the signal's energy by L, so the filter gains L
	// back; normalising by the exact sum makes DC gain exactly one.
	gain := float64(r.up) / sum

	up := int(r.up)
	r.taps = (n + up - 1) / up
	r.center = int64(center)
	r.coef = make([]float32, up*r.taps)
	for q := range up {
		phase := r.coef[q*r.taps : (q+1)*r.taps]
		for j := range r.taps {
			if k := q + j*up; k < n {
				phase[r.taps-1-j] = float32(h[k] * gain)
			}
		}
	}
}

// Write resamples src, appends the output samples that are complete to dst
// and returns the extended slice. Output for the last few input samples is
// held back until more input or Flush arrives.
func (r *Resampler) Write(dst, src []float32) []float32 {
	r.compact()
	r.pending = append(r.pending, src...)
	r.written += int64(len(src))
	return r.produce(dst, math.MaxInt64)
}

// Flush appends the remaining output to dst, so that the whole stream yields
// ceil(n·to/from) samples for n input samples, and resets r.
func (r *Resampler) Flush(dst []float32) []float32 {
	total := (r.written*r.up + r.down - 1) / r.down
	if total > r.next {
		last, _ := r.window(total - 1)
		if need := last + 1 - (r.base + int64(len(r.pending))); need > 0 {
			r.pending = appendZeros(r.pending, int(need))
		}
	}
	dst = r.produce(dst, total)
	r.Reset()
	return dst
}

// window returns the index of the newest input sample that output k needs
// and the filter phase applying to it.
func (r *Resampler) window(k int64) (newest int64, phase int) {
	s := k*r.down + r.center
	return s / r.up, int(s % r.up)
}

func (r *Resampler) produce(dst []float32, limit int64) []float32 {
	end := r.base + int64(len(r.pending))
	for ; r.next < limit; r.next++ {
		newest, q := r.window(r.next)
		if newest >= end {
			break
		}
		start := int(newest - r.base - int64(r.taps) + 1)
		dst = append(dst, dot(r.coef[q*r.taps:(q+1)*r.taps], r.pending[start:start+r.taps]))
	}
	return dst
}

// compact drops input no future output needs, once that is worth a copy.
func (r *Resampler) compact() {
	newest, _ := r.window(r.next)
	drop := int(newest - int64(r.taps) + 1 - r.base)
	if drop <= 0 || drop < len(r.pending)/2 {
		return
	}
	n := copy(r.pending, r.pending[drop:])
	r.pending = r.pending[:n]
	r.base += int64(drop)
}

// dot keeps four independent sums so the CPU can overlap the additions.
func dot(a, b []float32) float32 {
	var s0, s1, s2, s3 float32
	b = b[:len(a)]
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// Resample converts c to the given rate in one call.
func Resample(c Clip, rate int) (Clip, error) {
	if c.SampleRate == rate {
		return c, nil
	}
	r, err := NewResampler(c.SampleRate, rate)
	if err != nil {
		return Clip{}, err
	}
	out := make([]float32, 0, int64(len(c.Samples))*int64(rate)/int64(c.SampleRate)+1)
	out = r.Write(out, c.Samples)
	return Clip{Samples: r.Flush(out), SampleRate: rate}, nil
}

// appendZeros extends s by n zeros, reusing its capacity when it can.
func appendZeros(s []float32, n int) []float32 {
	s = slices.Grow(s, n)
	s = s[:len(s)+n]
	clear(s[len(s)-n:])
	return s
}

// besselI0 is the zeroth-order modified Bessel function of the first kind,
// by its power series, which converges fast for the β used here.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	q := x * x / 4
	for k := 1; term > 1e-12*sum; k++ {
		term *= q / float64(k*k)
		sum += term
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
