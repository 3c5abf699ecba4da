// Package doctorapi is the doctor's transcription API: recordings in,
// timed transcripts and structured clinical notes out, for authenticated
// doctors only, with every access to patient data audited.
//
//	POST /api/v1/transcriptions              multipart audio; ≤ 60 s answered at once, longer queued (202)
//	GET  /api/v1/transcriptions/{id}         a job's status and result
//	GET  /api/v1/transcriptions/{id}/events  server-sent events: segments as they are final, then the result
//	POST /api/v1/notes                       text → structured note (+ differential, or ?format=fhir)
//
// Queued jobs run in the workers of inference/clinical/worker; the API and the
// workers share job state through ClickHouse, so any API process can
// answer for a job any worker process runs.
package doctorapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/inference/clinical/asr"
	"github.com/oqim/oqim/inference/clinical/diagnosis"
	"github.com/oqim/oqim/inference/clinical/notes"
	"github.com/oqim/oqim/inference/clinical/worker"
	"github.com/oqim/oqim/models/ddxplus"
)

// Deps are the engines and connections the API uses.
type Deps struct {
	// Engine transcribes; nil makes transcription requests answer 503
	// with what to configure (notes keep working). Build it with asr.New
	// and pass nil when that returns asr.ErrNoEngine.
	Engine asr.Engine
	// Structurer structures notes; nil means the offline engine.
	Structurer notes.Structurer
	// Diagnosis is the diagnostic assistant's engine; nil loads the
	// embedded DDXPlus knowledge base.
	Diagnosis *diagnosis.Engine
	// ClickHouse and Database hold the audit table and job state
	// (migration 0004). Kafka is the cluster for jobs. Without it,
	// recordings over the synchronous limit are refused with 503.
	ClickHouse driver.Conn
	Database   string
	Kafka      *kafka.Cluster
	// Audit overrides the ClickHouse audit table (tests, benchmarks).
	Audit worker.Auditor
	// Log receives ids, statuses and error classes, never audio or text.
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Handler serves the API. Close it to flush the job producer.
type Handler struct {
	cfg        Config
	mux        *http.ServeMux
	auth       *authenticator
	limits     *limiter
	engine     asr.Engine
	structurer notes.Structurer
	diagnoser  *notes.Diagnoser
	audit      worker.Auditor
	store      *worker.Store // nil without ClickHouse
	blobs      *worker.Blobs // nil without Kafka
	queue      *worker.Queue // nil without Kafka
	log        *slog.Logger
	now        func() time.Time
}

// New builds the API from its configuration and dependencies.
func New(cfg Config, deps Deps) (*Handler, error) {
	cfg = cfg.withDefaults()
	h := &Handler{cfg: cfg, engine: deps.Engine, structurer: deps.Structurer, audit: deps.Audit, log: deps.Log, now: deps.Now}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if h.structurer == nil {
		h.structurer = notes.NewOffline()
	}
	var err error
	if h.auth, err = newAuthenticator(cfg, h.now); err != nil {
		return nil, err
	}
	h.limits = newLimiter(h.limitsFor, h.now)

	eng := deps.Diagnosis
	if eng == nil {
		kb, err := ddxplus.Default()
		if err != nil {
			return nil, fmt.Errorf("doctorapi: diagnosis knowledge base: %w", err)
		}
		if eng, err = diagnosis.NewEngine(kb, diagnosis.Options{}); err != nil {
			return nil, fmt.Errorf("doctorapi: diagnosis engine: %w", err)
		}
	}
	if h.diagnoser, err = notes.NewDiagnoser(eng, nil, 0); err != nil {
		return nil, fmt.Errorf("doctorapi: %w", err)
	}

	if deps.ClickHouse != nil {
		if deps.Database == "" {
			return nil, errors.New("doctorapi: ClickHouse given without a database")
		}
		h.store = worker.NewStore(deps.ClickHouse, deps.Database)
		if h.audit == nil {
			h.audit = worker.NewAudit(deps.ClickHouse, deps.Database)
		}
	}
	if h.audit == nil {
		return nil, errors.New("doctorapi: no audit store: configure ClickHouse (every access to patient data is audited)")
	}
	if deps.Kafka != nil && h.store != nil {
		if h.blobs, err = worker.NewBlobs(cfg.Jobs.BlobDir); err != nil {
			return nil, fmt.Errorf("doctorapi: %w", err)
		}
		h.queue = worker.NewQueue(deps.Kafka, cfg.Jobs.JobsTopic)
	}

	h.mux = http.NewServeMux()
	h.mux.HandleFunc("POST /api/v1/transcriptions", h.createTranscription)
	h.mux.HandleFunc("GET /api/v1/transcriptions/{id}", h.getTranscription)
	h.mux.HandleFunc("GET /api/v1/transcriptions/{id}/events", h.streamTranscription)
	h.mux.HandleFunc("POST /api/v1/notes", h.createNote)
	return h, nil
}

// Close releases the job producer.
func (h *Handler) Close() error {
	if h.queue != nil {
		return h.queue.Close()
	}
	return nil
}

func (h *Handler) limitsFor(doctorID string) Limits {
	if l, ok := h.cfg.DoctorLimits[doctorID]; ok {
		return l.withDefaults()
	}
	return h.cfg.Limits.withDefaults()
}

// ServeHTTP authenticates the doctor, applies the doctor's rate limit and
// routes the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	doc, err := h.auth.authenticate(r)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="oqim-doctor"`)
		writeError(w, http.StatusUnauthorized, "", err.Error())
		return
	}
	if ok, wait := h.limits.allow(doc.ID); !ok {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		writeError(w, http.StatusTooManyRequests, "", fmt.Sprintf("rate limit of %g requests a minute reached; retry in %d s",
			h.limitsFor(doc.ID).RequestsPerMinute, max(secs, 1)))
		return
	}
	h.mux.ServeHTTP(w, r.WithContext(withDoctor(r.Context(), doc)))
}

// record writes an audit record for the requesting doctor.
func (h *Handler) record(ctx context.Context, action, resource, patient, outcome, detail string) error {
	doc, _ := DoctorFrom(ctx)
	err := h.audit.Record(ctx, worker.AuditRecord{Time: h.now(), Actor: "doctor", DoctorID: doc.ID, Action: action,
		ResourceID: resource, PatientID: patient, Outcome: outcome, Detail: detail})
	if err != nil {
		h.log.Error("audit write failed", "action", action, "resource", resource, "err", err)
	}
	return err
}

// auditFailed answers when an access could not be audited: it is not
// served.
func auditFailed(w http.ResponseWriter) {
	writeError(w, http.StatusServiceUnavailable, "", "the audit log is unavailable; patient data is not served without it")
}

type apiError struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, status int, field, msg string) {
	writeJSON(w, status, map[string]apiError{"error": {Field: field, Message: msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store") // patient data
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
