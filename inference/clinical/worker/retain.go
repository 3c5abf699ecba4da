package worker

import (
	"context"
	"errors"
	"time"
)

// ActorRetention names the retention sweep in audit records.
const ActorRetention = "retention"

// RetentionOptions configure [Retain].
type RetentionOptions struct {
	Blobs *Blobs
	// Store, with TranscriptAge > 0, also loses old jobs, transcripts,
	// notes and segments.
	Store *Store
	// Drafts, with TranscriptAge > 0, also loses the clinical notes never
	// signed and untouched for that long: they hold a dictation too
	// (lifecycle.Store).
	Drafts DraftSweeper
	// Audit receives one record per deleted blob and one per transcript
	// sweep; nil records nothing.
	Audit Auditor
	// AudioAge is how long audio is kept; required.
	AudioAge time.Duration
	// TranscriptAge is how long jobs are kept; 0 keeps them.
	TranscriptAge time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DraftSweeper deletes the clinical-note drafts last written before a
// cutoff and returns their ids.
type DraftSweeper interface {
	DeleteDraftsBefore(ctx context.Context, cutoff time.Time) ([]string, error)
}

// RetentionReport says what one sweep removed.
type RetentionReport struct {
	// AudioDeleted are the job ids whose audio was deleted.
	AudioDeleted []string
	// TranscriptsBefore is the cutoff of the job deletion, zero when
	// transcripts are kept.
	TranscriptsBefore time.Time
	// DraftsDeleted are the clinical-note drafts deleted.
	DraftsDeleted []string
}

// Retain deletes audio older than AudioAge and, when configured, jobs
// older than TranscriptAge. A blob's age is the time it was written.
func Retain(ctx context.Context, o RetentionOptions) (RetentionReport, error) {
	var rep RetentionReport
	if o.Blobs == nil || o.AudioAge <= 0 {
		return rep, errors.New("worker: retention needs the blob store and a positive audio age")
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	t := now()
	var errs []error
	// audit records one deletion of the sweep; every record carries the
	// sweep's time, so one sweep reads as one act in the audit log.
	audit := func(action, id, detail string) {
		if o.Audit != nil {
			errs = append(errs, o.Audit.Record(ctx, AuditRecord{Time: t, Actor: ActorRetention, Action: action,
				ResourceID: id, Outcome: OutcomeOK, Detail: detail}))
		}
	}
	deleted, err := o.Blobs.DeleteOlderThan(t.Add(-o.AudioAge))
	rep.AudioDeleted = deleted
	errs = append(errs, err)
	for _, id := range deleted {
		audit("audio.delete", id, "")
	}
	if o.Drafts != nil && o.TranscriptAge > 0 {
		ids, err := o.Drafts.DeleteDraftsBefore(ctx, t.Add(-o.TranscriptAge))
		rep.DraftsDeleted = ids
		errs = append(errs, err)
		for _, id := range ids {
			audit("clinical_note.delete", id, "")
		}
	}
	if o.Store != nil && o.TranscriptAge > 0 {
		cutoff := t.Add(-o.TranscriptAge)
		if err := o.Store.DeleteBefore(ctx, cutoff); err != nil {
			errs = append(errs, err)
		} else {
			rep.TranscriptsBefore = cutoff
			audit("transcript.delete", "", "jobs created before "+cutoff.UTC().Format(time.RFC3339))
		}
	}
	return rep, errors.Join(errs...)
}

// RunRetention runs [Retain] now and then every interval until ctx is
// cancelled; a failed sweep is returned to onError (if set) and retried
// at the next tick.
func RunRetention(ctx context.Context, o RetentionOptions, interval time.Duration, onError func(error)) error {
	if interval <= 0 {
		return errors.New("worker: retention interval must be positive")
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if _, err := Retain(ctx, o); err != nil && onError != nil && ctx.Err() == nil {
			onError(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
