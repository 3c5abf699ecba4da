// Package kafkatest reads what tests wrote to a Kafka topic, so every test
// that checks a topic's contents reads it the same way, and records what
// a producer writes when a test needs no broker (Recorder).
package kafkatest

import (
	"context"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// ReadPartition returns every message in one partition of topic, in
// offset order, failing the test on any error or after 10 s.
func ReadPartition(t testing.TB, brokers []string, topic string, partition int) []kafkago.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := kafkago.DialLeader(ctx, "tcp", brokers[0], topic, partition)
	if err != nil {
		t.Fatalf("kafkatest: %s/%d: %v", topic, partition, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	last, err := conn.ReadLastOffset()
	if err != nil {
		t.Fatalf("kafkatest: %s/%d: %v", topic, partition, err)
	}
	var msgs []kafkago.Message
	for off := int64(0); off < last; {
		if _, err := conn.Seek(off, kafkago.SeekAbsolute); err != nil {
			t.Fatalf("kafkatest: %s/%d: seek %d: %v", topic, partition, off, err)
		}
		batch := conn.ReadBatch(1, 64<<20)
		for ; off < last; off++ {
			m, err := batch.ReadMessage()
			if err != nil {
				break
			}
			msgs = append(msgs, m)
		}
		batch.Close()
	}
	return msgs
}

// ReadTopic returns every message of partitions 0 to partitions-1 of
// topic, partition by partition.
func ReadTopic(t testing.TB, brokers []string, topic string, partitions int) []kafkago.Message {
	t.Helper()
	var msgs []kafkago.Message
	for p := range partitions {
		msgs = append(msgs, ReadPartition(t, brokers, topic, p)...)
	}
	return msgs
}
