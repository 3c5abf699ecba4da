package audio

import "time"

// Clip is mono audio as float32 samples, nominally in [-1, 1].
type Clip struct {
	Samples    []float32
	SampleRate int
}

// Duration is the length of the clip.
func (c Clip) Duration() time.Duration {
	return c.Time(len(c.Samples))
}

// Time converts a sample index of c to the time from the start of c.
func (c Clip) Time(sample int) time.Duration {
	if c.SampleRate <= 0 {
		return 0
	}
	return time.Duration(int64(sample) * int64(time.Second) / int64(c.SampleRate))
}

// Slice returns the part of c covered by s, sharing the samples.
func (c Clip) Slice(s Span) Clip {
	return Clip{Samples: c.Samples[s.Start:s.End:s.End], SampleRate: c.SampleRate}
}

// Span is the half-open range of sample indices [Start, End).
type Span struct {
	Start, End int
}

// Len is the number of samples in s.
func (s Span) Len() int { return s.End - s.Start }
