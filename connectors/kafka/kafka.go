// Package kafka is Oqim's one seam to Kafka: the connection settings
// (brokers, client id, TLS, SASL) in Config, checked once into a Cluster
// that builds every producer (NewWriter) and consumer (NewConsumer), the
// topic administration and the health check; and the Writer interface
// producers take.
package kafka

import (
	"context"
	"fmt"
	"log/slog"

	kafkago "github.com/segmentio/kafka-go"
)

// SlogLogger adapts slog to kafka-go's logger interface.
func SlogLogger(log *slog.Logger, level slog.Level) kafkago.LoggerFunc {
	return func(msg string, args ...any) {
		log.Log(context.Background(), level, fmt.Sprintf(msg, args...))
	}
}
