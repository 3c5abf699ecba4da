package ingest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/kafka/embedded"
	"github.com/oqim/oqim/pipelines/events"
	"github.com/oqim/oqim/pipelines/ingest"
	"github.com/oqim/oqim/pipelines/ingest/ingesttest"
)

// poison is the record of issue #13: 300 KB of control characters, which
// JSON escapes to about 1.8 MB, beyond the broker's 1 MB message limit.
func poison(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(1 + i%31)
	}
	return b
}

// application is a valid event with the given id and agency.
func application(id, agency string) kafkago.Message {
	at := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	return kafkago.Message{Key: []byte(id), Value: []byte(`{"id":"` + id + `","source":"single-portal","type":"portal.application.submitted","time":"` + at +
		`","region":"UZ-JI","data":{"application_id":"` + id + `","service_id":"annex4-12","agency":"` + agency + `","channel":"web","deadline":"` + at + `"}}`)}
}

// dlqMessages reads n dead letters.
func dlqMessages(t *testing.T, env *ingesttest.Env, n int) []kafkago.Message {
	t.Helper()
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: env.Brokers, GroupID: "dlq-" + t.Name(), Topic: ingesttest.Topic + ".dlq", StartOffset: kafkago.FirstOffset})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []kafkago.Message
	for len(out) < n {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("%d of %d dead letters read: %v", len(out), n, err)
		}
		out = append(out, m)
	}
	return out
}

func landedIDs(t *testing.T, env *ingesttest.Env) []string {
	t.Helper()
	rows, err := env.Conn.Query(context.Background(), "SELECT id FROM "+env.DB+".portal_applications FINAL ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// A record whose dead letter, escaped whole, would exceed the broker's
// message limit is dead-lettered cut to fit, with the SHA-256 and size of
// the original, and the valid event produced after it lands.
func TestOversizePoisonDeadLetterFits(t *testing.T) {
	env := ingesttest.New(t)
	bad := poison(300 << 10)
	env.Produce(t, []kafkago.Message{{Key: []byte("k"), Value: bad}})
	env.Produce(t, []kafkago.Message{application("after-poison", "Tax Committee")})
	p := env.Start(t, "poison")
	p.WaitRows(t, 1, 1)
	if ids := landedIDs(t, env); len(ids) != 1 || ids[0] != "after-poison" {
		t.Fatalf("landed %v, want the event after the poison record", ids)
	}
	// Both records are committed, so nothing is left to read.
	deadline := time.Now().Add(10 * time.Second)
	for p.Metrics.Lag() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("lag %d after everything landed", p.Metrics.Lag())
		}
		time.Sleep(50 * time.Millisecond)
	}

	m := dlqMessages(t, env, 1)[0]
	if len(m.Value) > ingest.DefaultDeadPayload {
		t.Fatalf("dead letter is %d bytes, above the %d bound", len(m.Value), ingest.DefaultDeadPayload)
	}
	var dl ingest.DeadLetter
	if err := json.Unmarshal(m.Value, &dl); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(bad)
	if !dl.Truncated || dl.PayloadSize != len(bad) || dl.PayloadSHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("dead letter: truncated %v, size %d, sha256 %s; want true, %d, %x", dl.Truncated, dl.PayloadSize, dl.PayloadSHA256, len(bad), sum)
	}
	if dl.Payload == "" || !bytes.HasPrefix(bad, []byte(dl.Payload)) {
		t.Fatalf("payload (%d bytes) is not a prefix of the original", len(dl.Payload))
	}
	if dl.Error == nil || dl.Error.Reason != events.ReasonTooLarge {
		t.Fatalf("dead letter error %+v, want %s", dl.Error, events.ReasonTooLarge)
	}
}

// When the broker refuses even the bounded dead letter (its limit is
// below Oqim's bound), the record is parked after a few tries, counted,
// and the pipeline moves on: the valid event after it lands.
func TestRefusedDeadLetterParked(t *testing.T) {
	env := ingesttest.NewWith(t, embedded.Options{MaxMessageBytes: 100 << 10})
	// Small enough for the broker to take, and its dead letter (control
	// characters escaped six to one) too large.
	env.Produce(t, []kafkago.Message{{Key: []byte("k"), Value: poison(60 << 10)}})
	env.Produce(t, []kafkago.Message{application("after-parked", "Tax Committee")})
	p := env.Start(t, "parked")
	deadline := time.Now().Add(60 * time.Second)
	for p.Metrics.Rows.Get() != 1 || p.Metrics.Parked["dlq"].Get() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d rows landed, %d records parked; want 1 and 1", p.Metrics.Rows.Get(), p.Metrics.Parked["dlq"].Get())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if ids := landedIDs(t, env); len(ids) != 1 || ids[0] != "after-parked" {
		t.Fatalf("landed %v, want the event after the parked record", ids)
	}
}

// A row ClickHouse refuses for a permanent reason is isolated from its
// batch and dead-lettered with the server's error; every other row lands.
func TestInsertPoisonRowIsolated(t *testing.T) {
	env := ingesttest.New(t)
	// The server refuses any row whose agency is "poison".
	if err := env.Conn.Exec(context.Background(), "ALTER TABLE "+env.DB+".portal_applications ADD COLUMN refuse UInt8 MATERIALIZED throwIf(agency = 'poison')"); err != nil {
		t.Fatal(err)
	}
	var msgs []kafkago.Message
	for i := range 20 {
		agency := "Tax Committee"
		if i == 13 {
			agency = "poison"
		}
		msgs = append(msgs, application("app-"+string(rune('a'+i)), agency))
	}
	env.Produce(t, msgs)
	p := env.Start(t, "isolate")
	p.WaitRows(t, 20, 1) // rows counts the batch's decoded rows
	if ids := landedIDs(t, env); len(ids) != 19 || strings.Contains(strings.Join(ids, ","), "app-n") {
		t.Fatalf("landed %d rows %v, want the 19 valid ones", len(ids), ids)
	}
	var dl ingest.DeadLetter
	if err := json.Unmarshal(dlqMessages(t, env, 1)[0].Value, &dl); err != nil {
		t.Fatal(err)
	}
	if dl.Error == nil || dl.Error.Reason != events.ReasonStoreRejected || !strings.Contains(dl.Payload, `"app-n"`) || dl.Topic != ingesttest.Topic {
		t.Fatalf("dead letter %+v (error %+v), want the poison row refused by the store", dl, dl.Error)
	}
}

// While a step keeps failing for a transient reason (the table is
// missing: an operator's fix, not bad rows), nothing is committed or
// parked, the lag metric counts the waiting records, and a stop returns
// at once rather than retrying through the grace period.
func TestStalledLagAndBoundedShutdown(t *testing.T) {
	env := ingesttest.New(t)
	if err := env.Conn.Exec(context.Background(), "DROP TABLE "+env.DB+".portal_applications"); err != nil {
		t.Fatal(err)
	}
	var msgs []kafkago.Message
	for i := range 50 {
		msgs = append(msgs, application("stall-"+string(rune('a'+i%26))+string(rune('a'+i/26)), "Tax Committee"))
	}
	env.Produce(t, msgs)
	// The default grace period (15 s): a stop must not spend it retrying
	// a step that keeps failing.
	p := env.StartConfig(t, ingest.Config{Name: "stall", Topics: []string{ingesttest.Topic}, Group: "stall",
		BatchSize: 10, BatchInterval: 50 * time.Millisecond})
	deadline := time.Now().Add(30 * time.Second)
	for p.Metrics.Errors["insert"].Get() < 3 || p.Metrics.Lag() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d insert errors, lag %d; want the pipeline stalled with its lag reported", p.Metrics.Errors["insert"].Get(), p.Metrics.Lag())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if lag := p.Metrics.Lag(); lag != int64(len(msgs)) {
		t.Errorf("lag %d while stalled before any commit, want %d", lag, len(msgs))
	}
	// Records produced while stalled count too, also once the fetchers
	// hold chunks the stalled pipeline does not take.
	want := int64(len(msgs))
	for wave := range 3 {
		var more []kafkago.Message
		for i := range 40 {
			id := fmt.Sprintf("more-%d-%d", wave, i)
			more = append(more, application(id, "Tax Committee"))
		}
		env.Produce(t, more)
		want += int64(len(more))
		deadline = time.Now().Add(15 * time.Second)
		for p.Metrics.Lag() != want {
			if time.Now().After(deadline) {
				t.Fatalf("lag %d after wave %d arrived while stalled, want %d", p.Metrics.Lag(), wave+1, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if n := p.Metrics.Rows.Get() + p.Metrics.Parked["insert"].Get() + p.Metrics.Parked["dlq"].Get(); n != 0 {
		t.Fatalf("%d rows landed or parked while the table was missing", n)
	}
	start := time.Now()
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("stopping a stalled pipeline took %s", took)
	}
}

// ClickHouse stops answering (the process is frozen, so connections stay
// open and silent) while a batch is being inserted: a stop still returns
// within the grace period, leaving the batch uncommitted for redelivery.
func TestShutdownBoundedWhileClickHouseHangs(t *testing.T) {
	srv, env := ownClickHouse(t, t.TempDir(), "hang")
	proc, err := os.FindProcess(srv.Pid())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = proc.Signal(syscall.SIGCONT) }() // before the server is stopped
	env.Produce(t, []kafkago.Message{application("before-hang", "Tax Committee")})
	const grace = time.Second
	p := env.StartConfig(t, ingest.Config{Name: "hang", Topics: []string{ingesttest.Topic}, Group: "hang",
		BatchSize: 10, BatchInterval: 50 * time.Millisecond, ShutdownGrace: grace})
	p.WaitRows(t, 1, 0)

	if err := proc.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	env.Produce(t, []kafkago.Message{application("during-hang", "Tax Committee")})
	time.Sleep(time.Second) // the batch is cut and its insert hangs
	start := time.Now()
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > grace+3*time.Second {
		t.Fatalf("stopping took %s with ClickHouse frozen, grace %s", took, grace)
	}
	if got := p.Metrics.Rows.Get(); got != 1 {
		t.Fatalf("%d rows reported landed, want 1 (the frozen insert is not committed)", got)
	}
}
