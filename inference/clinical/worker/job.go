// Package worker runs the asynchronous half of the doctor's transcription
// service: Kafka consumer groups that transcribe queued recordings
// ([RunASR]) and structure the transcripts into clinical notes
// ([RunNotes]), with the stores they share with the HTTP API — job state
// and partial segments in ClickHouse ([Store]), audio in a blob directory
// ([Blobs]), the audit trail ([Audit]) — and the retention sweep
// ([Retain]).
//
// The flow of one job:
//
//	API: audio → Blobs, row "queued" → Store, job id → jobs topic
//	ASR worker: Blobs → asr.Chunked → each segment → Store (the API's event
//	  stream polls it) → row "transcribed" → job id → transcripts topic → commit
//	note worker: Store → notes.Structurer → row "done" → commit
//
// Kafka carries ids and metadata, never audio or text. Offsets are
// committed only after the stage's result is stored, and every stage is
// idempotent by job id, so a crash replays a job instead of losing it.
package worker

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/oqim/oqim/inference/clinical/asr"
	"github.com/oqim/oqim/inference/clinical/notes"
)

// Status is where a job is.
type Status string

// Job statuses, in the order a job goes through them.
const (
	StatusQueued      Status = "queued"
	StatusRunning     Status = "running"     // being transcribed
	StatusTranscribed Status = "transcribed" // waiting for the note worker
	StatusDone        Status = "done"
	StatusFailed      Status = "failed"
)

// rank orders statuses; it is the row version in ClickHouse, so a later
// stage always wins over a replayed earlier one.
func (s Status) rank() uint64 {
	switch s {
	case StatusQueued:
		return 1
	case StatusRunning:
		return 2
	case StatusTranscribed:
		return 3
	case StatusDone, StatusFailed:
		return 4
	}
	return 0
}

// Final reports whether no stage will change the job any more.
func (s Status) Final() bool { return s == StatusDone || s == StatusFailed }

// Job is one queued recording and what became of it.
type Job struct {
	ID          string
	DoctorID    string
	PatientID   string
	EncounterID string
	// Language is the hint given with the recording: "uz", "ru" or "auto".
	Language string
	Status   Status
	// Reason says why a job failed; it never quotes patient text.
	Reason        string
	AudioDuration time.Duration
	Transcript    *Transcript // set from StatusTranscribed on
	Note          *notes.Note // set at StatusDone
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Transcript is a transcription as the API returns and the store keeps it.
type Transcript struct {
	Language string    `json:"language"`
	Text     string    `json:"text"`
	Segments []Segment `json:"segments"`
}

// Segment is one timed piece of a transcript. Seq numbers segments from 0
// in the order of the recording.
type Segment struct {
	Seq     int    `json:"seq"`
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
	Text    string `json:"text"`
}

// NewTranscript converts an engine's transcript.
func NewTranscript(tr asr.Transcript) Transcript {
	out := Transcript{Language: tr.Language, Text: tr.Text, Segments: make([]Segment, len(tr.Segments))}
	for i, s := range tr.Segments {
		out.Segments[i] = NewSegment(i, s)
	}
	return out
}

// NewSegment converts the seq-th segment of an engine's transcript.
func NewSegment(seq int, s asr.Segment) Segment {
	return Segment{Seq: seq, StartMS: s.Start.Milliseconds(), EndMS: s.End.Milliseconds(), Text: s.Text}
}

// NewID returns a new random job id: 32 lower-case hex digits, which
// [ValidID] accepts and which is safe as a file name.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand documents it)
	return hex.EncodeToString(b[:])
}

// ValidID reports whether id has the form [NewID] returns. Ids arrive in
// URLs and Kafka messages and become file names, so nothing else passes.
func ValidID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
