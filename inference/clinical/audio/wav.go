package audio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// WAVE format tags (mmreg.h).
const (
	wavePCM        = 0x0001
	waveFloat      = 0x0003
	waveALaw       = 0x0006
	waveMuLaw      = 0x0007
	waveExtensible = 0xFFFE
)

// sampleKind is a WAV sample encoding this package decodes.
type sampleKind int

const (
	pcmU8 sampleKind = iota
	pcmS16
	pcmS24
	pcmS32
	pcmF32
)

type wavFormat struct {
	kind       sampleKind
	channels   int
	rate       int
	blockAlign int
}

// wavBlockFrames is how many sample frames are converted per block: large
// enough to amortise the read, small enough to stay in cache.
const wavBlockFrames = 4096

func decodeWAV(br *bufio.Reader, p *pipeline) error {
	var riff [12]byte
	if _, err := io.ReadFull(br, riff[:]); err != nil {
		return malformed("WAV header: %v", err)
	}
	var (
		f      wavFormat
		haveFm bool
		hdr    [8]byte
	)
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return malformed("WAV file has no data chunk")
			}
			return fmt.Errorf("reading WAV: %w", err)
		}
		id, size := string(hdr[:4]), binary.LittleEndian.Uint32(hdr[4:])
		switch id {
		case "fmt ":
			if size < 16 || size > 1024 {
				return malformed("WAV fmt chunk of %d bytes", size)
			}
			buf := make([]byte, size+size&1)
			if _, err := io.ReadFull(br, buf); err != nil {
				return malformed("WAV fmt chunk: %v", err)
			}
			var err error
			if f, err = parseWAVFormat(buf[:size]); err != nil {
				return err
			}
			haveFm = true
		case "data":
			if !haveFm {
				return malformed("WAV data chunk before fmt chunk")
			}
			return decodeWAVData(br, p, f, size)
		default:
			// LIST, fact, bext, cue... carry nothing we need. Chunks are
			// word-aligned, hence the pad byte on odd sizes.
			if _, err := br.Discard(int(size) + int(size&1)); err != nil {
				return malformed("WAV %q chunk: %v", id, err)
			}
		}
	}
}

func parseWAVFormat(b []byte) (wavFormat, error) {
	tag := binary.LittleEndian.Uint16(b[0:])
	f := wavFormat{
		channels:   int(binary.LittleEndian.Uint16(b[2:])),
		rate:       int(binary.LittleEndian.Uint32(b[4:])),
		blockAlign: int(binary.LittleEndian.Uint16(b[12:])),
	}
	bits := int(binary.LittleEndian.Uint16(b[14:]))
	if tag == waveExtensible {
		if len(b) < 40 {
			return f, malformed("WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes", len(b))
		}
		// The sub-format GUID starts with the ordinary format tag.
		// wValidBitsPerSample may be below the container size (20 bits
		// in 24); samples are left-aligned, so decoding the container
		// width is still right.
		tag = binary.LittleEndian.Uint16(b[24:])
	}
	switch {
	case tag == wavePCM && bits == 8:
		f.kind = pcmU8
	case tag == wavePCM && bits == 16:
		f.kind = pcmS16
	case tag == wavePCM && bits == 24:
		f.kind = pcmS24
	case tag == wavePCM && bits == 32:
		f.kind = pcmS32
	case tag == waveFloat && bits == 32:
		f.kind = pcmF32
	case tag == wavePCM:
		return f, &UnsupportedFormatError{Detected: fmt.Sprintf("WAV with %d-bit integer samples", bits)}
	case tag == waveFloat:
		return f, &UnsupportedFormatError{Detected: fmt.Sprintf("WAV with %d-bit float samples", bits)}
	case tag == waveALaw:
		return f, &UnsupportedFormatError{Detected: "WAV with A-law samples"}
	case tag == waveMuLaw:
		return f, &UnsupportedFormatError{Detected: "WAV with µ-law samples"}
	default:
		return f, &UnsupportedFormatError{Detected: fmt.Sprintf("WAV with codec 0x%04X", tag)}
	}
	if f.channels != 1 && f.channels != 2 {
		return f, &UnsupportedFormatError{Detected: fmt.Sprintf("WAV with %d channels", f.channels)}
	}
	if f.blockAlign != f.channels*bits/8 {
		return f, malformed("WAV block align %d for %d channels of %d bits", f.blockAlign, f.channels, bits)
	}
	return f, nil
}

func decodeWAVData(br *bufio.Reader, p *pipeline, f wavFormat, size uint32) error {
	// Recorders that stream write a placeholder size (0 or 0xFFFFFFFF) and
	// never patch it; then the data runs to the end of the file.
	frames := int64(size) / int64(f.blockAlign)
	if size == 0 || size == math.MaxUint32 {
		frames = -1
	} else if err := p.checkDeclared("WAV data chunk", int64(size)); err != nil {
		return err
	}
	if err := p.begin(f.rate, frames); err != nil {
		return err
	}
	raw := make([]byte, wavBlockFrames*f.blockAlign)
	block := make([]float32, wavBlockFrames)
	remaining := int64(size)
	for frames < 0 || remaining >= int64(f.blockAlign) {
		want := len(raw)
		if frames >= 0 && int64(want) > remaining {
			want = int(remaining) / f.blockAlign * f.blockAlign
		}
		n, err := io.ReadFull(br, raw[:want])
		n -= n % f.blockAlign
		if n > 0 {
			remaining -= int64(n)
			out := block[:n/f.blockAlign]
			convertPCM(out, raw[:n], f)
			if perr := p.push(out); perr != nil {
				return perr
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			// A stream of unknown length whose header promised more
			// (a recorder killed mid-write): keep what arrived. A file
			// of known length was checked against its header above.
			return nil
		default:
			return fmt.Errorf("reading WAV samples: %w", err)
		}
	}
	return nil
}

// convertPCM decodes len(dst) interleaved frames of src into mono dst,
// averaging channels. One loop per encoding keeps the per-sample work free
// of calls and branches.
func convertPCM(dst []float32, src []byte, f wavFormat) {
	ch := f.channels
	scale := 1 / float32(ch)
	switch f.kind {
	case pcmU8:
		const k = 1.0 / 128
		for i := range dst {
			var s float32
			for _, b := range src[i*ch : i*ch+ch] {
				s += (float32(b) - 128) * k
			}
			dst[i] = s * scale
		}
	case pcmS16:
		const k = 1.0 / 32768
		for i := range dst {
			var s float32
			for c := range ch {
				o := (i*ch + c) * 2
				s += float32(int16(binary.LittleEndian.Uint16(src[o:]))) * k
			}
			dst[i] = s * scale
		}
	case pcmS24:
		const k = 1.0 / (1 << 23)
		for i := range dst {
			var s float32
			for c := range ch {
				o := (i*ch + c) * 3
				v := int32(uint32(src[o])<<8|uint32(src[o+1])<<16|uint32(src[o+2])<<24) >> 8
				s += float32(v) * k
			}
			dst[i] = s * scale
		}
	case pcmS32:
		const k = 1.0 / (1 << 31)
		for i := range dst {
			var s float32
			for c := range ch {
				o := (i*ch + c) * 4
				s += float32(int32(binary.LittleEndian.Uint32(src[o:]))) * k
			}
			dst[i] = s * scale
		}
	case pcmF32:
		for i := range dst {
			var s float32
			for c := range ch {
				o := (i*ch + c) * 4
				s += math.Float32frombits(binary.LittleEndian.Uint32(src[o:]))
			}
			dst[i] = s * scale
		}
	}
}

// EncodeWAV writes c as a 16-bit PCM mono WAV file, the most widely accepted
// upload format for transcription services. Samples outside [-1, 1] are
// clipped.
func EncodeWAV(w io.Writer, c Clip) error {
	if c.SampleRate <= 0 {
		return fmt.Errorf("encoding WAV: invalid sample rate %d", c.SampleRate)
	}
	dataLen := uint64(len(c.Samples)) * 2
	if dataLen > math.MaxUint32-36 {
		return fmt.Errorf("encoding WAV: %d samples do not fit a WAV file", len(c.Samples))
	}
	var h [44]byte
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+dataLen))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], wavePCM)
	binary.LittleEndian.PutUint16(h[22:], 1)
	binary.LittleEndian.PutUint32(h[24:], uint32(c.SampleRate))
	binary.LittleEndian.PutUint32(h[28:], uint32(c.SampleRate)*2)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(dataLen))
	bw := bufio.NewWriterSize(w, 32<<10)
	if _, err := bw.Write(h[:]); err != nil {
		return fmt.Errorf("encoding WAV: %w", err)
	}
	var buf [2048]byte
	for s := c.Samples; len(s) > 0; {
		n := min(len(s), len(buf)/2)
		for i, v := range s[:n] {
			v = max(-1, min(1, v))
			binary.LittleEndian.PutUint16(buf[i*2:], uint16(int16(math.Round(float64(v)*32767))))
		}
		if _, err := bw.Write(buf[:n*2]); err != nil {
			return fmt.Errorf("encoding WAV: %w", err)
		}
		s = s[n:]
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("encoding WAV: %w", err)
	}
	return nil
}
