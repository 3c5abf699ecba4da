package httpingest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	kafkago "github.com/segmentio/kafka-go"
)

// BenchmarkPost measures one agency request of 500 events end to end (a
// real HTTP server, authentication, every line parsed and checked, one
// write to the embedded broker) beside the limit under it: the same 500
// messages written straight to the broker by the same writer. The ratio
// of the two events/s figures is what the endpoint adds on top of Kafka.
func BenchmarkPost(b *testing.B) {
	const n = 500
	lines := make([]string, n)
	msgs := make([]kafkago.Message, n)
	for i := range lines {
		id := fmt.Sprintf("bench-%06d", i)
		lines[i] = event(id, "single-portal", "portal.application.submitted", "UZ-TO")
		msgs[i] = kafkago.Message{Key: []byte(id), Value: []byte(lines[i])}
	}
	body := []byte(strings.Join(lines, "\n") + "\n")
	cfg := testConfig()
	cfg.MaxBodyBytes = int64(len(body)) + 1
	e := start(b, cfg)

	b.Run("endpoint", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for range b.N {
			resp, out := e.post(b, request{body: body, headers: bearer(portalKey)})
			if resp.StatusCode != http.StatusAccepted {
				b.Fatalf("status %d: %s", resp.StatusCode, out)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("kafka-write-only", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for range b.N {
			if err := e.writer.WriteMessages(context.Background(), msgs...); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	})
}
