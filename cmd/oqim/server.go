package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/oqim/oqim/analytics/access"
	"github.com/oqim/oqim/analytics/api"
	"github.com/oqim/oqim/analytics/dashboard"
	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/connectors/health"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/inference/chatbot"
	"github.com/oqim/oqim/inference/clinical/asr"
	"github.com/oqim/oqim/inference/clinical/diagnosis"
	"github.com/oqim/oqim/inference/clinical/doctorapi"
	"github.com/oqim/oqim/inference/clinical/fhir/r4"
	"github.com/oqim/oqim/inference/clinical/notes"
	"github.com/oqim/oqim/inference/clinical/workspace"
	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/decode"
	"github.com/oqim/oqim/pipelines/sources/httpingest"
)

// serverRoutes is the HTTP surface of `oqim serve` and the demo: the BI
// API and dashboard, the chatbot, the clinical API, the operational
// endpoints and, when ingest is set, the NDJSON endpoint agencies POST
// events to (they land on ingest).
//
// The returned close function flushes what the handlers buffer (chatbot
// events, audit entries) and must run after the server stops.
func serverRoutes(cfg config.Config, in *infra, set *metrics.Set, ref *region.Data, log *slog.Logger, ingest kafka.Writer) (http.Handler, func(context.Context), error) {
	mux := http.NewServeMux()
	closeAll, err := mountServer(mux, cfg, in, set, ref, log, ingest)
	if err != nil {
		return nil, nil, err
	}
	return serverHandler(mux, log), closeAll, nil
}

// serverHandler answers with mux's routes, and with the one JSON error
// body for what it has no route for under /api/.
func serverHandler(mux *http.ServeMux, log *slog.Logger) http.Handler {
	return httpedge.AccessLog(log, httpedge.JSONMisses(mux, "/api/"))
}

// mountServer mounts the routes of serverRoutes on mux, which a test
// may wrap to list them; on error, what it mounted is closed.
func mountServer(mux httpedge.Mux, cfg config.Config, in *infra, set *metrics.Set, ref *region.Data, log *slog.Logger, ingest kafka.Writer) (func(context.Context), error) {
	var closers []func(context.Context)
	closeAll := func(ctx context.Context) {
		for _, c := range closers {
			c(ctx)
		}
	}
	fail := func(err error) (func(context.Context), error) {
		closeAll(context.Background())
		return nil, err
	}
	if ingest != nil {
		if err := mountIngest(mux, cfg, in, set, log, ingest); err != nil {
			return nil, err
		}
	}
	d := dashboard.Handler()
	ws := workspace.Handler()
	biAuth, signIn, err := biAccess(cfg, ref, log)
	if err != nil {
		return nil, fmt.Errorf("access: %w", err)
	}
	// The dashboard's assets (and its sign-in, when oidc.public_url is
	// set) are public; its data comes from the BI API, which asks for
	// credentials.
	err = httpedge.Mount(mux, cfg.HTTP.Edge(), append(signIn,
		httpedge.Route{Method: "GET", Path: "/{$}", Need: httpedge.Public, Handler: d},
		httpedge.Route{Method: "GET", Path: "/dashboard/", Need: httpedge.Public, Handler: d},
		httpedge.Route{Method: "GET", Path: "/dashboard", Need: httpedge.Public, Handler: d},
		// The doctor's workspace page is public; every API call it makes
		// carries the doctor's own key or signed-in session.
		httpedge.Route{Method: "GET", Path: "/doctor/", Need: httpedge.Public, Handler: ws},
		httpedge.Route{Method: "GET", Path: "/doctor", Need: httpedge.Public, Handler: ws})...)
	if err != nil {
		return nil, err
	}
	c, err := mountBI(mux, cfg, in, set, ref, biAuth, log)
	if err != nil {
		return fail(err)
	}
	closers = append(closers, c)
	for _, m := range []func(httpedge.Mux, config.Config, *infra, *metrics.Set, *region.Data, *slog.Logger) (func(context.Context), error){mountChatbot, mountDoctor} {
		c, err := m(mux, cfg, in, set, ref, log)
		if err != nil {
			return fail(err)
		}
		if c != nil {
			closers = append(closers, c)
		}
	}
	operator := biOperator(biAuth)
	if err := mountOps(mux, cfg, in, set, log, operator); err != nil {
		return fail(err)
	}
	return closeAll, nil
}

// opsRoutes is the HTTP surface of `oqim ingest` and the workers: health,
// readiness and metrics only.
func opsRoutes(cfg config.Config, in *infra, set *metrics.Set, log *slog.Logger) (http.Handler, error) {
	mux := http.NewServeMux()
	if err := mountOps(mux, cfg, in, set, log, nil); err != nil {
		return nil, err
	}
	return httpedge.AccessLog(log, mux), nil
}

// mountOps serves the operational endpoints every oqim process has. They
// are public, for probes and scrapers; put /metrics behind the network's
// policy where that matters.
//
// /readyz tells anonymous callers only ok or failing per check; the
// errors, which name internal addresses, go to the log and to callers for
// which operator (nil: none) reports true.
func mountOps(mux httpedge.Mux, cfg config.Config, in *infra, set *metrics.Set, log *slog.Logger, operator func(*http.Request) bool) error {
	return httpedge.Mount(mux, cfg.HTTP.Edge(),
		httpedge.Route{Method: "GET", Path: "/healthz", Need: httpedge.Public, Handler: health.Live()},
		httpedge.Route{Method: "GET", Path: "/readyz", Need: httpedge.Public, Handler: health.ReadyFor(2*time.Second, log, operator,
			health.Check{Name: "kafka", Fn: func(ctx context.Context) error { return in.kafka.Ping(ctx) }},
			health.Check{Name: "clickhouse", Fn: in.conn.Ping},
		)},
		httpedge.Route{Method: "GET", Path: "/metrics", Need: httpedge.Public, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			set.WritePrometheus(w)
			metrics.WriteProcessMetrics(w)
		})})
}

// biOperator reports whether a request carries the credentials of a
// national BI reader, the server's operators; never when the BI has no
// credentials configured (every caller would be one).
func biOperator(authn *access.Authenticator) func(*http.Request) bool {
	if !authn.Enabled() {
		return nil
	}
	return func(r *http.Request) bool {
		p, err := authn.Authenticate(r)
		return err == nil && access.IsNational(p)
	}
}

// mountIngest serves POST /api/v1/ingest, validated by the schema
// registry, when agencies are configured; without them the path only says
// what to set.
func mountIngest(mux httpedge.Mux, cfg config.Config, in *infra, set *metrics.Set, log *slog.Logger, w kafka.Writer) error {
	if len(cfg.HTTPIngest.Agencies) == 0 {
		log.Info("HTTP ingest off: list http_ingest.agencies to turn it on")
		return httpedge.Mount(mux, cfg.HTTP.Edge(), httpedge.Route{Path: "/api/v1/ingest", Need: httpedge.Public,
			Handler: off("HTTP ingest is not configured: list the agencies and their key hashes in http_ingest.agencies")})
	}
	v, err := decode.NewValidator(decode.Options{Registry: in.registry})
	if err != nil {
		return err
	}
	h, err := httpingest.NewHandler(cfg.HTTPIngest, w, v, httpingest.WithMetrics(set), httpingest.WithLogger(log))
	if err != nil {
		return fmt.Errorf("http_ingest: %w", err)
	}
	return h.Mount(mux, cfg.HTTP.Edge())
}

// mountBI serves the Digital Region BI and its OpenAPI document, scoped
// by authn (see biAccess) and audited by analytics/access.
func mountBI(mux httpedge.Mux, cfg config.Config, in *infra, set *metrics.Set, ref *region.Data, authn *access.Authenticator, log *slog.Logger) (func(context.Context), error) {
	audit := access.NewAuditor(in.conn, cfg.ClickHouse.Database, access.AuditorConfig{MaxPending: cfg.Access.AuditMaxPending, Log: log})
	// What the bounded audit backlog dropped is visible to the operator.
	set.NewGauge("oqim_bi_audit_dropped_entries", func() float64 { return float64(audit.Dropped()) })
	set.NewGauge("oqim_bi_audit_pending_entries", func() float64 { return float64(audit.Pending()) })
	err := api.Mount(mux, api.Options{
		// Every surface is documented whether or not it is configured:
		// a path that is off answers 503 saying what to set.
		Other:   []httpedge.APIDoc{chatbot.OpenAPI(), doctorapi.OpenAPI(), httpingest.OpenAPI()},
		Store:   kpi.NewStore(in.conn, cfg.ClickHouse.Database),
		Regions: ref.RegionIDs(),
		Logger:  log,
		Access:  authn,
		Audit:   audit,
		Proxies: cfg.HTTP.Edge().Proxies,
	})
	if err != nil {
		_ = audit.Close(context.Background())
		return nil, err
	}
	return func(ctx context.Context) {
		if err := audit.Close(ctx); err != nil {
			log.Warn("BI audit entries not flushed", "err", err)
		}
	}, nil
}

// mountChatbot serves the Single Portal chatbot's API and widget.
func mountChatbot(mux httpedge.Mux, cfg config.Config, in *infra, _ *metrics.Set, _ *region.Data, log *slog.Logger) (_ func(context.Context), err error) {
	var searcher chatbot.Searcher // nil: lexical
	if in.llm != nil && in.llm.EmbeddingModel() != "" {
		if searcher, err = hybridSearcher(in.llm); err != nil {
			return nil, err
		}
	}
	bot, err := chatbot.New(cfg.Chatbot.Service(chatbot.Config{
		LLM:      in.llm,
		Searcher: searcher,
		Kafka:    in.kafka,
		Logger:   log.With("component", "chatbot"),
	}))
	if err != nil {
		return nil, err
	}
	if err := bot.Mount(mux, cfg.HTTP.Edge()); err != nil {
		_ = bot.Close(context.Background())
		return nil, err
	}
	return func(ctx context.Context) {
		if err := bot.Close(ctx); err != nil {
			log.Warn("chatbot events not flushed", "err", err)
		}
	}, nil
}

// mountDoctor serves, when doctors' credentials are configured, the
// transcription, notes and diagnosis API; without them its paths answer
// 503 saying what to set.
func mountDoctor(mux httpedge.Mux, cfg config.Config, in *infra, _ *metrics.Set, _ *region.Data, log *slog.Logger) (func(context.Context), error) {
	eng, err := cfg.Diagnosis.Engine()
	if err != nil {
		return nil, fmt.Errorf("diagnosis: %w", err)
	}
	diag, err := diagnosis.NewHandler(diagnosis.HandlerConfig{
		Engine: eng,
		LLM:    in.llm,
	})
	if err != nil {
		return nil, err
	}
	if !cfg.DoctorGuarded() {
		// Patient data behind no credentials is never an option: the
		// paths only say so, to anyone, and serve nothing.
		log.Info("doctor API off: set doctor.api_keys, doctor.jwt.secret or oidc with surfaces [doctor] to turn it on")
		closed := off("the doctor API is not configured: set doctor.api_keys, doctor.jwt.secret or oidc with surfaces [doctor]")
		var routes []httpedge.Route
		for _, p := range []string{"/api/v1/transcriptions", "/api/v1/transcriptions/", "/api/v1/notes", "/api/v1/diagnosis",
			"/api/v1/clinical-notes", "/api/v1/clinical-notes/"} {
			routes = append(routes, httpedge.Route{Path: p, Need: httpedge.Public, Handler: closed})
		}
		return nil, httpedge.Mount(mux, cfg.HTTP.Edge(), routes...)
	}
	verifiers, signIn, err := doctorAccess(cfg, log)
	if err != nil {
		return nil, err
	}
	if signIn != nil {
		if err := httpedge.Mount(mux, cfg.HTTP.Edge(), signIn.Routes()...); err != nil {
			return nil, err
		}
	}
	engine, err := asrEngine(cfg, log)
	if err != nil {
		return nil, err
	}
	// Signed notes are checked by Google's R4 parser as well as Oqim's
	// own validator before they leave.
	parser, err := r4.New()
	if err != nil {
		return nil, err
	}
	if cfg.Doctor.FHIR.BaseURL == "" {
		log.Info("delivery of signed notes is off: set doctor.fhir.base_url to Digital Healthcare's FHIR R4 base; until then a signed note's delivery fails saying so")
	}
	deps := doctorapi.Deps{Verifiers: verifiers, Sessions: sessions(signIn), ClickHouse: in.conn, Database: cfg.ClickHouse.Database, Kafka: in.kafka, Diagnosis: eng, DiagnosisHandler: diag,
		Structurer: notes.NewStructurer(in.llm, nil), FHIRCheck: parser.CheckBundle,
		Log: log.With("component", "doctor")}
	if engine != nil {
		deps.Engine = engine
	}
	doc, err := doctorapi.New(cfg.Doctor, deps)
	if err != nil {
		if engine != nil {
			engine.Close()
		}
		return nil, fmt.Errorf("doctor: %w", err)
	}
	if err := doc.Mount(mux, cfg.HTTP.Edge()); err != nil {
		doc.Close()
		if engine != nil {
			engine.Close()
		}
		return nil, err
	}
	return func(context.Context) {
		doc.Close()
		if engine != nil {
			engine.Close()
		}
	}, nil
}

// off answers 503 with what to configure: the route of a surface that is
// not configured, rather than a 404 that hides why.
func off(detail string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		httpedge.WriteError(w, http.StatusServiceUnavailable, httpedge.Error{Detail: detail})
	})
}

// asrEngine builds the configured speech engine, or nil when none is
// configured (audio endpoints then answer 503 saying what to set).
func asrEngine(cfg config.Config, log *slog.Logger) (*asr.Chunked, error) {
	e, err := cfg.ASR.NewEngine()
	if errors.Is(err, asr.ErrNoEngine) {
		log.Info("audio transcription is off; set asr.engine (openai with asr.base_url and asr.model, or whisper with -tags whisper and asr.whisper_model) to turn it on")
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("asr: %w", err)
	}
	return e, nil
}
