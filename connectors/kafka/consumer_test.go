package kafka_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/kafka/embedded"
)

type consumed struct {
	partition int
	offset    int64
}

// drain polls until want records arrived, checking each value against
// what was produced, and returns the next offsets to commit.
func drain(t *testing.T, c *kafka.Consumer, sent map[string]bool, seen map[consumed]bool, want int) (int32, map[string]map[int]int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	next := map[string]map[int]int64{}
	var gen int32
	for got := 0; got < want; {
		ch, err := c.Poll(ctx)
		if err != nil {
			t.Fatalf("after %d of %d records: %v", got, want, err)
		}
		gen = ch.Generation
		for i := 0; i < ch.Len(); i++ {
			k := consumed{ch.Partition, ch.Offset(i)}
			if seen[k] {
				t.Fatalf("record %d/%d delivered twice (generation %d)", k.partition, k.offset, ch.Generation)
			}
			seen[k] = true
			v := string(ch.Value(i))
			if !sent[v] {
				t.Fatalf("record %d/%d has a value that was never sent (%d bytes, %.40q…)", k.partition, k.offset, len(v), v)
			}
			got++
		}
		if next[ch.Topic] == nil {
			next[ch.Topic] = map[int]int64{}
		}
		next[ch.Topic][ch.Partition] = ch.Offset(ch.Len()-1) + 1
		c.Release(ch)
	}
	return gen, next
}

func produceValues(t *testing.T, brokers []string, topic string, values []string) map[string]bool {
	t.Helper()
	w := kafka.Plain(brokers...).NewWriter(topic)
	defer w.Close()
	sent := map[string]bool{}
	for len(values) > 0 {
		n := min(len(values), 500)
		msgs := make([]kafkago.Message, n)
		for i, v := range values[:n] {
			msgs[i] = kafkago.Message{Key: []byte(fmt.Sprint(i)), Value: []byte(v)}
			sent[v] = true
		}
		if err := w.WriteMessages(context.Background(), msgs...); err != nil {
			t.Fatal(err)
		}
		values = values[n:]
	}
	return sent
}

// TestConsumerReadsEveryRecordOnceAndResumes uses a fetch size smaller
// than some records, so both the buffer-full and the record-too-large
// paths run, then checks a second member of the group resumes exactly
// after the commit.
func TestConsumerReadsEveryRecordOnceAndResumes(t *testing.T) {
	b, err := embedded.Start(embedded.Options{Topics: []string{"c"}, Partitions: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var values []string
	for i := 0; i < 5000; i++ {
		v := fmt.Sprintf(`{"n":%d}`, i)
		if i%1000 == 7 {
			v = fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i, strings.Repeat("x", 200<<10))
		}
		values = append(values, v)
	}
	sent := produceValues(t, b.Addrs(), "c", values)

	cfg := kafka.ConsumerConfig{Group: "g", Topics: []string{"c"}, FetchBytes: 64 << 10, FetchWait: 50 * time.Millisecond}
	c, err := kafka.Plain(b.Addrs()...).NewConsumer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[consumed]bool{}
	gen, next := drain(t, c, sent, seen, len(values))
	if err := c.Commit(context.Background(), gen, next); err != nil {
		t.Fatal(err)
	}
	if err := c.Commit(context.Background(), gen+1, next); !errors.Is(err, kafka.ErrRebalanced) {
		t.Fatalf("commit under a generation that is not the current one: got %v, want ErrRebalanced", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	more := produceValues(t, b.Addrs(), "c", []string{`{"n":"a"}`, `{"n":"b"}`, `{"n":"c"}`})
	c2, err := kafka.Plain(b.Addrs()...).NewConsumer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	// Only the three new records may arrive: any older one would be a
	// value from the first set, which drain rejects, or a repeat.
	drain(t, c2, more, seen, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if ch, err := c2.Poll(ctx); err == nil {
		t.Fatalf("a record past the committed ones arrived again: %q", ch.Value(0))
	}
}

// TestConsumerGroupSharesPartitions checks two members together read
// every record, each partition by one of them.
func TestConsumerGroupSharesPartitions(t *testing.T) {
	b, err := embedded.Start(embedded.Options{Topics: []string{"s"}, Partitions: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var values []string
	for i := 0; i < 2000; i++ {
		values = append(values, fmt.Sprintf(`{"n":%d}`, i))
	}
	sent := produceValues(t, b.Addrs(), "s", values)
	cfg := kafka.ConsumerConfig{Group: "g2", Topics: []string{"s"}, FetchWait: 50 * time.Millisecond}
	c1, err := kafka.Plain(b.Addrs()...).NewConsumer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c2, err := kafka.Plain(b.Addrs()...).NewConsumer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	type rec struct {
		member int
		k      consumed
		v      []byte
	}
	out := make(chan rec, 4096)
	for i, c := range []*kafka.Consumer{c1, c2} {
		go func() {
			for {
				ch, err := c.Poll(ctx)
				if err != nil {
					return
				}
				for j := 0; j < ch.Len(); j++ {
					out <- rec{i, consumed{ch.Partition, ch.Offset(j)}, bytes.Clone(ch.Value(j))}
				}
				c.Release(ch)
			}
		}()
	}
	// Before the second member joins, the first may read partitions that
	// then move to the second, which reads them again from the start:
	// at-least-once. So count distinct records, not deliveries.
	got := map[consumed]bool{}
	owner := map[int]map[int]bool{}
	for len(got) < len(values) {
		select {
		case r := <-out:
			if !sent[string(r.v)] {
				t.Fatalf("unknown value %q", r.v)
			}
			got[r.k] = true
			if owner[r.k.partition] == nil {
				owner[r.k.partition] = map[int]bool{}
			}
			owner[r.k.partition][r.member] = true
		case <-ctx.Done():
			t.Fatalf("read %d of %d records", len(got), len(values))
		}
	}
	if len(owner) != 4 {
		t.Fatalf("records came from %d partitions, want 4", len(owner))
	}
}

// TestConsumerRidesOutBrokerRestart stops the broker under a consumer and
// starts it again on the same port and data: the consumer's fetches and
// the group fail, are retried, and every record still arrives.
func TestConsumerRidesOutBrokerRestart(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	opts := embedded.Options{Port: port, Topics: []string{"r"}, Partitions: 2, DataDir: t.TempDir()}
	b, err := embedded.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	var first, second []string
	for i := 0; i < 500; i++ {
		first = append(first, fmt.Sprintf(`{"before":%d}`, i))
		second = append(second, fmt.Sprintf(`{"after":%d}`, i))
	}
	sent := produceValues(t, b.Addrs(), "r", first)
	c, err := kafka.Plain(b.Addrs()...).NewConsumer(kafka.ConsumerConfig{Group: "gr", Topics: []string{"r"}, FetchWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	seen := map[consumed]bool{}
	drain(t, c, sent, seen, len(first))

	b.Close()
	time.Sleep(300 * time.Millisecond) // fetches fail meanwhile
	if b, err = embedded.Start(opts); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for v := range produceValues(t, b.Addrs(), "r", second) {
		sent[v] = true
	}
	// Nothing was committed, so a rejoined group may start the partitions
	// over: count distinct records of the second half.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	got := map[string]bool{}
	for len(got) < len(second) {
		ch, err := c.Poll(ctx)
		if err != nil {
			t.Fatalf("after the restart, %d of %d new records: %v", len(got), len(second), err)
		}
		for i := 0; i < ch.Len(); i++ {
			v := string(ch.Value(i))
			if !sent[v] {
				t.Fatalf("unknown value %q", v)
			}
			if strings.HasPrefix(v, `{"after"`) {
				got[v] = true
			}
		}
		c.Release(ch)
	}
}
