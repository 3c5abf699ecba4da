package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/hajimehoshi/go-mp3"
)

func decodeMP3(r io.Reader, p *pipeline) error {
	r, err := skipID3v2(r)
	if err != nil {
		return err
	}
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

// skipID3v2 reads past the ID3v2 tags at the start of r and returns the
// rest. go-mp3 reads a tag's size without its syncsafe encoding and
// allocates that much before reading a byte of it, so a ten-byte upload
// asked for 512 MB; here the size must be syncsafe, and the tag is
// discarded as it is read, within the upload's byte limit.
func skipID3v2(r io.Reader) (io.Reader, error) {
	for {
		var h [10]byte
		n, err := io.ReadFull(r, h[:])
		if n < len(h) || string(h[:3]) != "ID3" {
			if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, err
			}
			return io.MultiReader(bytes.NewReader(h[:n]), r), nil
		}
		var size int64
		for _, b := range h[6:10] {
			if b >= 0x80 {
				return nil, malformed("MP3: ID3v2 tag size %x is not syncsafe", h[6:10])
			}
			size = size<<7 | int64(b)
		}
		if h[5]&0x10 != 0 {
			size += 10 // a footer follows the tag
		}
		if skipped, err := io.CopyN(io.Discard, r, size); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, malformed("MP3: the ID3v2 tag says %d bytes, the file ends after %d", size, skipped)
			}
			return nil, err
		}
	}
}
