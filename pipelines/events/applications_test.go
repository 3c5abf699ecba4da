package events

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2025, 11, 3, 9, 0, 0, 0, time.UTC)

func newTestDecoder() *Decoder {
	return NewDecoder([]string{"UZ-JI", "UZ-XO"}, DefaultLimits(), func() time.Time { return now })
}

const valid = `{"id":"e1","source":"single-portal","type":"portal.application.submitted","time":"2025-11-03T08:30:00+05:00",
"region":"UZ-JI","district":"Zomin","data":{"application_id":"a1","service_id":"annex4-12","agency":"Tax Committee","channel":"mobile","deadline":"2025-11-13T08:30:00Z"}}`

func TestDecodeApplication(t *testing.T) {
	d := newTestDecoder()
	var b ApplicationBatch
	if err := d.DecodeApplication(&b, []byte(valid)); err != nil {
		t.Fatal(err)
	}
	if b.Len() != 1 {
		t.Fatalf("len = %d", b.Len())
	}
	// 08:30 at UTC+5 is 03:30 UTC: times are stored in UTC.
	if got := b.Time[0]; !got.Equal(time.Date(2025, 11, 3, 3, 30, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("time = %v", got)
	}
	if b.Status[0] != "submitted" || b.Region[0] != "UZ-JI" || b.District[0] != "Zomin" || b.Channel[0] != "mobile" || b.ServiceID[0] != "annex4-12" {
		t.Errorf("row = %+v", b)
	}
	if cols := b.Columns(); len(cols) != len(ApplicationColumns) {
		t.Fatalf("%d columns for %d names", len(cols), len(ApplicationColumns))
	}
	b.Reset()
	if b.Len() != 0 || len(b.Deadline) != 0 || len(b.Channel) != 0 {
		t.Fatal("Reset left rows behind")
	}
}

func TestDecodeApplicationRejects(t *testing.T) {
	tests := []struct {
		name   string
		record string
		field  string
		reason Reason
	}{
		{"malformed", `{"id":`, "", ReasonMalformed},
		{"not an object", `[1,2]`, "", ReasonMalformed},
		{"missing id", strings.Replace(valid, `"id":"e1",`, "", 1), "id", ReasonMissingField},
		{"id wrong type", strings.Replace(valid, `"id":"e1"`, `"id":17`, 1), "id", ReasonWrongType},
		{"unknown type", strings.Replace(valid, "portal.application.submitted", "portal.application.teleported", 1), "type", ReasonUnknownType},
		{"unknown region", strings.Replace(valid, `"UZ-JI"`, `"UZ-ZZ"`, 1), "region", ReasonUnknownRegion},
		{"future", strings.Replace(valid, "2025-11-03T08:30:00+05:00", "2025-11-04T08:30:00+05:00", 1), "time", ReasonFutureTime},
		{"bad time", strings.Replace(valid, "2025-11-03T08:30:00+05:00", "03.11.2025", 1), "time", ReasonInvalidValue},
		{"ancient", strings.Replace(valid, "2025-11-03T08:30:00+05:00", "1999-01-01T00:00:00Z", 1), "time", ReasonInvalidValue},
		{"bad channel", strings.Replace(valid, `"mobile"`, `"fax"`, 1), "data.channel", ReasonInvalidValue},
		{"missing service", strings.Replace(valid, `"service_id":"annex4-12",`, "", 1), "data.service_id", ReasonMissingField},
		{"bad deadline", strings.Replace(valid, `"2025-11-13T08:30:00Z"`, `"soon"`, 1), "data.deadline", ReasonInvalidValue},
		{"data not object", strings.Replace(valid, `"data":{`, `"data":"x","y":{`, 1), "data", ReasonWrongType},
		{"too large", valid[:len(valid)-2] + `,"pad":"` + strings.Repeat("x", 70<<10) + `"}}`, "", ReasonTooLarge},
	}
	d := newTestDecoder()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b ApplicationBatch
			err := d.DecodeApplication(&b, []byte(tt.record))
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FieldError", err)
			}
			if fe.Field != tt.field || fe.Reason != tt.reason {
				t.Fatalf("got field %q reason %q (%v), want field %q reason %q", fe.Field, fe.Reason, err, tt.field, tt.reason)
			}
			if b.Len() != 0 {
				t.Fatal("a rejected record was appended")
			}
		})
	}
}

func BenchmarkDecodeApplication(b *testing.B) {
	d := newTestDecoder()
	var batch ApplicationBatch
	rec := []byte(valid)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if batch.Len() == 4096 {
			batch.Reset()
		}
		if err := d.DecodeApplication(&batch, rec); err != nil {
			b.Fatal(err)
		}
	}
}
