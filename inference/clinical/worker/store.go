package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/inference/clinical/notes"
)

// ErrJobNotFound is returned for a job id the store does not hold.
var ErrJobNotFound = errors.New("worker: job not found")

// Store keeps job state and partial segments in ClickHouse (tables of
// migration 0004), where the API of any process can read what the workers
// of any other wrote. Rows are only ever inserted; ReplacingMergeTree
// keeps the latest per job, and reads use FINAL.
type Store struct {
	conn     driver.Conn
	jobs     string
	segments string
	// cluster, when set, is the ClickHouse cluster the tables live on
	// (migrate's cluster form: Distributed tables over replicated t_local).
	cluster string
}

// NewStore returns a Store over db's doctor_jobs and doctor_job_segments.
func NewStore(conn driver.Conn, db string) *Store {
	return &Store{conn: conn, jobs: db + ".doctor_jobs", segments: db + ".doctor_job_segments"}
}

// OnCluster returns the store for tables created ON CLUSTER name. Reads
// and writes go through the Distributed tables as on one server; only the
// deletions differ (see DeleteBefore).
func (s *Store) OnCluster(name string) *Store {
	c := *s
	c.cluster = name
	return &c
}

var jobColumns = []string{"job_id", "doctor_id", "patient_id", "encounter_id", "language", "status", "reason",
	"audio_ms", "transcript", "note", "created_at", "updated_at", "version"}

// Put writes the whole state of j. Writing the same state twice is
// harmless: the rows collapse into one.
func (s *Store) Put(ctx context.Context, j Job) error {
	var tr, note []byte
	var err error
	if j.Transcript != nil {
		if tr, err = json.Marshal(j.Transcript); err != nil {
			return fmt.Errorf("worker: encoding transcript of %s: %w", j.ID, err)
		}
	}
	if j.Note != nil {
		if note, err = json.Marshal(j.Note); err != nil {
			return fmt.Errorf("worker: encoding note of %s: %w", j.ID, err)
		}
	}
	if j.UpdatedAt.IsZero() {
		j.UpdatedAt = time.Now()
	}
	err = clickhouse.Insert(ctx, s.conn, s.jobs, jobColumns, []any{
		[]string{j.ID}, []string{j.DoctorID}, []string{j.PatientID}, []string{j.EncounterID},
		[]string{j.Language}, []string{string(j.Status)}, []string{j.Reason},
		[]uint64{uint64(max(j.AudioDuration.Milliseconds(), 0))}, []string{string(tr)}, []string{string(note)},
		[]time.Time{j.CreatedAt.UTC()}, []time.Time{j.UpdatedAt.UTC()}, []uint64{j.Status.rank()},
	})
	if err != nil {
		return fmt.Errorf("worker: storing job %s: %w", j.ID, err)
	}
	return nil
}

// jobSelect reads the columns scanJob expects.
const jobSelect = "SELECT job_id, doctor_id, patient_id, encounter_id, language, status, reason, " +
	"audio_ms, transcript, note, created_at, updated_at FROM "

// Get returns the latest state of job id, or an error matching
// [ErrJobNotFound].
func (s *Store) Get(ctx context.Context, id string) (Job, error) {
	rows, err := s.conn.Query(ctx, jobSelect+s.jobs+" FINAL WHERE job_id = ?", id)
	if err != nil {
		return Job{}, fmt.Errorf("worker: reading job %s: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Job{}, fmt.Errorf("worker: reading job %s: %w", id, err)
		}
		return Job{}, fmt.Errorf("%w: %s", ErrJobNotFound, id)
	}
	j, err := scanJob(rows)
	if err != nil {
		return Job{}, fmt.Errorf("worker: reading job %s: %w", id, err)
	}
	return j, rows.Err()
}

// GetMany returns the latest state of each of the jobs ids in one query;
// ids the store does not hold are absent from the map.
func (s *Store) GetMany(ctx context.Context, ids []string) (map[string]Job, error) {
	out := make(map[string]Job, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	marks, args := clickhouse.InList(ids)
	rows, err := s.conn.Query(ctx, jobSelect+s.jobs+" FINAL WHERE job_id IN ("+marks+")", args...)
	if err != nil {
		return nil, fmt.Errorf("worker: reading %d jobs: %w", len(ids), err)
	}
	defer rows.Close()
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("worker: reading %d jobs: %w", len(ids), err)
		}
		out[j.ID] = j
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("worker: reading %d jobs: %w", len(ids), err)
	}
	return out, nil
}

func scanJob(rows driver.Rows) (Job, error) {
	var (
		j        Job
		status   string
		audioMS  uint64
		tr, note string
	)
	if err := rows.Scan(&j.ID, &j.DoctorID, &j.PatientID, &j.EncounterID, &j.Language, &status, &j.Reason,
		&audioMS, &tr, &note, &j.CreatedAt, &j.UpdatedAt); err != nil {
		return Job{}, err
	}
	j.Status = Status(status)
	j.AudioDuration = time.Duration(audioMS) * time.Millisecond
	if tr != "" {
		j.Transcript = new(Transcript)
		if err := json.Unmarshal([]byte(tr), j.Transcript); err != nil {
			return Job{}, fmt.Errorf("decoding transcript of %s: %w", j.ID, err)
		}
	}
	if note != "" {
		j.Note = new(notes.Note)
		if err := json.Unmarshal([]byte(note), j.Note); err != nil {
			return Job{}, fmt.Errorf("decoding note of %s: %w", j.ID, err)
		}
	}
	return j, nil
}

var segmentColumns = []string{"job_id", "seq", "start_ms", "end_ms", "text", "created_at"}

// PutSegment stores one partial segment of j. created is the job's
// creation time, so a replayed segment has the same key and collapses.
func (s *Store) PutSegment(ctx context.Context, jobID string, created time.Time, seg Segment) error {
	err := clickhouse.Insert(ctx, s.conn, s.segments, segmentColumns, []any{
		[]string{jobID}, []uint32{uint32(seg.Seq)}, []uint64{uint64(max(seg.StartMS, 0))},
		[]uint64{uint64(max(seg.EndMS, 0))}, []string{seg.Text}, []time.Time{created.UTC()},
	})
	if err != nil {
		return fmt.Errorf("worker: storing segment %d of %s: %w", seg.Seq, jobID, err)
	}
	return nil
}

// Segments returns the stored segments of job id numbered from on, in
// order.
func (s *Store) Segments(ctx context.Context, id string, from int) ([]Segment, error) {
	rows, err := s.conn.Query(ctx, "SELECT seq, start_ms, end_ms, text FROM "+s.segments+
		" FINAL WHERE job_id = ? AND seq >= ? ORDER BY seq", id, uint32(max(from, 0)))
	if err != nil {
		return nil, fmt.Errorf("worker: reading segments of %s: %w", id, err)
	}
	defer rows.Close()
	var out []Segment
	for rows.Next() {
		var (
			seq        uint32
			start, end uint64
			seg        Segment
		)
		if err := rows.Scan(&seq, &start, &end, &seg.Text); err != nil {
			return nil, fmt.Errorf("worker: reading segments of %s: %w", id, err)
		}
		seg.Seq, seg.StartMS, seg.EndMS = int(seq), int64(start), int64(end)
		out = append(out, seg)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("worker: reading segments of %s: %w", id, err)
	}
	return out, nil
}

// SegmentsSince returns, in one query, the stored segments of each job
// in from numbered from its value on, in order.
func (s *Store) SegmentsSince(ctx context.Context, from map[string]int) (map[string][]Segment, error) {
	out := make(map[string][]Segment, len(from))
	if len(from) == 0 {
		return out, nil
	}
	ids := make([]string, 0, len(from))
	var cond strings.Builder
	args := make([]any, 0, 2*len(from))
	for id, n := range from {
		if len(ids) > 0 {
			cond.WriteString(" OR ")
		}
		cond.WriteString("(job_id = ? AND seq >= ?)")
		ids = append(ids, id)
		args = append(args, id, uint32(max(n, 0)))
	}
	rows, err := s.conn.Query(ctx, "SELECT job_id, seq, start_ms, end_ms, text FROM "+s.segments+
		" FINAL WHERE "+cond.String()+" ORDER BY job_id, seq", args...)
	if err != nil {
		return nil, fmt.Errorf("worker: reading segments of %d jobs: %w", len(ids), err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id         string
			seq        uint32
			start, end uint64
			seg        Segment
		)
		if err := rows.Scan(&id, &seq, &start, &end, &seg.Text); err != nil {
			return nil, fmt.Errorf("worker: reading segments of %d jobs: %w", len(ids), err)
		}
		seg.Seq, seg.StartMS, seg.EndMS = int(seq), int64(start), int64(end)
		out[id] = append(out[id], seg)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("worker: reading segments of %d jobs: %w", len(ids), err)
	}
	return out, nil
}

// DeleteBefore removes the jobs created before cutoff, with their
// transcripts, notes and segments. ClickHouse applies the deletion as a
// mutation in the background.
func (s *Store) DeleteBefore(ctx context.Context, cutoff time.Time) error {
	cond := fmt.Sprintf(" DELETE WHERE created_at < toDateTime(%d)", cutoff.Unix())
	for _, table := range []string{s.jobs, s.segments} {
		target := table
		if s.cluster != "" {
			// A Distributed table holds no rows to mutate: the deletion
			// runs on every shard's local table (each replica applies it).
			target = table + "_local ON CLUSTER " + s.cluster
		}
		if err := s.conn.Exec(ctx, "ALTER TABLE "+target+cond); err != nil {
			return fmt.Errorf("worker: deleting old rows of %s: %w", table, err)
		}
	}
	return nil
}
