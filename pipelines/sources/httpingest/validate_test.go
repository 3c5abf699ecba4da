package httpingest

import (
	"errors"
	"strings"
	"testing"

	"github.com/oqim/oqim/pipelines/events"
)

func TestEnvelopeValidator(t *testing.T) {
	v := testValidator(t)
	valid := `{"id":"e1","source":"s","type":"t.x","time":"2025-11-03T08:30:00.123+05:00","region":"UZ-JI","district":"Zarbdor","data":{}}`
	if err := validate(v, valid); err != nil {
		t.Fatalf("valid event: %v", err)
	}
	for _, tt := range []struct {
		name, line, field string
		reason            events.Reason
	}{
		{"missing source", strings.Replace(valid, `"source":"s",`, "", 1), "source", events.ReasonMissingField},
		{"empty type", strings.Replace(valid, `"t.x"`, `""`, 1), "type", events.ReasonMissingField},
		{"id number", strings.Replace(valid, `"e1"`, `1`, 1), "id", events.ReasonWrongType},
		{"date only", strings.Replace(valid, "2025-11-03T08:30:00.123+05:00", "2025-11-03", 1), "time", events.ReasonInvalidValue},
		{"ancient", strings.Replace(valid, "2025-11-03T08:30:00.123+05:00", "2019-12-31T23:59:59Z", 1), "time", events.ReasonInvalidValue},
		{"future", strings.Replace(valid, "2025-11-03T08:30:00.123+05:00", "2025-11-03T12:06:00Z", 1), "time", events.ReasonFutureTime},
		{"lower-case region", strings.Replace(valid, "UZ-JI", "uz-ji", 1), "region", events.ReasonUnknownRegion},
		{"district number", strings.Replace(valid, `"Zarbdor"`, `7`, 1), "district", events.ReasonWrongType},
		{"no data", strings.Replace(valid, `,"data":{}`, "", 1), "data", events.ReasonMissingField},
		{"data null", strings.Replace(valid, `"data":{}`, `"data":null`, 1), "data", events.ReasonWrongType},
		{"too large", strings.Replace(valid, `"data":{}`, `"data":{"x":"`+strings.Repeat("x", 65<<10)+`"}`, 1), "", events.ReasonTooLarge},
	} {
		var fe *events.FieldError
		err := validate(v, tt.line)
		if !errors.As(err, &fe) || fe.Field != tt.field || fe.Reason != tt.reason {
			t.Errorf("%s: err = %v, want field %q reason %q", tt.name, err, tt.field, tt.reason)
		}
	}
}

// validate parses line as the handler does and validates its envelope.
func validate(v Validator, line string) error {
	var p events.Parser
	env, err := p.Parse([]byte(line))
	if err != nil {
		return err
	}
	return v.ValidateEnvelope(env)
}
