package worker

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/connectors/clickhouse/migrate/migratetest"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/kafka/embedded"
	"github.com/oqim/oqim/inference/clinical/asr"
	"github.com/oqim/oqim/inference/clinical/asr/asrtest"
	"github.com/oqim/oqim/inference/clinical/audio/audiotest"
	"github.com/oqim/oqim/inference/clinical/worker/workertest"
)

// auditRecorder is an in-memory Auditor.
type auditRecorder struct {
	mu      sync.Mutex
	records []AuditRecord
}

func (a *auditRecorder) Record(_ context.Context, r AuditRecord) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.records = append(a.records, r)
	return nil
}

func TestRetainDeletesOnlyOldAudio(t *testing.T) {
	blobs, err := NewBlobs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 11, 30, 12, 0, 0, 0, time.UTC)
	ages := map[string]time.Duration{
		NewID(): 31 * 24 * time.Hour,
		NewID(): 30*24*time.Hour + time.Minute,
		NewID(): 29 * 24 * time.Hour,
		NewID(): time.Hour,
	}
	var wantDeleted []string
	for id, age := range ages {
		if err := blobs.Put(id, []byte("RIFF audio")); err != nil {
			t.Fatal(err)
		}
		mt := now.Add(-age)
		if err := os.Chtimes(filepath.Join(blobs.dir, id+blobExt), mt, mt); err != nil {
			t.Fatal(err)
		}
		if age > 30*24*time.Hour {
			wantDeleted = append(wantDeleted, id)
		}
	}
	// A temporary file left by a crash mid-write is swept too; other
	// files are not ours and stay.
	stale := filepath.Join(blobs.dir, NewID()+".123.tmp")
	other := filepath.Join(blobs.dir, "README")
	for _, p := range []string{stale, other} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		old := now.Add(-365 * 24 * time.Hour)
		os.Chtimes(p, old, old)
	}

	audit := &auditRecorder{}
	rep, err := Retain(context.Background(), RetentionOptions{Blobs: blobs, Audit: audit, AudioAge: 30 * 24 * time.Hour,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(rep.AudioDeleted)
	slices.Sort(wantDeleted)
	if !slices.Equal(rep.AudioDeleted, wantDeleted) {
		t.Fatalf("deleted %v, want %v", rep.AudioDeleted, wantDeleted)
	}
	for id, age := range ages {
		_, err := blobs.Get(id)
		if kept := err == nil; kept != (age <= 30*24*time.Hour) {
			t.Errorf("blob %s aged %s: kept=%v (err %v)", id, age, kept, err)
		}
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Error("stale temporary file kept")
	}
	if _, err := os.Stat(other); err != nil {
		t.Error("a file that is not a blob was deleted")
	}
	if len(audit.records) != len(wantDeleted) || audit.records[0].Action != "audio.delete" || audit.records[0].Actor != ActorRetention {
		t.Errorf("audit records %+v, want one audio.delete per blob", audit.records)
	}
	if !rep.TranscriptsBefore.IsZero() {
		t.Error("transcripts swept without a transcript age")
	}
}

func TestBlobsRejectPathsAsIDs(t *testing.T) {
	blobs, err := NewBlobs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"../etc/passwd", "", "ABCDEF0123456789abcdef0123456789", "0123456789abcdef0123456789abcde/"} {
		if err := blobs.Put(id, nil); err == nil {
			t.Errorf("Put(%q) accepted", id)
		}
	}
}

type testEnv struct {
	conn  driver.Conn
	db    string
	kafka *kafka.Cluster
	store *Store
	blobs *Blobs
	asr   *asrtest.TranscriptionProtocolDouble
	opts  Options
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	e := &testEnv{}
	e.conn, e.db = migratetest.Database(t, Migrations())
	b, err := embedded.Start(embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	e.kafka = kafka.Plain(b.Addrs()...)
	e.asr = asrtest.NewTranscriptionProtocolDouble(t)
	eng, err := asr.New(e.asr.Config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	e.store = NewStore(e.conn, e.db)
	e.opts = Options{
		Config: Config{BlobDir: t.TempDir(), JobsTopic: "test.jobs", TranscriptsTopic: "test.transcripts", Partitions: 2},
		Kafka:  e.kafka, ClickHouse: e.conn, Database: e.db, Engine: eng, Backoff: 20 * time.Millisecond,
	}
	if e.blobs, err = NewBlobs(e.opts.BlobDir); err != nil {
		t.Fatal(err)
	}
	return e
}

// storeJob stores a spoken recording and its job row in the given status.
func (e *testEnv) storeJob(ctx context.Context, t *testing.T, status Status) (Job, audiotest.Recording) {
	t.Helper()
	rec := audiotest.TwoPhrases(t, t.TempDir())
	data, err := os.ReadFile(rec.Path)
	if err != nil {
		t.Fatal(err)
	}
	j := Job{ID: NewID(), DoctorID: "d-1", PatientID: "p-1", EncounterID: "e-1", Language: "uz",
		Status: status, CreatedAt: time.Now().UTC().Truncate(time.Second)}
	if err := e.blobs.Put(j.ID, data); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Put(ctx, j); err != nil {
		t.Fatal(err)
	}
	return j, rec
}

func (e *testEnv) count(t *testing.T, q string, args ...any) uint64 {
	t.Helper()
	var n uint64
	if err := e.conn.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestRedeliveryIsIdempotent delivers one job three times, the first after
// a simulated crash mid-transcription (status running, one segment
// stored): one job row, each segment once, the same result.
func TestRedeliveryIsIdempotent(t *testing.T) {
	e := newTestEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	j, rec := e.storeJob(ctx, t, StatusRunning)
	created := j.CreatedAt
	if err := e.store.PutSegment(ctx, j.ID, created, Segment{Seq: 0, StartMS: 1, EndMS: 2, Text: "stale"}); err != nil {
		t.Fatal(err)
	}
	q := NewQueue(e.kafka, e.opts.JobsTopic)
	defer q.Close()
	for range 3 {
		if err := q.Enqueue(ctx, j); err != nil {
			t.Fatal(err)
		}
	}

	stopWorkers := workertest.Run(t, ctx, e.opts, RunASR, RunNotes)

	var (
		got Job
		err error
	)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if got, err = e.store.Get(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
		if got.Status.Final() || time.Now().After(deadline) {
			break
		}
	}
	// Give the two redeliveries time to be consumed: the transcripts topic
	// must have been read to the end by the note worker.
	time.Sleep(1500 * time.Millisecond)
	stopWorkers()

	if got.Status != StatusDone || got.Transcript == nil || got.Note == nil {
		t.Fatalf("job %+v, want done with transcript and note", got)
	}
	if n := e.count(t, "SELECT count() FROM "+e.db+".doctor_jobs FINAL WHERE job_id = ?", j.ID); n != 1 {
		t.Errorf("%d job rows, want 1", n)
	}
	segs, err := e.store.Segments(ctx, j.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != len(got.Transcript.Segments) {
		t.Fatalf("%d stored segments, transcript has %d", len(segs), len(got.Transcript.Segments))
	}
	for i := range segs {
		if segs[i] != got.Transcript.Segments[i] {
			t.Errorf("stored segment %d = %+v, transcript's %+v (the stale one must be replaced)", i, segs[i], got.Transcript.Segments[i])
		}
	}
	// Transcribed once: the redeliveries found the job done.
	chunks := len(e.asr.Requests())
	if chunks == 0 || chunks > 2 {
		t.Errorf("%d engine requests for a %s recording: transcribed more than once?", chunks, rec.Duration)
	}
	if n := e.count(t, "SELECT count() FROM "+e.db+".doctor_audit WHERE action = 'note.write' AND resource_id = ?", j.ID); n != 1 {
		t.Errorf("%d note.write audit rows, want 1", n)
	}
}

func TestUndecodableAudioFailsTheJob(t *testing.T) {
	e := newTestEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	j := Job{ID: NewID(), DoctorID: "d-1", PatientID: "p-1", Language: "auto", Status: StatusQueued, CreatedAt: time.Now()}
	if err := e.blobs.Put(j.ID, []byte("OggS\x00\x02 not audio we decode")); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Put(ctx, j); err != nil {
		t.Fatal(err)
	}
	q := NewQueue(e.kafka, e.opts.JobsTopic)
	defer q.Close()
	if err := q.Enqueue(ctx, j); err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- RunASR(wctx, e.opts) }()
	var got Job
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got, err = e.store.Get(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
		if got.Status.Final() {
			break
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusFailed || got.Reason == "" {
		t.Fatalf("job %+v, want failed with a reason", got)
	}
	if len(e.asr.Requests()) != 0 {
		t.Error("undecodable audio reached the engine")
	}
}

func TestRetainDeletesOldTranscripts(t *testing.T) {
	e := newTestEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := time.Date(2025, 11, 30, 12, 0, 0, 0, time.UTC)
	old := Job{ID: NewID(), DoctorID: "d", Status: StatusDone, CreatedAt: now.Add(-100 * 24 * time.Hour)}
	fresh := Job{ID: NewID(), DoctorID: "d", Status: StatusDone, CreatedAt: now.Add(-24 * time.Hour)}
	for _, j := range []Job{old, fresh} {
		if err := e.store.Put(ctx, j); err != nil {
			t.Fatal(err)
		}
		if err := e.store.PutSegment(ctx, j.ID, j.CreatedAt, Segment{Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Retain(ctx, RetentionOptions{Blobs: e.blobs, Store: e.store, AudioAge: 30 * 24 * time.Hour,
		TranscriptAge: 90 * 24 * time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	// The deletion is a mutation, applied in the background.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, err := e.store.Get(ctx, old.ID); err != nil {
			break
		}
	}
	if _, err := e.store.Get(ctx, old.ID); err == nil {
		t.Error("old job kept")
	}
	if _, err := e.store.Get(ctx, fresh.ID); err != nil {
		t.Errorf("fresh job: %v", err)
	}
	if segs, _ := e.store.Segments(ctx, fresh.ID, 0); len(segs) != 1 {
		t.Errorf("fresh job's segments: %v", segs)
	}
}

// TestStoppedWorkerJobIsTakenOver stops an ASR worker in the middle of a
// job, before it could commit; a second worker of the same consumer group
// gets the job and finishes it.
func TestStoppedWorkerJobIsTakenOver(t *testing.T) {
	e := newTestEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	j, _ := e.storeJob(ctx, t, StatusQueued)
	var err error
	q := NewQueue(e.kafka, e.opts.JobsTopic)
	defer q.Close()
	if err := q.Enqueue(ctx, j); err != nil {
		t.Fatal(err)
	}

	// Worker A takes the job and hangs in the engine.
	e.asr.SetDelay(time.Minute)
	actx, stopA := context.WithCancel(ctx)
	aDone := make(chan error, 1)
	go func() { aDone <- RunASR(actx, e.opts) }()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if got, err := e.store.Get(ctx, j.ID); err == nil && got.Status == StatusRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("worker A never started the job")
		}
	}
	stopA()
	if err := <-aDone; err != nil {
		t.Fatalf("worker A: %v", err)
	}

	// Worker B, same group, finishes what A left uncommitted.
	e.asr.SetDelay(0)
	bctx, stopB := context.WithCancel(ctx)
	defer stopB()
	go func() { _ = RunASR(bctx, e.opts) }()
	go func() { _ = RunNotes(bctx, e.opts) }()
	var got Job
	for deadline := time.Now().Add(45 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if got, err = e.store.Get(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
		if got.Status == StatusDone && got.Note != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s after worker A stopped: %+v", j.ID, got.Status)
		}
	}
	if len(got.Transcript.Segments) == 0 {
		t.Fatal("the job finished without segments")
	}
}

// With nothing configured, a sweep deletes jobs (transcripts, notes,
// segments) older than 90 days and keeps the younger ones: patient data is
// not kept forever by default.
func TestDefaultRetentionDeletesOldTranscripts(t *testing.T) {
	e := newTestEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := time.Now().UTC().Truncate(time.Second)
	old := Job{ID: NewID(), DoctorID: "d", Status: StatusDone, CreatedAt: now.Add(-91 * 24 * time.Hour)}
	fresh := Job{ID: NewID(), DoctorID: "d", Status: StatusDone, CreatedAt: now.Add(-89 * 24 * time.Hour)}
	for _, j := range []Job{old, fresh} {
		if err := e.store.Put(ctx, j); err != nil {
			t.Fatal(err)
		}
		if err := e.store.PutSegment(ctx, j.ID, j.CreatedAt, Segment{Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	audit := &auditRecorder{}
	o := Config{BlobDir: e.opts.BlobDir}.RetentionOptions(e.blobs, e.store, nil, audit)
	o.Now = func() time.Time { return now }
	rep, err := Retain(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.TranscriptsBefore.IsZero() {
		t.Fatal("the default configuration swept no transcripts (kept forever)")
	}
	if got, want := now.Sub(rep.TranscriptsBefore), DefaultTranscriptRetention; got != want {
		t.Errorf("transcript retention %v, want %v", got, want)
	}
	// The deletions are mutations, applied in the background, one per table.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		_, err := e.store.Get(ctx, old.ID)
		segs, _ := e.store.Segments(ctx, old.ID, 0)
		if err != nil && len(segs) == 0 {
			break
		}
	}
	if _, err := e.store.Get(ctx, old.ID); err == nil {
		t.Error("a 91-day-old job was kept")
	}
	if segs, _ := e.store.Segments(ctx, old.ID, 0); len(segs) != 0 {
		t.Errorf("a 91-day-old job's segments were kept: %v", segs)
	}
	if _, err := e.store.Get(ctx, fresh.ID); err != nil {
		t.Errorf("89-day-old job: %v", err)
	}
	if segs, _ := e.store.Segments(ctx, fresh.ID, 0); len(segs) != 1 {
		t.Errorf("89-day-old job's segments: %v", segs)
	}
}

// Keeping transcripts forever takes an explicit -1.
func TestRetentionKeepsTranscriptsOnlyWhenTold(t *testing.T) {
	keep := Config{Retention: RetentionConfig{TranscriptDays: -1}}.RetentionOptions(nil, nil, nil, nil)
	if keep.TranscriptAge != 0 {
		t.Errorf("transcript_days -1: age %v, want 0 (kept)", keep.TranscriptAge)
	}
	if def := (Config{}).RetentionOptions(nil, nil, nil, nil); def.TranscriptAge != DefaultTranscriptRetention || def.AudioAge != DefaultAudioRetention {
		t.Errorf("defaults: %+v", def)
	}
}

// On a ClickHouse cluster (tables ON CLUSTER, Distributed over replicated
// local tables) retention deletes old jobs and segments on every shard:
// ALTER ... DELETE on the Distributed table itself would be refused.
func TestRetentionOnCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the local ClickHouse cluster")
	}
	c, conn, db := migratetest.ClusterDatabase(t, Migrations())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	store := NewStore(conn, db).OnCluster(c.Name)
	now := time.Now().UTC().Truncate(time.Second)
	var old, fresh []string
	// Enough jobs that both shards hold some of each.
	for i := range 20 {
		j := Job{ID: NewID(), DoctorID: "d", Status: StatusDone, CreatedAt: now.Add(-91 * 24 * time.Hour)}
		if i%2 == 1 {
			j.CreatedAt = now.Add(-89 * 24 * time.Hour)
			fresh = append(fresh, j.ID)
		} else {
			old = append(old, j.ID)
		}
		if err := store.Put(ctx, j); err != nil {
			t.Fatal(err)
		}
		if err := store.PutSegment(ctx, j.ID, j.CreatedAt, Segment{Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	count := func(table string) (n uint64) {
		if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+"."+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := store.DeleteBefore(ctx, now.Add(-90*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); count("doctor_jobs") != 10 || count("doctor_job_segments") != 10; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s: %d jobs and %d segments; want the 10 younger than 90 days", count("doctor_jobs"), count("doctor_job_segments"))
		}
	}
	for _, id := range old {
		if _, err := store.Get(ctx, id); err == nil {
			t.Errorf("91-day-old job %s was kept", id)
		}
	}
	for _, id := range fresh {
		if _, err := store.Get(ctx, id); err != nil {
			t.Errorf("89-day-old job %s: %v", id, err)
		}
	}
}
