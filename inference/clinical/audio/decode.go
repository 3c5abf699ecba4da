package audio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"
)

// Sample rates accepted from input files. Below 8 kHz speech loses too much
// to be recognised; above 48 kHz is studio audio nobody records exams in.
const (
	MinSampleRate = 8000
	MaxSampleRate = 48000
)

// SpeechRate is the sample rate speech recognisers expect.
const SpeechRate = 16000

// Defaults used for zero-valued [Limits] fields.
const (
	DefaultMaxBytes    = 200 << 20
	DefaultMaxDuration = 2 * time.Hour
)

// Limits bound what a decoder accepts. A zero field takes its default; a
// negative one disables that limit.
//
// Decoded audio is held in memory as float32: 16 kHz output needs about
// 230 MB per hour, and [Decode] at the source rate up to three times that.
type Limits struct {
	// MaxBytes caps the encoded input read from the reader.
	MaxBytes int64
	// MaxDuration caps the length of the audio. WAV is refused from its
	// header before anything is decoded; MP3 when decoding passes the cap.
	MaxDuration time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes == 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDuration == 0 {
		l.MaxDuration = DefaultMaxDuration
	}
	return l
}

// Decode reads a whole WAV or MP3 file and returns it as mono float32 at its
// own sample rate, with the detected format. Errors match
// [ErrUnsupportedFormat], [ErrTooLarge] or [ErrMalformed] where they apply;
// read errors from r are returned wrapped.
func Decode(r io.Reader, lim Limits) (Clip, Format, error) {
	var clip Clip
	p := pipeline{
		start: func(rate int, frames int64) error {
			clip.SampleRate = rate
			if frames > 0 {
				clip.Samples = make([]float32, 0, frames)
			}
			return nil
		},
		write: func(block []float32) error {
			clip.Samples = append(clip.Samples, block...)
			return nil
		},
	}
	f, err := p.run(r, lim)
	if err != nil {
		return Clip{}, f, err
	}
	return clip, f, nil
}

// DecodeForASR is [Decode] followed by resampling to [SpeechRate], streamed
// block by block so the source-rate audio is never held whole.
func DecodeForASR(r io.Reader, lim Limits) (Clip, Format, error) {
	out := Clip{SampleRate: SpeechRate}
	var rs *Resampler
	p := pipeline{
		start: func(rate int, frames int64) error {
			if rate != SpeechRate {
				var err error
				if rs, err = NewResampler(nearStandardRate(rate), SpeechRate); err != nil {
					return &UnsupportedFormatError{Detected: fmt.Sprintf("audio at %d Hz, not within 1%% of a standard rate (8, 11.025, 12, 16, 22.05, 24, 32, 44.1 or 48 kHz)", rate)}
				}
			}
			if frames > 0 {
				out.Samples = make([]float32, 0, frames*SpeechRate/int64(rate)+1)
			}
			return nil
		},
		write: func(block []float32) error {
			if rs == nil {
				out.Samples = append(out.Samples, block...)
			} else {
				out.Samples = rs.Write(out.Samples, block)
			}
			return nil
		},
	}
	f, err := p.run(r, lim)
	if err != nil {
		return Clip{}, f, err
	}
	if rs != nil {
		out.Samples = rs.Flush(out.Samples)
	}
	return out, f, nil
}

// standardRates are the sample rates recorders and phones write.
var standardRates = [...]int{8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000}

// nearStandardRate is rate, or the standard rate within 1% of it when
// rate itself would need too large a resampling filter (see
// MaxRatioTerm): a recorder whose clock says 47,999 Hz is taken at
// 48 kHz, which moves its timing by 0.002%. A rate far from every
// standard one is returned as it is, for NewResampler to refuse.
func nearStandardRate(rate int) int {
	if max(rate, SpeechRate)/gcd(rate, SpeechRate) <= MaxRatioTerm {
		return rate
	}
	for _, s := range standardRates {
		if d := rate - s; d*100 <= s && -d*100 <= s {
			return s
		}
	}
	return rate
}

// pipeline connects a format decoder to a consumer and enforces [Limits].
type pipeline struct {
	// start is called once the sample rate is known; frames is the
	// declared number of sample frames, or -1 when the format does not say.
	start func(rate int, frames int64) error
	// write receives consecutive mono blocks; the block is reused after it
	// returns.
	write func(block []float32) error

	lim       Limits
	format    Format
	rate      int
	frames    int64
	maxFrames int64
	// size is the whole input's length when the reader tells it (as
	// bytes.Reader does), else -1; pos is how much of it the decoder has
	// consumed. Together they say what a header's promises can be.
	size int64
	pos  func() int64
}

// maxBlindPrealloc bounds what is allocated ahead of the data on a
// header's word alone when the input's length is unknown: a minute of
// audio. Longer recordings grow as they arrive.
const maxBlindPrealloc = 60

func (p *pipeline) run(r io.Reader, lim Limits) (Format, error) {
	p.lim = lim.withDefaults()
	cr := &cappedReader{r: r, remaining: p.lim.MaxBytes}
	br := bufio.NewReaderSize(cr, 64<<10)
	p.size = -1
	if l, ok := r.(interface{ Len() int }); ok {
		p.size = int64(l.Len())
	}
	p.pos = func() int64 { return cr.read - int64(br.Buffered()) }
	head, err := br.Peek(sniffLen)
	if len(head) == 0 {
		if err != nil && !errors.Is(err, io.EOF) {
			return FormatUnknown, fmt.Errorf("reading audio: %w", err)
		}
		return FormatUnknown, malformed("empty input")
	}
	p.format, err = Detect(head)
	if err != nil {
		return FormatUnknown, err
	}
	switch p.format {
	case FormatWAV:
		err = decodeWAV(br, p)
	case FormatMP3:
		err = decodeMP3(br, p)
	}
	// The cap can surface as a truncated-file error inside a decoder, so it
	// is checked first to report the real cause.
	if cr.exceeded {
		return p.format, &TooLargeError{MaxBytes: p.lim.MaxBytes}
	}
	if err != nil {
		return p.format, err
	}
	if p.frames == 0 {
		return p.format, malformed("%s file contains no samples", p.format)
	}
	return p.format, nil
}

func (p *pipeline) begin(rate int, frames int64) error {
	if rate < MinSampleRate || rate > MaxSampleRate {
		return &UnsupportedFormatError{Detected: fmt.Sprintf("%s at %d Hz", p.format, rate)}
	}
	p.rate = rate
	p.maxFrames = -1
	if p.lim.MaxDuration > 0 {
		p.maxFrames = int64(p.lim.MaxDuration.Seconds() * float64(rate))
		if frames > p.maxFrames {
			d := time.Duration(float64(frames) / float64(rate) * float64(time.Second))
			return &TooLargeError{MaxDuration: p.lim.MaxDuration, Duration: d}
		}
	}
	if frames > 0 && p.size < 0 {
		frames = min(frames, int64(maxBlindPrealloc*rate))
	}
	return p.start(rate, frames)
}

// checkDeclared refuses a header that declares more bytes than the input
// holds after it, before anything is allocated for them: a 1 KB file
// claiming two hours of audio would otherwise reserve hundreds of MB.
// Streams of unknown length pass; their allocation is capped in begin.
func (p *pipeline) checkDeclared(what string, declared int64) error {
	if p.size < 0 {
		return nil
	}
	if left := p.size - p.pos(); declared > left {
		return malformed("%s declares %d bytes but the file holds %d after its header", what, declared, left)
	}
	return nil
}

func (p *pipeline) push(block []float32) error {
	p.frames += int64(len(block))
	if p.maxFrames >= 0 && p.frames > p.maxFrames {
		return &TooLargeError{MaxDuration: p.lim.MaxDuration}
	}
	return p.write(block)
}

// errCapped is returned by cappedReader past its cap; callers look at the
// exceeded flag rather than this error, which decoders may wrap or hide.
var errCapped = errors.New("input size cap reached")

// cappedReader fails once more than remaining bytes are read, unlike
// io.LimitReader, which would make an oversized upload look like a
// truncated one.
type cappedReader struct {
	r         io.Reader
	remaining int64 // negative: no cap
	exceeded  bool
	read      int64 // bytes handed out so far
}

func (c *cappedReader) Read(b []byte) (int, error) {
	if c.remaining < 0 {
		n, err := c.r.Read(b)
		c.read += int64(n)
		return n, err
	}
	if c.exceeded {
		return 0, errCapped
	}
	// Read one byte past the cap to tell "exactly at the cap" from "over".
	if int64(len(b)) > c.remaining+1 {
		b = b[:c.remaining+1]
	}
	n, err := c.r.Read(b)
	if int64(n) > c.remaining {
		c.exceeded = true
		return int(c.remaining), errCapped
	}
	c.remaining -= int64(n)
	c.read += int64(n)
	return n, err
}
