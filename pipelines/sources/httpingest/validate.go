package httpingest

import (
	"fmt"
	"time"

	"github.com/valyala/fastjson"

	"github.com/oqim/oqim/pipelines/events"
)

// Validator checks one NDJSON line before it is accepted. A rejected line's
// error should be an *events.FieldError so the client learns which field is
// wrong and why; any other error is reported with reason invalid_value.
// Validate is called from many requests at once.
type Validator interface {
	Validate(line []byte) error
}

// EnvelopeValidator checks the envelope every Oqim event shares (see
// pipelines/events): id, source and type are non-empty strings, time is
// RFC 3339 and neither in the future nor too old, region is one of the
// given codes, district is a string if present, and data is an object.
// It does not check data against the type's schema.
type EnvelopeValidator struct {
	regions map[string]struct{}
	limits  events.Limits
	now     func() time.Time
	parsers fastjson.ParserPool
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

// Validate returns nil or an *events.FieldError.
func (v *EnvelopeValidator) Validate(line []byte) error {
	if v.limits.MaxBytes > 0 && len(line) > v.limits.MaxBytes {
		return &events.FieldError{Reason: events.ReasonTooLarge, Detail: fmt.Sprintf("event is %d bytes, the limit is %d", len(line), v.limits.MaxBytes)}
	}
	p := v.parsers.Get()
	defer v.parsers.Put(p)
	val, err := p.ParseBytes(line)
	if err != nil {
		return &events.FieldError{Reason: events.ReasonMalformed, Detail: err.Error()}
	}
	if val.Type() != fastjson.TypeObject {
		return &events.FieldError{Reason: events.ReasonMalformed, Detail: "event is not a JSON object"}
	}
	for _, f := range []string{events.FieldID, events.FieldSource, events.FieldType} {
		if _, err := requiredString(val, f); err != nil {
			return err
		}
	}
	raw, err := requiredString(val, events.FieldTime)
	if err != nil {
		return err
	}
	t, perr := time.Parse(time.RFC3339Nano, raw)
	if perr != nil {
		return &events.FieldError{Field: events.FieldTime, Reason: events.ReasonInvalidValue, Detail: fmt.Sprintf("%q is not an RFC 3339 time", raw)}
	}
	if limit := v.now().Add(v.limits.MaxClockSkew); t.After(limit) {
		return &events.FieldError{Field: events.FieldTime, Reason: events.ReasonFutureTime, Detail: fmt.Sprintf("%s is more than %s in the future", raw, v.limits.MaxClockSkew)}
	}
	if !v.limits.Oldest.IsZero() && t.Before(v.limits.Oldest) {
		return &events.FieldError{Field: events.FieldTime, Reason: events.ReasonInvalidValue, Detail: fmt.Sprintf("%s is before %s", raw, v.limits.Oldest.Format(time.DateOnly))}
	}
	reg, err := requiredString(val, events.FieldRegion)
	if err != nil {
		return err
	}
	if _, ok := v.regions[reg]; !ok {
		return &events.FieldError{Field: events.FieldRegion, Reason: events.ReasonUnknownRegion, Detail: fmt.Sprintf("%q is not an ISO 3166-2:UZ region code such as UZ-JI", reg)}
	}
	if d := val.Get(events.FieldDistrict); d != nil && d.Type() != fastjson.TypeNull && d.Type() != fastjson.TypeString {
		return &events.FieldError{Field: events.FieldDistrict, Reason: events.ReasonWrongType, Detail: fmt.Sprintf("must be a string, got %s", d.Type())}
	}
	data := val.Get(events.FieldData)
	if data == nil {
		return &events.FieldError{Field: events.FieldData, Reason: events.ReasonMissingField, Detail: "required"}
	}
	if data.Type() != fastjson.TypeObject {
		return &events.FieldError{Field: events.FieldData, Reason: events.ReasonWrongType, Detail: fmt.Sprintf("must be an object, got %s", data.Type())}
	}
	return nil
}

func requiredString(v *fastjson.Value, field string) (string, error) {
	f := v.Get(field)
	if f == nil || f.Type() == fastjson.TypeNull {
		return "", &events.FieldError{Field: field, Reason: events.ReasonMissingField, Detail: "required"}
	}
	sb, err := f.StringBytes()
	if err != nil {
		return "", &events.FieldError{Field: field, Reason: events.ReasonWrongType, Detail: fmt.Sprintf("must be a string, got %s", f.Type())}
	}
	if len(sb) == 0 {
		return "", &events.FieldError{Field: field, Reason: events.ReasonMissingField, Detail: "must not be empty"}
	}
	return string(sb), nil
}
