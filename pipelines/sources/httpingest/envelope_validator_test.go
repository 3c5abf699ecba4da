package httpingest

import (
	"fmt"
	"time"

	"github.com/valyala/fastjson"

	"github.com/oqim/oqim/pipelines/events"
)

// EnvelopeValidator is the handler tests' stand-in for decode.Validator,
// the production Validator (cmd/oqim builds it), so that a test event need
// not satisfy a family's schema. It checks the envelope every Oqim event shares (see
// pipelines/events): id, source and type are non-empty strings, time is
// RFC 3339 and neither in the future nor too old, region is one of the
// given codes, district is a string if present, and data is an object.
// It does not check data against the type's schema.
type EnvelopeValidator struct {
	regions map[string]struct{}
	limits  events.Limits
	now     func() time.Time
}

// NewEnvelopeValidator accepts events for the given ISO 3166-2:UZ region
// codes (region.Data.RegionIDs). now defaults to time.Now.
func NewEnvelopeValidator(regions []string, limits events.Limits, now func() time.Time) *EnvelopeValidator {
	set := make(map[string]struct{}, len(regions))
	for _, r := range regions {
		set[r] = struct{}{}
	}
	if now == nil {
		now = time.Now
	}
	return &EnvelopeValidator{regions: set, limits: limits, now: now}
}

// ValidateEnvelope returns nil or an *events.FieldError.
func (v *EnvelopeValidator) ValidateEnvelope(env *events.Envelope) error {
	if v.limits.MaxBytes > 0 && len(env.Record) > v.limits.MaxBytes {
		return &events.FieldError{Reason: events.ReasonTooLarge, Detail: fmt.Sprintf("event is %d bytes, the limit is %d", len(env.Record), v.limits.MaxBytes)}
	}
	for _, f := range []struct {
		v    *fastjson.Value
		name string
	}{{env.ID, events.FieldID}, {env.Source, events.FieldSource}, {env.Type, events.FieldType}} {
		if _, err := events.String(f.v, f.name, true); err != nil {
			return err
		}
	}
	raw, err := events.String(env.Time, events.FieldTime, true)
	if err != nil {
		return err
	}
	t, perr := time.Parse(time.RFC3339Nano, string(raw))
	if perr != nil {
		return &events.FieldError{Field: events.FieldTime, Reason: events.ReasonInvalidValue, Detail: fmt.Sprintf("%q is not an RFC 3339 time", raw)}
	}
	if limit := v.now().Add(v.limits.MaxClockSkew); t.After(limit) {
		return &events.FieldError{Field: events.FieldTime, Reason: events.ReasonFutureTime, Detail: fmt.Sprintf("%s is more than %s in the future", raw, v.limits.MaxClockSkew)}
	}
	if !v.limits.Oldest.IsZero() && t.Before(v.limits.Oldest) {
		return &events.FieldError{Field: events.FieldTime, Reason: events.ReasonInvalidValue, Detail: fmt.Sprintf("%s is before %s", raw, v.limits.Oldest.Format(time.DateOnly))}
	}
	reg, err := events.String(env.Region, events.FieldRegion, true)
	if err != nil {
		return err
	}
	if _, ok := v.regions[string(reg)]; !ok {
		return &events.FieldError{Field: events.FieldRegion, Reason: events.ReasonUnknownRegion, Detail: fmt.Sprintf("%q is not an ISO 3166-2:UZ region code such as UZ-JI", reg)}
	}
	if _, err := events.String(env.District, events.FieldDistrict, false); err != nil {
		return err
	}
	if env.Data == nil {
		return &events.FieldError{Field: events.FieldData, Reason: events.ReasonMissingField, Detail: "required"}
	}
	if env.Data.Type() != fastjson.TypeObject {
		return &events.FieldError{Field: events.FieldData, Reason: events.ReasonWrongType, Detail: fmt.Sprintf("must be an object, got %s", env.Data.Type())}
	}
	return nil
}
