// Package kafka holds Oqim's defaults for segmentio/kafka-go clients and
// the topic administration the pipelines need.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// NewWriter returns a synchronous producer for topic: WriteMessages
// returns only once every replica has the batch, which is what lets the
// pipeline commit offsets after the DLQ write and the generator count what
// it sent.
func NewWriter(brokers []string, topic string) *kafkago.Writer {
	return &kafkago.Writer{
		Addr:         kafkago.TCP(brokers...),
		Topic:        topic,
		Balancer:     &kafkago.Hash{},
		RequiredAcks: kafkago.RequireAll,
		BatchSize:    10000,
		// Kafka rejects a record batch above message.max.bytes (1 MB by
		// default, kfake included), and kafka-go sends one batch per request.
		BatchBytes:             1000000,
		BatchTimeout:           5 * time.Millisecond,
		AllowAutoTopicCreation: true,
	}
}

// EnsureTopics creates the topics that do not exist yet; existing topics
// are left as they are.
func EnsureTopics(ctx context.Context, brokers []string, partitions int, topics ...string) error {
	if len(brokers) == 0 {
		return errors.New("kafka: no brokers configured")
	}
	client := &kafkago.Client{Addr: kafkago.TCP(brokers...), Timeout: 10 * time.Second}
	req := &kafkago.CreateTopicsRequest{}
	seen := map[string]bool{}
	for _, t := range topics {
		// A name twice in one request makes the broker refuse all of it.
		if seen[t] {
			continue
		}
		seen[t] = true
		req.Topics = append(req.Topics, kafkago.TopicConfig{Topic: t, NumPartitions: partitions, ReplicationFactor: -1})
	}
	resp, err := client.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("kafka: creating topics at %v: %w", brokers, err)
	}
	for t, terr := range resp.Errors {
		if terr != nil && !errors.Is(terr, kafkago.TopicAlreadyExists) {
			return fmt.Errorf("kafka: creating topic %q: %w", t, terr)
		}
	}
	return nil
}

// Ping checks that a broker answers a metadata request.
func Ping(ctx context.Context, brokers []string) error {
	if len(brokers) == 0 {
		return errors.New("kafka: no brokers configured")
	}
	client := &kafkago.Client{Addr: kafkago.TCP(brokers...), Timeout: 5 * time.Second}
	if _, err := client.Metadata(ctx, &kafkago.MetadataRequest{}); err != nil {
		return fmt.Errorf("kafka: brokers %v: %w", brokers, err)
	}
	return nil
}

// SlogLogger adapts slog to kafka-go's logger interface.
func SlogLogger(log *slog.Logger, level slog.Level) kafkago.LoggerFunc {
	return func(msg string, args ...any) {
		log.Log(context.Background(), level, fmt.Sprintf(msg, args...))
	}
}

// IsUnreachable reports whether err means no broker could be reached.
func IsUnreachable(err error) bool {
	var op *net.OpError
	return errors.As(err, &op)
}
