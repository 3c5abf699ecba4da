package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	fhirclient "github.com/oqim/oqim/connectors/fhir"
	"github.com/oqim/oqim/inference/clinical/fhir"
	"github.com/oqim/oqim/inference/clinical/worker"
)

// Actor is who the delivery's versions and audit records name.
const Actor = "fhir-delivery"

// DelivererConfig configures the delivery to Digital Healthcare.
type DelivererConfig struct {
	// Client sends the Bundles; nil when no FHIR server is configured,
	// and every delivery then fails with Unconfigured as its reason.
	Client       *fhirclient.Client
	Unconfigured string
	// Identifier systems of the patient, the doctor and the encounter.
	PatientSystem, PractitionerSystem, EncounterSystem string
	// Check validates a Bundle before it is sent, in addition to
	// fhir.Validate (the R4 parser of inference/clinical/fhir/r4); nil
	// skips it.
	Check func([]byte) error
	// Workers deliver in parallel (default 2).
	Workers int
	Audit   worker.Auditor
	Log     *slog.Logger
}

// Deliverer sends signed records to Digital Healthcare in the
// background: one record at a time per worker, each with the client's
// bounded retries. A record stays signed while it is being delivered, so
// a process that stops midway leaves it signed, and Start picks it up
// again. Sending the same record twice is harmless: the send is a
// conditional create on the Bundle's identifier.
type Deliverer struct {
	store *Store
	cfg   DelivererConfig

	mu     sync.Mutex
	queue  []string
	queued map[string]bool
	wake   chan struct{}

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewDeliverer returns a Deliverer over store; Start runs it.
func NewDeliverer(store *Store, cfg DelivererConfig) *Deliverer {
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Unconfigured == "" {
		cfg.Unconfigured = "no FHIR server is configured"
	}
	return &Deliverer{store: store, cfg: cfg, queued: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// Start picks up the records left signed by an earlier run, then delivers
// what is signed from now on, until Close.
func (d *Deliverer) Start(ctx context.Context) error {
	ctx, d.cancel = context.WithCancel(context.WithoutCancel(ctx))
	ids, err := d.store.Pending(ctx)
	if err != nil {
		d.cancel()
		return err
	}
	if len(ids) > 0 {
		d.cfg.Log.Info("resuming deliveries left unfinished", "records", len(ids))
	}
	for _, id := range ids {
		d.Enqueue(id)
	}
	for range d.cfg.Workers {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.run(ctx)
		}()
	}
	return nil
}

// Close stops the workers; a delivery under way is cut off and its
// record stays signed for the next Start.
func (d *Deliverer) Close() {
	if d.cancel != nil {
		d.cancel()
	}
	d.wg.Wait()
}

// Enqueue asks for record id to be delivered. Ids are small and signed
// records few, so the queue is a list; an id already queued is not added
// twice.
func (d *Deliverer) Enqueue(id string) {
	d.mu.Lock()
	if !d.queued[id] {
		d.queued[id] = true
		d.queue = append(d.queue, id)
	}
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *Deliverer) next() (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.queue) == 0 {
		return "", false
	}
	id := d.queue[0]
	d.queue = d.queue[1:]
	delete(d.queued, id)
	return id, true
}

func (d *Deliverer) run(ctx context.Context) {
	for {
		id, ok := d.next()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-d.wake:
				continue
			}
		}
		// Another worker may be waiting too: pass the wake-up on while
		// there is more to do.
		select {
		case d.wake <- struct{}{}:
		default:
		}
		if err := d.deliver(ctx, id); err != nil && ctx.Err() == nil {
			d.cfg.Log.Error("delivery to Digital Healthcare", "note", id, "err", err)
		}
	}
}

// deliver sends record id if it is still signed.
func (d *Deliverer) deliver(ctx context.Context, id string) error {
	r, err := d.store.Get(ctx, id)
	if err != nil {
		return err
	}
	if r.Status != Signed {
		return nil // delivered or failed meanwhile, by another process
	}
	if d.cfg.Client == nil {
		d.audit(ctx, r, "clinical_note.deliver", worker.OutcomeError, d.cfg.Unconfigured)
		return d.finish(ctx, id, Failed, d.cfg.Unconfigured, nil)
	}
	data, err := d.bundle(r)
	if err != nil {
		d.audit(ctx, r, "clinical_note.deliver", worker.OutcomeError, err.Error())
		return d.finish(ctx, id, Failed, err.Error(), nil)
	}
	res, err := d.cfg.Client.SendObserved(ctx, data, func(a fhirclient.Attempt) {
		if ctx.Err() != nil {
			return // cut off by Close: the record stays as it was
		}
		outcome, detail := worker.OutcomeOK, "attempt "+strconv.Itoa(a.N)
		if a.Status != 0 {
			detail += ": HTTP " + strconv.Itoa(a.Status)
		}
		if a.Err != nil {
			outcome = worker.OutcomeError
			if a.Status == 0 {
				detail += ": " + a.Err.Error()
			}
		}
		d.audit(ctx, r, "clinical_note.delivery_attempt", outcome, detail)
		// Each attempt is kept in the record as it happens, so the
		// doctor sees the attempts while a retry waits.
		if err := d.update(ctx, id, func(x *Record) {
			x.Delivery.Attempts++
			x.Delivery.LastError = ""
			if a.Err != nil {
				x.Delivery.LastError = reason(a.Err)
			}
		}); err != nil {
			d.cfg.Log.Error("recording a delivery attempt", "note", id, "err", err)
		}
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		d.audit(ctx, r, "clinical_note.deliver", worker.OutcomeError, reason(err))
		return d.finish(ctx, id, Failed, reason(err), nil)
	}
	d.audit(ctx, r, "clinical_note.deliver", worker.OutcomeOK, "HTTP "+strconv.Itoa(res.Status)+" "+res.Location)
	return d.finish(ctx, id, Delivered, "", res)
}

// bundle builds and checks the record's FHIR Bundle. A Bundle that fails
// Oqim's own checks is not sent: the fault is here, not at the receiver.
func (d *Deliverer) bundle(r Record) ([]byte, error) {
	if r.SignedAt == nil {
		return nil, errors.New("the record has no signing time")
	}
	confirmed := make([]fhir.Confirmed, len(r.ConfirmedConditions))
	for i, c := range r.ConfirmedConditions {
		confirmed[i] = fhir.Confirmed{ICD10: fhir.WHOCode(c.ICD10), Name: c.Name}
	}
	opts := fhir.Options{
		NoteID:       r.ID,
		Patient:      fhir.Identifier{System: d.cfg.PatientSystem, Value: r.PatientID},
		Practitioner: fhir.Identifier{System: d.cfg.PractitionerSystem, Value: r.SignedBy},
		Time:         r.CreatedAt,
		Signed:       *r.SignedAt,
		Final:        true,
		Confirmed:    confirmed,
	}
	if r.EncounterID != "" {
		opts.Encounter = fhir.Identifier{System: d.cfg.EncounterSystem, Value: r.EncounterID}
	}
	b, err := fhir.Build(r.Note, opts)
	if err != nil {
		return nil, fmt.Errorf("building the FHIR Bundle: %w", err)
	}
	data, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("encoding the FHIR Bundle: %w", err)
	}
	if err := fhir.Validate(data); err != nil {
		return nil, fmt.Errorf("the FHIR Bundle failed Oqim's checks: %s", issuePaths(err))
	}
	if d.cfg.Check != nil {
		if err := d.cfg.Check(data); err != nil {
			return nil, fmt.Errorf("the FHIR Bundle failed the R4 parser: %w", err)
		}
	}
	return data, nil
}

// issuePaths names where a Bundle is wrong, not what it says.
func issuePaths(err error) string {
	var ve *fhir.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	paths := make([]string, 0, len(ve.Issues))
	for _, is := range ve.Issues {
		paths = append(paths, is.Path+" ("+is.Message+")")
	}
	return strings.Join(paths, "; ")
}

// reason is a delivery error as the record keeps it: the FHIR client's
// errors name statuses and issue codes, never the Bundle.
func reason(err error) string {
	s := err.Error()
	const limit = 500
	if len(s) > limit {
		s = s[:limit] + "…"
	}
	return s
}

// finish records the end of a delivery.
func (d *Deliverer) finish(ctx context.Context, id, status, lastError string, res *fhirclient.Result) error {
	return d.update(ctx, id, func(x *Record) {
		x.Status, x.Delivery.LastError = status, lastError
		if res != nil {
			now := time.Now().UTC().Truncate(time.Second)
			x.Delivery.DeliveredAt, x.Delivery.Location = &now, res.Location
		}
	})
}

// update writes the next version of a signed record.
func (d *Deliverer) update(ctx context.Context, id string, fn func(*Record)) error {
	defer d.store.lock(id)()
	r, err := d.store.Get(ctx, id)
	if err != nil {
		return err
	}
	if r.Status != Signed {
		return fmt.Errorf("%w: %s is %s, no longer being delivered", ErrConflict, id, r.Status)
	}
	fn(&r)
	r.Version++
	r.UpdatedBy, r.UpdatedAt = Actor, d.store.now().UTC().Truncate(time.Second)
	return d.store.put(ctx, r)
}

func (d *Deliverer) audit(ctx context.Context, r Record, action, outcome, detail string) {
	if d.cfg.Audit == nil {
		return
	}
	err := d.cfg.Audit.Record(ctx, worker.AuditRecord{Actor: Actor, DoctorID: r.SignedBy, Action: action,
		ResourceID: r.ID, PatientID: r.PatientID, Outcome: outcome, Detail: detail})
	if err != nil {
		d.cfg.Log.Error("audit of a delivery failed", "note", r.ID, "action", action, "err", err)
	}
}
