// Package kpitest loads generated events of every family into a fresh
// ClickHouse database with the full schema, for tests of the KPIs, the
// API and the exports.
package kpitest

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/clickhouse/chserver"
	"github.com/oqim/oqim/connectors/clickhouse/chtest"
	"github.com/oqim/oqim/connectors/clickhouse/migrate"
	"github.com/oqim/oqim/inference/clinical/worker"
	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/decode"
	"github.com/oqim/oqim/pipelines/generate"
	"github.com/oqim/oqim/pipelines/schema"
)

// Options size the data.
type Options struct {
	// Applications backfilled over the last 30 days; the other lifecycle
	// families follow generate.DefaultVolume. Default 2000.
	Applications int
	Seed         uint64
	// Now is the generator's clock; default the current second. Two loads
	// with the same Options (and Now) hold the same events.
	Now time.Time
}

// Env is a loaded database.
type Env struct {
	Conn  driver.Conn
	DB    string
	Store *kpi.Store
	Ref   *region.Data
	// Now is the generator's clock: no event is later.
	Now time.Time
	// Records are the JSON envelopes loaded, in order, for replays.
	Records [][]byte
}

// ChatbotQuestions is the number of chatbot questions Load inserts.
const ChatbotQuestions = 4

// Load creates a database, applies the migrations and loads the events.
// The data is shared by the tests of a package when they call it once.
func Load(t testing.TB, o Options) *Env {
	t.Helper()
	conn, db := chtest.Database(t)
	return load(t, o, conn, migrate.Target{DB: db})
}

// LoadCluster is Load on the test cluster (chtest.ClusterDatabase): the
// schema is created ON CLUSTER, replicated and sharded, and the events are
// inserted through its Distributed tables.
func LoadCluster(t testing.TB, o Options) (*chserver.Cluster, *Env) {
	t.Helper()
	c, conn, db := chtest.ClusterDatabase(t)
	return c, load(t, o, conn, migrate.Target{DB: db, Cluster: c.Name})
}

func load(t testing.TB, o Options, conn driver.Conn, target migrate.Target) *Env {
	t.Helper()
	if o.Applications == 0 {
		o.Applications = 2000
	}
	if o.Seed == 0 {
		o.Seed = 7
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	ctx := context.Background()
	if _, err := migrate.UpOn(ctx, conn, target, Migrations()...); err != nil {
		t.Fatal(err)
	}
	ref, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	db := target.DB
	e := &Env{Conn: conn, DB: db, Store: kpi.NewStoreWithReference(conn, db, ref), Ref: ref, Now: o.Now.UTC().Truncate(time.Second)}
	g := generate.New(ref, generate.Options{Seed: o.Seed, RunID: "kt"})
	err = g.Backfill(e.Now, o.Applications, func(ev *generate.Event) error {
		e.Records = append(e.Records, ev.AppendJSON(nil))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Replay(t)
	e.insertAssistants(t)
	return e
}

// Replay inserts every record again, as a redelivery from the earliest
// Kafka offset would.
func (e *Env) Replay(t testing.TB) {
	t.Helper()
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	d, err := decode.New(decode.Options{Registry: reg, Regions: e.Ref.RegionIDs(), Now: func() time.Time { return e.Now }})
	if err != nil {
		t.Fatal(err)
	}
	var w clickhouse.RecordWriter
	flush := func() {
		for _, tb := range d.Tables() {
			if tb.Rows() == 0 {
				continue
			}
			rec := tb.NewRecord()
			err := w.Insert(context.Background(), e.Conn, e.DB+"."+tb.Family.Table, rec)
			rec.Release()
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, r := range e.Records {
		if err := d.Decode(r); err != nil {
			t.Fatalf("record %d: %v\n%s", i, err, r)
		}
		if d.Rows() >= 50000 {
			flush()
		}
	}
	flush()
}

// insertAssistants adds chatbot events, doctor jobs and clinical notes,
// which the generator does not make: four questions (one resolved, one
// handed off, the same unanswered question twice), one thumbs-up, two
// doctor jobs (one transcribed and noted, written stage by stage, one only
// queued) and two clinical notes (one drafted, signed and delivered,
// version by version, one only drafted).
func (e *Env) insertAssistants(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	at := e.Now.Add(-time.Hour)
	err := clickhouse.Insert(ctx, e.Conn, e.DB+".chatbot_events",
		[]string{"id", "source", "time", "region", "district", "event", "session_id", "lang", "outcome", "rating", "question", "question_key"},
		[]any{
			[]string{"c1", "c2", "c3", "c4", "c5"},
			[]string{"chatbot", "chatbot", "chatbot", "chatbot", "chatbot"},
			[]time.Time{at, at, at, at, at},
			[]string{"", "", "", "", ""},
			[]string{"", "", "", "", ""},
			[]string{"question", "question", "question", "question", "feedback"},
			[]string{"s1", "s1", "s2", "s3", "s1"},
			[]string{"uz-Latn", "ru", "en", "en", ""},
			[]string{"resolved", "handoff", "unanswered", "unanswered", ""},
			[]string{"", "", "", "", "up"},
			[]string{"QQS", "pasport", "Mars weather?", "Mars weather?", ""},
			[]string{"qqs", "pasport", "mars weather", "mars weather", ""},
		})
	if err != nil {
		t.Fatal(err)
	}
	for v, stage := range []struct{ transcript, note string }{{"", ""}, {`{"s":1}`, ""}, {`{"s":1}`, `{"n":1}`}} {
		err := clickhouse.Insert(ctx, e.Conn, e.DB+".doctor_jobs",
			[]string{"job_id", "doctor_id", "status", "transcript", "note", "created_at", "updated_at", "version"},
			[]any{[]string{"j1"}, []string{"d1"}, []string{"running"}, []string{stage.transcript}, []string{stage.note},
				[]time.Time{at}, []time.Time{at.Add(time.Duration(v) * time.Minute)}, []uint64{uint64(v + 1)}})
		if err != nil {
			t.Fatal(err)
		}
	}
	err = clickhouse.Insert(ctx, e.Conn, e.DB+".doctor_jobs",
		[]string{"job_id", "doctor_id", "status", "created_at", "updated_at", "version"},
		[]any{[]string{"j2"}, []string{"d1"}, []string{"queued"}, []time.Time{at}, []time.Time{at}, []uint64{1}})
	if err != nil {
		t.Fatal(err)
	}
	never := time.Unix(0, 0).UTC()
	err = clickhouse.Insert(ctx, e.Conn, e.DB+".clinical_notes",
		[]string{"note_id", "version", "write_seq", "status", "created_by", "created_at", "updated_at", "signed_at", "delivered_at"},
		[]any{[]string{"n1", "n1", "n1", "n2"}, []uint64{1, 2, 3, 1}, []uint64{1, 2, 3, 4}, []string{"draft", "signed", "delivered", "draft"},
			[]string{"d1", "d1", "d1", "d1"}, []time.Time{at, at, at, at}, []time.Time{at, at, at, at},
			[]time.Time{never, at, at, never}, []time.Time{never, never, at, never}})
	if err != nil {
		t.Fatal(err)
	}
}

// Migrations are the sets the BI's tables need: the event tables they
// roll up, the doctor's jobs (kpi_doctor_jobs reads them) and the BI's
// own.
func Migrations() []fs.FS {
	return []fs.FS{schema.Migrations(), worker.Migrations(), kpi.Migrations()}
}
