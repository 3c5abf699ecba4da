package chatbot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oqim/oqim/connectors/redact"
	"github.com/oqim/oqim/inference/chatbot/ratelimit"
	"github.com/oqim/oqim/inference/chatbot/retrieval"
	"github.com/oqim/oqim/inference/chatbot/widget"
	"github.com/oqim/oqim/models/portalkb"
)

// Config configures New. The zero value is a working offline chatbot
// without Kafka.
type Config struct {
	// Searcher ranks entries; nil builds a lexical index over the embedded
	// knowledge base. Pass a *retrieval.Hybrid for embeddings.
	Searcher Searcher
	// LLM, when its BaseURL is set, writes answers from the retrieved
	// entries; otherwise answers are extractive.
	LLM LLMConfig
	// Thresholds; zero means DefaultThresholds.
	Thresholds Thresholds

	// Brokers of the Kafka cluster for tickets and usage events. Empty
	// (and no Publisher) means neither is sent; the citizen is then told
	// to call 1242 on handoff.
	Brokers []string
	// Publisher overrides Brokers.
	Publisher Publisher
	// EventsTopic and HandoffTopic default to DefaultEventsTopic and
	// DefaultHandoffTopic.
	EventsTopic, HandoffTopic string
	// Region, an ISO 3166-2:UZ code, is put on events when set.
	Region string

	// SessionTTL is how long an idle session lives (default 30 min);
	// MaxSessions bounds how many are kept (default 100,000).
	SessionTTL  time.Duration
	MaxSessions int
	// MaxHistory bounds the messages kept per session (default 40).
	MaxHistory int
	// MaxMessageRunes bounds a question's length (default 1,000).
	MaxMessageRunes int

	// RatePerSecond and Burst are each client's token bucket (defaults 2
	// and 20); RatePerSecond < 0 turns limiting off.
	RatePerSecond float64
	Burst         int
	// APIKeys are keys a client may send in X-API-Key to be limited per
	// key instead of per IP. Unknown keys are ignored, so a client cannot
	// escape its IP's bucket by inventing keys.
	APIKeys []string
	// TrustForwardedFor takes the client IP from X-Forwarded-For, for
	// deployments behind a proxy that sets it.
	TrustForwardedFor bool

	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service is the chatbot's HTTP API and widget. Routes:
//
//	POST /api/v1/chat/sessions                  start a session
//	GET  /api/v1/chat/sessions/{id}             its (redacted) messages
//	POST /api/v1/chat/sessions/{id}/messages    ask; SSE with Accept: text/event-stream
//	POST /api/v1/chat/sessions/{id}/feedback    thumbs up/down, resolved
//	POST /api/v1/chat/sessions/{id}/handoff     ask for a 1242 operator
//	GET  /chat/                                 demo page
//	GET  /chat/widget.js                        the <oqim-chat> web component
type Service struct {
	bot      *Bot
	sessions *sessions
	limiter  *ratelimit.Limiter
	redactor *redact.Redactor
	apiKeys  map[string]bool
	cfg      Config
	pub      Publisher
	events   *emitter
	log      *slog.Logger
	mux      *http.ServeMux
}

// New builds the service. Close it to flush events and close Kafka writers.
func New(cfg Config) (*Service, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Thresholds == (Thresholds{}) {
		cfg.Thresholds = DefaultThresholds
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 30 * time.Minute
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 100000
	}
	if cfg.MaxHistory <= 0 {
		cfg.MaxHistory = 40
	}
	if cfg.MaxMessageRunes <= 0 {
		cfg.MaxMessageRunes = 1000
	}
	if cfg.RatePerSecond == 0 {
		cfg.RatePerSecond = 2
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 20
	}
	if cfg.EventsTopic == "" {
		cfg.EventsTopic = DefaultEventsTopic
	}
	if cfg.HandoffTopic == "" {
		cfg.HandoffTopic = DefaultHandoffTopic
	}
	if cfg.Searcher == nil {
		ix, err := retrieval.NewDefault()
		if err != nil {
			return nil, fmt.Errorf("chatbot: %w", err)
		}
		cfg.Searcher = ix
	}
	s := &Service{
		bot:      &Bot{search: cfg.Searcher, thresholds: cfg.Thresholds, phrases: newPhraseBook()},
		sessions: newSessions(cfg.SessionTTL, cfg.MaxSessions, cfg.Now),
		redactor: redact.New(),
		apiKeys:  map[string]bool{},
		cfg:      cfg,
		log:      cfg.Logger,
		mux:      http.NewServeMux(),
	}
	if cfg.LLM.Enabled() {
		l, err := newLLMClient(cfg.LLM)
		if err != nil {
			return nil, err
		}
		s.bot.llm = l
	}
	if cfg.RatePerSecond > 0 {
		s.limiter = ratelimit.New(cfg.RatePerSecond, cfg.Burst, 100000, cfg.Now)
	}
	for _, k := range cfg.APIKeys {
		s.apiKeys[k] = true
	}
	s.pub = cfg.Publisher
	if s.pub == nil && len(cfg.Brokers) > 0 {
		s.pub = NewKafkaPublisher(cfg.Brokers)
	}
	if s.pub != nil {
		s.events = newEmitter(s.pub, cfg.EventsTopic, 10000, s.log)
	}
	s.mux.HandleFunc("POST /api/v1/chat/sessions", s.limited(s.createSession))
	s.mux.HandleFunc("GET /api/v1/chat/sessions/{id}", s.limited(s.getSession))
	s.mux.HandleFunc("POST /api/v1/chat/sessions/{id}/messages", s.limited(s.postMessage))
	s.mux.HandleFunc("POST /api/v1/chat/sessions/{id}/feedback", s.limited(s.postFeedback))
	s.mux.HandleFunc("POST /api/v1/chat/sessions/{id}/handoff", s.limited(s.postHandoff))
	w := widget.Handler()
	s.mux.Handle("GET /chat/", w)
	s.mux.Handle("GET /chat/{file}", w)
	return s, nil
}

// ServeHTTP serves the routes listed on Service.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close flushes usage events and closes the Kafka writers.
func (s *Service) Close(ctx context.Context) error {
	var errs []error
	if s.events != nil {
		errs = append(errs, s.events.close(ctx))
	}
	if s.pub != nil {
		errs = append(errs, s.pub.Close())
	}
	return errors.Join(errs...)
}

// Sessions is the number of live sessions.
func (s *Service) Sessions() int { return s.sessions.len() }

type apiError struct {
	Error struct {
		Field   string `json:"field,omitempty"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, field, msg string) {
	var e apiError
	e.Error.Field, e.Error.Message = field, msg
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// clientKey is what a client is rate limited by: a known API key, or its IP.
func (s *Service) clientKey(r *http.Request) string {
	if k := r.Header.Get("X-API-Key"); k != "" && s.apiKeys[k] {
		return "key:" + k
	}
	if s.cfg.TrustForwardedFor {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			return "ip:" + strings.TrimSpace(first)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host
}

func (s *Service) limited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.limiter != nil {
			if ok, wait := s.limiter.Allow(s.clientKey(r)); !ok {
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
				writeError(w, http.StatusTooManyRequests, "", "too many requests; retry after the number of seconds in Retry-After")
				return
			}
		}
		h(w, r)
	}
}

type sessionResponse struct {
	SessionID string    `json:"session_id"`
	ExpiresAt time.Time `json:"expires_at"`
	Messages  []Message `json:"messages"`
}

func (s *Service) createSession(w http.ResponseWriter, r *http.Request) {
	sess := s.sessions.create()
	writeJSON(w, http.StatusCreated, sessionResponse{SessionID: sess.id, ExpiresAt: sess.expires.UTC(), Messages: []Message{}})
}

func (s *Service) session(w http.ResponseWriter, r *http.Request) (*session, bool) {
	sess, ok := s.sessions.get(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "session_id", "no such session, or it expired; start a new one with POST /api/v1/chat/sessions")
	}
	return sess, ok
}

func (s *Service) getSession(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.session(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, sessionResponse{SessionID: sess.id, ExpiresAt: sess.expires.UTC(), Messages: sess.snapshot()})
}

// decodeBody reads a small JSON body into v.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "", "request body is larger than 16 KiB")
			return false
		}
		if errors.Is(err, io.EOF) {
			writeError(w, http.StatusBadRequest, "", "request body is empty; send JSON")
			return false
		}
		writeError(w, http.StatusBadRequest, "", "request body is not valid JSON: "+err.Error())
		return false
	}
	return true
}

type messageRequest struct {
	Text string `json:"text"`
	// Lang forces the reply language form ("uz-Latn", "uz-Cyrl", "ru",
	// "en"); empty means detect it from the text.
	Lang string `json:"lang,omitempty"`
}

// sink receives a reply as it is produced.
type sink interface {
	meta(m Message) error
	delta(text string) error
}

func (s *Service) postMessage(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.session(w, r)
	if !ok {
		return
	}
	var req messageRequest
	if !decodeBody(w, r, &req) {
		return
	}
	text := strings.TrimSpace(req.Text)
	if text == "" {
		writeError(w, http.StatusBadRequest, "text", "text is empty")
		return
	}
	if !utf8.ValidString(text) {
		writeError(w, http.StatusBadRequest, "text", "text is not valid UTF-8")
		return
	}
	if n := utf8.RuneCountInString(text); n > s.cfg.MaxMessageRunes {
		writeError(w, http.StatusRequestEntityTooLarge, "text", fmt.Sprintf("text has %d characters; the limit is %d", n, s.cfg.MaxMessageRunes))
		return
	}
	lang := portalkb.Lang(req.Lang)
	if _, known := langNames[lang]; !known {
		if req.Lang != "" {
			writeError(w, http.StatusBadRequest, "lang", `lang must be one of "uz-Latn", "uz-Cyrl", "ru", "en", or empty to detect it`)
			return
		}
		lang = DetectLang(text)
	}
	if wantsSSE(r) {
		sse, err := newSSE(w)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "", err.Error())
			return
		}
		reply, err := s.ask(r.Context(), sess, text, lang, sse)
		if err != nil {
			sse.event("error", map[string]string{"message": "could not answer; please call 1242"})
			s.log.Warn("chatbot: answering", "err", err)
			return
		}
		sse.event("done", reply)
		return
	}
	reply, err := s.ask(r.Context(), sess, text, lang, nil)
	if err != nil {
		s.log.Warn("chatbot: answering", "err", err)
		writeError(w, http.StatusInternalServerError, "", "could not answer; please call 1242")
		return
	}
	writeJSON(w, http.StatusOK, reply)
}

func wantsSSE(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/event-stream") || r.URL.Query().Get("stream") == "1"
}

// ask answers text in sess, streaming to out when it is not nil, stores
// both turns and emits the usage events.
func (s *Service) ask(ctx context.Context, sess *session, text string, lang portalkb.Lang, out sink) (Message, error) {
	start := time.Now()
	clean, counts := s.redactor.Redact(text)
	now := s.cfg.Now().UTC()
	user := Message{ID: newID("m_"), Role: "user", Text: clean, Time: now, Lang: string(lang)}
	history := sess.snapshot()
	sess.add(user, s.cfg.MaxHistory)
	sess.mu.Lock()
	sess.lang = lang
	sess.mu.Unlock()

	d, err := s.bot.decide(ctx, clean)
	if err != nil {
		return Message{}, err
	}
	p := s.bot.phrases.in(lang)
	reply := Message{ID: newID("m_"), Role: "bot", Time: now, Lang: string(lang), Kind: d.kind, Confidence: round2(d.confidence)}
	usedLLM := false
	switch d.kind {
	case KindGreeting:
		reply.Text = p.greeting
	case KindOffTopic:
		reply.Text = p.offTopic
	case KindHandoff:
		reply.Citations = citations(lang, d.hits, 3)
		reply.TicketID = s.handoff(ctx, sess, lang, d.reason, reply.Citations)
		switch d.reason {
		case ReasonLowConfidence:
			reply.Text = p.lowConfidence + suggestions(lang, d.hits) + "\n\n"
		case ReasonNotCovered:
			reply.Text = p.notCovered + "\n\n"
		}
		if reply.TicketID != "" {
			reply.Text += p.handoff + "\n" + p.ticket + ": " + reply.TicketID
		} else {
			reply.Text += p.handoffNoTicket
		}
	case KindAnswer:
		if s.bot.llm != nil {
			if out != nil {
				reply.Citations = citations(lang, d.hits, 3)
				if err := out.meta(reply); err != nil {
					return Message{}, err
				}
			}
			emit := func(t string) error {
				if out == nil {
					return nil
				}
				return out.delta(t)
			}
			txt, err := s.bot.llm.stream(ctx, lang, d.hits, userTexts(history), clean, emit)
			if err == nil && strings.TrimSpace(txt) != "" {
				usedLLM = true
				reply.Text = txt
				reply.Citations = cited(lang, txt, d.hits)
				break
			}
			if ctx.Err() != nil {
				return Message{}, ctx.Err()
			}
			// The model failed mid-way: fall back to the extractive answer,
			// which the client shows in place of the partial one.
			s.log.Warn("chatbot: LLM failed, answering extractively", "err", err)
			if out != nil {
				if err := out.delta("\n\n"); err != nil {
					return Message{}, err
				}
			}
		}
		reply.Text = s.bot.extractive(lang, d.hits)
		reply.Citations = citations(lang, d.hits, 1)
	}
	if out != nil && !usedLLM {
		if err := out.meta(reply); err != nil {
			return Message{}, err
		}
		if err := streamText(reply.Text, out); err != nil {
			return Message{}, err
		}
	}
	sess.add(reply, s.cfg.MaxHistory)
	var ids []string
	for _, c := range reply.Citations {
		ids = append(ids, c.ID)
	}
	q := QuestionData{
		SessionID: sess.id, MessageID: reply.ID, Lang: string(lang), Outcome: d.outcome, Kind: d.kind,
		EntryIDs: ids, Confidence: round2(d.confidence), LLM: usedLLM,
		LatencyMs: float64(time.Since(start).Microseconds()) / 1000, Redacted: counts.Total(),
	}
	if d.outcome != Resolved {
		q.Question = truncateRunes(clean, 300)
	}
	s.emit(TypeQuestion, q)
	return reply, nil
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func truncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

func userTexts(msgs []Message) []string {
	var out []string
	for _, m := range msgs {
		if m.Role == "user" {
			out = append(out, m.Text)
		}
	}
	if len(out) > 5 {
		out = out[len(out)-5:]
	}
	return out
}

// streamText sends an offline answer in line-sized pieces, so the widget
// renders it progressively the same way as a model's tokens.
func streamText(text string, out sink) error {
	for text != "" {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			i = len(text) - 1
		}
		if err := out.delta(text[:i+1]); err != nil {
			return err
		}
		text = text[i+1:]
	}
	return nil
}

func (s *Service) emit(typ string, data any) {
	if s.events == nil {
		return
	}
	s.events.emit(Envelope{ID: newID("ev_"), Source: "chatbot", Type: typ, Time: s.cfg.Now().UTC(), Region: s.cfg.Region, Data: data})
}

// handoff raises a ticket for the 1242 operators with the redacted
// conversation and returns its id, or "" when it could not be delivered
// (then the citizen is told to call 1242). A session raises one ticket;
// later requests return the same id.
func (s *Service) handoff(ctx context.Context, sess *session, lang portalkb.Lang, reason string, cands []Citation) string {
	sess.mu.Lock()
	for _, m := range sess.msgs {
		if m.TicketID != "" {
			sess.mu.Unlock()
			return m.TicketID
		}
	}
	sess.mu.Unlock()
	t := Ticket{ID: newID("T-"), Time: s.cfg.Now().UTC(), SessionID: sess.id, Lang: string(lang), Reason: reason, Region: s.cfg.Region, Candidates: cands}
	for _, m := range sess.snapshot() {
		t.Conversation = append(t.Conversation, TicketTurn{Role: m.Role, Text: m.Text, Time: m.Time})
	}
	delivered := false
	if s.pub != nil {
		v, err := json.Marshal(t)
		if err == nil {
			pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			err = s.pub.Publish(pctx, s.cfg.HandoffTopic, []byte(sess.id), v)
			cancel()
		}
		if err != nil {
			s.log.Warn("chatbot: handoff ticket not delivered", "session", sess.id, "err", err)
		} else {
			delivered = true
		}
	}
	s.emit(TypeHandoff, HandoffData{SessionID: sess.id, TicketID: t.ID, Reason: reason, Lang: string(lang), Delivered: delivered})
	if !delivered {
		return ""
	}
	return t.ID
}

type feedbackRequest struct {
	MessageID string `json:"message_id"`
	Rating    string `json:"rating,omitempty"`
	Resolved  *bool  `json:"resolved,omitempty"`
}

func (s *Service) postFeedback(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.session(w, r)
	if !ok {
		return
	}
	var req feedbackRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Rating != "" && req.Rating != "up" && req.Rating != "down" {
		writeError(w, http.StatusBadRequest, "rating", `rating must be "up" or "down"`)
		return
	}
	if req.Rating == "" && req.Resolved == nil {
		writeError(w, http.StatusBadRequest, "", `send "rating" ("up" or "down") and/or "resolved" (true or false)`)
		return
	}
	m, found := sess.find(req.MessageID)
	if !found || m.Role != "bot" {
		writeError(w, http.StatusBadRequest, "message_id", "no bot message with this id in the session")
		return
	}
	s.emit(TypeFeedback, FeedbackData{SessionID: sess.id, MessageID: m.ID, Rating: req.Rating, Resolved: req.Resolved, Lang: m.Lang})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) postHandoff(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.session(w, r)
	if !ok {
		return
	}
	sess.mu.Lock()
	lang := sess.lang
	sess.mu.Unlock()
	if lang == "" {
		lang = portalkb.UzLatn
	}
	p := s.bot.phrases.in(lang)
	reply := Message{ID: newID("m_"), Role: "bot", Time: s.cfg.Now().UTC(), Lang: string(lang), Kind: KindHandoff}
	reply.TicketID = s.handoff(r.Context(), sess, lang, "requested", nil)
	if reply.TicketID != "" {
		reply.Text = p.handoff + "\n" + p.ticket + ": " + reply.TicketID
	} else {
		reply.Text = p.handoffNoTicket
	}
	sess.add(reply, s.cfg.MaxHistory)
	writeJSON(w, http.StatusOK, reply)
}

// sse writes Server-Sent Events.
type sse struct {
	w http.ResponseWriter
	f http.Flusher
}

func newSSE(w http.ResponseWriter) (*sse, error) {
	f, ok := w.(http.Flusher)
	if !ok {
		return nil, errors.New("streaming is not supported by this connection")
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx would otherwise hold the stream
	w.WriteHeader(http.StatusOK)
	f.Flush()
	return &sse{w: w, f: f}, nil
}

// event writes one event; JSON data has no raw newlines, so one data line
// carries it.
func (s *sse) event(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(s.w, "event: %s\ndata: %s\n\n", name, b); err != nil {
		return err
	}
	s.f.Flush()
	return nil
}

func (s *sse) meta(m Message) error { return s.event("meta", m) }

func (s *sse) delta(text string) error { return s.event("delta", map[string]string{"text": text}) }
