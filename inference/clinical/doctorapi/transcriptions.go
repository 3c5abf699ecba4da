package doctorapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/asr"
	"github.com/oqim/oqim/inference/clinical/audio"
	"github.com/oqim/oqim/inference/clinical/notes"
	"github.com/oqim/oqim/inference/clinical/worker"
)

// jobView is a transcription as the API shows it, finished (synchronous
// answers, done jobs) or not.
type jobView struct {
	ID          string             `json:"id"`
	Status      string             `json:"status"` // queued, running, done, failed
	Reason      string             `json:"reason,omitempty"`
	PatientID   string             `json:"patient_id"`
	EncounterID string             `json:"encounter_id"`
	Language    string             `json:"language"`
	AudioMS     int64              `json:"audio_ms,omitempty"`
	CreatedAt   time.Time          `json:"created_at"`
	UpdatedAt   time.Time          `json:"updated_at"`
	Transcript  *worker.Transcript `json:"transcript,omitempty"`
	Note        *notes.Note        `json:"note,omitempty"`
}

func viewOf(j worker.Job) jobView {
	status := string(j.Status)
	if j.Status == worker.StatusTranscribed {
		status = string(worker.StatusRunning) // the note is still to come
	}
	return jobView{ID: j.ID, Status: status, Reason: j.Reason, PatientID: j.PatientID, EncounterID: j.EncounterID,
		Language: j.Language, AudioMS: j.AudioDuration.Milliseconds(), CreatedAt: j.CreatedAt.UTC(),
		UpdatedAt: j.UpdatedAt.UTC(), Transcript: j.Transcript, Note: j.Note}
}

// upload is a parsed POST /api/v1/transcriptions.
type upload struct {
	audio                            []byte
	language, patientID, encounterID string
}

// multipartSlack is what the form around the audio may add to the body.
const multipartSlack = 64 << 10

var errUploadTooLarge = errors.New("upload too large")

type fieldError struct{ field, msg string }

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

// readUpload streams the multipart form, keeping the audio in memory (at
// most maxBytes): patient audio is never spooled to temporary files.
func readUpload(r *http.Request, maxBytes int64) (upload, error) {
	var up upload
	mr, err := r.MultipartReader()
	if err != nil {
		return up, &fieldError{"", "send multipart/form-data with the fields audio, language, patient_id and encounter_id"}
	}
	for parts := 0; ; parts++ {
		if parts > 16 {
			return up, &fieldError{"", "too many form fields"}
		}
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return up, readError(err)
		}
		switch p.FormName() {
		case "audio":
			b, err := io.ReadAll(io.LimitReader(p, maxBytes+1))
			if err != nil {
				return up, readError(err)
			}
			if int64(len(b)) > maxBytes {
				return up, errUploadTooLarge
			}
			up.audio = b
		case "language", "patient_id", "encounter_id":
			b, err := io.ReadAll(io.LimitReader(p, 257))
			if err != nil {
				return up, readError(err)
			}
			if len(b) > 256 {
				return up, &fieldError{p.FormName(), "longer than 256 bytes"}
			}
			switch v := string(b); p.FormName() {
			case "language":
				up.language = v
			default:
				// Checked as soon as read: an id held in up is one the
				// audit of a rejected upload may record.
				if e, ok := checkID(p.FormName(), v, true); !ok {
					return up, &fieldError{e.Field, e.Detail}
				}
				if p.FormName() == "patient_id" {
					up.patientID = v
				} else {
					up.encounterID = v
				}
			}
		default:
			_, _ = io.Copy(io.Discard, io.LimitReader(p, multipartSlack))
		}
	}
	switch {
	case up.audio == nil:
		return up, &fieldError{"audio", "missing: attach the recording as the form file audio"}
	case up.patientID == "":
		return up, &fieldError{"patient_id", "missing"}
	case up.encounterID == "":
		return up, &fieldError{"encounter_id", "missing"}
	}
	switch up.language {
	case "":
		up.language = "auto"
	case "uz", "ru", "auto":
	default:
		return up, &fieldError{"language", fmt.Sprintf("%q: use uz, ru or auto", up.language)}
	}
	return up, nil
}

func readError(err error) error {
	if httpedge.IsTooLarge(err) {
		return errUploadTooLarge
	}
	return &fieldError{"", "reading the form: " + err.Error()}
}

// createTranscription is POST /api/v1/transcriptions.
func (h *Handler) createTranscription(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	doc, _ := DoctorFrom(ctx)
	if h.engine == nil {
		httpedge.WriteError(w, http.StatusServiceUnavailable, httpedge.Error{Detail: asr.ErrNoEngine.Error()})
		return
	}
	// A recording and its decoded samples are held in memory until it is
	// transcribed or queued: the process takes a bounded number at once,
	// and one doctor a bounded share of them.
	release, status, detail := h.takeUploadSlot(doc.ID)
	if release == nil {
		w.Header().Set("Retry-After", "10")
		httpedge.WriteError(w, status, httpedge.Error{Detail: detail})
		return
	}
	defer release()
	lim := h.limitsFor(doc.ID)
	r.Body = http.MaxBytesReader(w, r.Body, lim.MaxUploadBytes+multipartSlack)
	up, err := readUpload(r, lim.MaxUploadBytes)
	var fe *fieldError
	switch {
	case errors.Is(err, errUploadTooLarge):
		if h.record(ctx, "transcription.create", "", up.patientID, worker.OutcomeRejected, "upload too large") != nil {
			auditFailed(w)
			return
		}
		httpedge.WriteError(w, http.StatusRequestEntityTooLarge, httpedge.Error{Field: "audio", Detail: fmt.Sprintf("the recording is larger than your upload limit of %d bytes", lim.MaxUploadBytes)})
		return
	case errors.As(err, &fe):
		httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Field: fe.field, Detail: fe.msg})
		return
	case err != nil:
		httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Detail: err.Error()})
		return
	}

	clip, _, err := audio.DecodeForASR(bytes.NewReader(up.audio), audio.Limits{MaxBytes: lim.MaxUploadBytes, MaxDuration: h.cfg.MaxDuration})
	if err != nil {
		status := http.StatusBadRequest
		switch {
		case errors.Is(err, audio.ErrUnsupportedFormat):
			status = http.StatusUnsupportedMediaType
		case errors.Is(err, audio.ErrTooLarge):
			status = http.StatusRequestEntityTooLarge
		}
		// The decoder's messages describe format and limits, never content.
		if h.record(ctx, "transcription.create", "", up.patientID, worker.OutcomeRejected, err.Error()) != nil {
			auditFailed(w)
			return
		}
		httpedge.WriteError(w, status, httpedge.Error{Field: "audio", Detail: err.Error()})
		return
	}
	if clip.Duration() <= h.cfg.SyncMaxDuration {
		h.transcribeNow(w, r, up, clip)
		return
	}
	h.enqueue(w, r, up, clip.Duration())
}

// takeUploadSlot reserves room to receive one of doctor's recordings, or
// says why there is none: the doctor's share taken (429) or the
// process's (503).
func (h *Handler) takeUploadSlot(doctor string) (release func(), status int, detail string) {
	switch err := h.uploads.Enter(doctor); {
	case errors.Is(err, httpedge.ErrKeyBusy):
		return nil, http.StatusTooManyRequests, fmt.Sprintf("you are already sending %d recordings; retry in 10 s", h.uploads.PerKey())
	case err != nil:
		return nil, http.StatusServiceUnavailable, fmt.Sprintf("%d recordings are being received; retry in 10 s", h.uploads.Total())
	}
	return func() { h.uploads.Leave(doctor) }, 0, ""
}

// transcribeNow answers a short recording in the request.
func (h *Handler) transcribeNow(w http.ResponseWriter, r *http.Request, up upload, clip audio.Clip) {
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.SyncTimeout)
	defer cancel()
	doc, _ := DoctorFrom(ctx)
	now := h.now()
	j := worker.Job{ID: worker.NewID(), DoctorID: doc.ID, PatientID: up.patientID, EncounterID: up.encounterID,
		Language: up.language, AudioDuration: clip.Duration(), CreatedAt: now}
	tr, err := h.engine.Transcribe(ctx, clip, asr.Options{Language: up.language})
	if err != nil {
		_ = h.record(ctx, "transcription.create", j.ID, j.PatientID, worker.OutcomeError, "speech recognition failed")
		h.log.Warn("synchronous transcription failed", "id", j.ID, "err", err)
		if errors.Is(err, asr.ErrInvalidInput) {
			httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Detail: err.Error()})
			return
		}
		httpedge.WriteError(w, http.StatusBadGateway, httpedge.Error{Detail: "the speech recognition engine failed: " + err.Error()})
		return
	}
	t := worker.NewTranscript(tr)
	note, err := h.structurer.Structure(ctx, t.Text)
	if err != nil {
		_ = h.record(ctx, "transcription.create", j.ID, j.PatientID, worker.OutcomeError, "note structuring failed")
		httpedge.WriteError(w, http.StatusInternalServerError, httpedge.Error{Detail: "structuring the note failed"})
		return
	}
	j.Transcript, j.Note, j.Status, j.UpdatedAt = &t, note, worker.StatusDone, h.now()
	if h.record(ctx, "transcription.create", j.ID, j.PatientID, worker.OutcomeOK, "synchronous") != nil {
		auditFailed(w)
		return
	}
	httpedge.WriteJSON(w, http.StatusOK, viewOf(j))
}

// enqueue stores a long recording and queues its job.
func (h *Handler) enqueue(w http.ResponseWriter, r *http.Request, up upload, d time.Duration) {
	ctx := r.Context()
	if h.queue == nil {
		httpedge.WriteError(w, http.StatusServiceUnavailable, httpedge.Error{Detail: fmt.Sprintf(
			"recordings over %s are transcribed by the workers, which need Kafka brokers and ClickHouse configured; send a shorter recording or configure them",
			h.cfg.SyncMaxDuration)})
		return
	}
	doc, _ := DoctorFrom(ctx)
	now := h.now()
	j := worker.Job{ID: worker.NewID(), DoctorID: doc.ID, PatientID: up.patientID, EncounterID: up.encounterID,
		Language: up.language, Status: worker.StatusQueued, AudioDuration: d, CreatedAt: now, UpdatedAt: now}
	unavailable := func(what string, err error) {
		h.log.Error("queueing a job failed", "id", j.ID, "step", what, "err", err)
		_ = h.blobs.Delete(j.ID)
		httpedge.WriteError(w, http.StatusServiceUnavailable, httpedge.Error{Detail: "the job could not be queued (" + what + "); try again"})
	}
	if err := h.blobs.Put(j.ID, up.audio); err != nil {
		unavailable("storing the audio", err)
		return
	}
	if err := h.store.Put(ctx, j); err != nil {
		unavailable("storing the job", err)
		return
	}
	// Audited before it is queued: a job exists only if its creation is
	// on record.
	if err := h.record(ctx, "transcription.create", j.ID, j.PatientID, worker.OutcomeOK, "queued"); err != nil {
		h.markFailed(ctx, j, "the audit log was unavailable")
		unavailable("audit log", err)
		return
	}
	if err := h.queue.Enqueue(ctx, j); err != nil {
		h.markFailed(ctx, j, "the job queue was unavailable")
		unavailable("job queue", err)
		return
	}
	loc := "/api/v1/transcriptions/" + j.ID
	w.Header().Set("Location", loc)
	httpedge.WriteJSON(w, http.StatusAccepted, map[string]any{"id": j.ID, "status": j.Status, "location": loc,
		"events": loc + "/events", "audio_ms": d.Milliseconds()})
}

func (h *Handler) markFailed(ctx context.Context, j worker.Job, reason string) {
	j.Status, j.Reason, j.UpdatedAt = worker.StatusFailed, reason, h.now()
	if err := h.store.Put(context.WithoutCancel(ctx), j); err != nil {
		h.log.Error("marking a job failed", "id", j.ID, "err", err)
	}
}

// ownJob returns the job if it exists and belongs to the requesting
// doctor. Anything else is 404, so ids of other doctors' jobs cannot be
// probed.
func (h *Handler) ownJob(w http.ResponseWriter, r *http.Request, action string) (worker.Job, bool) {
	ctx := r.Context()
	id := r.PathValue("id")
	if h.store == nil {
		httpedge.WriteError(w, http.StatusServiceUnavailable, httpedge.Error{Detail: "transcription jobs need ClickHouse configured"})
		return worker.Job{}, false
	}
	if !worker.ValidID(id) {
		httpedge.WriteError(w, http.StatusNotFound, httpedge.Error{Field: "id", Detail: "no transcription with this id"})
		return worker.Job{}, false
	}
	j, err := h.store.Get(ctx, id)
	doc, _ := DoctorFrom(ctx)
	if err != nil && !errors.Is(err, worker.ErrJobNotFound) {
		h.log.Error("reading a job failed", "id", id, "err", err)
		httpedge.WriteError(w, http.StatusServiceUnavailable, httpedge.Error{Detail: "the job store is unavailable; try again"})
		return worker.Job{}, false
	}
	if err != nil || j.DoctorID != doc.ID {
		detail := "no such job"
		if err == nil {
			detail = "job of another doctor"
		}
		if h.record(ctx, action, id, j.PatientID, worker.OutcomeNotFound, detail) != nil {
			auditFailed(w)
			return worker.Job{}, false
		}
		httpedge.WriteError(w, http.StatusNotFound, httpedge.Error{Field: "id", Detail: "no transcription with this id"})
		return worker.Job{}, false
	}
	if h.record(ctx, action, id, j.PatientID, worker.OutcomeOK, "") != nil {
		auditFailed(w)
		return worker.Job{}, false
	}
	return j, true
}

// getTranscription is GET /api/v1/transcriptions/{id}.
func (h *Handler) getTranscription(w http.ResponseWriter, r *http.Request) {
	j, ok := h.ownJob(w, r, "transcription.read")
	if !ok {
		return
	}
	httpedge.WriteJSON(w, http.StatusOK, viewOf(j))
}
