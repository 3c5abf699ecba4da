package kafkatest

import (
	"context"
	"sync"

	kafkago "github.com/segmentio/kafka-go"
)

// Recorder is a kafka.Writer that keeps what it is given, for tests of a
// producer that need no broker. It is safe for concurrent use; the zero
// value is ready.
type Recorder struct {
	mu   sync.Mutex
	msgs []kafkago.Message
}

// WriteMessages keeps msgs and reports them written.
func (r *Recorder) WriteMessages(_ context.Context, msgs ...kafkago.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msgs...)
	return nil
}

// Messages returns what was written so far.
func (r *Recorder) Messages() []kafkago.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]kafkago.Message(nil), r.msgs...)
}

// Take returns what was written since the last Take and forgets it.
func (r *Recorder) Take() []kafkago.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.msgs
	r.msgs = nil
	return m
}
