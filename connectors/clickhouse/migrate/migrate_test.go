package migrate

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/clickhouse/chtest"
)

func file(sql string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(sql)} }

// Two parts' sets whose versions interleave, as the tables of one part
// may build on another's.
var (
	events = fstest.MapFS{
		"migrations/0001_events.sql":    file("-- the events\nCREATE TABLE IF NOT EXISTS {db}.events (id String) ENGINE = MergeTree ORDER BY id;\n"),
		"migrations/0003_event_day.sql": file("CREATE TABLE IF NOT EXISTS {db}.event_days (day Date, n UInt64) ENGINE = SummingMergeTree ORDER BY day;\n"),
	}
	rollups = fstest.MapFS{
		"migrations/0002_event_counts.sql": file("CREATE TABLE IF NOT EXISTS {db}.event_counts (n UInt64) ENGINE = Memory;\n" +
			"CREATE VIEW IF NOT EXISTS {db}.event_count_view AS SELECT count() AS n FROM {db}.events;\n"),
	}
)

func TestLoadMergesSetsByVersion(t *testing.T) {
	ms, err := Load(events, rollups)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.Name)
	}
	if strings.Join(got, ",") != "events,event_counts,event_day" {
		t.Fatalf("order %v", got)
	}
	if _, err := Load(events, fstest.MapFS{"migrations/0003_other.sql": file("SELECT 1")}); err == nil || !strings.Contains(err.Error(), "version 3 is used twice") {
		t.Fatalf("a version in two sets: err = %v", err)
	}
	if _, err := Load(fstest.MapFS{"migrations/readme.md": file("x")}); err == nil {
		t.Fatal("a file not named NNNN_name.sql was accepted")
	}
}

func TestUpIsIdempotent(t *testing.T) {
	conn, db := chtest.Database(t)
	ctx := context.Background()
	applied, err := Up(ctx, conn, db, events, rollups)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 3 || applied[1].Name != "event_counts" {
		t.Fatalf("applied %+v", applied)
	}
	again, err := Up(ctx, conn, db, rollups, events)
	if err != nil || len(again) != 0 {
		t.Fatalf("second Up applied %d (err %v), want 0", len(again), err)
	}
	states, err := Status(ctx, conn, db, events, rollups)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if !s.Applied || s.AppliedAt.IsZero() {
			t.Errorf("%04d_%s not applied", s.Version, s.Name)
		}
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT n FROM "+db+".event_count_view").Scan(&n); err != nil {
		t.Fatalf("event_count_view missing: %v", err)
	}
}

// A part that applies only its own set (a test, say) leaves the others'
// versions for later, and a later Up with every set applies just those.
func TestSubsetFirstThenAll(t *testing.T) {
	conn, db := chtest.Database(t)
	ctx := context.Background()
	if applied, err := Up(ctx, conn, db, events); err != nil || len(applied) != 2 {
		t.Fatalf("applied %d, err %v", len(applied), err)
	}
	applied, err := Up(ctx, conn, db, events, rollups)
	if err != nil || len(applied) != 1 || applied[0].Version != 2 {
		t.Fatalf("applied %+v, err %v", applied, err)
	}
	// The ledger holds versions of other sets; a status of one set lists
	// its own only.
	states, err := Status(ctx, conn, db, rollups)
	if err != nil || len(states) != 1 || !states[0].Applied {
		t.Fatalf("states %+v, err %v", states, err)
	}
}

func TestEditedMigrationIsCaught(t *testing.T) {
	conn, db := chtest.Database(t)
	ctx := context.Background()
	if _, err := Up(ctx, conn, db, events); err != nil {
		t.Fatal(err)
	}
	// Simulate a file edited after it was applied: its recorded checksum no
	// longer matches.
	// (Exec of INSERT ... VALUES hangs against 18.16, so go through a batch.)
	if err := clickhouse.Insert(ctx, conn, db+".schema_migrations", []string{"version", "name", "checksum", "applied_at"},
		[]any{[]uint32{1}, []string{"events"}, []string{"deadbeef"}, []time.Time{time.Now()}}); err != nil {
		t.Fatal(err)
	}
	_, err := Status(ctx, conn, db, events)
	if err == nil || !strings.Contains(err.Error(), "never edit an applied migration") {
		t.Fatalf("err = %v", err)
	}
}

func TestStatementsFillDatabase(t *testing.T) {
	got := statements("-- comment; with a semicolon\nCREATE TABLE {db}.a (x UInt8, -- who; what\n s String DEFAULT '--;') ENGINE = Memory;\n\nCREATE TABLE {db}.b (y UInt8) ENGINE = Memory;\n", "oqim")
	if len(got) != 2 || !strings.HasPrefix(got[0], "CREATE TABLE oqim.a") || !strings.Contains(got[0], "DEFAULT '--;'") || !strings.HasPrefix(got[1], "CREATE TABLE oqim.b") {
		t.Fatalf("statements = %q", got)
	}
}

func TestRejectsUnsafeDatabaseName(t *testing.T) {
	if _, err := Status(context.Background(), nil, "x; DROP DATABASE y", events); err == nil {
		t.Fatal("unsafe name accepted")
	}
}
