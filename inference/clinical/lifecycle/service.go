package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/oqim/oqim/inference/clinical/notes"
	"github.com/oqim/oqim/inference/clinical/worker"
)

// Draft is what a new record is made of.
type NewDraft struct {
	PatientID    string
	EncounterID  string
	Note         *notes.Note
	Differential json.RawMessage
	Source       json.RawMessage
}

// Edit is a doctor's change to a draft, based on Version.
type Edit struct {
	Note                *notes.Note
	ConfirmedConditions []Condition
	Version             uint64
}

// Service performs the transitions. Every transition is made for a
// doctor and checks that the doctor is the record's author.
type Service struct {
	store   *Store
	deliver *Deliverer
	now     func() time.Time
}

// NewService returns the transitions over store; signed records are handed
// to deliver.
func NewService(store *Store, deliver *Deliverer, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, deliver: deliver, now: now}
}

// stamp is now as the table keeps it: whole seconds, UTC.
func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Second) }

// Create stores a new draft by doctor.
func (s *Service) Create(ctx context.Context, doctor string, d NewDraft) (Record, error) {
	now := s.stamp()
	r := Record{ID: worker.NewID(), Status: Draft, Version: 1, PatientID: d.PatientID, EncounterID: d.EncounterID,
		Note: d.Note, Differential: d.Differential, ConfirmedConditions: []Condition{}, Source: d.Source,
		CreatedBy: doctor, CreatedAt: now, UpdatedBy: doctor, UpdatedAt: now}
	if len(r.Differential) == 0 {
		r.Differential = json.RawMessage("null")
	}
	if r.EncounterID == "" {
		r.EncounterID = r.ID // the visit is named by its note when the page gives no encounter
	}
	if err := s.store.put(ctx, r); err != nil {
		return Record{}, err
	}
	return r, nil
}

// Get returns record id for its author; ErrNotFound for anyone else.
func (s *Service) Get(ctx context.Context, doctor, id string) (Record, error) {
	r, err := s.store.Get(ctx, id)
	if err != nil {
		return Record{}, err
	}
	if r.CreatedBy != doctor {
		return Record{}, ErrOtherAuthor
	}
	return r, nil
}

// History returns the versions of record id for its author.
func (s *Service) History(ctx context.Context, doctor, id string) ([]Version, error) {
	if _, err := s.Get(ctx, doctor, id); err != nil {
		return nil, err
	}
	return s.store.History(ctx, id)
}

// change applies fn to the latest version of record id, as doctor, and
// stores the result as the next version.
func (s *Service) change(ctx context.Context, doctor, id string, fn func(*Record) error) (Record, error) {
	defer s.store.lock(id)()
	r, err := s.Get(ctx, doctor, id)
	if err != nil {
		return Record{}, err
	}
	if err := fn(&r); err != nil {
		return Record{}, err
	}
	r.Version++
	r.UpdatedBy, r.UpdatedAt = doctor, s.stamp()
	if err := s.store.put(ctx, r); err != nil {
		return Record{}, err
	}
	return r, nil
}

// Update replaces the draft's note and confirmed conditions.
func (s *Service) Update(ctx context.Context, doctor, id string, e Edit) (Record, error) {
	return s.change(ctx, doctor, id, func(r *Record) error {
		if err := editable(r, e.Version); err != nil {
			return err
		}
		r.Note = e.Note
		r.ConfirmedConditions = e.ConfirmedConditions
		if r.ConfirmedConditions == nil {
			r.ConfirmedConditions = []Condition{}
		}
		return nil
	})
}

// Sign makes the draft final and starts its delivery.
func (s *Service) Sign(ctx context.Context, doctor, id string, version uint64) (Record, error) {
	r, err := s.change(ctx, doctor, id, func(r *Record) error {
		if err := editable(r, version); err != nil {
			return err
		}
		if r.Note == nil {
			return fmt.Errorf("%w: the record has no note to sign", ErrConflict)
		}
		now := s.stamp()
		r.Status, r.SignedBy, r.SignedAt = Signed, doctor, &now
		return nil
	})
	if err != nil {
		return Record{}, err
	}
	s.deliver.Enqueue(r.ID)
	return r, nil
}

// Redeliver starts a failed delivery again.
func (s *Service) Redeliver(ctx context.Context, doctor, id string) (Record, error) {
	r, err := s.change(ctx, doctor, id, func(r *Record) error {
		if r.Status != Failed {
			return fmt.Errorf("%w: only a failed delivery is retried; the record is %s", ErrConflict, r.Status)
		}
		r.Status, r.Delivery.LastError = Signed, ""
		return nil
	})
	if err != nil {
		return Record{}, err
	}
	s.deliver.Enqueue(r.ID)
	return r, nil
}

func editable(r *Record, version uint64) error {
	if r.Status != Draft {
		return fmt.Errorf("%w: the record is %s; a signed note is not changed", ErrConflict, r.Status)
	}
	if version != r.Version {
		return fmt.Errorf("%w: version %d is not the latest (%d); reload the record and apply the change again", ErrConflict, version, r.Version)
	}
	return nil
}

// IsConflict reports whether err is a conflict (409).
func IsConflict(err error) bool { return errors.Is(err, ErrConflict) }
