package chatbot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/pipelines/events"
)

// Default topics.
const (
	DefaultEventsTopic  = "oqim.chatbot.events"
	DefaultHandoffTopic = "oqim.chatbot.handoff"
)

// Event types on the events topic.
const (
	TypeQuestion = "chatbot.question"
	TypeFeedback = "chatbot.feedback"
	TypeHandoff  = "chatbot.handoff"
)

// QuestionData is the data of chatbot.question. Answered questions carry
// no text, so usage analytics never hold what citizens asked; a question
// about a service that the bot could not answer (a handoff for low
// confidence or not covered) carries its redacted text, because the gaps
// in the knowledge base are what the portal team must see. Greetings,
// requests for an operator and refused or off-topic messages carry none.
type QuestionData struct {
	SessionID  string   `json:"session_id"`
	MessageID  string   `json:"message_id"`
	Lang       string   `json:"lang"`
	Outcome    Outcome  `json:"outcome"`
	Kind       Kind     `json:"kind"`
	EntryIDs   []string `json:"entry_ids,omitempty"`
	Confidence float64  `json:"confidence"`
	LLM        bool     `json:"llm"`
	LatencyMs  float64  `json:"latency_ms"`
	Redacted   int      `json:"redacted"`
	Question   string   `json:"question,omitempty"`
}

// FeedbackData is the data of chatbot.feedback.
type FeedbackData struct {
	SessionID string `json:"session_id"`
	MessageID string `json:"message_id"`
	Rating    string `json:"rating,omitempty"` // "up" or "down"
	Resolved  *bool  `json:"resolved,omitempty"`
	Lang      string `json:"lang,omitempty"`
}

// HandoffData is the data of chatbot.handoff.
type HandoffData struct {
	SessionID string `json:"session_id"`
	TicketID  string `json:"ticket_id"`
	Reason    string `json:"reason"` // "requested" or "low_confidence"
	Lang      string `json:"lang"`
	Delivered bool   `json:"delivered"`
}

// Ticket is what the 1242 operators receive on the handoff topic: the
// redacted conversation and the entries the bot considered. A session
// has one ticket; a later handoff in it publishes the ticket again, with
// the same ID, the whole conversation so far and Update counting up, so
// that the operator sees the question asked since (the topic's key is
// the session, and a consumer keeps a ticket's highest Update).
type Ticket struct {
	ID           string       `json:"id"`
	Update       int          `json:"update,omitempty"`
	Time         time.Time    `json:"time"`
	SessionID    string       `json:"session_id"`
	Lang         string       `json:"lang"`
	Reason       string       `json:"reason"`
	Region       string       `json:"region,omitempty"`
	Conversation []TicketTurn `json:"conversation"`
	Candidates   []Citation   `json:"candidates,omitempty"`
}

// TicketTurn is one message of the conversation.
type TicketTurn struct {
	Role string    `json:"role"` // "user" or "bot"
	Text string    `json:"text"`
	Time time.Time `json:"time"`
}

// emitter sends usage events in the background, so that answering never
// waits for Kafka; when the queue is full, events are dropped and counted
// rather than slowing citizens down.
type emitter struct {
	w       kafka.Writer
	queue   chan kafkago.Message
	done    chan struct{}
	dropped atomic.Int64
	log     *slog.Logger
}

func newEmitter(w kafka.Writer, size int, log *slog.Logger) *emitter {
	e := &emitter{w: w, queue: make(chan kafkago.Message, size), done: make(chan struct{}), log: log}
	go e.run()
	return e
}

func (e *emitter) emit(env events.Event[any]) {
	v, err := json.Marshal(env)
	if err != nil {
		e.log.Error("chatbot: encoding event", "type", env.Type, "err", err)
		return
	}
	select {
	case e.queue <- kafkago.Message{Key: []byte(env.ID), Value: v}:
	default:
		e.dropped.Add(1)
	}
}

func (e *emitter) run() {
	defer close(e.done)
	batch := make([]kafkago.Message, 0, 256)
	for m := range e.queue {
		batch = append(batch[:0], m)
	fill:
		for len(batch) < cap(batch) {
			select {
			case m, ok := <-e.queue:
				if !ok {
					break fill
				}
				batch = append(batch, m)
			default:
				break fill
			}
		}
		e.flush(batch)
	}
}

func (e *emitter) flush(batch []kafkago.Message) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.w.WriteMessages(ctx, batch...); err != nil {
		e.log.Warn("chatbot: usage events lost", "n", len(batch), "err", err)
	}
}

// close stops accepting events and waits until the queue is written.
func (e *emitter) close(ctx context.Context) error {
	close(e.queue)
	select {
	case <-e.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("chatbot: flushing usage events: %w", ctx.Err())
	}
}

// newID returns a random identifier with prefix.
func newID(prefix string) string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return prefix + hex.EncodeToString(b[:])
}
