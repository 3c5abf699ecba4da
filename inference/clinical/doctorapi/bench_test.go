package doctorapi

import (
	"bytes"
	"context"
	"math"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/inference/clinical/asr"
	"github.com/oqim/oqim/inference/clinical/audio"
	"github.com/oqim/oqim/inference/clinical/worker"
)

// instantEngineTestDouble is an asr.Engine test double that answers at
// once with one segment per 2 s of audio, so a benchmark measures the API
// around the engine.
type instantEngineTestDouble struct{}

func (instantEngineTestDouble) Transcribe(_ context.Context, clip audio.Clip, _ asr.Options) (asr.Transcript, error) {
	var tr asr.Transcript
	for start := time.Duration(0); start < clip.Duration(); start += 2 * time.Second {
		tr.Segments = append(tr.Segments, asr.Segment{Start: start, End: min(start+2*time.Second, clip.Duration()), Text: noteText})
	}
	tr.Text = noteText
	return tr, nil
}

// nopAuditTestDouble accepts every record and keeps none.
type nopAuditTestDouble struct{}

func (nopAuditTestDouble) Record(context.Context, worker.AuditRecord) error { return nil }

func benchEnv(b *testing.B) *env {
	return newEnv(b, envOptions{audit: nopAuditTestDouble{}, engine: instantEngineTestDouble{}, tune: func(c *Config) {
		c.Limits = Limits{RequestsPerMinute: math.MaxInt32, Burst: math.MaxInt32}
	}})
}

func BenchmarkNotes(b *testing.B) {
	benchNotes(b, `{"text":"`+noteText+`"}`)
}

func BenchmarkNotesWithDifferential(b *testing.B) {
	benchNotes(b, `{"age":45,"sex":"male","text":"`+noteText+`"}`)
}

// benchNotes posts body to /api/v1/notes in a loop, each answer a 200.
func benchNotes(b *testing.B, body string) {
	e := benchEnv(b)
	data := []byte(body)
	b.ReportAllocs()
	for b.Loop() {
		if resp, out := e.do(http.MethodPost, "/api/v1/notes", keyOne, "application/json", data); resp.StatusCode != http.StatusOK {
			b.Fatalf("%d %s", resp.StatusCode, out)
		}
	}
}

// BenchmarkSyncTranscription posts a 10 s 16-bit 44.1 kHz WAV (880 kB):
// multipart parsing, decoding and resampling to 16 kHz, VAD chunking,
// note structuring and the JSON answer, with an instant engine.
func BenchmarkSyncTranscription(b *testing.B) {
	e := benchEnv(b)
	const rate = 44100
	clip := audio.Clip{SampleRate: rate, Samples: make([]float32, 10*rate)}
	for i := range clip.Samples {
		// 1 s bursts of a 220 Hz tone with 0.5 s pauses: speech-like for VAD.
		if (i/(rate/2))%3 != 2 {
			clip.Samples[i] = 0.3 * float32(math.Sin(2*math.Pi*220*float64(i)/rate))
		}
	}
	var wav strings.Builder
	if err := audio.EncodeWAV(&wav, clip); err != nil {
		b.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range defaultFields() {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("audio", "exam.wav")
	fw.Write([]byte(wav.String()))
	mw.Close()
	ct := mw.FormDataContentType()
	b.SetBytes(int64(body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if resp, out := e.do(http.MethodPost, "/api/v1/transcriptions", keyOne, ct, body.Bytes()); resp.StatusCode != http.StatusOK {
			b.Fatalf("%d %s", resp.StatusCode, out)
		}
	}
}
