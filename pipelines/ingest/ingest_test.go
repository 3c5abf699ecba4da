package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/pipelines/events"
	"github.com/oqim/oqim/pipelines/generate"
	"github.com/oqim/oqim/pipelines/ingest"
	"github.com/oqim/oqim/pipelines/ingest/ingesttest"
)

type key struct{ region, status string }

// generated produces n applications' backfill as Kafka messages and the
// count of events per region and status.
func generated(t *testing.T, env *ingesttest.Env, apps int) ([]kafkago.Message, map[key]uint64) {
	t.Helper()
	g := generate.New(env.Ref, generate.Options{Seed: 42, RunID: t.Name(), Families: []generate.Family{generate.PortalApplication}})
	var msgs []kafkago.Message
	want := map[key]uint64{}
	err := g.Backfill(time.Now(), apps, func(e *generate.Event) error {
		msgs = append(msgs, kafkago.Message{Key: []byte(e.ApplicationID), Value: e.AppendJSON(nil)})
		want[key{e.Region, e.Status}]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return msgs, want
}

func landed(t *testing.T, env *ingesttest.Env) (map[key]uint64, uint64) {
	t.Helper()
	rows, err := env.Conn.Query(context.Background(), "SELECT region, status, count() FROM "+env.DB+".portal_applications FINAL GROUP BY region, status")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[key]uint64{}
	var total uint64
	for rows.Next() {
		var k key
		var n uint64
		if err := rows.Scan(&k.region, &k.status, &n); err != nil {
			t.Fatal(err)
		}
		got[k] = n
		total += n
	}
	return got, total
}

func equal(t *testing.T, got, want map[key]uint64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d region/status cells, want %d", len(got), len(want))
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s %s: %d rows, want %d", k.region, k.status, got[k], n)
		}
	}
}

// Bad records go to the DLQ with their reason and origin while every valid
// event lands exactly once; a full replay by a second consumer group
// changes no count.
func TestPipelineLandsValidAndDeadLettersBad(t *testing.T) {
	env := ingesttest.New(t)
	msgs, want := generated(t, env, 2000)
	valid := uint64(len(msgs))

	bad := map[string]events.Reason{
		`{"id":"x1",`: events.ReasonMalformed,
		`{"id":"x2","source":"s","type":"portal.application.submitted","time":"2025-01-01T00:00:00Z","region":"UZ-ZZ","data":{}}`: events.ReasonUnknownRegion,
		`{"id":"x3","source":"s","type":"portal.payment.done","time":"2025-01-01T00:00:00Z","region":"UZ-JI","data":{}}`:          events.ReasonUnknownType,
		`{"id":"x4","source":"s","type":"portal.application.submitted","time":"2999-01-01T00:00:00Z","region":"UZ-JI","data":{}}`: events.ReasonFutureTime,
		`{"id":5,"source":"s","type":"portal.application.submitted","time":"2025-01-01T00:00:00Z","region":"UZ-JI","data":{}}`:    events.ReasonWrongType,
		`{"id":"x6","pad":"` + strings.Repeat("z", 70<<10) + `"}`:                                                                 events.ReasonTooLarge,
	}
	for v := range bad {
		msgs = append(msgs, kafkago.Message{Key: []byte(v[:8]), Value: []byte(v)})
	}
	env.Produce(t, msgs)

	p := env.Start(t, "g1")
	p.WaitRows(t, valid, uint64(len(bad)))
	got, _ := landed(t, env)
	equal(t, got, want)
	for reason, c := range p.Metrics.DLQ {
		wantN := 0
		for _, r := range bad {
			if r == reason {
				wantN++
			}
		}
		if int(c.Get()) != wantN {
			t.Errorf("DLQ %s: %d, want %d", reason, c.Get(), wantN)
		}
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("Run returned %v on shutdown", err)
	}

	// The DLQ carries each bad record's payload, reason and origin.
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: env.Brokers, GroupID: "dlq-check", Topic: ingesttest.Topic + ".dlq", StartOffset: kafkago.FirstOffset})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; i < len(bad); i++ {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("reading DLQ record %d: %v", i, err)
		}
		var dl ingest.DeadLetter
		if err := json.Unmarshal(m.Value, &dl); err != nil {
			t.Fatal(err)
		}
		if wantReason, ok := bad[dl.Payload]; !ok || dl.Error.Reason != wantReason {
			t.Errorf("DLQ record %q: reason %s, want %s", dl.Payload[:min(40, len(dl.Payload))], dl.Error.Reason, wantReason)
		}
		if dl.Topic != ingesttest.Topic || dl.Offset < 0 {
			t.Errorf("DLQ record origin %s/%d/%d", dl.Topic, dl.Partition, dl.Offset)
		}
	}

	// Replay everything from the earliest offset under a new group.
	replay := env.Start(t, "g2-replay")
	replay.WaitRows(t, valid, uint64(len(bad)))
	got, total := landed(t, env)
	equal(t, got, want)
	if total != valid {
		t.Fatalf("after replay %d rows, want %d", total, valid)
	}
}

// A pipeline stopped mid-stream and restarted in the same group neither
// loses nor duplicates events.
func TestRestartLosesNothing(t *testing.T) {
	env := ingesttest.New(t)
	msgs, want := generated(t, env, 3000)
	env.Produce(t, msgs[:len(msgs)/2])
	p := env.Start(t, "g")
	deadline := time.Now().Add(30 * time.Second)
	for p.Metrics.Rows.Get() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	env.Produce(t, msgs[len(msgs)/2:])
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	first := p.Metrics.Rows.Get()
	if first == 0 || first >= uint64(len(msgs)) {
		t.Logf("first run landed %d of %d rows before stopping", first, len(msgs))
	}
	again := env.Start(t, "g")
	deadline = time.Now().Add(60 * time.Second)
	for {
		got, total := landed(t, env)
		if total == uint64(len(msgs)) {
			equal(t, got, want)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d rows after restart, want %d (first run %d, second %d)", total, len(msgs), first, again.Metrics.Rows.Get())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Between them the runs committed every record: the second read what
	// the first had not committed. Its counter moves after its commit,
	// which follows the insert just seen, so give it a moment.
	for n := first + again.Metrics.Rows.Get(); n < uint64(len(msgs)); n = first + again.Metrics.Rows.Get() {
		if time.Now().After(deadline) {
			t.Fatalf("runs committed %d rows together, fewer than the %d produced", n, len(msgs))
		}
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Println()
}

// An agency that keeps its own flat format is mapped to a table by column
// name, with every record taken as one configured event.
func TestFlatPipeline(t *testing.T) {
	env := ingesttest.New(t)
	now := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	var msgs []kafkago.Message
	for i := 0; i < 50; i++ {
		id := fmt.Sprintf("call-%d", i)
		msgs = append(msgs, kafkago.Message{Key: []byte(id), Value: []byte(`{"id":"` + id + `","source":"112","time":"` + now +
			`","region":"Жиззах вилояти","call_id":"` + id + `","service":"ambulance","response_seconds":` + fmt.Sprint(300+i) + `}`)})
	}
	msgs = append(msgs, kafkago.Message{Key: []byte("bad"), Value: []byte(`{"id":"bad","source":"112","time":"` + now + `","region":"UZ-JI","call_id":"bad","service":"ambulance"}`)})
	env.Produce(t, msgs)
	p, err := ingest.NewPipeline(context.Background(), ingest.Config{
		Name: "flat", Topics: []string{ingesttest.Topic}, Group: "flat", BatchInterval: 100 * time.Millisecond,
		Decode: ingest.DecodeFlat, Family: "emergency.call", Event: "closed",
	}, env.Deps())
	if err != nil {
		t.Fatal(err)
	}
	m := p.Metrics()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for m.Rows.Get() < 50 || m.DLQ[events.ReasonMissingField].Get() < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d rows, %d dead letters", m.Rows.Get(), m.DLQ[events.ReasonMissingField].Get())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var n, sum uint64
	var region string
	if err := env.Conn.QueryRow(context.Background(), "SELECT count(), toUInt64(sum(response_seconds)), any(region) FROM "+env.DB+".emergency_calls FINAL WHERE event = 'closed'").Scan(&n, &sum, &region); err != nil {
		t.Fatal(err)
	}
	// 300 + ... + 349; and the Cyrillic region name mapped to its code.
	if n != 50 || sum != 50*300+49*50/2 || region != "UZ-JI" {
		t.Fatalf("%d calls, %d seconds, region %q", n, sum, region)
	}
}

// A plain table: the agency's own three-field rows, mapped by column
// name, with the Kafka position as the dedup key. A replay under a new
// group adds no row, and each bad record is dead-lettered with its field.
func TestPlainTablePipeline(t *testing.T) {
	env := ingesttest.New(t)
	ctx := context.Background()
	if err := env.Conn.Exec(ctx, "CREATE TABLE "+env.DB+`.readings (
		time DateTime('UTC'), name String, value Float32, price Float64 DEFAULT 9.9,
		_partition UInt32, _offset UInt64
	) ENGINE = ReplacingMergeTree() ORDER BY (name, _partition, _offset)`); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Add(-time.Minute).Format(time.DateTime)
	var msgs []kafkago.Message
	for i := 0; i < 200; i++ {
		msgs = append(msgs, kafkago.Message{Value: []byte(fmt.Sprintf(`{"time":%q,"name":"name%d","value":%d,"extra":true}`, now, i, i))})
	}
	bad := map[string]events.Reason{
		`{"time":"` + now + `","value":1}`:                    events.ReasonMissingField,
		`{"time":"` + now + `","name":"x","value":"1"}`:       events.ReasonWrongType,
		`{"time":"` + now + `","name":"x","value":1e300}`:     events.ReasonInvalidValue,
		`{"time":"2999-01-01 00:00:00","name":"x","value":1}`: events.ReasonFutureTime,
		`{"time":"` + now + `","name":"x","value":1`:          events.ReasonMalformed,
		`{"time":"yesterday","name":"x","value":1}`:           events.ReasonInvalidValue,
	}
	for b := range bad {
		msgs = append(msgs, kafkago.Message{Value: []byte(b)})
	}
	env.Produce(t, msgs)

	run := func(group string) *ingest.Metrics {
		p, err := ingest.NewPipeline(ctx, ingest.Config{
			Name: group, Topics: []string{ingesttest.Topic}, Group: group, BatchInterval: 100 * time.Millisecond,
			Decode: ingest.DecodeFlat, Table: "readings",
		}, env.Deps())
		if err != nil {
			t.Fatal(err)
		}
		m := p.Metrics()
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- p.Run(rctx) }()
		deadline := time.Now().Add(30 * time.Second)
		dead := func() (n uint64) {
			for _, c := range m.DLQ {
				n += c.Get()
			}
			return n
		}
		for m.Rows.Get() < 200 || dead() < uint64(len(bad)) {
			if time.Now().After(deadline) {
				t.Fatalf("group %s: %d rows, %d dead letters", group, m.Rows.Get(), dead())
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := run("plain")
	for _, reason := range bad {
		if m.DLQ[reason].Get() == 0 {
			t.Errorf("no dead letter counted as %s", reason)
		}
	}
	run("plain-replay")
	var n, distinct uint64
	var sum, price float64
	if err := env.Conn.QueryRow(ctx, "SELECT count(), uniqExact(name), sum(value), any(price) FROM "+env.DB+".readings FINAL").Scan(&n, &distinct, &sum, &price); err != nil {
		t.Fatal(err)
	}
	if n != 200 || distinct != 200 || sum != 199*200/2 || price != 9.9 {
		t.Fatalf("after a replay: %d rows, %d names, sum %v, default price %v; want 200, 200, 19900, 9.9", n, distinct, sum, price)
	}
}

// A plain table with a column type Oqim cannot fill is refused up front,
// naming the column.
func TestPlainTableUnsupportedColumn(t *testing.T) {
	env := ingesttest.New(t)
	ctx := context.Background()
	if err := env.Conn.Exec(ctx, "CREATE TABLE "+env.DB+".odd (name String, tags Array(String)) ENGINE = MergeTree() ORDER BY name"); err != nil {
		t.Fatal(err)
	}
	_, err := ingest.NewPipeline(ctx, ingest.Config{Topics: []string{"t"}, Group: "g", Decode: ingest.DecodeFlat, Table: "odd"}, env.Deps())
	if err == nil || !strings.Contains(err.Error(), "column tags has type Array(String)") {
		t.Fatalf("got %v, want an error naming column tags", err)
	}
	_, err = ingest.NewPipeline(ctx, ingest.Config{Topics: []string{"t"}, Group: "g", Decode: ingest.DecodeFlat, Table: "missing"}, env.Deps())
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("got %v, want an error naming the missing table", err)
	}
}

// The smuggling record: an agency allowed only mahalla.appeal.* repeats
// type and source, hoping a reader that takes the last occurrence stores
// a Single Portal application in the Tax Committee's name. The pipeline
// dead-letters it with the repeated key named, and stores nothing of it.
func TestDuplicateEnvelopeKeysDeadLettered(t *testing.T) {
	env := ingesttest.New(t)
	at := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	valid := `{"id":"m-1","source":"mahalla-agency","type":"mahalla.appeal.submitted","time":"` + at + `","region":"UZ-XO",` +
		`"data":{"appeal_id":"m-1","mahalla":"Gullanbog'","category":"roads"}}`
	smuggled := `{"id":"m-2","source":"mahalla-agency","type":"mahalla.appeal.submitted","time":"` + at + `","region":"UZ-XO",` +
		`"type":"portal.application.issued","source":"tax-committee",` +
		`"data":{"appeal_id":"m-2","mahalla":"Gullanbog'","category":"roads",` +
		`"application_id":"a-2","service_id":"annex4-12","agency":"Tax Committee","channel":"web","deadline":"` + at + `"}}`
	env.Produce(t, []kafkago.Message{{Key: []byte("m-1"), Value: []byte(valid)}, {Key: []byte("m-2"), Value: []byte(smuggled)}})

	p := env.Start(t, "dup")
	p.WaitRows(t, 1, 1)
	if n := p.Metrics.DLQ[events.ReasonDuplicateKey].Get(); n != 1 {
		t.Fatalf("%d dead letters counted as %s, want 1", n, events.ReasonDuplicateKey)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	var portal, bySource uint64
	if err := env.Conn.QueryRow(context.Background(), "SELECT count() FROM "+env.DB+".portal_applications").Scan(&portal); err != nil {
		t.Fatal(err)
	}
	if err := env.Conn.QueryRow(context.Background(), "SELECT count() FROM "+env.DB+".mahalla_appeals WHERE id = 'm-2'").Scan(&bySource); err != nil {
		t.Fatal(err)
	}
	if portal != 0 || bySource != 0 {
		t.Fatalf("the smuggled record was stored: %d portal applications, %d appeals with its id", portal, bySource)
	}

	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: env.Brokers, GroupID: "dlq-dup", Topic: ingesttest.Topic + ".dlq", StartOffset: kafkago.FirstOffset})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := r.ReadMessage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var dl ingest.DeadLetter
	if err := json.Unmarshal(m.Value, &dl); err != nil {
		t.Fatal(err)
	}
	if dl.Payload != smuggled || dl.Error.Reason != events.ReasonDuplicateKey || dl.Error.Field != events.FieldType ||
		!strings.Contains(dl.Error.Detail, `"type"`) {
		t.Fatalf("dead letter %+v (error %+v), want the smuggled record refused for its repeated type", dl, dl.Error)
	}
}
