package doctorapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/diagnosis"
	"github.com/oqim/oqim/inference/clinical/fhir"
	"github.com/oqim/oqim/inference/clinical/notes"
	"github.com/oqim/oqim/inference/clinical/worker"
)

// maxNoteBytes bounds a POST /api/v1/notes body: a long dictation is a
// few tens of kilobytes.
const maxNoteBytes = 1 << 20

type noteRequest struct {
	// Text is free text; Transcript a transcript as this API returns it.
	// One of them is required; Text wins when both are sent.
	Text       string             `json:"text"`
	Transcript *worker.Transcript `json:"transcript"`
	// Age and Sex ask for the diagnostic assistant's differential.
	Age *int   `json:"age"`
	Sex string `json:"sex"`
	// PatientID is required for ?format=fhir; EncounterID names the note
	// (the same encounter gives the same FHIR identifiers).
	PatientID   string `json:"patient_id"`
	EncounterID string `json:"encounter_id"`
}

type candidateView struct {
	ConditionID string   `json:"condition_id"`
	Name        string   `json:"name"`
	LocalName   string   `json:"local_name,omitempty"` // in the note's language
	ICD10       []string `json:"icd10"`
	Probability float64  `json:"probability"`
	Rank        int      `json:"rank"`
	RedFlag     bool     `json:"red_flag"`
}

type noteResponse struct {
	ID   string      `json:"id"`
	Note *notes.Note `json:"note"`
	// Differential is decision support for the doctor, present when age or
	// sex was given.
	Differential []candidateView `json:"differential,omitempty"`
	// DifferentialNote explains an empty differential.
	DifferentialNote string `json:"differential_note,omitempty"`
	// DifferentialWarning says, in the note's language, when the
	// differential rests on few findings; DifferentialDisclaimer, that it
	// is decision support. Both go with a differential, as POST
	// /api/v1/diagnosis gives them, so that no client shows it bare.
	DifferentialWarning    string `json:"differential_warning,omitempty"`
	DifferentialDisclaimer string `json:"differential_disclaimer,omitempty"`
}

// createNote is POST /api/v1/notes.
func (h *Handler) createNote(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	doc, _ := DoctorFrom(ctx)
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "fhir" {
		httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Field: "format", Detail: fmt.Sprintf("%q: use json (default) or fhir", format)})
		return
	}
	var req noteRequest
	if !httpedge.DecodeJSON(w, r.Body, &req) { // the route bounds it to maxNoteBytes
		return
	}
	// The ids go into the audit record, the response and the Bundle:
	// identifiers of bounded length, as the other clinical paths take them.
	for _, id := range []struct{ field, v string }{{"patient_id", req.PatientID}, {"encounter_id", req.EncounterID}} {
		if e, ok := checkID(id.field, id.v, false); !ok {
			httpedge.WriteError(w, http.StatusBadRequest, e)
			return
		}
	}
	text := req.Text
	if text == "" && req.Transcript != nil {
		text = req.Transcript.Text
	}
	if strings.TrimSpace(text) == "" {
		httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Field: "text", Detail: "send text or transcript.text"})
		return
	}
	sex := diagnosis.SexUnknown
	switch strings.ToLower(req.Sex) {
	case "":
	case "female":
		sex = diagnosis.Female
	case "male":
		sex = diagnosis.Male
	default:
		httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Field: "sex", Detail: fmt.Sprintf("%q: use female or male", req.Sex)})
		return
	}
	age := diagnosis.AgeUnknown
	if req.Age != nil {
		if *req.Age < 0 || *req.Age > 130 {
			httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Field: "age", Detail: "must be between 0 and 130 years"})
			return
		}
		age = *req.Age
	}
	if format == "fhir" && req.PatientID == "" {
		httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Field: "patient_id", Detail: "required for format=fhir: the Bundle names its patient"})
		return
	}

	note, err := h.structurer.Structure(ctx, text)
	if err != nil {
		h.log.Error("structuring a note failed", "err", err)
		_ = h.record(ctx, "note.create", "", req.PatientID, worker.OutcomeError, "structuring failed")
		httpedge.WriteError(w, http.StatusInternalServerError, httpedge.Error{Detail: "structuring the note failed"})
		return
	}
	resp := noteResponse{ID: req.EncounterID, Note: note}
	if resp.ID == "" {
		resp.ID = worker.NewID()
	}
	var differential []notes.Candidate
	if req.Age != nil || sex != diagnosis.SexUnknown {
		d, err := h.diagnoser.Diagnose(ctx, note, age, sex)
		switch {
		case errors.Is(err, notes.ErrNoFindings):
			resp.DifferentialNote = "the note names no finding the diagnostic assistant knows"
		case err != nil:
			h.log.Error("differential failed", "err", err)
			resp.DifferentialNote = "the diagnostic assistant failed"
		default:
			differential = d.Candidates
			resp.DifferentialWarning, resp.DifferentialDisclaimer = d.Warning, d.Disclaimer
		}
		for _, c := range differential {
			resp.Differential = append(resp.Differential, candidateView{ConditionID: c.ConditionID, Name: c.Name, LocalName: c.LocalName,
				ICD10: c.ICD10, Probability: c.Probability, Rank: c.Rank, RedFlag: c.RedFlag})
		}
	}
	if h.record(ctx, "note.create", resp.ID, req.PatientID, worker.OutcomeOK, format) != nil {
		auditFailed(w)
		return
	}
	if format != "fhir" {
		httpedge.WriteJSON(w, http.StatusOK, resp)
		return
	}
	b, err := fhir.Build(note, fhir.Options{
		NoteID:       resp.ID,
		Patient:      fhir.Identifier{System: h.cfg.PatientSystem, Value: req.PatientID},
		Practitioner: fhir.Identifier{System: h.cfg.PractitionerSystem, Value: doc.ID},
		Time:         h.now(),
		Differential: differential,
	})
	if err != nil {
		httpedge.WriteError(w, http.StatusInternalServerError, httpedge.Error{Detail: "building the FHIR Bundle failed: " + err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/fhir+json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(b)
}
