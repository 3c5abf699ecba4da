package audio

import (
	"math"
	"slices"
	"time"
)

// VAD finds speech and plans where to cut audio for recognition. Zero fields
// take the defaults given in their comments.
//
// It is an energy detector: frame level in dB against a noise floor that
// adapts as the recording goes on. That is enough here because its only job
// is to put cuts where nobody is speaking; deciding what is speech is left
// to the recogniser, which is robust to the noise a loose detector lets
// through. A statistical or neural detector (WebRTC, Silero) would need cgo
// or model files, for cut points that differ by a few tens of milliseconds.
//
//   - The floor starts at the 10th percentile of frame levels (most
//     recordings are at least 10% pauses), falls quickly when the room gets
//     quieter and rises by at most FloorRise dB/s, so several seconds of
//     continuous speech do not become the new "silence".
//   - A frame is active when it is Threshold dB above the floor and above
//     MinLevel dBFS, so near-digital silence is never speech.
//   - Hangover keeps speech on after the level drops, bridging the quiet
//     stops and trailing fricatives inside and between words, so cuts land
//     in real pauses rather than mid-word.
//   - Runs with less than MinSpeech of active frames are clicks and bumps,
//     not speech.
type VAD struct {
	Frame     time.Duration // analysis frame; default 20 ms
	Threshold float64       // dB above the noise floor; default 10
	MinLevel  float64       // absolute gate in dBFS; default -55
	FloorRise float64       // fastest noise-floor rise in dB/s; default 2
	Hangover  time.Duration // default 300 ms
	MinSpeech time.Duration // default 60 ms
	Pad       time.Duration // silence kept around speech in chunks; default 200 ms
	MaxChunk  time.Duration // longest chunk; default 30 s, Whisper's window
}

func (v VAD) withDefaults() VAD {
	def := func(d *time.Duration, x time.Duration) {
		if *d <= 0 {
			*d = x
		}
	}
	def(&v.Frame, 20*time.Millisecond)
	def(&v.Hangover, 300*time.Millisecond)
	def(&v.MinSpeech, 60*time.Millisecond)
	def(&v.Pad, 200*time.Millisecond)
	def(&v.MaxChunk, 30*time.Second)
	if v.Threshold <= 0 {
		v.Threshold = 10
	}
	if v.MinLevel == 0 {
		v.MinLevel = -55
	}
	if v.FloorRise <= 0 {
		v.FloorRise = 2
	}
	return v
}

// floorMin keeps the noise floor finite on digital silence.
const floorMin = -100.0

// analysis is the per-frame view of a clip.
type analysis struct {
	frameLen int
	level    []float64 // dBFS per frame
	speech   []Span    // in samples
}

// Speech returns the spans of c that contain speech, hangover included.
func (v VAD) Speech(c Clip) []Span {
	return v.withDefaults().analyse(c).speech
}

func (v VAD) analyse(c Clip) analysis {
	a := analysis{frameLen: max(1, int(v.Frame.Seconds()*float64(c.SampleRate)))}
	n := len(c.Samples)
	frames := (n + a.frameLen - 1) / a.frameLen
	if frames == 0 {
		return a
	}
	a.level = make([]float64, frames)
	for i := range a.level {
		f := c.Samples[i*a.frameLen : min(n, (i+1)*a.frameLen)]
		var sum float64
		for _, s := range f {
			sum += float64(s) * float64(s)
		}
		a.level[i] = 10 * math.Log10(sum/float64(len(f))+1e-12)
	}

	sorted := slices.Clone(a.level)
	slices.Sort(sorted)
	floor := max(floorMin, sorted[len(sorted)/10])
	frameSec := float64(a.frameLen) / float64(c.SampleRate)
	rise := v.FloorRise * frameSec
	hangFrames := int(v.Hangover.Seconds() / frameSec)
	minActive := max(1, int(math.Ceil(v.MinSpeech.Seconds()/frameSec)))

	var (
		hang     int
		runStart = -1
		active   int // active frames in the current run
	)
	closeRun := func(end int) {
		if active >= minActive {
			a.speech = append(a.speech, Span{Start: runStart * a.frameLen, End: min(n, end*a.frameLen)})
		}
		runStart, active = -1, 0
	}
	for i, e := range a.level {
		if e < floor {
			floor = max(floorMin, floor+(e-floor)*0.5)
		} else {
			floor += min(e-floor, rise)
		}
		on := e > floor+v.Threshold && e > v.MinLevel
		switch {
		case on:
			if runStart < 0 {
				runStart = i
			}
			active++
			hang = hangFrames
		case runStart >= 0 && hang > 0:
			hang--
		case runStart >= 0:
			closeRun(i)
		}
	}
	if runStart >= 0 {
		closeRun(frames)
	}
	return a
}

// Chunks plans how to cut c for recognition: spans of at most MaxChunk that
// together cover all speech, cut in pauses (the last pause that keeps the
// chunk within MaxChunk, so chunks are few and long). When a stretch has no
// pause within MaxChunk, it is cut at the quietest frame of the second half
// of the window, which avoids both mid-syllable cuts and tiny chunks.
// Silence before, between and after chunks is left out, beyond Pad on each
// side. Audio without speech yields no chunks.
func (v VAD) Chunks(c Clip) []Span {
	v = v.withDefaults()
	a := v.analyse(c)
	if len(a.speech) == 0 {
		return nil
	}
	n := len(c.Samples)
	pad := int(v.Pad.Seconds() * float64(c.SampleRate))
	maxLen := max(2*a.frameLen, int(v.MaxChunk.Seconds()*float64(c.SampleRate)))

	var chunks []Span
	sp := a.speech
	start := max(0, sp[0].Start-pad)
	for i := 0; i < len(sp); {
		limit := start + maxLen
		j := i
		for j < len(sp) && sp[j].End <= limit {
			j++
		}
		switch {
		case j == len(sp):
			chunks = append(chunks, Span{start, min(n, sp[j-1].End+pad, limit)})
			return chunks
		case j > i:
			gapStart, gapEnd := sp[j-1].End, sp[j].Start
			mid := gapStart + (gapEnd-gapStart)/2
			chunks = append(chunks, Span{start, min(gapStart+pad, mid, limit)})
			start = max(gapEnd-pad, mid)
			i = j
		default:
			cut := a.quietest(start+maxLen/2, limit)
			chunks = append(chunks, Span{start, cut})
			start = cut
		}
	}
	return chunks
}

// quietest returns the start of the lowest-level frame starting in
// [from, to), as a sample index.
func (a analysis) quietest(from, to int) int {
	first := (from + a.frameLen - 1) / a.frameLen
	last := to / a.frameLen // frames starting before to, and ending by it
	best := first
	for f := first; f < last && f < len(a.level); f++ {
		if a.level[f] < a.level[best] {
			best = f
		}
	}
	return min(best*a.frameLen, to)
}
