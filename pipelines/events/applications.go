package events

import (
	"fmt"
	"strings"
	"time"

	"github.com/valyala/fastjson"
)

// Application lifecycle statuses, in the order an application moves
// through them. An application ends issued or refused.
var ApplicationStatuses = []string{
	"submitted", "registered", "in_review", "interagency_request", "decided", "issued", "refused",
}

// ApplicationTypePrefix prefixes every application lifecycle event type:
// portal.application.submitted, portal.application.issued, ...
const ApplicationTypePrefix = "portal.application."

// Channels through which a citizen can apply.
var Channels = []string{"web", "mobile", "mahalla"}

// ApplicationColumns are portal_applications' insert columns, in the order
// ApplicationBatch appends them.
var ApplicationColumns = []string{
	"id", "source", "time", "region", "district", "status",
	"application_id", "service_id", "agency", "channel", "deadline",
}

// ApplicationBatch holds decoded application events column by column; its
// slices are reused across batches.
type ApplicationBatch struct {
	ID, Source        []string
	Time              []time.Time
	Region, District  []string
	Status            []string
	ApplicationID     []string
	ServiceID, Agency []string
	Channel           []string
	Deadline          []time.Time
}

// Len is the number of rows.
func (b *ApplicationBatch) Len() int { return len(b.ID) }

// Reset empties the batch, keeping its memory.
func (b *ApplicationBatch) Reset() {
	b.ID, b.Source, b.Time = b.ID[:0], b.Source[:0], b.Time[:0]
	b.Region, b.District, b.Status = b.Region[:0], b.District[:0], b.Status[:0]
	b.ApplicationID, b.ServiceID, b.Agency = b.ApplicationID[:0], b.ServiceID[:0], b.Agency[:0]
	b.Channel, b.Deadline = b.Channel[:0], b.Deadline[:0]
}

// Columns returns the batch's columns in ApplicationColumns order.
func (b *ApplicationBatch) Columns() []any {
	return []any{b.ID, b.Source, b.Time, b.Region, b.District, b.Status,
		b.ApplicationID, b.ServiceID, b.Agency, b.Channel, b.Deadline}
}

// Decoder validates envelopes and appends them to a batch. It keeps a
// fastjson parser, so one Decoder serves one goroutine.
type Decoder struct {
	parser  fastjson.Parser
	limits  Limits
	regions map[string]struct{}
	now     func() time.Time
}

// NewDecoder accepts events for the given ISO 3166-2:UZ region codes.
func NewDecoder(regions []string, limits Limits, now func() time.Time) *Decoder {
	set := make(map[string]struct{}, len(regions))
	for _, r := range regions {
		set[r] = struct{}{}
	}
	if now == nil {
		now = time.Now
	}
	return &Decoder{limits: limits, regions: set, now: now}
}

// DecodeApplication parses one record and appends it to b. On error b is
// unchanged and the error is a *FieldError.
func (d *Decoder) DecodeApplication(b *ApplicationBatch, record []byte) error {
	if d.limits.MaxBytes > 0 && len(record) > d.limits.MaxBytes {
		return &FieldError{Reason: ReasonTooLarge, Detail: fmt.Sprintf("record is %d bytes, the limit is %d", len(record), d.limits.MaxBytes)}
	}
	v, err := d.parser.ParseBytes(record)
	if err != nil {
		return &FieldError{Reason: ReasonMalformed, Detail: err.Error()}
	}
	if v.Type() != fastjson.TypeObject {
		return &FieldError{Reason: ReasonMalformed, Detail: "record is not a JSON object"}
	}
	var e envelope
	if err := e.read(v, d); err != nil {
		return err
	}
	status, ok := strings.CutPrefix(e.typ, ApplicationTypePrefix)
	if !ok || !isStatus(status) {
		return &FieldError{Field: FieldType, Reason: ReasonUnknownType, Detail: fmt.Sprintf("%q is not an application lifecycle type (%s{%s})", e.typ, ApplicationTypePrefix, strings.Join(ApplicationStatuses, ","))}
	}
	data := v.Get(FieldData)
	if data == nil {
		return &FieldError{Field: FieldData, Reason: ReasonMissingField, Detail: "required"}
	}
	if data.Type() != fastjson.TypeObject {
		return &FieldError{Field: FieldData, Reason: ReasonWrongType, Detail: "must be an object"}
	}
	appID, err := requiredString(data, "data.application_id", "application_id")
	if err != nil {
		return err
	}
	service, err := requiredString(data, "data.service_id", "service_id")
	if err != nil {
		return err
	}
	agency, err := requiredString(data, "data.agency", "agency")
	if err != nil {
		return err
	}
	channel, err := requiredString(data, "data.channel", "channel")
	if err != nil {
		return err
	}
	if channel != "web" && channel != "mobile" && channel != "mahalla" {
		return &FieldError{Field: "data.channel", Reason: ReasonInvalidValue, Detail: fmt.Sprintf("%q is not one of web, mobile, mahalla", channel)}
	}
	deadlineRaw, err := requiredString(data, "data.deadline", "deadline")
	if err != nil {
		return err
	}
	deadline, perr := time.Parse(time.RFC3339, deadlineRaw)
	if perr != nil {
		return &FieldError{Field: "data.deadline", Reason: ReasonInvalidValue, Detail: fmt.Sprintf("%q is not an RFC 3339 time", deadlineRaw)}
	}

	b.ID = append(b.ID, e.id)
	b.Source = append(b.Source, e.source)
	b.Time = append(b.Time, e.time)
	b.Region = append(b.Region, e.region)
	b.District = append(b.District, e.district)
	b.Status = append(b.Status, status)
	b.ApplicationID = append(b.ApplicationID, appID)
	b.ServiceID = append(b.ServiceID, service)
	b.Agency = append(b.Agency, agency)
	b.Channel = append(b.Channel, channel)
	b.Deadline = append(b.Deadline, deadline.UTC())
	return nil
}

type envelope struct {
	id, source, typ, region, district string
	time                              time.Time
}

func (e *envelope) read(v *fastjson.Value, d *Decoder) error {
	var err error
	if e.id, err = requiredString(v, FieldID, FieldID); err != nil {
		return err
	}
	if e.source, err = requiredString(v, FieldSource, FieldSource); err != nil {
		return err
	}
	if e.typ, err = requiredString(v, FieldType, FieldType); err != nil {
		return err
	}
	raw, err := requiredString(v, FieldTime, FieldTime)
	if err != nil {
		return err
	}
	t, perr := time.Parse(time.RFC3339Nano, raw)
	if perr != nil {
		return &FieldError{Field: FieldTime, Reason: ReasonInvalidValue, Detail: fmt.Sprintf("%q is not an RFC 3339 time", raw)}
	}
	e.time = t.UTC()
	if limit := d.now().Add(d.limits.MaxClockSkew); e.time.After(limit) {
		return &FieldError{Field: FieldTime, Reason: ReasonFutureTime, Detail: fmt.Sprintf("%s is more than %s in the future", raw, d.limits.MaxClockSkew)}
	}
	if e.time.Before(d.limits.Oldest) {
		return &FieldError{Field: FieldTime, Reason: ReasonInvalidValue, Detail: fmt.Sprintf("%s is before %s", raw, d.limits.Oldest.Format(time.DateOnly))}
	}
	if e.region, err = requiredString(v, FieldRegion, FieldRegion); err != nil {
		return err
	}
	if _, ok := d.regions[e.region]; !ok {
		return &FieldError{Field: FieldRegion, Reason: ReasonUnknownRegion, Detail: fmt.Sprintf("%q is not an ISO 3166-2:UZ region code such as UZ-JI", e.region)}
	}
	if dv := v.Get(FieldDistrict); dv != nil && dv.Type() != fastjson.TypeNull {
		sb, serr := dv.StringBytes()
		if serr != nil {
			return &FieldError{Field: FieldDistrict, Reason: ReasonWrongType, Detail: "must be a string"}
		}
		e.district = string(sb)
	}
	return nil
}

func requiredString(v *fastjson.Value, field, key string) (string, error) {
	f := v.Get(key)
	if f == nil || f.Type() == fastjson.TypeNull {
		return "", &FieldError{Field: field, Reason: ReasonMissingField, Detail: "required"}
	}
	sb, err := f.StringBytes()
	if err != nil {
		return "", &FieldError{Field: field, Reason: ReasonWrongType, Detail: fmt.Sprintf("must be a string, got %s", f.Type())}
	}
	if len(sb) == 0 {
		return "", &FieldError{Field: field, Reason: ReasonMissingField, Detail: "must not be empty"}
	}
	return string(sb), nil
}

func isStatus(s string) bool {
	for _, st := range ApplicationStatuses {
		if s == st {
			return true
		}
	}
	return false
}
