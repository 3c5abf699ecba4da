// Package doctorapi is the doctor's transcription API: recordings in,
// timed transcripts and structured clinical notes out, for authenticated
// doctors only, with every access to patient data audited.
//
//	POST /api/v1/transcriptions              multipart audio; ≤ 60 s answered at once, longer queued (202)
//	GET  /api/v1/transcriptions/{id}         a job's status and result
//	GET  /api/v1/transcriptions/{id}/events  server-sent events: segments as they are final, then the result
//	POST /api/v1/notes                       text → structured note (+ differential, or ?format=fhir)
//	POST /api/v1/diagnosis                   the diagnostic assistant (inference/clinical/diagnosis)
//	/api/v1/clinical-notes[/{id}[/sign|/deliver]]  the signed-note lifecycle and its delivery to
//	                                         Digital Healthcare as FHIR R4 (inference/clinical/lifecycle)
//
// Queued jobs run in the workers of inference/clinical/worker; the API and the
// workers share job state through ClickHouse, so any API process can
// answer for a job any worker process runs.
package doctorapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	fhirclient "github.com/oqim/oqim/connectors/fhir"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/inference/clinical/asr"
	"github.com/oqim/oqim/inference/clinical/diagnosis"
	"github.com/oqim/oqim/inference/clinical/lifecycle"
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
	// DiagnosisHandler serves POST /api/v1/diagnosis (diagnosis.NewHandler,
	// with the LLM when text_mode=llm is wanted); nil builds one over
	// Diagnosis without an LLM.
	DiagnosisHandler http.Handler
	// ClickHouse and Database hold the audit table and job state
	// (migration 0004). Kafka is the cluster for jobs. Without it,
	// recordings over the synchronous limit are refused with 503.
	ClickHouse driver.Conn
	Database   string
	Kafka      *kafka.Cluster
	// Audit overrides the ClickHouse audit table (tests, benchmarks).
	Audit worker.Auditor
	// FHIRCheck validates a Bundle before it is delivered, in addition to
	// Oqim's own checks (r4.Check, Google's R4 parser); nil skips it.
	FHIRCheck func([]byte) error
	// FHIRHTTPClient sends to the FHIR server; nil means a default client.
	FHIRHTTPClient *http.Client
	// Verifiers accept further bearer tokens after the configured keys
	// and JWT: the identity provider's, through
	// connectors/httpedge/oidc, whose principals are doctors.
	Verifiers []httpedge.Verifier
	// Sessions authenticates a signed-in browser (the workspace's sign-in
	// through connectors/httpedge/oidc) when a request carries no key or
	// token; nil: none.
	Sessions httpedge.Authenticator
	// Log receives ids, statuses and error classes, never audio or text.
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Handler serves the API. Close it to flush the job producer.
type Handler struct {
	cfg        Config
	mux        *http.ServeMux
	auth       httpedge.Authenticator
	limiter    *httpedge.Limiter
	engine     asr.Engine
	structurer notes.Structurer
	diagnoser  *notes.Diagnoser
	diagnosis  http.Handler
	audit      worker.Auditor
	store      *worker.Store // nil without ClickHouse
	blobs      *worker.Blobs // nil without Kafka
	queue      *worker.Queue // nil without Kafka
	log        *slog.Logger
	now        func() time.Time

	refusalSlots  chan struct{}      // see refusals
	uploads       *httpedge.InFlight // recordings being received, by doctor; see Config.MaxUploads
	refusalWrites sync.WaitGroup     // waited for by Close

	notes   *lifecycle.Service   // nil without ClickHouse
	deliver *lifecycle.Deliverer // nil without ClickHouse

	watcher *watcher           // nil without ClickHouse
	streams *httpedge.InFlight // open event streams, by doctor
}

// New builds the API from its configuration and dependencies.
func New(cfg Config, deps Deps) (*Handler, error) {
	cfg = cfg.withDefaults()
	h := &Handler{cfg: cfg, engine: deps.Engine, structurer: deps.Structurer, audit: deps.Audit, log: deps.Log, now: deps.Now,
		refusalSlots: make(chan struct{}, maxRefusalWrites), uploads: httpedge.NewInFlight(cfg.MaxUploadsPerDoctor, cfg.MaxUploads),
		streams: httpedge.NewInFlight(cfg.MaxStreamsPerDoctor, cfg.MaxStreams)}
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
	creds, err := newAuthenticator(cfg, h.now, deps.Verifiers...)
	if err != nil {
		return nil, err
	}
	h.auth = httpedge.FirstOf{creds, deps.Sessions}
	h.limiter = httpedge.NewLimiter(httpedge.LimiterConfig{Limit: cfg.Limits.withDefaults().rate(), Now: h.now,
		For: func(p httpedge.Principal) (httpedge.Limit, bool) {
			l, ok := cfg.DoctorLimits[p.ID]
			return l.withDefaults().rate(), ok
		}})

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
	if h.diagnosis = deps.DiagnosisHandler; h.diagnosis == nil {
		if h.diagnosis, err = diagnosis.NewHandler(diagnosis.HandlerConfig{Engine: eng}); err != nil {
			return nil, fmt.Errorf("doctorapi: %w", err)
		}
	}

	if deps.ClickHouse != nil {
		if deps.Database == "" {
			return nil, errors.New("doctorapi: ClickHouse given without a database")
		}
		h.store = worker.NewStore(deps.ClickHouse, deps.Database)
		h.watcher = newWatcher(h.store, cfg.PollInterval, h.log)
		if h.audit == nil {
			h.audit = worker.NewAudit(deps.ClickHouse, deps.Database)
		}
		if err := h.startLifecycle(cfg, deps); err != nil {
			return nil, err
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
	if err := h.Mount(h.mux, httpedge.Options{}); err != nil {
		h.Close()
		return nil, fmt.Errorf("doctorapi: %w", err)
	}
	return h, nil
}

// startLifecycle builds the clinical-note lifecycle and starts its
// delivery to Digital Healthcare, picking up the notes an earlier run
// left signed.
func (h *Handler) startLifecycle(cfg Config, deps Deps) error {
	store := lifecycle.NewStore(deps.ClickHouse, deps.Database)
	dc := lifecycle.DelivererConfig{Unconfigured: NoFHIRReason, PatientSystem: cfg.PatientSystem,
		PractitionerSystem: cfg.PractitionerSystem, EncounterSystem: cfg.EncounterSystem, Check: deps.FHIRCheck,
		Workers: cfg.FHIR.Workers, Audit: h.audit, Log: h.log.With("component", lifecycle.Actor)}
	if cfg.FHIR.BaseURL != "" {
		c, err := fhirclient.New(fhirclient.Config{BaseURL: cfg.FHIR.BaseURL, Token: cfg.FHIR.Token, AuthHeader: cfg.FHIR.AuthHeader,
			Timeout: cfg.FHIR.Timeout, MaxAttempts: cfg.FHIR.MaxAttempts, MinBackoff: cfg.FHIR.MinBackoff, MaxBackoff: cfg.FHIR.MaxBackoff,
			HTTPClient: deps.FHIRHTTPClient})
		if err != nil {
			return fmt.Errorf("doctorapi: doctor.fhir: %w", err)
		}
		dc.Client = c
	}
	h.deliver = lifecycle.NewDeliverer(store, dc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.deliver.Start(ctx); err != nil {
		return fmt.Errorf("doctorapi: resuming deliveries: %w", err)
	}
	h.notes = lifecycle.NewService(store, h.deliver, h.now)
	return nil
}

// Routes are the API's routes, for doctors only.
func (h *Handler) Routes() []httpedge.Route {
	route := func(method, path string, fn http.HandlerFunc, maxBody int64, timeout time.Duration, stream bool) httpedge.Route {
		return httpedge.Route{Method: method, Path: path, Need: httpedge.Doctor, MaxBody: maxBody, Timeout: timeout, Stream: stream,
			RateLimit: h.limiter, Handler: fn}
	}
	return append([]httpedge.Route{
		// The upload's bound is each doctor's MaxUploadBytes (checked in
		// the handler); the route's is the largest any doctor has.
		route("POST", "/api/v1/transcriptions", h.createTranscription, h.maxUpload()+multipartSlack, uploadTimeout+h.cfg.SyncTimeout, false),
		route("GET", "/api/v1/transcriptions/{id}", h.getTranscription, 0, 0, false),
		route("GET", "/api/v1/transcriptions/{id}/events", h.streamTranscription, 0, h.cfg.StreamTimeout+time.Minute, true),
		route("POST", "/api/v1/notes", h.createNote, maxNoteBytes, 0, false),
		h.diagnosisRoute(),
	}, h.clinicalNoteRoutes()...)
}

// uploadTimeout is how long a recording may take to arrive.
const uploadTimeout = 10 * time.Minute

// Mount registers the routes on mux behind the edge, which authenticates
// doctors, applies each doctor's rate limit and audits what it refuses.
func (h *Handler) Mount(mux httpedge.Mux, edge httpedge.Options) error {
	edge.Auth, edge.Realm, edge.Auditor, edge.Now = h.auth, "oqim-doctor", refusals{h}, h.now
	return httpedge.Mount(mux, edge, h.Routes()...)
}

func (h *Handler) maxUpload() int64 {
	n := h.cfg.Limits.withDefaults().MaxUploadBytes
	for _, l := range h.cfg.DoctorLimits {
		n = max(n, l.withDefaults().MaxUploadBytes)
	}
	return n
}

// Close stops the delivery of signed notes (a delivery under way resumes
// in the next process), waits for audit records being written, stops the
// event streams' watcher and releases the job producer.
func (h *Handler) Close() error {
	if h.deliver != nil {
		h.deliver.Close()
	}
	h.refusalWrites.Wait()
	if h.watcher != nil {
		h.watcher.close()
	}
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

// ServeHTTP serves the routes, behind the edge.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

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
	httpedge.WriteError(w, http.StatusServiceUnavailable, httpedge.Error{Detail: "the audit log is unavailable; patient data is not served without it"})
}
