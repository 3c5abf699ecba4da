package doctorapi

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/worker"
)

// Doctor is the authenticated caller.
type Doctor struct {
	ID   string
	Name string
}

// DoctorFrom returns the doctor a request was authenticated as.
func DoctorFrom(ctx context.Context) (Doctor, bool) {
	p, ok := httpedge.PrincipalFrom(ctx)
	if !ok || p.Kind != httpedge.Doctor {
		return Doctor{}, false
	}
	return Doctor{ID: p.ID, Name: p.Name}, true
}

// newAuthenticator turns the doctors' keys and JWT settings, then the
// extra verifiers, into the edge's verifiers.
func newAuthenticator(cfg Config, now func() time.Time, extra ...httpedge.Verifier) (httpedge.Credentials, error) {
	var creds httpedge.Credentials
	keys := make([]httpedge.Key, 0, len(cfg.APIKeys))
	for i, k := range cfg.APIKeys {
		if k.DoctorID == "" {
			return nil, fmt.Errorf("doctorapi: api_keys[%d].doctor_id is empty", i)
		}
		keys = append(keys, httpedge.Key{SHA256: k.KeySHA256, Principal: httpedge.Principal{Kind: httpedge.Doctor, ID: k.DoctorID, Name: k.Name}})
	}
	if len(keys) > 0 {
		v, err := httpedge.NewKeys(keys)
		if err != nil {
			return nil, fmt.Errorf("doctorapi: api_%w", err)
		}
		creds = append(creds, v)
	}
	if cfg.JWT.Secret != "" {
		v, err := cfg.JWT.Verifier(httpedge.Doctor, DefaultAudience, 30*time.Second, now)
		if err != nil {
			return nil, fmt.Errorf("doctorapi: %w", err)
		}
		creds = append(creds, v)
	}
	creds = append(creds, extra...)
	if len(creds) == 0 {
		return nil, errors.New("doctorapi: no credentials configured: set doctor api_keys or jwt.secret (or oidc for doctors)")
	}
	return creds, nil
}

// refusals is the edge's audit hook: what the edge refuses (no or bad
// credentials, the rate limit) never reaches a handler, so it is recorded
// here. What handlers serve they audit themselves, with the patient it
// concerns.
//
// The hook must not block the request on I/O, so records are written in
// the background, a bounded number at a time; under a flood of refused
// requests the excess is logged and dropped rather than queued without
// bound.
type refusals struct{ h *Handler }

// maxRefusalWrites bounds the refusal records being written at once.
const maxRefusalWrites = 16

func (a refusals) Audit(ctx context.Context, x httpedge.Audit) {
	switch {
	case x.Status == 401, x.Status == 429, x.Status == 403 && x.Principal.Kind != httpedge.Doctor:
	default:
		return // served, or refused by a handler, which audited it
	}
	rec := worker.AuditRecord{Time: x.Time, Actor: "doctor", DoctorID: x.Principal.ID,
		Action: "http.refused", ResourceID: x.Method + " " + x.Route, Outcome: worker.OutcomeRejected,
		Detail: strconv.Itoa(x.Status) + " from " + x.Remote}
	h := a.h
	select {
	case h.refusalSlots <- struct{}{}:
	default:
		h.log.Warn("audit of a refused request dropped: too many being written", "status", x.Status, "route", x.Route)
		return
	}
	h.refusalWrites.Add(1)
	go func() {
		defer func() { <-h.refusalSlots; h.refusalWrites.Done() }()
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := h.audit.Record(wctx, rec); err != nil {
			h.log.Error("audit of a refused request failed", "status", x.Status, "route", x.Route, "err", err)
		}
	}()
}
