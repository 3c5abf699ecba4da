package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/retry"
	"github.com/oqim/oqim/inference/clinical/asr"
	"github.com/oqim/oqim/inference/clinical/audio"
	"github.com/oqim/oqim/inference/clinical/notes"
)

// Actors named in audit records written by the workers.
const (
	ActorASR   = "asr-worker"
	ActorNotes = "notes-worker"
)

// errPermanent marks failures that no retry can fix: the job is marked
// failed and its offset committed.
var errPermanent = errors.New("permanent")

func permanent(err error) error { return fmt.Errorf("%w: %w", errPermanent, err) }

func isPermanent(err error) bool {
	return errors.Is(err, errPermanent) || errors.Is(err, audio.ErrUnsupportedFormat) ||
		errors.Is(err, audio.ErrTooLarge) || errors.Is(err, audio.ErrMalformed) ||
		errors.Is(err, asr.ErrInvalidInput) || errors.Is(err, ErrBlobNotFound)
}

// runner is one role's state: the stores and, for the ASR role, the
// producer of the transcripts topic.
type runner struct {
	opts   Options
	store  *Store
	blobs  *Blobs
	audit  Auditor
	next   *Queue // ASR role only
	log    *slog.Logger
	actor  string
	handle func(ctx context.Context, m message) error
}

func newRunner(opts Options, actor string) (*runner, error) {
	opts.Config = opts.Config.WithDefaults()
	if opts.Kafka == nil {
		return nil, errors.New("worker: no Kafka cluster configured")
	}
	if opts.ClickHouse == nil || opts.Database == "" {
		return nil, errors.New("worker: no ClickHouse connection and database configured")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	blobs, err := NewBlobs(opts.BlobDir)
	if err != nil {
		return nil, err
	}
	audit := NewAudit(opts.ClickHouse, opts.Database)
	audit.now = opts.Now
	return &runner{opts: opts, store: NewStore(opts.ClickHouse, opts.Database), blobs: blobs,
		audit: audit, log: log.With("role", actor), actor: actor}, nil
}

// RunASR consumes the jobs topic as a member of Config.ASRGroup until ctx
// is cancelled, then returns nil. Each job's audio is transcribed with
// opts.Engine; segments are stored as they are final; the transcript is
// stored and the job id passed on to the transcripts topic before the
// job's offset is committed.
func RunASR(ctx context.Context, opts Options) error {
	if opts.Engine == nil {
		return asr.ErrNoEngine
	}
	r, err := newRunner(opts, ActorASR)
	if err != nil {
		return err
	}
	r.next = NewQueue(r.opts.Kafka, r.opts.TranscriptsTopic)
	defer r.next.Close()
	r.handle = r.transcribe
	return r.run(ctx, r.opts.ASRGroup, r.opts.JobsTopic)
}

// RunNotes consumes the transcripts topic as a member of
// Config.NotesGroup until ctx is cancelled, then returns nil. Each
// transcript is structured into a note and the job stored as done before
// the offset is committed.
func RunNotes(ctx context.Context, opts Options) error {
	if opts.Structurer == nil {
		opts.Structurer = notes.NewOffline()
	}
	r, err := newRunner(opts, ActorNotes)
	if err != nil {
		return err
	}
	r.handle = r.structure
	return r.run(ctx, r.opts.NotesGroup, r.opts.TranscriptsTopic)
}

func (r *runner) run(ctx context.Context, group, topic string) error {
	ectx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err := r.opts.Kafka.EnsureTopics(ectx, r.opts.Partitions, r.opts.JobsTopic, r.opts.TranscriptsTopic)
	cancel()
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	g, gctx := errgroup.WithContext(ctx)
	for range r.opts.Concurrency {
		g.Go(func() error { return r.consume(gctx, group, topic) })
	}
	err = g.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// consume is one group member: fetch, handle, commit, one job at a time.
// It reads with the same chunked consumer as the ingest pipelines; a chunk
// here is a handful of job ids, each committed as soon as it is handled.
func (r *runner) consume(ctx context.Context, group, topic string) error {
	c, err := r.opts.Kafka.NewConsumer(kafka.ConsumerConfig{
		Group:  group,
		Topics: []string{topic},
		// A job takes seconds and its message is a few hundred bytes: one
		// small fetch waiting is plenty, and it keeps a member from
		// holding many jobs in memory when the group rebalances.
		FetchBytes: 1 << 20,
		Queue:      1,
		Logger:     r.log,
	})
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	defer c.Close()
	for {
		ch, err := c.Poll(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("worker: fetching from %s: %w", topic, err)
		}
		err = r.handleChunk(ctx, c, ch)
		c.Release(ch)
		if err != nil {
			if ctx.Err() != nil {
				return nil // not committed: the job is replayed, harmlessly
			}
			return err
		}
	}
}

// handleChunk processes the chunk's messages in order, committing each
// after it is handled.
func (r *runner) handleChunk(ctx context.Context, c *kafka.Consumer, ch *kafka.Chunk) error {
	for i := range ch.Len() {
		if err := r.process(ctx, ch.Partition, ch.Offset(i), ch.Value(i)); err != nil {
			return err
		}
		next := map[string]map[int]int64{ch.Topic: {ch.Partition: ch.Offset(i) + 1}}
		err := c.Commit(ctx, ch.Generation, next)
		switch {
		case errors.Is(err, kafka.ErrRebalanced):
			// The partition may belong to another member now, which
			// reads on from the last commit: the rest of the chunk is
			// its to handle (the job just done is replayed, harmlessly).
			r.log.Info("group rebalanced; leaving the rest of the fetch to the partition's new owner", "partition", ch.Partition)
			return nil
		case err != nil:
			return fmt.Errorf("worker: committing %s/%d@%d: %w", ch.Topic, ch.Partition, ch.Offset(i), err)
		}
	}
	return nil
}

// process handles one message with retries. It returns nil when the
// message may be committed: the job is stored as done, passed on, or
// failed for good.
func (r *runner) process(ctx context.Context, partition int, offset int64, value []byte) error {
	var m message
	if err := json.Unmarshal(value, &m); err != nil || !ValidID(m.JobID) {
		r.log.Warn("skipping a message that is not a job", "partition", partition, "offset", offset)
		return nil
	}
	backoff := retry.Backoff{Min: r.opts.Backoff, Max: 30 * time.Second}
	for attempt := 1; ; attempt++ {
		err := r.handleOnce(ctx, m)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if isPermanent(err) || attempt >= r.opts.MaxAttempts {
			r.log.Warn("job failed", "job", m.JobID, "attempt", attempt, "err", err)
			return r.fail(ctx, m, err)
		}
		wait := backoff.Next()
		r.log.Warn("job attempt failed; retrying", "job", m.JobID, "attempt", attempt, "in", wait, "err", err)
		if !retry.Sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}

func (r *runner) handleOnce(ctx context.Context, m message) error {
	ctx, cancel := context.WithTimeout(ctx, r.opts.JobTimeout)
	defer cancel()
	return r.handle(ctx, m)
}

// fail stores the job as failed. The reason is the error's text, which
// names the stage and the error class but never audio or transcript.
func (r *runner) fail(ctx context.Context, m message, cause error) error {
	j, err := r.store.Get(ctx, m.JobID)
	if errors.Is(err, ErrJobNotFound) {
		j = Job{ID: m.JobID, DoctorID: m.DoctorID, PatientID: m.PatientID, EncounterID: m.EncounterID,
			Language: m.Language, CreatedAt: m.CreatedAt}
	} else if err != nil {
		return err
	}
	if j.Status.Final() {
		return nil
	}
	j.Status, j.Reason, j.UpdatedAt = StatusFailed, reason(cause), r.opts.Now()
	if err := r.store.Put(ctx, j); err != nil {
		return err
	}
	return r.record(ctx, j, "job.fail", OutcomeError, j.Reason)
}

// reason is the failure reason shown to the doctor.
func reason(err error) string {
	switch {
	case errors.Is(err, ErrBlobNotFound):
		return "the audio is no longer stored"
	case errors.Is(err, audio.ErrUnsupportedFormat), errors.Is(err, audio.ErrTooLarge), errors.Is(err, audio.ErrMalformed):
		return err.Error()
	}
	return "processing failed: " + err.Error()
}

func (r *runner) record(ctx context.Context, j Job, action, outcome, detail string) error {
	return r.audit.Record(ctx, AuditRecord{Actor: r.actor, DoctorID: j.DoctorID, Action: action,
		ResourceID: j.ID, PatientID: j.PatientID, Outcome: outcome, Detail: detail})
}

// job loads the message's job; ok is false when there is nothing to do,
// with err set only when the store failed.
func (r *runner) job(ctx context.Context, m message) (Job, bool, error) {
	j, err := r.store.Get(ctx, m.JobID)
	if errors.Is(err, ErrJobNotFound) {
		r.log.Warn("job not in the store (deleted by retention?); skipping", "job", m.JobID)
		return j, false, nil
	}
	return j, err == nil, err
}

// transcribe is the ASR stage. A job already transcribed is only passed
// on again (the crash came after storing, before committing); a finished
// job is left alone.
func (r *runner) transcribe(ctx context.Context, m message) error {
	j, ok, err := r.job(ctx, m)
	if !ok {
		return err
	}
	switch {
	case j.Status.Final():
		return nil
	case j.Status == StatusTranscribed:
		return r.next.Enqueue(ctx, j)
	}
	j.Status, j.UpdatedAt = StatusRunning, r.opts.Now()
	if err := r.store.Put(ctx, j); err != nil {
		return err
	}
	if err := r.record(ctx, j, "audio.read", OutcomeOK, ""); err != nil {
		return err
	}
	data, err := r.blobs.Get(j.ID)
	if err != nil {
		return err
	}
	clip, _, err := audio.DecodeForASR(bytes.NewReader(data), audio.Limits{MaxDuration: r.opts.MaxAudioDuration})
	if err != nil {
		return err
	}
	j.AudioDuration = clip.Duration()

	// Segments are stored as the engine finalises them, so the API can
	// stream them; the first storage error ends the attempt.
	var segErr error
	seq := 0
	onSegment := func(s asr.Segment) {
		if segErr == nil {
			segErr = r.store.PutSegment(ctx, j.ID, j.CreatedAt, NewSegment(seq, s))
			seq++
		}
	}
	tr, err := r.opts.Engine.Transcribe(ctx, clip, asr.Options{Language: j.Language, OnSegment: onSegment})
	if err != nil {
		return fmt.Errorf("transcribing: %w", err)
	}
	if segErr != nil {
		return segErr
	}
	t := NewTranscript(tr)
	j.Transcript, j.Status, j.UpdatedAt = &t, StatusTranscribed, r.opts.Now()
	if err := r.store.Put(ctx, j); err != nil {
		return err
	}
	if err := r.record(ctx, j, "transcript.write", OutcomeOK, ""); err != nil {
		return err
	}
	r.log.Info("job transcribed", "job", j.ID, "audio", j.AudioDuration, "segments", len(t.Segments))
	return r.next.Enqueue(ctx, j)
}

// structure is the note stage.
func (r *runner) structure(ctx context.Context, m message) error {
	j, ok, err := r.job(ctx, m)
	if !ok {
		return err
	}
	if j.Status.Final() {
		return nil
	}
	if j.Status != StatusTranscribed || j.Transcript == nil {
		return permanent(fmt.Errorf("job %s reached the note worker with status %s and no transcript", j.ID, j.Status))
	}
	if err := r.record(ctx, j, "transcript.read", OutcomeOK, ""); err != nil {
		return err
	}
	note, err := r.opts.Structurer.Structure(ctx, j.Transcript.Text)
	if err != nil {
		return fmt.Errorf("structuring the note: %w", err)
	}
	j.Note, j.Status, j.UpdatedAt = note, StatusDone, r.opts.Now()
	if err := r.store.Put(ctx, j); err != nil {
		return err
	}
	r.log.Info("job done", "job", j.ID, "engine", note.Engine)
	return r.record(ctx, j, "note.write", OutcomeOK, "")
}
