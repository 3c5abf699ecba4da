package audio_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/oqim/oqim/inference/clinical/audio"
	"github.com/oqim/oqim/inference/clinical/audio/audiotest"
)

func decodeFile(t *testing.T, path string, forASR bool) (audio.Clip, audio.Format) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	decode := audio.Decode
	if forASR {
		decode = audio.DecodeForASR
	}
	clip, format, err := decode(f, audio.Limits{})
	if err != nil {
		t.Fatalf("decoding %s: %v", filepath.Base(path), err)
	}
	return clip, format
}

// correlation is the normalised correlation of the overlapping parts.
func correlation(a, b []float32) float64 {
	n := min(len(a), len(b))
	var ab, aa, bb float64
	for i := range n {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

func within(d, want, tol time.Duration) bool { return d >= want-tol && d <= want+tol }

func TestSpeechInEveryFormat(t *testing.T) {
	dir := t.TempDir()
	rec := audiotest.TwoPhrases(t, dir)
	ref, _ := decodeFile(t, rec.Path, true)
	pause := rec.Pauses[0]

	variants := []struct {
		name   string
		file   string
		opts   []string
		rate   int
		format audio.Format
		minCor float64       // against the 16-bit original, both at 16 kHz
		tol    time.Duration // on duration and cut position
	}{
		{"u8 8k", "u8.wav", []string{"-r", "8000", "-b", "8", "-e", "unsigned-integer"}, 8000, audio.FormatWAV, 0.9, 20 * time.Millisecond},
		{"s16 16k", "s16.wav", []string{"-r", "16000", "-b", "16"}, 16000, audio.FormatWAV, 0.99, 20 * time.Millisecond},
		{"s24 extensible 44.1k", "s24.wav", []string{"-r", "44100", "-b", "24"}, 44100, audio.FormatWAV, 0.99, 20 * time.Millisecond},
		{"s32 48k", "s32.wav", []string{"-r", "48000", "-b", "32", "-e", "signed-integer"}, 48000, audio.FormatWAV, 0.99, 20 * time.Millisecond},
		{"f32 22.05k", "f32.wav", []string{"-e", "floating-point", "-b", "32"}, 22050, audio.FormatWAV, 0.999, 20 * time.Millisecond},
		{"stereo 44.1k", "stereo.wav", []string{"-r", "44100", "-c", "2"}, 44100, audio.FormatWAV, 0.99, 20 * time.Millisecond},
		// MP3 adds encoder delay and frame padding, so only timing is checked.
		{"mp3 44.1k", "speech.mp3", []string{"-r", "44100", "-C", "96"}, 44100, audio.FormatMP3, 0, 100 * time.Millisecond},
		{"mp3 16k (MPEG-2)", "speech16.mp3", []string{"-r", "16000", "-C", "32"}, 16000, audio.FormatMP3, 0, 100 * time.Millisecond},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			if v.format == audio.FormatMP3 && !audiotest.CanWriteMP3(t) {
				t.Fatal("sox cannot write MP3: install libsox-fmt-mp3 (`make test` does)")
			}
			// A misleading extension proves detection reads the bytes.
			path := audiotest.Convert(t, rec.Path, filepath.Join(dir, v.file), v.opts...)
			disguised := filepath.Join(dir, "upload-"+v.file+".ogg")
			if err := os.Rename(path, disguised); err != nil {
				t.Fatal(err)
			}

			native, format := decodeFile(t, disguised, false)
			if format != v.format || native.SampleRate != v.rate {
				t.Fatalf("decoded as %v at %d Hz, want %v at %d Hz", format, native.SampleRate, v.format, v.rate)
			}
			if !within(native.Duration(), rec.Duration, v.tol) {
				t.Errorf("decoded %v, want %v ± %v", native.Duration(), rec.Duration, v.tol)
			}

			clip, _ := decodeFile(t, disguised, true)
			if clip.SampleRate != audio.SpeechRate || !within(clip.Duration(), rec.Duration, v.tol) {
				t.Errorf("for ASR: %v at %d Hz, want %v ± %v at 16 kHz", clip.Duration(), clip.SampleRate, rec.Duration, v.tol)
			}
			if v.minCor > 0 {
				c := correlation(clip.Samples, ref.Samples)
				t.Logf("correlation with the original: %.4f", c)
				if c < v.minCor {
					t.Errorf("correlation with the original %.4f, want >= %.3f", c, v.minCor)
				}
			}

			// Force one cut: the chunk limit is shorter than the speech.
			vad := audio.VAD{MaxChunk: rec.Duration - time.Second}
			chunks := vad.Chunks(clip)
			if len(chunks) != 2 {
				t.Fatalf("got %d chunks %v, want 2", len(chunks), chunks)
			}
			for _, cut := range []int{chunks[0].End, chunks[1].Start} {
				if at := clip.Time(cut); at < pause.Start-v.tol || at > pause.End+v.tol {
					t.Errorf("cut at %v, outside the pause %v–%v", at, pause.Start, pause.End)
				}
			}
			t.Logf("%v decoded as %v; pause %v–%v cut at %v / %v", rec.Duration, clip.Duration(),
				pause.Start, pause.End, clip.Time(chunks[0].End), clip.Time(chunks[1].Start))
			speech := vad.Speech(clip)
			if len(speech) != 2 {
				t.Fatalf("got speech spans %v, want one per phrase", speech)
			}
		})
	}
}

func TestLongSpeechChunks(t *testing.T) {
	rec := audiotest.Long(t, t.TempDir())
	clip, _ := decodeFile(t, rec.Path, true)
	if clip.Duration() < 60*time.Second {
		t.Fatalf("test recording is only %v", clip.Duration())
	}
	chunks := audio.VAD{}.Chunks(clip)
	if len(chunks) < 3 {
		t.Fatalf("%v of speech gave %d chunks", clip.Duration(), len(chunks))
	}
	inPause := func(at time.Duration) bool {
		for _, p := range rec.Pauses {
			if at >= p.Start && at <= p.End {
				return true
			}
		}
		return false
	}
	for _, c := range chunks {
		t.Logf("chunk %v–%v", clip.Time(c.Start), clip.Time(c.End))
	}
	covered := make([]bool, len(clip.Samples))
	for i, c := range chunks {
		if d := clip.Slice(c).Duration(); d > 30*time.Second || d <= 0 {
			t.Errorf("chunk %d is %v long", i, d)
		}
		if i > 0 && c.Start < chunks[i-1].End {
			t.Errorf("chunk %d overlaps the previous one", i)
		}
		if i > 0 && !inPause(clip.Time(c.Start)) {
			t.Errorf("chunk %d starts at %v, in speech", i, clip.Time(c.Start))
		}
		if i < len(chunks)-1 && !inPause(clip.Time(c.End)) {
			t.Errorf("chunk %d ends at %v, in speech", i, clip.Time(c.End))
		}
		for j := c.Start; j < c.End; j++ {
			covered[j] = true
		}
	}
	for i, s := range clip.Samples {
		if math.Abs(float64(s)) > 0.01 && !covered[i] {
			t.Fatalf("speech at %v is in no chunk", clip.Time(i))
		}
	}
}

// An MP3 behind ID3v2 tags (one with a footer) decodes as the bare file
// does: the tags are read past, whatever their size.
func TestMP3BehindID3Tags(t *testing.T) {
	if !audiotest.CanWriteMP3(t) {
		t.Fatal("sox cannot write MP3: install libsox-fmt-mp3 (`make test` does)")
	}
	dir := t.TempDir()
	rec := audiotest.TwoPhrases(t, dir)
	bare, err := os.ReadFile(audiotest.Convert(t, rec.Path, filepath.Join(dir, "bare.mp3"), "-r", "16000", "-C", "32"))
	if err != nil {
		t.Fatal(err)
	}
	tag := func(size int, footer bool) []byte {
		flags := byte(0)
		if footer {
			flags = 0x10
		}
		h := []byte{'I', 'D', '3', 4, 0, flags, byte(size >> 21 & 0x7f), byte(size >> 14 & 0x7f), byte(size >> 7 & 0x7f), byte(size & 0x7f)}
		h = append(h, make([]byte, size)...)
		if footer {
			h = append(h, '3', 'D', 'I', 4, 0, flags, 0, 0, 0, 0)
		}
		return h
	}
	tagged := append(append(tag(3000, false), tag(200, true)...), bare...)
	want, _, err := audio.Decode(bytes.NewReader(bare), audio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := audio.Decode(bytes.NewReader(tagged), audio.Limits{})
	if err != nil || got.SampleRate != want.SampleRate || len(got.Samples) != len(want.Samples) {
		t.Fatalf("behind two tags: %d samples at %d Hz (%v), want %d at %d Hz", len(got.Samples), got.SampleRate, err, len(want.Samples), want.SampleRate)
	}
}
