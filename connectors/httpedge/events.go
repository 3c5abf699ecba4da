package httpedge

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// DefaultEventWriteTimeout bounds how long one server-sent event may take
// to reach the client.
const DefaultEventWriteTimeout = 30 * time.Second

// An EventStream writes server-sent events (text/event-stream). A stream
// route has no write deadline of its own (see Route.Stream), so each event
// sets one: a client that stops reading, or a connection that went silent
// without closing, fills the socket's buffers and its next write would
// otherwise block for good, holding the handler, its goroutine and any
// slot it took. Here that write fails, the handler returns and the slot
// is freed.
type EventStream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

// NewEventStream sends the stream's headers; writeTimeout bounds each
// event (zero or less: DefaultEventWriteTimeout). It fails only where the
// connection cannot stream, and then before anything is written.
func NewEventStream(w http.ResponseWriter, writeTimeout time.Duration) (*EventStream, error) {
	if _, ok := w.(http.Flusher); !ok {
		return nil, fmt.Errorf("streaming is not supported by this connection")
	}
	if writeTimeout <= 0 {
		writeTimeout = DefaultEventWriteTimeout
	}
	s := &EventStream{w: w, rc: http.NewResponseController(w), timeout: writeTimeout}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx would otherwise hold the stream
	s.deadline()
	w.WriteHeader(http.StatusOK)
	// A failed flush is a client gone; the first Send reports it.
	_ = s.rc.Flush()
	return s, nil
}

func (s *EventStream) deadline() {
	// A test's recorder cannot set deadlines; nothing is lost there.
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
}

// Send writes one event with v as its JSON data (JSON has no raw
// newlines, so one data line carries it) and id as its id unless empty.
func (s *EventStream) Send(event, id string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("event %s: %w", event, err)
	}
	s.deadline()
	if id != "" {
		if _, err := fmt.Fprintf(s.w, "id: %s\n", id); err != nil {
			return err
		}
	}
	if _, err := fmt.Fprintf(s.w, "event: %s\ndata: %s\n\n", event, b); err != nil {
		return err
	}
	return s.rc.Flush()
}

// KeepAlive writes a comment, which clients ignore and proxies take as
// traffic.
func (s *EventStream) KeepAlive() error {
	s.deadline()
	if _, err := fmt.Fprint(s.w, ": keep-alive\n\n"); err != nil {
		return err
	}
	return s.rc.Flush()
}
