package httpingest

import "github.com/oqim/oqim/pipelines/events"

// Validator checks one NDJSON line's envelope, as the handler's
// events.Parser read it, before the line is accepted: the handler parses
// each line once and authorises and validates that one envelope, so what
// it authorises is what it validated (decode.Validator is the production
// one). A rejected envelope's error should be an *events.FieldError so the
// client learns which field is wrong and why; any other error is reported
// with reason invalid_value. ValidateEnvelope is called from many requests
// at once.
type Validator interface {
	ValidateEnvelope(env *events.Envelope) error
}
