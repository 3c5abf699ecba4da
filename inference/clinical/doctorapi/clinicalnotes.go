package doctorapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/fhir"
	"github.com/oqim/oqim/inference/clinical/lifecycle"
	"github.com/oqim/oqim/inference/clinical/notes"
	"github.com/oqim/oqim/inference/clinical/worker"
)

// The clinical-note lifecycle (inference/clinical/lifecycle):
//
//	POST /api/v1/clinical-notes               create a draft            201
//	GET  /api/v1/clinical-notes/{id}          the record (its author only; 404 for anyone else)
//	PUT  /api/v1/clinical-notes/{id}          edit note and confirmed conditions, with version; 409 when stale or signed
//	POST /api/v1/clinical-notes/{id}/sign     sign (final) with version; delivery to Digital Healthcare starts
//	POST /api/v1/clinical-notes/{id}/deliver  retry a failed delivery; 409 otherwise
//	GET  /api/v1/clinical-notes/{id}/history  every version: who changed it, when, into which status

// maxClinicalNoteBytes bounds a create or edit: a note, its differential
// and the dictation it came from are tens of kilobytes.
const maxClinicalNoteBytes = 1 << 20

// maxIDLen bounds patient and encounter ids: identifiers, not documents.
const maxIDLen = 128

// maxConfirmed bounds the confirmed conditions of one note.
const maxConfirmed = 50

func (h *Handler) clinicalNoteRoutes() []httpedge.Route {
	route := func(method, path string, fn http.HandlerFunc, maxBody int64) httpedge.Route {
		return httpedge.Route{Method: method, Path: path, Need: httpedge.Doctor, MaxBody: maxBody, RateLimit: h.limiter, Handler: h.needNotes(fn)}
	}
	return []httpedge.Route{
		route("POST", "/api/v1/clinical-notes", h.createClinicalNote, maxClinicalNoteBytes),
		route("GET", "/api/v1/clinical-notes/{id}", h.getClinicalNote, 0),
		route("PUT", "/api/v1/clinical-notes/{id}", h.updateClinicalNote, maxClinicalNoteBytes),
		route("POST", "/api/v1/clinical-notes/{id}/sign", h.signClinicalNote, 4<<10),
		route("POST", "/api/v1/clinical-notes/{id}/deliver", h.redeliverClinicalNote, 4<<10),
		route("GET", "/api/v1/clinical-notes/{id}/history", h.clinicalNoteHistory, 0),
	}
}

type createClinicalNoteRequest struct {
	PatientID    string          `json:"patient_id"`
	EncounterID  string          `json:"encounter_id"`
	Note         *notes.Note     `json:"note"`
	Differential json.RawMessage `json:"differential"`
	Source       json.RawMessage `json:"source"`
}

type updateClinicalNoteRequest struct {
	Note                *notes.Note           `json:"note"`
	ConfirmedConditions []lifecycle.Condition `json:"confirmed_conditions"`
	Version             *uint64               `json:"version"`
}

type versionRequest struct {
	Version *uint64 `json:"version"`
}

// basedOn is the version an edit or a signature is based on.
func (r *updateClinicalNoteRequest) basedOn() *uint64 { return r.Version }
func (r *versionRequest) basedOn() *uint64            { return r.Version }

// needNotes answers for fn while the lifecycle has no store.
func (h *Handler) needNotes(fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.notes == nil {
			httpedge.WriteError(w, http.StatusServiceUnavailable, httpedge.Error{Detail: "clinical notes need ClickHouse configured"})
			return
		}
		fn(w, r)
	}
}

// readVersioned decodes a body that must say which version of the note it
// is based on (optimistic concurrency); what says what the version is for.
func readVersioned(w http.ResponseWriter, r *http.Request, req interface{ basedOn() *uint64 }, what string) bool {
	if !httpedge.DecodeJSON(w, r.Body, req) {
		return false
	}
	if req.basedOn() == nil {
		httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Field: "version", Detail: "required: " + what + " (from the record)"})
		return false
	}
	return true
}

// createClinicalNote is POST /api/v1/clinical-notes.
func (h *Handler) createClinicalNote(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	doc, _ := DoctorFrom(ctx)
	var req createClinicalNoteRequest
	if !httpedge.DecodeJSON(w, r.Body, &req) {
		return
	}
	if e, ok := checkID("patient_id", req.PatientID, true); !ok {
		httpedge.WriteError(w, http.StatusBadRequest, e)
		return
	}
	if e, ok := checkID("encounter_id", req.EncounterID, false); !ok {
		httpedge.WriteError(w, http.StatusBadRequest, e)
		return
	}
	if e, ok := checkNote(req.Note); !ok {
		httpedge.WriteError(w, http.StatusBadRequest, e)
		return
	}
	for _, f := range []struct {
		name, detail string
		ok           bool
	}{
		// The differential as POST /api/v1/diagnosis gives it (an object)
		// or as POST /api/v1/notes does (an array of conditions).
		{"differential", "must be a JSON object, an array of objects or null", jsonObjectOrNull(req.Differential) || jsonArrayOfObjects(req.Differential)},
		{"source", "must be a JSON object or null", jsonObjectOrNull(req.Source)},
	} {
		if !f.ok {
			httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Field: f.name, Detail: f.detail})
			return
		}
	}
	rec, err := h.notes.Create(ctx, doc.ID, lifecycle.NewDraft{PatientID: req.PatientID, EncounterID: req.EncounterID,
		Note: req.Note, Differential: compact(req.Differential), Source: compact(req.Source)})
	if err != nil {
		h.log.Error("creating a clinical note failed", "err", err)
		_ = h.record(ctx, "clinical_note.create", "", req.PatientID, worker.OutcomeError, "store unavailable")
		httpedge.WriteError(w, http.StatusServiceUnavailable, httpedge.Error{Detail: "the note store is unavailable; try again"})
		return
	}
	if h.record(ctx, "clinical_note.create", rec.ID, rec.PatientID, worker.OutcomeOK, "version 1") != nil {
		auditFailed(w)
		return
	}
	w.Header().Set("Location", "/api/v1/clinical-notes/"+rec.ID)
	httpedge.WriteJSON(w, http.StatusCreated, rec)
}

// getClinicalNote is GET /api/v1/clinical-notes/{id}.
func (h *Handler) getClinicalNote(w http.ResponseWriter, r *http.Request) {
	id, rec, err := onNote(r, h.notes.Get)
	h.answerNote(w, r, "clinical_note.read", id, rec, err, http.StatusOK)
}

// updateClinicalNote is PUT /api/v1/clinical-notes/{id}.
func (h *Handler) updateClinicalNote(w http.ResponseWriter, r *http.Request) {
	var req updateClinicalNoteRequest
	if !readVersioned(w, r, &req, "the version the change is based on") {
		return
	}
	if e, ok := checkNote(req.Note); !ok {
		httpedge.WriteError(w, http.StatusBadRequest, e)
		return
	}
	if e, ok := checkConditions(req.ConfirmedConditions); !ok {
		httpedge.WriteError(w, http.StatusBadRequest, e)
		return
	}
	id, rec, err := onNote(r, func(ctx context.Context, doctor, id string) (lifecycle.Record, error) {
		return h.notes.Update(ctx, doctor, id, lifecycle.Edit{Note: req.Note, ConfirmedConditions: req.ConfirmedConditions, Version: *req.Version})
	})
	h.answerNote(w, r, "clinical_note.update", id, rec, err, http.StatusOK)
}

// signClinicalNote is POST /api/v1/clinical-notes/{id}/sign.
func (h *Handler) signClinicalNote(w http.ResponseWriter, r *http.Request) {
	var req versionRequest
	if !readVersioned(w, r, &req, "the version being signed") {
		return
	}
	id, rec, err := onNote(r, func(ctx context.Context, doctor, id string) (lifecycle.Record, error) {
		return h.notes.Sign(ctx, doctor, id, *req.Version)
	})
	h.answerNote(w, r, "clinical_note.sign", id, rec, err, http.StatusOK)
}

// redeliverClinicalNote is POST /api/v1/clinical-notes/{id}/deliver.
func (h *Handler) redeliverClinicalNote(w http.ResponseWriter, r *http.Request) {
	id, rec, err := onNote(r, h.notes.Redeliver)
	h.answerNote(w, r, "clinical_note.redeliver", id, rec, err, http.StatusAccepted)
}

// clinicalNoteHistory is GET /api/v1/clinical-notes/{id}/history.
func (h *Handler) clinicalNoteHistory(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, rec, err := onNote(r, h.notes.Get)
	var versions []lifecycle.Version
	if err == nil {
		doc, _ := DoctorFrom(ctx)
		versions, err = h.notes.History(ctx, doc.ID, id)
	}
	if err != nil {
		h.answerNote(w, r, "clinical_note.history", id, rec, err, http.StatusOK)
		return
	}
	if h.record(ctx, "clinical_note.history", rec.ID, rec.PatientID, worker.OutcomeOK, strconv.Itoa(len(versions))+" versions") != nil {
		auditFailed(w)
		return
	}
	httpedge.WriteJSON(w, http.StatusOK, map[string]any{"id": rec.ID, "versions": versions})
}

// onNote runs op on the record the path names, as the signed-in doctor;
// an id that cannot be a record's is ErrNotFound without asking the store.
func onNote(r *http.Request, op func(ctx context.Context, doctor, id string) (lifecycle.Record, error)) (string, lifecycle.Record, error) {
	id := r.PathValue("id")
	if !worker.ValidID(id) {
		return id, lifecycle.Record{}, lifecycle.ErrNotFound
	}
	doc, _ := DoctorFrom(r.Context())
	rec, err := op(r.Context(), doc.ID, id)
	return id, rec, err
}

// answerNote audits the outcome of a lifecycle request and answers it:
// the record, or 404 (missing or another doctor's, told apart only in the
// audit), 409 or 503. Nothing is served that could not be audited.
func (h *Handler) answerNote(w http.ResponseWriter, r *http.Request, action, id string, rec lifecycle.Record, err error, status int) {
	ctx := r.Context()
	switch {
	case err == nil:
		if h.record(ctx, action, rec.ID, rec.PatientID, worker.OutcomeOK, "version "+strconv.FormatUint(rec.Version, 10)+" "+rec.Status) != nil {
			auditFailed(w)
			return
		}
		httpedge.WriteJSON(w, status, rec)
	case errors.Is(err, lifecycle.ErrNotFound):
		detail := "no such record"
		if errors.Is(err, lifecycle.ErrOtherAuthor) {
			detail = "record of another doctor"
		}
		if h.record(ctx, action, truncateID(id), "", worker.OutcomeNotFound, detail) != nil {
			auditFailed(w)
			return
		}
		httpedge.WriteError(w, http.StatusNotFound, httpedge.Error{Field: "id", Detail: "no clinical note with this id"})
	case errors.Is(err, lifecycle.ErrConflict):
		msg := strings.TrimPrefix(err.Error(), lifecycle.ErrConflict.Error()+": ")
		if h.record(ctx, action, id, "", worker.OutcomeRejected, msg) != nil {
			auditFailed(w)
			return
		}
		httpedge.WriteError(w, http.StatusConflict, httpedge.Error{Field: "version", Reason: "conflict", Detail: msg})
	default:
		h.log.Error("clinical note store", "action", action, "id", id, "err", err)
		_ = h.record(ctx, action, id, "", worker.OutcomeError, "store unavailable")
		httpedge.WriteError(w, http.StatusServiceUnavailable, httpedge.Error{Detail: "the note store is unavailable; try again"})
	}
}

// truncateID keeps an audit record of a malformed id small.
func truncateID(id string) string {
	if len(id) > 64 {
		return id[:64]
	}
	return id
}

func checkID(field, v string, required bool) (httpedge.Error, bool) {
	switch {
	case strings.TrimSpace(v) == "":
		if required {
			return httpedge.Error{Field: field, Detail: "required"}, false
		}
	case len(v) > maxIDLen:
		return httpedge.Error{Field: field, Detail: fmt.Sprintf("at most %d bytes", maxIDLen)}, false
	case !utf8.ValidString(v) || strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0:
		return httpedge.Error{Field: field, Detail: "an identifier: no spaces or control characters"}, false
	}
	return httpedge.Error{}, true
}

// checkNote refuses what should not reach a signed note: a missing note,
// implausible vitals, medications without a name or with a unit the FHIR
// export does not know.
func checkNote(n *notes.Note) (httpedge.Error, bool) {
	if n == nil {
		return httpedge.Error{Field: "note", Detail: "required: the structured note (as POST /api/v1/notes returns it)"}, false
	}
	if err := n.Vitals.Check(); err != nil {
		return httpedge.Error{Field: "note.vitals", Detail: err.Error()}, false
	}
	// The language becomes the FHIR Bundle's; one that is not a language
	// tag would make the signed note undeliverable.
	if n.Language != "" && n.Language != "mixed" && !fhir.LanguageTag(n.Language) {
		return httpedge.Error{Field: "note.language", Detail: fmt.Sprintf("%.40q: use a language tag such as uz-Latn, uz-Cyrl, ru or en, or mixed", n.Language)}, false
	}
	units := notes.DoseUnits()
	for i, m := range n.Medications {
		f := fmt.Sprintf("note.medications[%d]", i)
		if strings.TrimSpace(m.Name) == "" {
			return httpedge.Error{Field: f + ".name", Detail: "required"}, false
		}
		if m.DoseUnit != "" && !slices.Contains(units, m.DoseUnit) {
			return httpedge.Error{Field: f + ".dose_unit", Detail: fmt.Sprintf("%q: use one of %s", m.DoseUnit, strings.Join(units, ", "))}, false
		}
		if m.DoseValue < 0 || m.TimesPerDay < 0 || m.DurationDays < 0 {
			return httpedge.Error{Field: f, Detail: "dose, frequency and duration must not be negative"}, false
		}
	}
	return httpedge.Error{}, true
}

func checkConditions(cs []lifecycle.Condition) (httpedge.Error, bool) {
	if len(cs) > maxConfirmed {
		return httpedge.Error{Field: "confirmed_conditions", Detail: fmt.Sprintf("at most %d conditions", maxConfirmed)}, false
	}
	seen := map[string]bool{}
	for i, c := range cs {
		f := fmt.Sprintf("confirmed_conditions[%d]", i)
		if !fhir.ValidICD10(c.ICD10) {
			return httpedge.Error{Field: f + ".icd10", Detail: fmt.Sprintf("%q is not a WHO ICD-10 code such as J18.9 (a fifth character only in chapters F, M and S to Y; US ICD-10-CM codes such as I48.91 are not WHO's)", c.ICD10)}, false
		}
		if seen[c.ICD10] {
			return httpedge.Error{Field: f + ".icd10", Detail: c.ICD10 + " is confirmed twice"}, false
		}
		seen[c.ICD10] = true
		if strings.TrimSpace(c.Name) == "" || len(c.Name) > 500 {
			return httpedge.Error{Field: f + ".name", Detail: "required, at most 500 bytes"}, false
		}
	}
	return httpedge.Error{}, true
}

func jsonObjectOrNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null")) || t[0] == '{'
}

// jsonArrayOfObjects reports a JSON array whose every element is an
// object (an empty one too).
func jsonArrayOfObjects(raw json.RawMessage) bool {
	var elems []json.RawMessage
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '[' || json.Unmarshal(t, &elems) != nil {
		return false
	}
	for _, e := range elems {
		if t := bytes.TrimSpace(e); len(t) == 0 || t[0] != '{' {
			return false
		}
	}
	return true
}

func compact(raw json.RawMessage) json.RawMessage {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return nil
	}
	var b bytes.Buffer
	if json.Compact(&b, t) != nil {
		return t
	}
	return b.Bytes()
}
