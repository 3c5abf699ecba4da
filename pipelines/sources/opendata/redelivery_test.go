package opendata

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/pipelines/ingest/ingesttest"
)

// ackLost stores every write in Kafka and then reports the event's write
// as failed, once: the process died, or the acknowledgement was lost,
// after Kafka had the event.
type ackLost struct {
	kafka.Writer
	topic string
	lost  bool
}

func (w *ackLost) WriteMessages(ctx context.Context, ms ...kafkago.Message) error {
	if err := w.Writer.WriteMessages(ctx, ms...); err != nil {
		return err
	}
	if !w.lost && ms[len(ms)-1].Topic == w.topic {
		w.lost = true
		return errors.New("connection reset after the write")
	}
	return nil
}

// A portal that sends no Last-Modified (many generate their files on the
// fly) stamps a version with the time it is first seen. When the event
// reached Kafka but the poller did not learn it (a crash, a lost
// acknowledgement), the restarted poller sends it again later: it must be
// the same event, time included, so that the pipeline keeps one row under
// FINAL rather than two publications minutes or days apart.
func TestVersionSentAgainAfterALostAckIsOneRow(t *testing.T) {
	env := ingesttest.New(t)
	d := &dataset{contentType: "text/csv", body: "region,applications\nUZ-JI,17\n"}
	srv := httptest.NewServer(d)
	defer srv.Close()
	cfg := Config{Agency: "stat.uz", Dataset: "applications-by-region", URL: srv.URL + "/a.csv", Region: "UZ-TK",
		Topic: ingesttest.Topic, StatePath: filepath.Join(t.TempDir(), "a.json"), Timeout: 5 * time.Second}
	w := env.Kafka.NewWriter("")
	defer w.Close()

	first, err := NewPoller(cfg, &ackLost{Writer: w, topic: ingesttest.Topic})
	if err != nil {
		t.Fatal(err)
	}
	first.now = func() time.Time { return time.Date(2025, 11, 3, 12, 0, 0, 0, time.UTC) }
	if _, err := first.Poll(context.Background()); err == nil {
		t.Fatal("the lost acknowledgement was not reported")
	}

	restarted, err := NewPoller(cfg, w) // a new process, the same state file
	if err != nil {
		t.Fatal(err)
	}
	restarted.now = func() time.Time { return time.Date(2025, 11, 4, 9, 0, 0, 0, time.UTC) }
	res := poll(t, restarted)
	if res.Event == nil || res.Event.Type != TypePublished || !res.Event.Time.Equal(time.Date(2025, 11, 3, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("sent again: %+v, want the first attempt's event", res.Event)
	}
	if res := poll(t, restarted); res.Event != nil {
		t.Fatalf("third poll of the same content emitted %+v", res.Event)
	}

	p := env.Start(t, "opendata-redelivery")
	p.WaitRows(t, 2, 0)
	var n uint64
	if err := env.Conn.QueryRow(context.Background(), "SELECT count() FROM "+env.DB+".opendata_datasets FINAL WHERE id = ?", res.Event.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("version %s is %d rows under FINAL, want 1", res.Event.ID, n)
	}
}
