package decode

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/oqim/oqim/pipelines/events"
)

// Text that would be stored as something other than what a reader sees,
// and times a DateTime column would store wrapped, are refused with the
// field named; the record leaves the table untouched.
func TestDecodeRefusesUnclean(t *testing.T) {
	cases := []struct {
		name, from, to, field string
	}{
		{"NUL in data text", `"agency":"Tax Committee"`, `"agency":"Tax\u0000Committee"`, "data.agency"},
		{"C0 in data text", `"agency":"Tax Committee"`, `"agency":"Tax\u001bCommittee"`, "data.agency"},
		{"DEL in data text", `"agency":"Tax Committee"`, `"agency":"Tax` + "\x7f" + `Committee"`, "data.agency"},
		{"C1 in data text", `"agency":"Tax Committee"`, `"agency":"Tax\u0085Committee"`, "data.agency"},
		{"bidi override", `"agency":"Tax Committee"`, `"agency":"Tax\u202eeettimmoC"`, "data.agency"},
		{"bidi isolate", `"application_id":"a1"`, `"application_id":"a1\u2066"`, "data.application_id"},
		{"invalid UTF-8", `"agency":"Tax Committee"`, `"agency":"Tax ` + "\xff\xfe" + ` Committee"`, "data.agency"},
		{"newline in envelope id", `"id":"e1"`, `"id":"e\n1"`, "id"},
		{"bidi in envelope source", `"source":"single-portal"`, `"source":"single\u202eportal"`, "source"},
		{"NUL in district", `"district":"Zomin"`, `"district":"Zo\u0000min"`, "district"},
		{"deadline past DateTime", `"deadline":"2025-11-13T08:30:00Z"`, `"deadline":"9999-12-31T00:00:00Z"`, "data.deadline"},
		{"deadline before 1970", `"deadline":"2025-11-13T08:30:00Z"`, `"deadline":"1969-12-31T23:59:59Z"`, "data.deadline"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := newDecoder(t, memory.NewGoAllocator())
			rec := strings.Replace(application, c.from, c.to, 1)
			if rec == application {
				t.Fatalf("%s not in the record", c.from)
			}
			var fe *events.FieldError
			err := d.Decode([]byte(rec))
			if !errors.As(err, &fe) || fe.Field != c.field || fe.Reason != events.ReasonInvalidValue {
				t.Fatalf("Decode = %v, want invalid_value naming %s", err, c.field)
			}
			if d.Rows() != 0 {
				t.Fatalf("%d rows buffered after a refused record", d.Rows())
			}
		})
	}
}

// Free text keeps tab and line breaks, and any printable script.
func TestDecodeKeepsCleanText(t *testing.T) {
	d := newDecoder(t, memory.NewGoAllocator())
	rec := strings.Replace(application, `"agency":"Tax Committee"`, `"agency":"Soliq\tqoʻmitasi\r\nНалоговый комитет ✓"`, 1)
	if err := d.Decode([]byte(rec)); err != nil {
		t.Fatal(err)
	}
	rec = strings.Replace(application, `"deadline":"2025-11-13T08:30:00Z"`, `"deadline":"2106-02-07T06:28:15Z"`, 1)
	if err := d.Decode([]byte(rec)); err != nil {
		t.Fatalf("the last storable second: %v", err)
	}
}
