package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/hajimehoshi/go-mp3"
)

func decodeMP3(r io.Reader, p *pipeline) error {
	// Handing go-mp3 a plain reader (not a Seeker) stops it from scanning
	// the whole file for its length first; the duration cap is enforced as
	// frames arrive instead.
	d, err := mp3.NewDecoder(r)
	if err != nil {
		return malformed("MP3: %v", err)
	}
	if err := p.begin(d.SampleRate(), -1); err != nil {
		return err
	}
	// go-mp3 always emits interleaved 16-bit stereo, duplicating mono.
	const frameBytes = 4
	raw := make([]byte, 4096*frameBytes)
	block := make([]float32, len(raw)/frameBytes)
	var pending int
	for {
		n, err := d.Read(raw[pending:])
		n += pending
		whole := n - n%frameBytes
		out := block[:whole/frameBytes]
		for i := range out {
			l := int16(binary.LittleEndian.Uint16(raw[i*4:]))
			r := int16(binary.LittleEndian.Uint16(raw[i*4+2:]))
			out[i] = (float32(l) + float32(r)) * (0.5 / 32768)
		}
		if len(out) > 0 {
			if perr := p.push(out); perr != nil {
				return perr
			}
		}
		pending = copy(raw, raw[whole:n])
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			return nil
		default:
			if p.frames == 0 {
				return malformed("MP3: %v", err)
			}
			return fmt.Errorf("%w: MP3 frame after %d samples: %v", ErrMalformed, p.frames, err)
		}
	}
}
