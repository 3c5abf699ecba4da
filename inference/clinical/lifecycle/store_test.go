package lifecycle

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/connectors/clickhouse"
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

// On a ClickHouse cluster a record's versions are spread over the shards
// by the shard key (note_id, version), so the sweep decides which records
// are old drafts over the whole table and deletes their versions on every
// shard: none of an old draft is left, and a signed record whose first
// version was a draft of the same age is kept whole.
func TestDeleteDraftsOnCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the local ClickHouse cluster")
	}
	c, conn, db := migratetest.ClusterDatabase(t, worker.Migrations())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := NewStore(conn, db).OnCluster(c.Name)
	now := time.Now().UTC().Truncate(time.Second)
	then := now.Add(-100 * 24 * time.Hour)
	write := func(id string, at time.Time, statuses ...string) {
		for i, st := range statuses {
			r := Record{ID: id, Status: st, Version: uint64(i + 1), PatientID: "p-1", Note: &notes.Note{}, CreatedBy: "d-1", CreatedAt: at, UpdatedBy: "d-1", UpdatedAt: at}
			if err := s.put(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	var old []string
	for range 6 {
		id := worker.NewID()
		old = append(old, id)
		write(id, then, Draft, Draft, Draft)
	}
	signed, recent := worker.NewID(), worker.NewID()
	write(signed, then, Draft, Signed)
	write(recent, now, Draft)

	got, err := s.DeleteDraftsBefore(ctx, now.Add(-90*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(old) {
		t.Fatalf("deleted %v, want the %d old drafts %v", got, len(old), old)
	}
	count := func(ids ...string) (n uint64) {
		marks, args := clickhouse.InList(ids)
		if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".clinical_notes WHERE note_id IN ("+marks+")", args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for deadline := time.Now().Add(30 * time.Second); count(old...) > 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s the old drafts still have %d versions", count(old...))
		}
	}
	if n, m := count(signed), count(recent); n != 2 || m != 1 {
		t.Errorf("the signed record has %d of 2 versions, the recent draft %d of 1", n, m)
	}
}

// beforeMutation runs fn once, just before the first ALTER TABLE reaches
// ClickHouse: what another process does between the sweep's listing and
// its deletion.
type beforeMutation struct {
	driver.Conn
	fn func()
}

func (c *beforeMutation) Exec(ctx context.Context, query string, args ...any) error {
	if c.fn != nil && strings.HasPrefix(query, "ALTER TABLE") {
		fn := c.fn
		c.fn = nil
		fn()
	}
	return c.Conn.Exec(ctx, query, args...)
}

// The sweep (oqim worker) lists the old drafts, then deletes them by id.
// A doctor who signs one of them in between (oqim server, another
// process) must keep the signed record: it is the medical record, and the
// doctor was told it was signed.
func TestDeleteDraftsKeepsADraftSignedMeanwhile(t *testing.T) {
	conn, db := migratetest.Database(t, worker.Migrations())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	now := time.Now().UTC().Truncate(time.Second)
	then := now.Add(-100 * 24 * time.Hour)
	doctor := NewStore(conn, db)
	draft := Record{ID: worker.NewID(), Status: Draft, Version: 1, PatientID: "p-1", Note: &notes.Note{},
		CreatedBy: "d-1", CreatedAt: then, UpdatedBy: "d-1", UpdatedAt: then}
	if err := doctor.put(ctx, draft); err != nil {
		t.Fatal(err)
	}
	signed := draft
	signed.Version, signed.Status, signed.UpdatedAt, signed.SignedBy, signed.SignedAt = 2, Signed, now, "d-1", &now

	sweep := NewStore(&beforeMutation{Conn: conn, fn: func() {
		if err := doctor.put(ctx, signed); err != nil {
			t.Fatal(err)
		}
	}}, db)
	if _, err := sweep.DeleteDraftsBefore(ctx, now.Add(-90*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var pending uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.mutations WHERE database = ? AND table = 'clinical_notes' AND NOT is_done", db).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the deletion did not finish in 30 s")
		}
	}
	got, err := doctor.Get(ctx, draft.ID)
	if err != nil || got.Status != Signed || got.Version != 2 {
		t.Fatalf("the record signed during the sweep: %+v, %v; want version 2, signed", got, err)
	}
}
