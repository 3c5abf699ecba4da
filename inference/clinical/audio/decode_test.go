package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"
)

// wavFile builds a WAV file by hand, so tests do not depend on the encoder
// under test. frames holds per-channel sample values in [-1, 1].
type wavFile struct {
	tag        uint16 // wavePCM, waveFloat or waveExtensible
	subTag     uint16 // for waveExtensible
	bits       int
	rate       int
	frames     [][]float64
	dataSize   *uint32 // override the data chunk size field
	extraChunk bool    // put an odd-sized LIST chunk before fmt
}

func (w wavFile) bytes() []byte {
	ch := 1
	if len(w.frames) > 0 {
		ch = len(w.frames[0])
	}
	var data bytes.Buffer
	for _, fr := range w.frames {
		for _, v := range fr {
			switch {
			case (w.tag == waveFloat || w.subTag == waveFloat) && w.bits == 32:
				binary.Write(&data, binary.LittleEndian, math.Float32bits(float32(v)))
			case w.bits == 8:
				data.WriteByte(byte(math.Round(v*127) + 128))
			case w.bits == 16:
				binary.Write(&data, binary.LittleEndian, int16(math.Round(v*32767)))
			case w.bits == 24:
				x := int32(math.Round(v * (1<<23 - 1)))
				data.Write([]byte{byte(x), byte(x >> 8), byte(x >> 16)})
			case w.bits == 32:
				binary.Write(&data, binary.LittleEndian, int32(math.Round(v*(1<<31-1))))
			}
		}
	}
	var fmtc bytes.Buffer
	le := func(v any) { binary.Write(&fmtc, binary.LittleEndian, v) }
	align := ch * w.bits / 8
	le(w.tag)
	le(uint16(ch))
	le(uint32(w.rate))
	le(uint32(w.rate * align))
	le(uint16(align))
	le(uint16(w.bits))
	if w.tag == waveExtensible {
		le(uint16(22))
		le(uint16(w.bits))
		le(uint32(3))
		le(w.subTag)
		fmtc.Write([]byte{0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71})
	}
	var out bytes.Buffer
	chunk := func(id string, body []byte, size uint32) {
		out.WriteString(id)
		binary.Write(&out, binary.LittleEndian, size)
		out.Write(body)
		if len(body)%2 == 1 {
			out.WriteByte(0)
		}
	}
	out.WriteString("RIFF\x00\x00\x00\x00WAVE")
	if w.extraChunk {
		chunk("LIST", []byte("INFOx"), 5)
	}
	chunk("fmt ", fmtc.Bytes(), uint32(fmtc.Len()))
	size := uint32(data.Len())
	if w.dataSize != nil {
		size = *w.dataSize
	}
	chunk("data", data.Bytes(), size)
	b := out.Bytes()
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

func rampFrames(n, ch int) [][]float64 {
	frames := make([][]float64, n)
	for i := range frames {
		v := 0.9 * math.Sin(float64(i)*0.37)
		frames[i] = make([]float64, ch)
		for c := range ch {
			frames[i][c] = v * float64(1+c) / float64(ch) // channels differ
		}
	}
	return frames
}

func TestDecodeWAVEncodings(t *testing.T) {
	cases := []struct {
		name string
		w    wavFile
		tol  float64
	}{
		{"u8", wavFile{tag: wavePCM, bits: 8}, 0.02},
		{"s16", wavFile{tag: wavePCM, bits: 16}, 1e-4},
		{"s24", wavFile{tag: wavePCM, bits: 24}, 1e-6},
		{"s32", wavFile{tag: wavePCM, bits: 32}, 1e-6},
		{"f32", wavFile{tag: waveFloat, bits: 32}, 1e-7},
		{"extensible s24", wavFile{tag: waveExtensible, subTag: wavePCM, bits: 24}, 1e-6},
		{"extensible f32", wavFile{tag: waveExtensible, subTag: waveFloat, bits: 32}, 1e-7},
		{"odd extra chunk", wavFile{tag: wavePCM, bits: 16, extraChunk: true}, 1e-4},
		{"streamed size", wavFile{tag: wavePCM, bits: 16, dataSize: new(uint32(math.MaxUint32))}, 1e-4},
	}
	for _, tc := range cases {
		for _, ch := range []int{1, 2} {
			w := tc.w
			w.rate = 22050
			w.frames = rampFrames(5000, ch)
			clip, f, err := Decode(bytes.NewReader(w.bytes()), Limits{})
			if err != nil {
				t.Errorf("%s/%dch: %v", tc.name, ch, err)
				continue
			}
			if f != FormatWAV || clip.SampleRate != 22050 || len(clip.Samples) != 5000 {
				t.Errorf("%s/%dch: got %v, %d Hz, %d samples", tc.name, ch, f, clip.SampleRate, len(clip.Samples))
				continue
			}
			for i, fr := range w.frames {
				var want float64
				for _, v := range fr {
					want += v
				}
				want /= float64(ch)
				if d := math.Abs(float64(clip.Samples[i]) - want); d > tc.tol {
					t.Errorf("%s/%dch: sample %d = %v, want %v", tc.name, ch, i, clip.Samples[i], want)
					break
				}
			}
		}
	}
}

func TestDecodeRejectsUnsupported(t *testing.T) {
	cases := []struct {
		name   string
		data   []byte
		detect string
	}{
		{"ogg", []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00"), "Ogg"},
		{"m4a", []byte("\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00"), "MP4/M4A"},
		{"flac", []byte("fLaC\x00\x00\x00\x22\x10\x00\x10\x00"), "FLAC"},
		{"aac adts", []byte{0xFF, 0xF1, 0x50, 0x80, 0, 0, 0, 0, 0, 0, 0, 0}, "AAC"},
		{"text", []byte("hello, this is not audio"), "unrecognised"},
		{"6 channels", wavFile{tag: wavePCM, bits: 16, rate: 16000, frames: rampFrames(10, 6)}.bytes(), "6 channels"},
		{"12-bit", wavFile{tag: wavePCM, bits: 12, rate: 16000, frames: [][]float64{{0}}}.bytes(), "12-bit"},
		{"96 kHz", wavFile{tag: wavePCM, bits: 16, rate: 96000, frames: rampFrames(10, 1)}.bytes(), "96000 Hz"},
		{"4 kHz", wavFile{tag: wavePCM, bits: 16, rate: 4000, frames: rampFrames(10, 1)}.bytes(), "4000 Hz"},
	}
	for _, tc := range cases {
		_, _, err := Decode(bytes.NewReader(tc.data), Limits{})
		var ue *UnsupportedFormatError
		if !errors.As(err, &ue) || !errors.Is(err, ErrUnsupportedFormat) {
			t.Errorf("%s: got %v, want *UnsupportedFormatError", tc.name, err)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.detect) || !strings.Contains(msg, SupportedFormats) {
			t.Errorf("%s: message %q should name %q and the supported formats", tc.name, msg, tc.detect)
		}
	}
}

func TestDecodeMalformed(t *testing.T) {
	good := wavFile{tag: wavePCM, bits: 16, rate: 16000, frames: rampFrames(100, 1)}.bytes()
	for name, data := range map[string][]byte{
		"empty":          nil,
		"truncated head": good[:20],
		"no data chunk":  good[:36],
		"no samples":     wavFile{tag: wavePCM, bits: 16, rate: 16000, frames: [][]float64{}}.bytes(),
		"bad mp3":        append([]byte("ID3\x03\x00\x00\x00\x00\x00\x00"), bytes.Repeat([]byte{0x55}, 100)...),
	} {
		if _, _, err := Decode(bytes.NewReader(data), Limits{}); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}

// An ID3v2 tag's size is read as the syncsafe number it must be, and the
// tag is skipped as it is read: a ten-byte upload claiming a 512 MB tag
// is malformed, not an allocation of that size (go-mp3 made one).
func TestMP3TagSizeAllocatesNothing(t *testing.T) {
	for _, file := range [][]byte{
		[]byte("ID3\x03\x00\x00\xff\xff\xff\xff"),
		[]byte("ID3\x03\x00\x00\x7f\x7f\x7f\x7f"), // syncsafe, 256 MB, and then the file ends
	} {
		var err error
		n := allocated(func() { _, _, err = DecodeForASR(bytes.NewReader(file), Limits{MaxBytes: 1 << 20}) })
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: got %v, want ErrMalformed", file, err)
		}
		if n > 16<<20 {
			t.Errorf("%q: a %d-byte upload allocated %d MB", file, len(file), n>>20)
		}
	}
}

// allocated is how many bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A rate whose ratio to 16 kHz would need a huge filter is taken at the
// standard rate within 1% of it, and refused when there is none; the
// resampler never builds such a filter.
func TestOddRatesCostNoHugeFilter(t *testing.T) {
	if _, err := NewResampler(47999, SpeechRate); err == nil {
		t.Error("NewResampler(47999, 16000) built a 3-million-tap filter")
	}
	odd := wavFile{tag: wavePCM, bits: 16, rate: 47999, frames: rampFrames(48000, 1)}.bytes()
	var clip Clip
	var err error
	n := allocated(func() { clip, _, err = DecodeForASR(bytes.NewReader(odd), Limits{}) })
	if err != nil || clip.SampleRate != SpeechRate || clip.Duration() < 990*time.Millisecond || clip.Duration() > 1010*time.Millisecond {
		t.Fatalf("47,999 Hz, 1 s: %v at %d Hz (%v)", clip.Duration(), clip.SampleRate, err)
	}
	if n > 16<<20 {
		t.Errorf("a 1 s upload at 47,999 Hz allocated %d MB", n>>20)
	}
	far := wavFile{tag: wavePCM, bits: 16, rate: 30011, frames: rampFrames(3000, 1)}.bytes()
	var ue *UnsupportedFormatError
	if _, _, err := DecodeForASR(bytes.NewReader(far), Limits{}); !errors.As(err, &ue) || !strings.Contains(err.Error(), "30011 Hz") {
		t.Errorf("30,011 Hz: got %v, want an unsupported-format error naming the rate", err)
	}
}

func TestDecodeLimits(t *testing.T) {
	data := wavFile{tag: wavePCM, bits: 16, rate: 16000, frames: rampFrames(16000, 1)}.bytes() // 1 s

	_, _, err := Decode(bytes.NewReader(data), Limits{MaxBytes: int64(len(data))})
	if err != nil {
		t.Errorf("input exactly at MaxBytes: %v", err)
	}
	var tl *TooLargeError
	_, _, err = Decode(bytes.NewReader(data), Limits{MaxBytes: int64(len(data) - 1)})
	if !errors.As(err, &tl) || !errors.Is(err, ErrTooLarge) || tl.MaxBytes != int64(len(data)-1) {
		t.Errorf("one byte over MaxBytes: got %v, want *TooLargeError", err)
	}
	_, _, err = Decode(bytes.NewReader(data), Limits{MaxDuration: 900 * time.Millisecond})
	if !errors.As(err, &tl) || tl.MaxDuration != 900*time.Millisecond || tl.Duration != time.Second {
		t.Errorf("1 s over a 0.9 s limit: got %#v", err)
	}
	// Without a declared length the cap applies while decoding.
	streamed := wavFile{tag: wavePCM, bits: 16, rate: 16000, frames: rampFrames(16000, 1), dataSize: new(uint32(math.MaxUint32))}.bytes()
	_, _, err = Decode(bytes.NewReader(streamed), Limits{MaxDuration: 900 * time.Millisecond})
	if !errors.As(err, &tl) || tl.MaxDuration != 900*time.Millisecond {
		t.Errorf("streamed 1 s over a 0.9 s limit: got %v", err)
	}
	if _, _, err := Decode(bytes.NewReader(data), Limits{MaxBytes: -1, MaxDuration: -1}); err != nil {
		t.Errorf("limits disabled: %v", err)
	}
}

func TestDecodeReadError(t *testing.T) {
	data := wavFile{tag: wavePCM, bits: 16, rate: 16000, frames: rampFrames(100000, 1)}.bytes()
	boom := errors.New("connection reset")
	r := io.MultiReader(bytes.NewReader(data[:70000]), iotestErrReader{boom})
	if _, _, err := Decode(r, Limits{}); !errors.Is(err, boom) {
		t.Errorf("got %v, want the reader's error wrapped", err)
	}
}

type iotestErrReader struct{ err error }

func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }

func TestEncodeWAVRoundTrip(t *testing.T) {
	in := Clip{Samples: tone(16000, 440, 0.7, 0.5), SampleRate: 16000}
	in.Samples[10] = 1.5 // clipped
	var buf bytes.Buffer
	if err := EncodeWAV(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, f, err := Decode(&buf, Limits{})
	if err != nil || f != FormatWAV {
		t.Fatalf("decoding encoded WAV: %v, %v", f, err)
	}
	if len(out.Samples) != len(in.Samples) || out.SampleRate != 16000 {
		t.Fatalf("got %d samples at %d Hz", len(out.Samples), out.SampleRate)
	}
	for i := range in.Samples {
		want := max(-1, min(1, in.Samples[i]))
		if math.Abs(float64(out.Samples[i]-want)) > 1e-4 {
			t.Fatalf("sample %d: got %v, want %v", i, out.Samples[i], want)
		}
	}
}

func TestDecodeForASRResamples(t *testing.T) {
	w := wavFile{tag: wavePCM, bits: 16, rate: 48000}
	for _, v := range tone(48000, 1000, 0.5, 1) {
		w.frames = append(w.frames, []float64{float64(v)})
	}
	clip, _, err := DecodeForASR(bytes.NewReader(w.bytes()), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if clip.SampleRate != SpeechRate || len(clip.Samples) != SpeechRate {
		t.Fatalf("got %d samples at %d Hz, want 16000 at 16 kHz", len(clip.Samples), clip.SampleRate)
	}
	if f := zeroCrossFreq(interior(clip.Samples, SpeechRate), SpeechRate); math.Abs(f-1000) > 0.5 {
		t.Errorf("tone at %.2f Hz, want 1000", f)
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		head []byte
		want Format
	}{
		{[]byte("RIFF\x24\x00\x00\x00WAVEfmt "), FormatWAV},
		{[]byte("ID3\x04\x00\x00\x00\x00\x00\x00\x00\x00"), FormatMP3},
		{[]byte{0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0, 0, 0, 0, 0}, FormatMP3}, // MPEG-1 layer III
		{[]byte{0xFF, 0xF3, 0x48, 0xC4, 0, 0, 0, 0, 0, 0, 0, 0}, FormatMP3}, // MPEG-2 layer III
	} {
		got, err := Detect(tc.head)
		if err != nil || got != tc.want {
			t.Errorf("Detect(% x) = %v, %v; want %v", tc.head[:4], got, err, tc.want)
		}
	}
	// The name never matters: a WAV signature inside "exam.mp3" is WAV.
	if f, _ := Detect([]byte("RIFF....WAVE")); f != FormatWAV {
		t.Errorf("got %v", f)
	}
}

func BenchmarkDecodeForASRWAV48k(b *testing.B) {
	const seconds = 10
	w := wavFile{tag: wavePCM, bits: 16, rate: 48000}
	for _, v := range tone(48000, 1000, 0.5, seconds) {
		w.frames = append(w.frames, []float64{float64(v), float64(-v) / 2})
	}
	data := w.bytes()
	r := bytes.NewReader(data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(data)
		if _, _, err := DecodeForASR(r, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
}

// A 1 KB WAV whose header claims two hours must not reserve memory for
// them: refused outright when the input's length is known, and decoded
// with a bounded allocation when it streams in.
func TestDecodeLyingHeaderAllocatesNothing(t *testing.T) {
	const rate = 48000
	claimed := uint32(2 * 3600 * rate * 2) // two hours of 16-bit mono
	file := wavFile{tag: wavePCM, bits: 16, rate: rate, frames: rampFrames(400, 1), dataSize: &claimed}.bytes()

	const budget = 16 << 20
	var err error
	n := allocated(func() { _, _, err = Decode(bytes.NewReader(file), Limits{}) })
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "declares") {
		t.Fatalf("known length: err = %v, want a malformed error about the declared size", err)
	}
	if n > budget {
		t.Fatalf("known length: allocated %d MB before refusing", n>>20)
	}
	var clip Clip
	n = allocated(func() { clip, _, err = Decode(struct{ io.Reader }{bytes.NewReader(file)}, Limits{}) })
	if err != nil || len(clip.Samples) != 400 {
		t.Fatalf("stream: %d samples, err %v; want the 400 that arrived", len(clip.Samples), err)
	}
	if n > budget {
		t.Fatalf("stream: allocated %d MB for 400 samples", n>>20)
	}
}
