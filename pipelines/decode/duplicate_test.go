package decode

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/oqim/oqim/pipelines/events"
)

// A key Oqim reads, given twice, is refused with the key named: readers
// disagree about which occurrence counts, which is how a record authorised
// as one type was once stored as another.
func TestDecodeRefusesDuplicateKeys(t *testing.T) {
	// Each case repeats one key of application, with a different value
	// that is itself valid, so only the repetition can be the reason.
	envelope := map[string]string{
		"id":       `"id":"e2",`,
		"source":   `"source":"tax-committee",`,
		"type":     `"type":"portal.application.issued",`,
		"time":     `"time":"2025-11-03T08:00:00+05:00",`,
		"region":   `"region":"UZ-XO",`,
		"district": `"district":"Xonqa",`,
		"data":     `"data":{"application_id":"a2","service_id":"annex4-12","agency":"Tax Committee","channel":"web","deadline":"2025-11-13T08:30:00Z"},`,
	}
	tests := map[string]string{}
	for key, extra := range envelope {
		// The repeat comes last, where a last-wins reader would take it ...
		tests[key+" last"] = application[:len(application)-1] + "," + strings.TrimSuffix(extra, ",") + "}"
		// ... and first, where a first-wins reader would.
		tests[key+" first"] = "{" + extra + application[1:]
	}
	data := map[string]string{
		"data.application_id": `"application_id":"a2",`,
		"data.channel":        `"channel":"web",`,
		"data.deadline":       `"deadline":"2025-11-14T08:30:00Z",`,
	}
	for field, extra := range data {
		tests[field] = strings.Replace(application, `"data":{`, `"data":{`+extra, 1)
	}
	d := newDecoder(t, memory.NewGoAllocator())
	for name, rec := range tests {
		field, _, _ := strings.Cut(name, " ")
		for _, op := range []struct {
			name string
			f    func([]byte) error
		}{{"Decode", d.Decode}, {"Validate", d.Validate}} {
			err := op.f([]byte(rec))
			var fe *events.FieldError
			if !errors.As(err, &fe) || fe.Field != field || fe.Reason != events.ReasonDuplicateKey || !strings.Contains(fe.Detail, field) {
				t.Errorf("%s: %s(%s) = %v, want %s naming %q", name, op.name, rec, err, events.ReasonDuplicateKey, field)
			}
		}
	}
	if d.Rows() != 0 {
		t.Fatalf("%d rows buffered from refused records", d.Rows())
	}

	// Keys Oqim does not read are ignored, repeated or not: they are never
	// stored, so they cannot make a record mean two things.
	for _, rec := range []string{
		strings.Replace(application, `"id":"e1",`, `"id":"e1","note":1,"note":2,`, 1),
		strings.Replace(application, `"data":{`, `"data":{"extra":1,"extra":{"type":"x"},`, 1),
	} {
		if err := d.Decode([]byte(rec)); err != nil {
			t.Errorf("%s: %v", rec, err)
		}
	}
}

func TestDecodeFlatAndPlainRefuseDuplicateKeys(t *testing.T) {
	d := newDecoder(t, memory.NewGoAllocator())
	fam, _ := d.opts.Registry.Family("emergency.call")
	flat := `{"id":"c-1","source":"112","time":"2025-11-02T10:00:00Z","region":"UZ-XO","call_id":"c-1","service":"ambulance","response_seconds":540}`
	for field, rec := range map[string]string{
		"source":           strings.Replace(flat, `"source":"112",`, `"source":"112","source":"103",`, 1),
		"response_seconds": strings.Replace(flat, `"response_seconds":540`, `"response_seconds":540,"response_seconds":1`, 1),
	} {
		var fe *events.FieldError
		if err := d.DecodeFlat(fam, 0, []byte(rec)); !errors.As(err, &fe) || fe.Field != field || fe.Reason != events.ReasonDuplicateKey {
			t.Errorf("flat %s: err = %v, want %s naming %q", rec, err, events.ReasonDuplicateKey, field)
		}
	}

	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	p, err := NewPlain("db.readings", plainCols, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	rec := `{"time":"2026-05-01T10:00:00Z","name":"a","value":1.5,"name":"b","count":7}`
	var fe *events.FieldError
	if err := p.Decode([]byte(rec), "t", 0, 0); !errors.As(err, &fe) || fe.Field != "name" || fe.Reason != events.ReasonDuplicateKey {
		t.Errorf("plain %s: err = %v, want %s naming \"name\"", rec, err, events.ReasonDuplicateKey)
	}
	if d.Rows() != 0 || p.Rows() != 0 {
		t.Fatal("a refused record left a row behind")
	}
}

// Flat records go through the same parser with a callback for their
// fields; that must not cost an allocation per record either.
func TestDecodeFlatDoesNotAllocate(t *testing.T) {
	d := newDecoder(t, memory.NewGoAllocator())
	fam, _ := d.opts.Registry.Family("emergency.call")
	rec := []byte(`{"id":"c-1","source":"112","time":"2025-11-02T10:00:00Z","region":"UZ-XO","call_id":"c-1","service":"ambulance","response_seconds":540}`)
	for i := 0; i < 1000; i++ {
		_ = d.DecodeFlat(fam, 0, rec)
	}
	if allocs := testing.AllocsPerRun(5000, func() {
		if err := d.DecodeFlat(fam, 0, rec); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Fatalf("%.1f allocations per flat record", allocs)
	}
}
