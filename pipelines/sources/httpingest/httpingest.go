// Package httpingest is the HTTP way into Oqim: an http.Handler that takes
// NDJSON event envelopes from authenticated agencies, validates every line
// and writes the request's events to Kafka, all or nothing.
package httpingest

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/pipelines/events"
)

// Path is where the server mounts the handler.
const Path = "/api/v1/ingest"

// Config is the handler's configuration; zero values take the defaults.
type Config struct {
	// Agencies may send events; a request without one of their keys gets 401.
	Agencies []Agency `yaml:"agencies"`
	// MaxBodyBytes bounds a request body, on the wire and after gzip
	// decompression. Default 10 MiB.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// MaxLineBytes bounds one NDJSON line. Default 64 KiB, the ingest
	// pipeline's record limit.
	MaxLineBytes int `yaml:"max_line_bytes"`
	// MaxErrors is how many line errors a 400 or 403 lists. Default 100.
	MaxErrors int `yaml:"max_errors"`
	// WriteTimeout bounds the Kafka write. Default 10s.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// RetryAfter is what a 503 tells clients to wait. Default 5s.
	RetryAfter time.Duration `yaml:"retry_after"`
}

// Defaults.
const (
	DefaultMaxBodyBytes = 10 << 20
	DefaultMaxErrors    = 100
	DefaultWriteTimeout = 10 * time.Second
	DefaultRetryAfter   = 5 * time.Second
)

func (c *Config) setDefaults() {
	// A setting of zero or less takes its default.
	c.MaxBodyBytes = cmp.Or(max(c.MaxBodyBytes, 0), DefaultMaxBodyBytes)
	c.MaxLineBytes = cmp.Or(max(c.MaxLineBytes, 0), events.DefaultLimits().MaxBytes)
	c.MaxErrors = cmp.Or(max(c.MaxErrors, 0), DefaultMaxErrors)
	c.WriteTimeout = cmp.Or(max(c.WriteTimeout, 0), DefaultWriteTimeout)
	c.RetryAfter = cmp.Or(max(c.RetryAfter, 0), DefaultRetryAfter)
}

// Option adjusts a Handler.
type Option func(*Handler)

// WithMetrics registers the handler's series in set (by default a private
// set that nothing exports).
func WithMetrics(set *metrics.Set) Option { return func(h *Handler) { h.metricsSet = set } }

// WithLogger logs Kafka failures to log (by default nowhere).
func WithLogger(log *slog.Logger) Option { return func(h *Handler) { h.log = log } }

// Handler serves POST /api/v1/ingest.
type Handler struct {
	cfg        Config
	keys       *keyring
	w          kafka.Writer
	v          Validator
	log        *slog.Logger
	metricsSet *metrics.Set
	m          *handlerMetrics
	parsers    sync.Pool // of *events.Parser
	mux        *http.ServeMux
}

// NewHandler returns a handler that validates lines with v and writes
// accepted ones to w, which must return only once Kafka has acknowledged
// every message (RequiredAcks all, as Cluster.NewWriter's writers do),
// because a nil error is what the handler reports to the agency as
// accepted. It fails on configuration mistakes such as a
// malformed key hash or type pattern.
func NewHandler(cfg Config, w kafka.Writer, v Validator, opts ...Option) (*Handler, error) {
	if w == nil || v == nil {
		return nil, errors.New("httpingest: a writer and a validator are required")
	}
	cfg.setDefaults()
	keys, err := newKeyring(cfg.Agencies)
	if err != nil {
		return nil, fmt.Errorf("httpingest: %w", err)
	}
	if err := checkReserved(cfg.Agencies); err != nil {
		return nil, fmt.Errorf("httpingest: %w", err)
	}
	h := &Handler{cfg: cfg, keys: keys, w: w, v: v, mux: http.NewServeMux()}
	for _, o := range opts {
		o(h)
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.metricsSet == nil {
		h.metricsSet = metrics.NewSet()
	}
	h.m = newHandlerMetrics(h.metricsSet)
	if err := h.Mount(h.mux, httpedge.Options{}); err != nil {
		return nil, fmt.Errorf("httpingest: %w", err)
	}
	return h, nil
}

// LineError is one entry of an error response, in Oqim's one error body.
// Line counts from 1 and is omitted for errors about the whole request.
type LineError = httpedge.Error

// Reasons this package adds to those of pipelines/events.
const (
	ReasonUnauthorized   = "unauthorized"
	ReasonForbiddenType  = "forbidden_type"
	ReasonSourceMismatch = "source_mismatch"
	ReasonEmptyBody      = "empty_body"
	ReasonBadRequest     = "bad_request"
	ReasonUnsupported    = "unsupported_media_type"
	ReasonUnavailable    = "unavailable"
	ReasonMethod         = "method_not_allowed"
)

type errorResponse struct {
	Errors []LineError `json:"errors"`
	// Omitted counts line errors beyond Config.MaxErrors.
	Omitted int `json:"omitted,omitempty"`
}

// ServeHTTP serves the route behind the edge, as Mount does.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Route declares POST /api/v1/ingest for agencies. It takes every method,
// so that a GET is told to POST in the error body like every other error.
func (h *Handler) Route() httpedge.Route {
	return httpedge.Route{Path: Path, Need: httpedge.Agency, MaxBody: h.cfg.MaxBodyBytes, Timeout: h.cfg.WriteTimeout + time.Minute,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.serve(w, r) })}
}

// Mount registers the route on mux behind the edge, which authenticates
// the agency; the edge's audit hook counts every answer by status.
func (h *Handler) Mount(mux httpedge.Mux, edge httpedge.Options) error {
	edge.Auth, edge.Realm, edge.Auditor = httpedge.Credentials{h.keys.keys}, "oqim-ingest", statusCounter{h.m}
	return httpedge.Mount(mux, edge, h.Route())
}

// serve answers the request and returns the status it sent.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) int {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return reply(w, http.StatusMethodNotAllowed, errorResponse{Errors: []LineError{{Reason: ReasonMethod, Detail: "use POST"}}})
	}
	ag := h.keys.agencyOf(r.Context())
	if ag == nil { // the edge lets only agencies through
		return reply(w, http.StatusForbidden, errorResponse{Errors: []LineError{{Reason: ReasonUnauthorized, Detail: "not an agency"}}})
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != "application/x-ndjson" && mt != "application/json") {
		return reply(w, http.StatusUnsupportedMediaType, errorResponse{Errors: []LineError{{Reason: ReasonUnsupported,
			Detail: fmt.Sprintf("Content-Type %q: send application/x-ndjson (or application/json), one event per line", r.Header.Get("Content-Type"))}}})
	}
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	if enc != "" && enc != "identity" && enc != "gzip" {
		return reply(w, http.StatusUnsupportedMediaType, errorResponse{Errors: []LineError{{Reason: ReasonUnsupported,
			Detail: fmt.Sprintf("Content-Encoding %q: only gzip is supported", enc)}}})
	}
	if r.ContentLength > h.cfg.MaxBodyBytes {
		return h.tooLarge(w, 0, fmt.Sprintf("body is %d bytes, the limit is %d", r.ContentLength, h.cfg.MaxBodyBytes))
	}

	// MaxBytesReader bounds the wire bytes and makes the server close the
	// connection instead of draining an oversized body; a second one
	// bounds what gzip expands to, so a small bomb cannot exhaust memory.
	var body io.Reader = http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
	if enc == "gzip" {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return h.readError(w, 0, err)
		}
		defer zr.Close()
		body = zr
	}
	body = http.MaxBytesReader(nil, io.NopCloser(body), h.cfg.MaxBodyBytes)

	msgs, status, resp := h.readLines(body, ag)
	if status != 0 {
		return reply(w, status, resp)
	}

	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.WriteTimeout)
	defer cancel()
	start := time.Now()
	err := h.w.WriteMessages(ctx, msgs...)
	h.m.writeTime.UpdateDuration(start)
	if err != nil {
		h.log.Error("httpingest: kafka write failed", "agency", ag.name, "events", len(msgs), "err", err)
		w.Header().Set("Retry-After", strconv.Itoa(int((h.cfg.RetryAfter+time.Second-1)/time.Second)))
		return reply(w, http.StatusServiceUnavailable, errorResponse{Errors: []LineError{{Reason: ReasonUnavailable,
			Detail: "the event log is unavailable, so the request was not accepted; retry it whole later (events are deduplicated by id)"}}})
	}
	h.m.accepted.Add(len(msgs))
	return reply(w, http.StatusAccepted, struct {
		Accepted int `json:"accepted"`
	}{len(msgs)})
}

// readLines reads and checks every line. It returns the messages to write,
// or a non-zero status with the response explaining why nothing will be.
//
// A request is accepted all or nothing: it is the unit a client retries,
// so with partial acceptance a client would have to parse the response to
// learn which lines to resend, and a blind retry would resend the good
// ones. With all or nothing, the answer to any error is "fix and resend".
func (h *Handler) readLines(body io.Reader, ag *agency) ([]kafkago.Message, int, errorResponse) {
	var (
		msgs      []kafkago.Message
		resp      errorResponse
		forbidden bool
		lines     int
		bad       int
	)
	addErr := func(e LineError) {
		bad++
		h.m.rejected.Inc()
		if len(resp.Errors) < h.cfg.MaxErrors {
			resp.Errors = append(resp.Errors, e)
		} else {
			resp.Omitted++
		}
	}
	p, _ := h.parsers.Get().(*events.Parser)
	if p == nil {
		p = new(events.Parser)
	}
	defer h.parsers.Put(p)
	// The buffer holds the longest allowed line plus "\r\n", so
	// ErrBufferFull means the line is too long.
	br := bufio.NewReaderSize(body, h.cfg.MaxLineBytes+2)
	for n := 1; ; n++ {
		raw, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, http.StatusRequestEntityTooLarge, tooLargeResponse(n, fmt.Sprintf("line is longer than %d bytes", h.cfg.MaxLineBytes))
		}
		if err != nil && err != io.EOF {
			if isTooLarge(err) {
				return nil, http.StatusRequestEntityTooLarge, tooLargeResponse(0, fmt.Sprintf("body is larger than %d bytes (after decompression)", h.cfg.MaxBodyBytes))
			}
			return nil, http.StatusBadRequest, errorResponse{Errors: []LineError{{Line: n, Reason: ReasonBadRequest, Detail: "reading body: " + err.Error()}}}
		}
		line := bytes.TrimRight(raw, "\r\n")
		if len(line) > h.cfg.MaxLineBytes {
			return nil, http.StatusRequestEntityTooLarge, tooLargeResponse(n, fmt.Sprintf("line is longer than %d bytes", h.cfg.MaxLineBytes))
		}
		if len(bytes.TrimSpace(line)) > 0 {
			lines++
			msg, lerr := h.checkLine(p, ag, n, line)
			switch {
			case lerr != nil:
				forbidden = forbidden || lerr.Reason == ReasonForbiddenType || lerr.Reason == ReasonSourceMismatch
				addErr(*lerr)
				// Keep reading, so the client gets every error in one
				// answer, but stop holding messages that will not be sent.
				msgs = nil
			case bad == 0:
				msg.Value = bytes.Clone(line) // line is only valid until the next read
				msgs = append(msgs, msg)
			}
		}
		if err == io.EOF {
			break
		}
	}
	switch {
	case lines == 0:
		return nil, http.StatusBadRequest, errorResponse{Errors: []LineError{{Reason: ReasonEmptyBody, Detail: "the body has no events; send one JSON event per line"}}}
	case forbidden:
		return nil, http.StatusForbidden, resp
	case bad > 0:
		return nil, http.StatusBadRequest, resp
	}
	return msgs, 0, resp
}

// checkLine validates and authorizes line n and returns its message,
// without a value, or why it is rejected.
//
// The line is parsed once, by the envelope parser the Kafka ingest decodes
// with (events.Parser), and that one envelope is both validated and
// authorised. The bytes written to Kafka are the line itself, so the
// pipeline reads the same envelope again: the type and source authorised
// here are the type and source stored. A line that gives an envelope key
// twice is refused by the parser, naming the key.
func (h *Handler) checkLine(p *events.Parser, ag *agency, n int, line []byte) (kafkago.Message, *LineError) {
	env, err := p.Parse(line)
	if err != nil {
		return kafkago.Message{}, lineError(n, err)
	}
	if err := h.v.ValidateEnvelope(env); err != nil {
		return kafkago.Message{}, lineError(n, err)
	}
	// The validator may be any schema; the handler still needs these three.
	id, err := events.String(env.ID, events.FieldID, true)
	if err != nil {
		return kafkago.Message{}, lineError(n, err)
	}
	source, err := events.String(env.Source, events.FieldSource, true)
	if err != nil {
		return kafkago.Message{}, lineError(n, err)
	}
	typ, err := events.String(env.Type, events.FieldType, true)
	if err != nil {
		return kafkago.Message{}, lineError(n, err)
	}
	switch {
	case string(source) != ag.name:
		// Rejected rather than overwritten: Kafka then holds the bytes the
		// agency sent, and a client that claims another agency's name is
		// misconfigured or worse, which it should hear about.
		return kafkago.Message{}, &LineError{Line: n, Field: events.FieldSource, Reason: ReasonSourceMismatch,
			Detail: fmt.Sprintf("source %q does not match the API key's agency %q", source, ag.name)}
	case !mayWrite(ag, string(typ)):
		detail := fmt.Sprintf("agency %q may not send events of type %q", ag.name, typ)
		if reserved(string(typ)) {
			detail += fmt.Sprintf("; only the chatbot service (agency %q) writes the chatbot family", ChatbotAgency)
		}
		return kafkago.Message{}, &LineError{Line: n, Field: events.FieldType, Reason: ReasonForbiddenType, Detail: detail}
	}
	// The key keeps every redelivery of an event on one partition.
	return kafkago.Message{Key: bytes.Clone(id)}, nil
}

func lineError(n int, err error) *LineError {
	var fe *events.FieldError
	if errors.As(err, &fe) {
		return &LineError{Line: n, Field: fe.Field, Reason: string(fe.Reason), Detail: fe.Detail}
	}
	return &LineError{Line: n, Reason: string(events.ReasonInvalidValue), Detail: err.Error()}
}

// ChatbotAgency is the agency name, and so the event source, of the
// chatbot service (inference/chatbot stamps it on its events).
const ChatbotAgency = "chatbot"

// chatbotTypePrefix starts every type of the chatbot family.
const chatbotTypePrefix = "chatbot."

// reserved reports whether typ belongs to a family that only one service
// may write: the chatbot family, whose rows are the chatbot's own account
// of what citizens asked and how it answered (the assistants KPI). An
// agency writing them would forge that account.
func reserved(typ string) bool {
	return typ == strings.TrimSuffix(chatbotTypePrefix, ".") || strings.HasPrefix(typ, chatbotTypePrefix)
}

// mayWrite reports whether agency ag may send events of type typ. Outside
// the reserved family, its type patterns decide. A chatbot type needs two
// things, so a broad grant can never reach it: the agency is the chatbot
// service (named ChatbotAgency), and one of its patterns names the family
// itself (chatbot.* or an exact chatbot type), not merely matches it as *
// does.
func mayWrite(ag *agency, typ string) bool {
	if !reserved(typ) {
		return ag.allows(typ)
	}
	if ag.name != ChatbotAgency {
		return false
	}
	for _, p := range ag.types {
		if strings.HasPrefix(p.value, chatbotTypePrefix) && p.match(typ) {
			return true
		}
	}
	return false
}

// checkReserved refuses a configuration that grants the chatbot family by
// name to any agency but the chatbot service: such a grant could never be
// used, and is far more likely a mistake than a wish.
func checkReserved(agencies []Agency) error {
	for i, a := range agencies {
		if a.Name == ChatbotAgency {
			continue
		}
		for _, t := range a.Types {
			// newKeyring has parsed every pattern already.
			if p, err := parseTypePattern(t); err == nil && strings.HasPrefix(p.value, chatbotTypePrefix) {
				return fmt.Errorf("agencies[%d] (%s): type pattern %q names the chatbot family, which only the chatbot service (agency %q) may send", i, a.Name, t, ChatbotAgency)
			}
		}
	}
	return nil
}

func (h *Handler) tooLarge(w http.ResponseWriter, line int, detail string) int {
	return reply(w, http.StatusRequestEntityTooLarge, tooLargeResponse(line, detail))
}

func (h *Handler) readError(w http.ResponseWriter, line int, err error) int {
	if isTooLarge(err) {
		return h.tooLarge(w, 0, fmt.Sprintf("body is larger than %d bytes", h.cfg.MaxBodyBytes))
	}
	return reply(w, http.StatusBadRequest, errorResponse{Errors: []LineError{{Line: line, Reason: ReasonBadRequest, Detail: "reading body: " + err.Error()}}})
}

func tooLargeResponse(line int, detail string) errorResponse {
	return errorResponse{Errors: []LineError{{Line: line, Reason: string(events.ReasonTooLarge), Detail: detail}}}
}

func reply(w http.ResponseWriter, status int, body any) int {
	if e, ok := body.(errorResponse); ok {
		httpedge.WriteErrors(w, status, e.Errors, e.Omitted)
		return status
	}
	httpedge.WriteJSON(w, status, body)
	return status
}

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}
