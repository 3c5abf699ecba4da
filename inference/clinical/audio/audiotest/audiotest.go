// Package audiotest synthesises real speech recordings for tests, with
// espeak-ng (Uzbek and Russian voices) and sox, so decoding, resampling and
// chunking are checked on speech whose words and pauses are known.
//
// The tools come from Debian's espeak-ng, sox and libsox-fmt-mp3 packages,
// which `make test` installs. When they are missing, tests fail saying so,
// unless OQIM_SKIP_AUDIO_TOOLS=1 asks for them to be skipped instead.
package audiotest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/inference/clinical/audio"
)

// SkipEnv is the environment variable that turns missing tools into skips.
const SkipEnv = "OQIM_SKIP_AUDIO_TOOLS"

// Phrases spoken in generated recordings: an Uzbek and a Russian line, as a
// doctor dictating an examination might mix them.
const (
	PhraseUz = "Bemorning qon bosimi yuqori, boshi og'riyapti"
	PhraseRu = "Давление сто сорок на девяносто, пульс восемьдесят"
)

// Rate is the sample rate of [Recording.Path]: espeak-ng's native rate.
const Rate = 22050

// Recording is a generated 16-bit mono WAV file with known pauses.
type Recording struct {
	Path     string
	Duration time.Duration
	// Pauses are the inserted stretches of digital silence, in order. The
	// speech synthesiser adds a little silence of its own around phrases,
	// so the real pauses are slightly longer.
	Pauses []Pause
}

// Pause is a stretch of known silence.
type Pause struct{ Start, End time.Duration }

// RequireTools fails t when espeak-ng or sox is missing (or skips it when
// SkipEnv is 1).
func RequireTools(t testing.TB) {
	t.Helper()
	var missing []string
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("%s not installed: run `make test`, or `apt-get install espeak-ng sox libsox-fmt-mp3`", strings.Join(missing, " and "))
	if os.Getenv(SkipEnv) == "1" {
		t.Skip(msg + " (skipped because " + SkipEnv + "=1)")
	}
	t.Fatal(msg)
}

// Speak writes text spoken by espeak-ng's voice ("ru", "uz") at 150 words
// a minute into dir/name, a 16-bit mono WAV at Rate, such as a dictation
// for a browser's fake microphone to play.
func Speak(t testing.TB, dir, name, voice, text string) string {
	t.Helper()
	RequireTools(t)
	path := filepath.Join(dir, name)
	run(t, "espeak-ng", "-v", voice, "-s", "150", "-w", path, text)
	return path
}

// TwoPhrases writes 0.5 s of silence, the Uzbek phrase, 2 s of silence, the
// Russian phrase and 0.5 s of silence into dir.
func TwoPhrases(t testing.TB, dir string) Recording {
	t.Helper()
	return compose(t, dir, "two.wav", 1, 2*time.Second)
}

// Long repeats the two phrases separated by 1 s pauses until the recording
// is over a minute long, to exercise chunking into 30 s pieces.
func Long(t testing.TB, dir string) Recording {
	t.Helper()
	return compose(t, dir, "long.wav", 10, time.Second)
}

func compose(t testing.TB, dir, name string, repeats int, gap time.Duration) Recording {
	RequireTools(t)
	uz := filepath.Join(dir, "uz.wav")
	ru := filepath.Join(dir, "ru.wav")
	run(t, "espeak-ng", "-v", "uz", "-w", uz, PhraseUz)
	run(t, "espeak-ng", "-v", "ru", "-w", ru, PhraseRu)
	edge := silence(t, dir, 500*time.Millisecond)
	pause := silence(t, dir, gap)
	uzLen, ruLen := Duration(t, uz), Duration(t, ru)

	rec := Recording{Path: filepath.Join(dir, name)}
	parts := []string{edge}
	at := 500 * time.Millisecond
	for i := range repeats {
		if i > 0 {
			parts = append(parts, pause)
			rec.Pauses = append(rec.Pauses, Pause{at, at + gap})
			at += gap
		}
		parts = append(parts, uz, pause, ru)
		at += uzLen
		rec.Pauses = append(rec.Pauses, Pause{at, at + gap})
		at += gap + ruLen
	}
	parts = append(parts, edge, rec.Path)
	run(t, "sox", parts...)
	rec.Duration = Duration(t, rec.Path)
	return rec
}

func silence(t testing.TB, dir string, d time.Duration) string {
	path := filepath.Join(dir, fmt.Sprintf("silence-%dms.wav", d.Milliseconds()))
	run(t, "sox", "-n", "-r", strconv.Itoa(Rate), "-c", "1", "-b", "16", path, "trim", "0", fmt.Sprintf("%.3f", d.Seconds()))
	return path
}

// Convert runs sox on src with the given output options (such as "-r",
// "48000", "-b", "24") and writes dst, whose extension picks the container.
func Convert(t testing.TB, src, dst string, opts ...string) string {
	t.Helper()
	run(t, "sox", append(append([]string{src}, opts...), dst)...)
	return dst
}

// Duration asks sox for the length of an audio file.
func Duration(t testing.TB, path string) time.Duration {
	t.Helper()
	out := run(t, "sox", "--i", "-D", path)
	sec, err := strconv.ParseFloat(strings.TrimSpace(out), 64)
	if err != nil {
		t.Fatalf("sox --i -D %s: %q: %v", path, out, err)
	}
	return time.Duration(sec * float64(time.Second))
}

// CanWriteMP3 reports whether sox was built with MP3 encoding (Debian's
// libsox-fmt-mp3).
func CanWriteMP3(t testing.TB) bool {
	t.Helper()
	out := run(t, "sox", "-h")
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "AUDIO FILE FORMATS:") {
			return strings.Contains(line+" ", " mp3 ")
		}
	}
	return false
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// ForASR decodes the recording as a speech engine receives it: mono at
// audio.SpeechRate.
func (r Recording) ForASR(t testing.TB) audio.Clip {
	t.Helper()
	f, err := os.Open(r.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	clip, _, err := audio.DecodeForASR(f, audio.Limits{})
	if err != nil {
		t.Fatalf("decoding %s: %v", r.Path, err)
	}
	return clip
}
