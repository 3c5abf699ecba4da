package lifecycle

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/inference/clinical/notes"
)

// Store keeps record versions in db.clinical_notes. Rows are only ever
// inserted: a change is the next version.
//
// ClickHouse has no compare-and-set, so a change is checked after it is
// written: the version's row that every reader takes (the highest
// write_seq, see the migration) must be the one just written, else the
// change lost a race and is a conflict. write_seq falls with time, so of
// two writers the one that wrote first keeps its version and the later is
// told. Within a process, changes to one record are also serialized, so
// the check only matters between processes. What it cannot catch: a
// writer that takes its sequence number and inserts only after another
// process has written and checked the same version; it replaces the
// other's acknowledged version. The window is one insert's round trip,
// and it is real: eight edits of one version sent at the same instant to
// a process without the lock gave two successes in some runs. So two API
// processes must not serve one doctor's edits of one note at the same
// instant (route a doctor to one process, as sessions usually are);
// ClickHouse 18.16 offers nothing to close the window (no transactions,
// no compare-and-set, no server-side sequence).
type Store struct {
	conn  driver.Conn
	table string
	// cluster, when set, is the ClickHouse cluster the table lives on;
	// only deletions differ (see DeleteDraftsBefore).
	cluster string
	locks   [64]sync.Mutex // striped by record id: bounded, whatever the number of records
	now     func() time.Time
}

// NewStore returns a Store over db.clinical_notes.
func NewStore(conn driver.Conn, db string) *Store {
	return &Store{conn: conn, table: db + ".clinical_notes", now: time.Now}
}

// OnCluster returns a store over the table created ON CLUSTER name. It is
// for the retention sweep only: its record locks are its own.
func (s *Store) OnCluster(name string) *Store {
	return &Store{conn: s.conn, table: s.table, cluster: name, now: s.now}
}

// lock serializes the changes to one record in this process.
func (s *Store) lock(id string) func() {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	m := &s.locks[h.Sum32()%uint32(len(s.locks))]
	m.Lock()
	return m.Unlock
}

var columns = []string{"note_id", "version", "write_seq", "status", "patient_id", "encounter_id", "note", "differential",
	"confirmed", "source", "created_by", "created_at", "updated_by", "updated_at", "signed_by", "signed_at",
	"delivery_attempts", "last_error", "delivered_at", "location"}

const selectColumns = "note_id, version, status, patient_id, encounter_id, note, differential, confirmed, source, " +
	"created_by, created_at, updated_by, updated_at, signed_by, signed_at, delivery_attempts, last_error, delivered_at, location"

// put writes r as its version and checks that the write won.
func (s *Store) put(ctx context.Context, r Record) error {
	note, err := json.Marshal(r.Note)
	if err != nil {
		return fmt.Errorf("lifecycle: encoding the note of %s: %w", r.ID, err)
	}
	confirmed, err := json.Marshal(r.ConfirmedConditions)
	if err != nil {
		return fmt.Errorf("lifecycle: encoding the conditions of %s: %w", r.ID, err)
	}
	// Earlier writes get higher sequence numbers, so the first writer of
	// a version wins (see Store).
	seq := math.MaxUint64 - uint64(s.now().UnixNano())
	err = clickhouse.Insert(ctx, s.conn, s.table, columns, []any{
		[]string{r.ID}, []uint64{r.Version}, []uint64{seq}, []string{r.Status}, []string{r.PatientID}, []string{r.EncounterID},
		[]string{string(note)}, []string{rawString(r.Differential)}, []string{string(confirmed)}, []string{rawString(r.Source)},
		[]string{r.CreatedBy}, []time.Time{r.CreatedAt.UTC()}, []string{r.UpdatedBy}, []time.Time{r.UpdatedAt.UTC()},
		[]string{r.SignedBy}, []time.Time{timeOrZero(r.SignedAt)},
		[]uint32{uint32(max(r.Delivery.Attempts, 0))}, []string{r.Delivery.LastError}, []time.Time{timeOrZero(r.Delivery.DeliveredAt)},
		[]string{r.Delivery.Location},
	})
	if err != nil {
		return fmt.Errorf("lifecycle: storing %s version %d: %w", r.ID, r.Version, err)
	}
	var winner uint64
	err = s.conn.QueryRow(ctx, "SELECT write_seq FROM "+s.table+" FINAL WHERE note_id = ? AND version = ?", r.ID, r.Version).Scan(&winner)
	if err != nil {
		return fmt.Errorf("lifecycle: checking %s version %d: %w", r.ID, r.Version, err)
	}
	if winner != seq {
		return fmt.Errorf("%w: %s version %d was written by another request at the same moment", ErrConflict, r.ID, r.Version)
	}
	return nil
}

// Get returns the latest version of record id, whoever wrote it, or an
// error matching ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (Record, error) {
	rows, err := s.conn.Query(ctx, "SELECT "+selectColumns+" FROM "+s.table+" FINAL WHERE note_id = ? ORDER BY version DESC LIMIT 1", id)
	if err != nil {
		return Record{}, fmt.Errorf("lifecycle: reading %s: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Record{}, fmt.Errorf("lifecycle: reading %s: %w", id, err)
		}
		return Record{}, ErrNotFound
	}
	r, err := scan(rows)
	if err != nil {
		return Record{}, fmt.Errorf("lifecycle: reading %s: %w", id, err)
	}
	return r, rows.Err()
}

// History returns every version of record id, oldest first.
func (s *Store) History(ctx context.Context, id string) ([]Version, error) {
	rows, err := s.conn.Query(ctx, "SELECT version, status, updated_by, updated_at FROM "+s.table+" FINAL WHERE note_id = ? ORDER BY version", id)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: reading the history of %s: %w", id, err)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var v Version
		if err := rows.Scan(&v.Version, &v.Status, &v.UpdatedBy, &v.UpdatedAt); err != nil {
			return nil, fmt.Errorf("lifecycle: reading the history of %s: %w", id, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Pending returns the ids of the records whose latest version is signed:
// their delivery has not finished, in this process or one that stopped.
func (s *Store) Pending(ctx context.Context) ([]string, error) {
	ids, err := s.latest(ctx, Signed, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("lifecycle: listing pending deliveries: %w", err)
	}
	return ids, nil
}

// DeleteDraftsBefore deletes the versions of the records never signed
// whose latest version was written before cutoff, and returns their ids;
// a version written after the listing is kept (see the deletion).
// A draft holds the dictation (source), the note and the differential:
// the personal health data the transcript retention bounds. A signed
// record is the medical record and is kept. ClickHouse applies the
// deletion as a mutation in the background.
func (s *Store) DeleteDraftsBefore(ctx context.Context, cutoff time.Time) ([]string, error) {
	ids, err := s.latest(ctx, Draft, cutoff)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: listing old drafts: %w", err)
	}
	target := s.table
	if s.cluster != "" {
		// A Distributed table holds no rows to mutate: the deletion runs
		// on every shard's local table, where a record's versions are
		// spread by the shard key.
		target = s.table + "_local ON CLUSTER " + s.cluster
	}
	const batch = 1000 // ids per statement, well under max_query_size
	for from := 0; from < len(ids); from += batch {
		part := ids[from:min(from+batch, len(ids))]
		marks, args := clickhouse.InList(part)
		// Only versions written before cutoff: one written since the
		// listing (a signature or an edit in another process) is a
		// record in use, and stays.
		if err := s.conn.Exec(ctx, "ALTER TABLE "+target+" DELETE WHERE note_id IN ("+marks+") AND updated_at < toDateTime(?)", append(args, cutoff.Unix())...); err != nil {
			return ids[:from], fmt.Errorf("lifecycle: deleting %d old drafts: %w", len(part), err)
		}
	}
	return ids, nil
}

// latest returns the ids of the records whose latest version has status,
// and, when before is set, was written before it.
func (s *Store) latest(ctx context.Context, status string, before time.Time) ([]string, error) {
	q := "SELECT note_id FROM (SELECT note_id, argMax(status, version) AS status, max(updated_at) AS updated FROM " + s.table +
		" FINAL GROUP BY note_id) WHERE status = ?"
	args := []any{status}
	if !before.IsZero() {
		q += " AND updated < toDateTime(?)"
		args = append(args, before.Unix())
	}
	rows, err := s.conn.Query(ctx, q+" ORDER BY note_id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func scan(rows driver.Rows) (Record, error) {
	var (
		r                             Record
		note, diff, confirmed, source string
		signedAt, deliveredAt         time.Time
		attempts                      uint32
	)
	if err := rows.Scan(&r.ID, &r.Version, &r.Status, &r.PatientID, &r.EncounterID, &note, &diff, &confirmed, &source,
		&r.CreatedBy, &r.CreatedAt, &r.UpdatedBy, &r.UpdatedAt, &r.SignedBy, &signedAt, &attempts,
		&r.Delivery.LastError, &deliveredAt, &r.Delivery.Location); err != nil {
		return Record{}, err
	}
	if note != "" && note != "null" {
		r.Note = new(notes.Note)
		if err := json.Unmarshal([]byte(note), r.Note); err != nil {
			return Record{}, fmt.Errorf("decoding the note of %s: %w", r.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(confirmed), &r.ConfirmedConditions); err != nil {
		return Record{}, fmt.Errorf("decoding the conditions of %s: %w", r.ID, err)
	}
	if r.ConfirmedConditions == nil {
		r.ConfirmedConditions = []Condition{}
	}
	if diff != "" {
		r.Differential = json.RawMessage(diff)
	} else {
		r.Differential = json.RawMessage("null")
	}
	if source != "" {
		r.Source = json.RawMessage(source)
	}
	r.SignedAt, r.Delivery.DeliveredAt = zeroToNil(signedAt), zeroToNil(deliveredAt)
	r.Delivery.Attempts = int(attempts)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, nil
}

func rawString(m json.RawMessage) string {
	if len(m) == 0 {
		return ""
	}
	return string(m)
}

func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Unix(0, 0).UTC()
	}
	return t.UTC()
}

func zeroToNil(t time.Time) *time.Time {
	if t.Unix() <= 0 {
		return nil
	}
	t = t.UTC()
	return &t
}
