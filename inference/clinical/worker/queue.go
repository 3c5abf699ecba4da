package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/kafka"
)

// message is what the jobs and transcripts topics carry: the job id and
// its metadata, never audio or text. The key is the job id, so a job's
// messages stay in one partition.
type message struct {
	JobID       string    `json:"job_id"`
	DoctorID    string    `json:"doctor_id"`
	PatientID   string    `json:"patient_id"`
	EncounterID string    `json:"encounter_id"`
	Language    string    `json:"language"`
	CreatedAt   time.Time `json:"created_at"`
}

func messageOf(j Job) message {
	return message{JobID: j.ID, DoctorID: j.DoctorID, PatientID: j.PatientID, EncounterID: j.EncounterID,
		Language: j.Language, CreatedAt: j.CreatedAt.UTC()}
}

// Queue publishes job ids to a topic.
type Queue struct {
	w *kafkago.Writer
}

// NewQueue returns a Queue writing to topic; a write returns once the
// brokers have it.
func NewQueue(c *kafka.Cluster, topic string) *Queue {
	return &Queue{w: c.NewWriter(topic)}
}

// Enqueue publishes j's id and metadata.
func (q *Queue) Enqueue(ctx context.Context, j Job) error {
	b, err := json.Marshal(messageOf(j))
	if err != nil {
		return fmt.Errorf("worker: encoding job %s: %w", j.ID, err)
	}
	if err := q.w.WriteMessages(ctx, kafkago.Message{Key: []byte(j.ID), Value: b}); err != nil {
		return fmt.Errorf("worker: queueing job %s on %s: %w", j.ID, q.w.Topic, err)
	}
	return nil
}

// Close flushes and closes the producer.
func (q *Queue) Close() error { return q.w.Close() }
