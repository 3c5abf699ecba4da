package migrations

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/clickhouse/chtest"
)

func TestUpIsIdempotent(t *testing.T) {
	conn, db := chtest.Database(t)
	ctx := context.Background()
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	applied, err := Up(ctx, conn, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(all) {
		t.Fatalf("applied %d of %d", len(applied), len(all))
	}
	again, err := Up(ctx, conn, db)
	if err != nil || len(again) != 0 {
		t.Fatalf("second Up applied %d (err %v), want 0", len(again), err)
	}
	states, err := Status(ctx, conn, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if !s.Applied || s.AppliedAt.IsZero() {
			t.Errorf("%04d_%s not applied", s.Version, s.Name)
		}
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".portal_applications").Scan(&n); err != nil {
		t.Fatalf("portal_applications missing: %v", err)
	}
}

func TestEditedMigrationIsCaught(t *testing.T) {
	conn, db := chtest.Database(t)
	ctx := context.Background()
	if _, err := Up(ctx, conn, db); err != nil {
		t.Fatal(err)
	}
	// Simulate a file edited after it was applied: its recorded checksum no
	// longer matches.
	// (Exec of INSERT ... VALUES hangs against 18.16, so go through a batch.)
	if err := clickhouse.Insert(ctx, conn, db+".schema_migrations", []string{"version", "name", "checksum", "applied_at"},
		[]any{[]uint32{1}, []string{"portal_applications"}, []string{"deadbeef"}, []time.Time{time.Now()}}); err != nil {
		t.Fatal(err)
	}
	_, err := Status(ctx, conn, db)
	if err == nil || !strings.Contains(err.Error(), "never edit an applied migration") {
		t.Fatalf("err = %v", err)
	}
}

func TestStatementsFillDatabase(t *testing.T) {
	got := statements("-- comment\nCREATE TABLE {db}.a (x UInt8) ENGINE = Memory;\n\nCREATE TABLE {db}.b (y UInt8) ENGINE = Memory;\n", "oqim")
	if len(got) != 2 || !strings.HasPrefix(got[0], "CREATE TABLE oqim.a") || !strings.HasPrefix(got[1], "CREATE TABLE oqim.b") {
		t.Fatalf("statements = %q", got)
	}
}

func TestRejectsUnsafeDatabaseName(t *testing.T) {
	if _, err := Status(context.Background(), nil, "x; DROP DATABASE y"); err == nil {
		t.Fatal("unsafe name accepted")
	}
}
