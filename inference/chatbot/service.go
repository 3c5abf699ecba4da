package chatbot

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/llm"
	"github.com/oqim/oqim/connectors/redact"
	"github.com/oqim/oqim/inference/chatbot/retrieval"
	"github.com/oqim/oqim/inference/chatbot/widget"
	"github.com/oqim/oqim/models/language"
	"github.com/oqim/oqim/models/portalkb"
	"github.com/oqim/oqim/pipelines/events"
	kafkago "github.com/segmentio/kafka-go"
)

// Config configures New. The zero value is a working offline chatbot
// without Kafka.
type Config struct {
	// Searcher ranks entries; nil builds a lexical index over the embedded
	// knowledge base. Pass a *retrieval.Hybrid for embeddings.
	Searcher Searcher
	// LLM, when set, writes answers from the retrieved entries; nil
	// keeps answers extractive.
	LLM *llm.Client
	// Thresholds; zero means DefaultThresholds.
	Thresholds Thresholds

	// Kafka is the cluster for tickets and usage events, written to
	// EventsTopic and HandoffTopic (defaults DefaultEventsTopic and
	// DefaultHandoffTopic) by writers the service makes and closes. With
	// neither Kafka nor a writer below, nothing is sent and the citizen
	// is told to call 1242 on handoff.
	Kafka                     *kafka.Cluster
	EventsTopic, HandoffTopic string
	// Events and Handoff, when set, replace the writers made from Kafka
	// (tests pass a kafkatest.Recorder); the caller closes them.
	Events, Handoff kafka.Writer
	// Region, an ISO 3166-2:UZ code, is put on events when set.
	Region string

	// SessionTTL is how long an idle session lives (default 30 min);
	// MaxSessions bounds how many are kept (default 100,000), and
	// MaxSessionsPerClient how many one client holds (default 1,000;
	// a client is an IPv4 address or an IPv6 /64, and many citizens may
	// share one behind a carrier's NAT; partners are not bounded apart).
	// An IPv6 /48 holds at most 16 clients' worth.
	SessionTTL           time.Duration
	MaxSessions          int
	MaxSessionsPerClient int
	// MaxHistory bounds the messages kept per session (default 40).
	MaxHistory int
	// MaxMessageRunes bounds a question's length (default 1,000).
	MaxMessageRunes int

	// RatePerSecond and Burst are each client's token bucket (defaults 2
	// and 20); RatePerSecond < 0 turns limiting off.
	RatePerSecond float64
	Burst         int
	// PartnerKeys are the keys (their SHA-256, as every key of the edge)
	// a known client may send in X-API-Key to be limited per key instead
	// of per address. Unknown keys are ignored, so a client cannot escape
	// its address's bucket by inventing keys.
	PartnerKeys []httpedge.Key
	// Proxies are the reverse proxies trusted to set X-Forwarded-For;
	// only behind them is the client address taken from it.
	Proxies httpedge.Proxies

	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Defaults of zero Config fields (see Config), named so the OpenAPI
// document states the limits the code applies.
const (
	DefaultSessionTTL           = 30 * time.Minute
	DefaultMaxSessions          = 100000
	DefaultMaxSessionsPerClient = 1000
	DefaultMaxHistory           = 40
	DefaultMaxMessageRunes      = 1000
	DefaultRatePerSecond        = 2
	DefaultBurst                = 20
)

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
	limiter  *httpedge.Limiter
	redactor *redact.Redactor
	partners *httpedge.Keys
	cfg      Config
	events   *emitter
	handoffW kafka.Writer
	// owned are the writers the service made, closed with it.
	owned []*kafkago.Writer
	log   *slog.Logger
	mux   *http.ServeMux
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
	// A setting of zero or less takes its default.
	cfg.SessionTTL = cmp.Or(max(cfg.SessionTTL, 0), DefaultSessionTTL)
	cfg.MaxSessions = cmp.Or(max(cfg.MaxSessions, 0), DefaultMaxSessions)
	cfg.MaxSessionsPerClient = cmp.Or(max(cfg.MaxSessionsPerClient, 0), DefaultMaxSessionsPerClient)
	cfg.MaxHistory = cmp.Or(max(cfg.MaxHistory, 0), DefaultMaxHistory)
	cfg.MaxMessageRunes = cmp.Or(max(cfg.MaxMessageRunes, 0), DefaultMaxMessageRunes)
	if cfg.RatePerSecond == 0 {
		cfg.RatePerSecond = DefaultRatePerSecond
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultBurst
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
		sessions: newSessions(cfg.SessionTTL, cfg.MaxSessions, cfg.MaxSessionsPerClient, cfg.Now),
		redactor: redact.New(),
		cfg:      cfg,
		log:      cfg.Logger,
		mux:      http.NewServeMux(),
	}
	if cfg.LLM != nil {
		s.bot.llm = &llmAnswerer{client: cfg.LLM}
	}
	if cfg.RatePerSecond > 0 {
		s.limiter = httpedge.NewLimiter(httpedge.LimiterConfig{Limit: httpedge.Limit{Rate: cfg.RatePerSecond, Burst: cfg.Burst}, Now: cfg.Now})
	}
	partners := make([]httpedge.Key, len(cfg.PartnerKeys))
	for i, k := range cfg.PartnerKeys {
		k.Principal.Kind = httpedge.Partner
		partners[i] = k
	}
	var err error
	if s.partners, err = httpedge.NewKeys(partners); err != nil {
		return nil, fmt.Errorf("chatbot: partner keys: %w", err)
	}
	eventsW, handoffW := cfg.Events, cfg.Handoff
	if cfg.Kafka != nil {
		if eventsW == nil {
			w := cfg.Kafka.NewWriter(cfg.EventsTopic)
			eventsW, s.owned = w, append(s.owned, w)
		}
		if handoffW == nil {
			w := cfg.Kafka.NewWriter(cfg.HandoffTopic)
			handoffW, s.owned = w, append(s.owned, w)
		}
	}
	s.handoffW = handoffW
	if eventsW != nil {
		s.events = newEmitter(eventsW, 10000, s.log)
	}
	if err := s.Mount(s.mux, httpedge.Options{Proxies: cfg.Proxies}); err != nil {
		return nil, fmt.Errorf("chatbot: %w", err)
	}
	return s, nil
}

// Limits of the chatbot's routes.
const (
	maxBody       = 16 << 10
	answerTimeout = 2 * time.Minute
)

// Routes are the chatbot's routes, every one public: citizens use it
// without an account, and the rate limit is what guards it.
func (s *Service) Routes() []httpedge.Route { return s.routes(s.cfg.Proxies) }

// routes are the routes with clients told apart behind proxies.
func (s *Service) routes(proxies httpedge.Proxies) []httpedge.Route {
	key := func(r *http.Request) string { return s.clientKey(r, proxies) }
	api := func(method, path string, h http.HandlerFunc, timeout time.Duration, stream bool) httpedge.Route {
		return httpedge.Route{Method: method, Path: path, Need: httpedge.Public, MaxBody: maxBody, Timeout: timeout, Stream: stream,
			RateLimit: s.limiter, RateKey: key, Handler: h}
	}
	w := widget.Handler()
	return []httpedge.Route{
		api("POST", "/api/v1/chat/sessions", func(w http.ResponseWriter, r *http.Request) { s.createSession(w, key(r)) }, 0, false),
		api("GET", "/api/v1/chat/sessions/{id}", s.getSession, 0, false),
		// Answers stream as server-sent events when asked.
		api("POST", "/api/v1/chat/sessions/{id}/messages", s.postMessage, answerTimeout, true),
		api("POST", "/api/v1/chat/sessions/{id}/feedback", s.postFeedback, 0, false),
		api("POST", "/api/v1/chat/sessions/{id}/handoff", s.postHandoff, answerTimeout, false),
		{Method: "GET", Path: "/chat/", Need: httpedge.Public, Handler: w},
		{Method: "GET", Path: "/chat/{file}", Need: httpedge.Public, Handler: w},
	}
}

// Mount registers the routes on mux behind the edge; the edge's trusted
// proxies, when it has any, replace Config.Proxies.
func (s *Service) Mount(mux httpedge.Mux, edge httpedge.Options) error {
	if edge.Proxies == nil {
		edge.Proxies = s.cfg.Proxies
	}
	return httpedge.Mount(mux, edge, s.routes(edge.Proxies)...)
}

// ServeHTTP serves the routes listed on Service.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close flushes usage events and closes the Kafka writers.
func (s *Service) Close(ctx context.Context) error {
	var errs []error
	if s.events != nil {
		errs = append(errs, s.events.close(ctx))
	}
	for _, w := range s.owned {
		errs = append(errs, w.Close())
	}
	return errors.Join(errs...)
}

// Sessions is the number of live sessions.
func (s *Service) Sessions() int { return s.sessions.len() }

const partnerKey = "partner:"

// clientKey is what a client is rate limited by: a known partner key,
// or its address.
func (s *Service) clientKey(r *http.Request, proxies httpedge.Proxies) string {
	if k := r.Header.Get("X-API-Key"); k != "" && s.partners.Len() > 0 {
		if p, err := s.partners.Verify(r.Context(), k); err == nil {
			return partnerKey + p.ID
		}
	}
	return proxies.RateKey(r)
}

type sessionResponse struct {
	SessionID string    `json:"session_id"`
	ExpiresAt time.Time `json:"expires_at"`
	Messages  []Message `json:"messages"`
}

// createSession starts a session for client, as clientKey names it.
func (s *Service) createSession(w http.ResponseWriter, client string) {
	if strings.HasPrefix(client, partnerKey) {
		client = "" // a gateway speaking for many citizens
	}
	sess := s.sessions.create(client)
	httpedge.WriteJSON(w, http.StatusCreated, sessionResponse{SessionID: sess.id, ExpiresAt: s.sessions.expiry(sess).UTC(), Messages: []Message{}})
}

func (s *Service) session(w http.ResponseWriter, r *http.Request) (*session, bool) {
	sess, ok := s.sessions.get(r.PathValue("id"))
	if !ok {
		httpedge.WriteError(w, http.StatusNotFound, httpedge.Error{Field: "session_id", Detail: "no such session, or it expired; start a new one with POST /api/v1/chat/sessions"})
	}
	return sess, ok
}

// sessionRequest finds the session a POST names and decodes its JSON body
// into a T, answering the client itself when either fails.
func sessionRequest[T any](s *Service, w http.ResponseWriter, r *http.Request) (*session, T, bool) {
	var req T
	sess, ok := s.session(w, r)
	if !ok || !httpedge.DecodeJSON(w, r.Body, &req) {
		return nil, req, false
	}
	return sess, req, true
}

func (s *Service) getSession(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.session(w, r)
	if !ok {
		return
	}
	httpedge.WriteJSON(w, http.StatusOK, sessionResponse{SessionID: sess.id, ExpiresAt: s.sessions.expiry(sess).UTC(), Messages: sess.snapshot()})
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
	sess, req, ok := sessionRequest[messageRequest](s, w, r)
	if !ok {
		return
	}
	text := strings.TrimSpace(req.Text)
	if text == "" {
		httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Field: "text", Detail: "text is empty"})
		return
	}
	if !utf8.ValidString(text) {
		httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Field: "text", Detail: "text is not valid UTF-8"})
		return
	}
	if n := utf8.RuneCountInString(text); n > s.cfg.MaxMessageRunes {
		httpedge.WriteError(w, http.StatusRequestEntityTooLarge, httpedge.Error{Field: "text", Detail: fmt.Sprintf("text has %d characters; the limit is %d", n, s.cfg.MaxMessageRunes)})
		return
	}
	lang := portalkb.Lang(req.Lang)
	if _, known := langNames[lang]; !known {
		if req.Lang != "" {
			httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Field: "lang", Detail: `lang must be one of "uz-Latn", "uz-Cyrl", "ru", "en", or empty to detect it`})
			return
		}
		lang = language.Detect(text)
	}
	if wantsSSE(r) {
		sse, err := newSSE(w)
		if err != nil {
			httpedge.WriteError(w, http.StatusInternalServerError, httpedge.Error{Detail: err.Error()})
			return
		}
		reply, err := s.ask(r.Context(), sess, text, lang, sse)
		if err != nil {
			sse.event("error", httpedge.ErrorBody{Error: httpedge.Error{Reason: httpedge.ReasonInternal, Detail: "could not answer; please call 1242"}})
			s.log.Warn("chatbot: answering", "err", llm.Failure(err))
			return
		}
		sse.event("done", reply)
		return
	}
	reply, err := s.ask(r.Context(), sess, text, lang, nil)
	if err != nil {
		s.log.Warn("chatbot: answering", "err", llm.Failure(err))
		httpedge.WriteError(w, http.StatusInternalServerError, httpedge.Error{Detail: "could not answer; please call 1242"})
		return
	}
	httpedge.WriteJSON(w, http.StatusOK, reply)
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
	sess.mu.Lock()
	prev := sess.answered
	if prev.entry != nil && len(strings.Fields(clean)) <= followUpLen && othersInFollowUp(foldForIntent(clean)) {
		d = decision{kind: KindOffTopic, outcome: Unanswered, reason: ReasonRefused}
	}
	if prev.entry != nil && followUp(d, clean) {
		// "а сколько это стоит?" after an answer asks about the same
		// service: the answer gives its fee, documents and time again, in
		// the language of the conversation ("нархи?" alone reads as
		// Russian).
		d = decision{kind: KindAnswer, outcome: Resolved, hits: []retrieval.Hit{{Entry: prev.entry, Coverage: prev.confidence}}, confidence: prev.confidence}
		lang = prev.lang
	}
	switch d.kind {
	case KindAnswer:
		sess.answered = answered{d.hits[0].Entry, d.confidence, lang}
	case KindGreeting:
	default:
		// The conversation moved on to what the bot did not answer: "и
		// сколько это стоит?" now asks about that, not the last answer.
		sess.answered = answered{}
	}
	sess.mu.Unlock()
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
			// The model's answer is checked whole before a word of it is
			// sent: a streamed delta cannot be taken back from a client
			// that showed it, and an answer that links outside its entries
			// may carry a link a prompt injection planted.
			txt, err := s.bot.llm.answer(ctx, lang, d.hits, userTexts(history), clean)
			why := ""
			if err == nil {
				why = ungrounded(txt, d.hits)
			}
			if err == nil && why == "" {
				usedLLM = true
				reply.Text = txt
				reply.Citations = cited(lang, txt, d.hits)
				break
			}
			if ctx.Err() != nil {
				return Message{}, ctx.Err()
			}
			// The model failed, or wrote what may not be shown: the
			// extractive answer is sent instead. Never the server's
			// message, nor the model's text: either may quote the citizen.
			if err != nil {
				s.log.Warn("chatbot: LLM failed, answering extractively", "err", llm.Failure(err))
			} else {
				s.log.Warn("chatbot: LLM answer not grounded, answering extractively", "why", why)
			}
		}
		reply.Text = s.bot.extractive(lang, d.hits)
		reply.Citations = citations(lang, d.hits, 1)
	}
	if out != nil {
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
	if kbGap(d) {
		q.Question = truncateRunes(clean, 300)
	}
	s.emit(TypeQuestion, q)
	return reply, nil
}

// followUpWords are what a follow-up asks of a service already named:
// its cost, time, documents, place, payment. They pass through
// retrieval.Terms, so scripts and endings meet; the question words among
// them ("сколько", "где", "qayerda", "where") are stop words, and
// followUpAsks finds those.
const followUpWords = `стоит стоимость цена платить оплата пошлина бесплатно срок долго документы документ нужны онлайн подать
narx narxi turadi toʻlov toʻlash bepul muddat muddati vaqt oladi hujjat hujjatlar kerak onlayn murojaat topshirish
cost costs fee fees price pay free long documents document papers online apply`

// followUpTerms is followUpWords as search terms; read only.
var followUpTerms = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range retrieval.Terms(nil, followUpWords) {
		m[t] = true
	}
	return m
}()

// followUpAsks are question words, in folded Latin, that a follow-up may
// be made of alone ("а где?", "qancha?", "how much?").
var followUpAsks = []string{"skolko", "gde", "kuda", "kogda", "qancha", "qayerda", "qayerga", "qachon", "how much", "where", "when"}

// followUpLen is the most words a follow-up has: a longer message tells
// its own question, and is judged on its own. One made of question words
// and particles alone ("а где её получить?") has at most followUpAskLen:
// "Where are you? Who are you?" is no follow-up.
const (
	followUpLen    = 7
	followUpAskLen = 4
)

// followUp reports a short message that the bot, reading it alone, did
// not answer, and that asks after the service of the answer before it and
// nothing else: every content word is one of followUpWords ("а сколько
// это стоит?"). A message with a subject of its own ("сколько стоит
// развод?", "где живёт Иванов?", "поддельная справка сколько стоит?")
// is judged alone; a refusal, a greeting or a request for a person
// stands.
func followUp(d decision, text string) bool {
	if d.reason == ReasonRefused || d.reason == ReasonRequested || d.kind == KindGreeting && hasGreetingWord(text) {
		return false
	}
	n := len(strings.Fields(text))
	if n > followUpLen {
		return false
	}
	// Read alone, "а какие документы нужны?" finds some entry about
	// documents; after an answer it asks about that answer's, so the
	// decision alone does not settle it: the words do.
	terms := retrieval.Terms(nil, text)
	asks := false
	for _, t := range terms {
		if !followUpTerms[t] {
			return false
		}
		asks = true
	}
	folded := " " + foldForIntent(text) + " "
	return asks || n <= followUpAskLen && slices.ContainsFunc(followUpAsks, func(w string) bool { return strings.Contains(folded, " "+w) })
}

// kbGap reports a question the knowledge base could not answer although
// it asked about a service: what the analysts' "top unanswered" list is
// for. A greeting, a request for an operator, an off-topic or refused
// message is no gap, and its text (an insult, an injection attempt) would
// only crowd the list.
func kbGap(d decision) bool {
	return d.kind == KindHandoff && (d.reason == ReasonLowConfidence || d.reason == ReasonNotCovered)
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
	s.events.emit(events.Event[any]{ID: newID("ev_"), Source: "chatbot", Type: typ, Time: s.cfg.Now().UTC(), Region: s.cfg.Region, Data: data})
}

// handoff raises a ticket for the 1242 operators with the redacted
// conversation and returns its id, or "" when it could not be delivered
// (then the citizen is told to call 1242). A session raises one ticket;
// later requests, and requests racing with the first, return its id.
func (s *Service) handoff(ctx context.Context, sess *session, lang portalkb.Lang, reason string, cands []Citation) string {
	sess.ticketMu.Lock()
	defer sess.ticketMu.Unlock()
	t := Ticket{ID: sess.ticket, Time: s.cfg.Now().UTC(), SessionID: sess.id, Lang: string(lang), Reason: reason, Region: s.cfg.Region, Candidates: cands}
	asked := 0 // the citizen's messages in the ticket
	for _, m := range sess.snapshot() {
		t.Conversation = append(t.Conversation, TicketTurn{Role: m.Role, Text: m.Text, Time: m.Time})
		if m.Role == "user" {
			asked++
		}
	}
	if sess.ticket != "" {
		// The citizen is told their question went to the operator: a
		// message written since the ticket was published goes too.
		if asked > sess.ticketTurns {
			t.Update = sess.ticketUpdate + 1
			if s.publishTicket(ctx, sess, t) {
				sess.ticketTurns, sess.ticketUpdate = asked, t.Update
			}
		}
		return sess.ticket
	}
	t.ID = newID("T-")
	delivered := s.publishTicket(ctx, sess, t)
	s.emit(TypeHandoff, HandoffData{SessionID: sess.id, TicketID: t.ID, Reason: reason, Lang: string(lang), Delivered: delivered})
	if !delivered {
		return ""
	}
	sess.ticket, sess.ticketTurns = t.ID, asked
	return t.ID
}

// publishTicket writes t to the handoff topic, keyed by its session, and
// reports whether the broker took it.
func (s *Service) publishTicket(ctx context.Context, sess *session, t Ticket) bool {
	if s.handoffW == nil {
		return false
	}
	v, err := json.Marshal(t)
	if err == nil {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		err = s.handoffW.WriteMessages(pctx, kafkago.Message{Key: []byte(sess.id), Value: v})
		cancel()
	}
	if err != nil {
		s.log.Warn("chatbot: handoff ticket not delivered", "session", sess.id, "err", err)
		return false
	}
	return true
}

type feedbackRequest struct {
	MessageID string `json:"message_id"`
	Rating    string `json:"rating,omitempty"`
	Resolved  *bool  `json:"resolved,omitempty"`
}

func (s *Service) postFeedback(w http.ResponseWriter, r *http.Request) {
	sess, req, ok := sessionRequest[feedbackRequest](s, w, r)
	if !ok {
		return
	}
	if req.Rating != "" && req.Rating != "up" && req.Rating != "down" {
		httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Field: "rating", Detail: `rating must be "up" or "down"`})
		return
	}
	if req.Rating == "" && req.Resolved == nil {
		httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Detail: `send "rating" ("up" or "down") and/or "resolved" (true or false)`})
		return
	}
	m, fresh, err := sess.giveFeedback(req.MessageID, feedback{rating: req.Rating, resolved: req.Resolved})
	switch {
	case errors.Is(err, errNoBotMessage):
		httpedge.WriteError(w, http.StatusBadRequest, httpedge.Error{Field: "message_id", Detail: err.Error()})
		return
	case err != nil:
		httpedge.WriteError(w, http.StatusConflict, httpedge.Error{Field: "message_id", Detail: err.Error()})
		return
	}
	if fresh != (feedback{}) {
		s.emit(TypeFeedback, FeedbackData{SessionID: sess.id, MessageID: m.ID, Rating: fresh.rating, Resolved: fresh.resolved, Lang: m.Lang})
	}
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
	httpedge.WriteJSON(w, http.StatusOK, reply)
}

// sse writes the answer's events.
type sse struct{ *httpedge.EventStream }

func newSSE(w http.ResponseWriter) (*sse, error) {
	es, err := httpedge.NewEventStream(w, 0)
	if err != nil {
		return nil, err
	}
	return &sse{es}, nil
}

func (s *sse) event(name string, v any) error { return s.Send(name, "", v) }

// meta sends m without its text, which the deltas carry next (and done
// at the end, for a client that did not keep them).
func (s *sse) meta(m Message) error {
	m.Text = ""
	return s.event("meta", m)
}

func (s *sse) delta(text string) error { return s.event("delta", map[string]string{"text": text}) }
