package audio

import "bytes"

// Format is a container/codec recognised by [Detect].
type Format int

const (
	FormatUnknown Format = iota
	FormatWAV
	FormatMP3
)

func (f Format) String() string {
	switch f {
	case FormatWAV:
		return "WAV"
	case FormatMP3:
		return "MP3"
	default:
		return "unknown"
	}
}

// sniffLen is how many leading bytes [Detect] needs to tell formats apart.
const sniffLen = 12

// Detect identifies the format from the first bytes of a file (at least 12
// for a reliable answer). Names are never trusted: a phone happily uploads
// "exam.wav" that is really AAC. For a format this package does not decode,
// it returns an [*UnsupportedFormatError] naming what was recognised, so the
// user learns why the upload was refused.
func Detect(head []byte) (Format, error) {
	switch {
	case len(head) >= 12 && bytes.Equal(head[:4], []byte("RIFF")) && bytes.Equal(head[8:12], []byte("WAVE")):
		return FormatWAV, nil
	case bytes.HasPrefix(head, []byte("ID3")):
		// An ID3v2 tag almost always fronts MP3; if it fronts something
		// else the MP3 decoder reports it as malformed.
		return FormatMP3, nil
	case len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0:
		return detectMPEGFrame(head)
	}
	return FormatUnknown, &UnsupportedFormatError{Detected: describeUnsupported(head)}
}

// detectMPEGFrame tells an MPEG audio layer III frame header from its
// relatives that share the 11-bit sync word (AAC ADTS, MP2).
func detectMPEGFrame(head []byte) (Format, error) {
	version := (head[1] >> 3) & 3
	layer := (head[1] >> 1) & 3
	switch {
	case layer == 0 && version >= 2:
		return FormatUnknown, &UnsupportedFormatError{Detected: "AAC (ADTS)"}
	case version == 1 || layer == 0:
		return FormatUnknown, &UnsupportedFormatError{}
	case layer != 1:
		return FormatUnknown, &UnsupportedFormatError{Detected: "MPEG audio layer I/II"}
	}
	return FormatMP3, nil
}

func describeUnsupported(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("OggS")):
		return "Ogg (Opus/Vorbis)"
	case bytes.HasPrefix(head, []byte("fLaC")):
		return "FLAC"
	case len(head) >= 8 && bytes.Equal(head[4:8], []byte("ftyp")):
		return "MP4/M4A"
	case bytes.HasPrefix(head, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		return "WebM/Matroska"
	case bytes.HasPrefix(head, []byte("#!AMR")):
		return "AMR"
	case bytes.HasPrefix(head, []byte("RF64")):
		return "RF64 (64-bit WAV)"
	case bytes.HasPrefix(head, []byte("FORM")):
		return "AIFF"
	case bytes.HasPrefix(head, []byte("caff")):
		return "Core Audio (CAF)"
	}
	return ""
}
