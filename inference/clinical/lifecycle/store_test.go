package lifecycle

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/oqim/oqim/connectors/clickhouse/migrate/migratetest"
	"github.com/oqim/oqim/inference/clinical/notes"
	"github.com/oqim/oqim/inference/clinical/worker"
)

func testStores(t *testing.T) (*Store, *Store) {
	t.Helper()
	conn, db := migratetest.Database(t, worker.Migrations())
	// Two stores share nothing but the table: two processes.
	return NewStore(conn, db), NewStore(conn, db)
}

// Two processes both read version 1 and both write version 2: the one
// that wrote first keeps it, and the other is told, whatever the order
// their rows are merged in.
func TestStoreRaceForAVersion(t *testing.T) {
	a, b := testStores(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	v1 := Record{ID: worker.NewID(), Status: Draft, Version: 1, PatientID: "p-1", Note: &notes.Note{}, CreatedBy: "d-1", CreatedAt: now, UpdatedBy: "d-1", UpdatedAt: now}
	if err := a.put(ctx, v1); err != nil {
		t.Fatal(err)
	}
	fromA, fromB := v1, v1
	fromA.Version, fromA.Note = 2, &notes.Note{Vitals: notes.Vitals{Pulse: 70}}
	fromB.Version, fromB.Note = 2, &notes.Note{Vitals: notes.Vitals{Pulse: 120}}
	if err := a.put(ctx, fromA); err != nil {
		t.Fatalf("first writer: %v", err)
	}
	if err := b.put(ctx, fromB); !errors.Is(err, ErrConflict) {
		t.Fatalf("second writer of version 2: %v, want a conflict", err)
	}
	for _, s := range []*Store{a, b} {
		got, err := s.Get(ctx, v1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 || got.Note.Vitals.Pulse != 70 {
			t.Fatalf("version %d pulse %d: the acknowledged write was lost", got.Version, got.Note.Vitals.Pulse)
		}
	}
	// Merged, the table keeps the same row.
	if err := a.conn.Exec(ctx, "OPTIMIZE TABLE "+a.table+" FINAL"); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Get(ctx, v1.ID); err != nil || got.Note.Vitals.Pulse != 70 {
		t.Fatalf("after the merge: %+v, %v", got.Note, err)
	}
}
