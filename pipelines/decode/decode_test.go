package decode

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/oqim/oqim/pipelines/events"
	"github.com/oqim/oqim/pipelines/schema"
)

var now = time.Date(2025, 11, 3, 9, 0, 0, 0, time.UTC)

func newDecoder(t testing.TB, mem memory.Allocator) *Decoder {
	t.Helper()
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(Options{Registry: reg, Regions: []string{"UZ-JI", "UZ-XO"}, Now: func() time.Time { return now }, Alloc: mem})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func table(t *testing.T, d *Decoder, family string) *Table {
	t.Helper()
	for _, tb := range d.Tables() {
		if tb.Family.Name == family {
			return tb
		}
	}
	t.Fatalf("no table for %s", family)
	return nil
}

const application = `{"id":"e1","source":"single-portal","type":"portal.application.submitted","time":"2025-11-03T08:30:00+05:00",
"region":"UZ-JI","district":"Zomin","data":{"application_id":"a1","service_id":"annex4-12","agency":"Tax Committee","channel":"mobile","deadline":"2025-11-13T08:30:00Z"}}`

const appeal = `{"id":"m1","source":"digital-mahalla","type":"mahalla.appeal.resolved","time":"2025-11-02T10:00:00Z",
"region":"UZ-XO","data":{"appeal_id":"ap-9","mahalla":"Gullanbogʻ","category":"roads","resolved":true}}`

func TestDecodeToArrow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d := newDecoder(t, mem)
	for _, r := range []string{application, appeal} {
		if err := d.Decode([]byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	if d.Rows() != 2 {
		t.Fatalf("rows = %d", d.Rows())
	}

	rec := table(t, d, "portal.application").NewRecord()
	defer rec.Release()
	if rec.NumRows() != 1 || int(rec.NumCols()) != len(table(t, d, "portal.application").Family.Columns()) {
		t.Fatalf("record %d rows × %d cols", rec.NumRows(), rec.NumCols())
	}
	col := func(name string) int {
		for i, f := range rec.Schema().Fields() {
			if f.Name == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	// 08:30 at UTC+5 is 03:30 UTC.
	if ts := rec.Column(col("time")).(*array.Timestamp).Value(0); int64(ts) != time.Date(2025, 11, 3, 3, 30, 0, 0, time.UTC).Unix() {
		t.Errorf("time = %v", ts)
	}
	for name, want := range map[string]string{"status": "submitted", "region": "UZ-JI", "district": "Zomin", "channel": "mobile", "service_id": "annex4-12"} {
		if got := rec.Column(col(name)).(*array.String).Value(0); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}

	ap := table(t, d, "mahalla.appeal").NewRecord()
	defer ap.Release()
	byName := map[string]int{}
	for i, f := range ap.Schema().Fields() {
		byName[f.Name] = i
	}
	if v := ap.Column(byName["resolved"]).(*array.Uint8).Value(0); v != 1 {
		t.Errorf("resolved = %d", v)
	}
	// The search key folds the apostrophe variant; the original stays.
	if v := ap.Column(byName["mahalla"]).(*array.String).Value(0); v != "Gullanbogʻ" {
		t.Errorf("mahalla = %q", v)
	}
	if _, ok := byName["mahalla_key"]; !ok {
		t.Error("no mahalla_key column")
	}
	if d.Rows() != 0 {
		t.Errorf("rows after NewRecord = %d", d.Rows())
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name, record, field string
		reason              events.Reason
	}{
		{"malformed", `{"id":`, "", events.ReasonMalformed},
		{"array", `[1]`, "", events.ReasonMalformed},
		{"missing id", strings.Replace(application, `"id":"e1",`, "", 1), "id", events.ReasonMissingField},
		{"id number", strings.Replace(application, `"id":"e1"`, `"id":1`, 1), "id", events.ReasonWrongType},
		{"unknown type", strings.Replace(application, "portal.application.submitted", "portal.application.teleported", 1), "type", events.ReasonUnknownType},
		{"unknown region", strings.Replace(application, `"UZ-JI"`, `"UZ-ZZ"`, 1), "region", events.ReasonUnknownRegion},
		{"future", strings.Replace(application, "2025-11-03T08:30:00+05:00", "2025-11-04T08:30:00+05:00", 1), "time", events.ReasonFutureTime},
		{"bad time", strings.Replace(application, "2025-11-03T08:30:00+05:00", "03.11.2025", 1), "time", events.ReasonInvalidValue},
		{"no data", strings.Replace(application, `"data":{`, `"x":{`, 1), "data", events.ReasonMissingField},
		{"data string", strings.Replace(application, `"data":{`, `"data":"x","y":{`, 1), "data", events.ReasonWrongType},
		{"bad enum", strings.Replace(application, `"mobile"`, `"fax"`, 1), "data.channel", events.ReasonInvalidValue},
		{"missing field", strings.Replace(application, `"service_id":"annex4-12",`, "", 1), "data.service_id", events.ReasonMissingField},
		{"bad data time", strings.Replace(application, `"2025-11-13T08:30:00Z"`, `"soon"`, 1), "data.deadline", events.ReasonInvalidValue},
		{"bool as string", strings.Replace(appeal, `"resolved":true`, `"resolved":"yes"`, 1), "data.resolved", events.ReasonWrongType},
		{"int as string", `{"id":"c","source":"112","type":"emergency.call.closed","time":"2025-11-02T10:00:00Z","region":"UZ-JI","data":{"call_id":"c","service":"fire","response_seconds":"90"}}`, "data.response_seconds", events.ReasonWrongType},
		{"int fraction", `{"id":"c","source":"112","type":"emergency.call.closed","time":"2025-11-02T10:00:00Z","region":"UZ-JI","data":{"call_id":"c","service":"fire","response_seconds":9.5}}`, "data.response_seconds", events.ReasonWrongType},
		{"out of range", `{"id":"c","source":"112","type":"emergency.call.closed","time":"2025-11-02T10:00:00Z","region":"UZ-JI","data":{"call_id":"c","service":"fire","response_seconds":-3}}`, "data.response_seconds", events.ReasonInvalidValue},
		// Numbers JSON does not allow are refused, not read as 0 or 7.
		{"plus sign", strings.Replace(payment, "AMOUNT", "+5000", 1), "data.amount_uzs", events.ReasonWrongType},
		{"bare fraction", strings.Replace(payment, "AMOUNT", ".5", 1), "data.amount_uzs", events.ReasonWrongType},
		{"trailing point", strings.Replace(payment, "AMOUNT", "1.", 1), "data.amount_uzs", events.ReasonWrongType},
		{"leading zero", strings.Replace(payment, "AMOUNT", "007", 1), "data.amount_uzs", events.ReasonWrongType},
		{"bare exponent", strings.Replace(payment, "AMOUNT", "1e", 1), "data.amount_uzs", events.ReasonWrongType},
		{"int leading zero", `{"id":"c","source":"112","type":"emergency.call.closed","time":"2025-11-02T10:00:00Z","region":"UZ-JI","data":{"call_id":"c","service":"fire","response_seconds":090}}`, "data.response_seconds", events.ReasonWrongType},
		{"too large", application[:len(application)-2] + `,"pad":"` + strings.Repeat("x", 70<<10) + `"}}`, "", events.ReasonTooLarge},
	}
	d := newDecoder(t, memory.NewGoAllocator())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := d.Decode([]byte(tt.record))
			var fe *events.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a FieldError", err)
			}
			if fe.Field != tt.field || fe.Reason != tt.reason || fe.Detail == "" {
				t.Fatalf("got %q %q (%v), want field %q reason %q", fe.Field, fe.Reason, err, tt.field, tt.reason)
			}
			if d.Rows() != 0 {
				t.Fatal("a rejected record left a row behind")
			}
		})
	}
}

// payment is a record with a number field; AMOUNT is replaced.
const payment = `{"id":"p","source":"single-portal","type":"portal.payment.paid","time":"2025-11-02T10:00:00Z","region":"UZ-JI",` +
	`"data":{"payment_id":"p","application_id":"a","service_id":"annex4-12","amount_uzs":AMOUNT,"method":"uzcard"}}`

// Every number JSON allows is read as written.
func TestDecodeReadsJSONNumbers(t *testing.T) {
	d := newDecoder(t, memory.NewGoAllocator())
	for _, amount := range []string{"0", "5000", "1e3", "1E-2", "2.5e+3", "12.75", "0.001"} {
		if err := d.Validate([]byte(strings.Replace(payment, "AMOUNT", amount, 1))); err != nil {
			t.Errorf("amount %s: %v", amount, err)
		}
	}
}

func TestDecodeFlat(t *testing.T) {
	d := newDecoder(t, memory.NewGoAllocator())
	fam, _ := d.opts.Registry.Family("emergency.call")
	rec := `{"id":"c-1","source":"112","time":"2025-11-02T10:00:00Z","region":"UZ-XO","call_id":"c-1","service":"ambulance","response_seconds":540}`
	if err := d.DecodeFlat(fam, 0, []byte(rec)); err != nil {
		t.Fatal(err)
	}
	err := d.DecodeFlat(fam, 0, []byte(`{"id":"c-2","source":"112","time":"2025-11-02T10:00:00Z","region":"UZ-XO","call_id":"c-2","service":"ambulance"}`))
	var fe *events.FieldError
	if !errors.As(err, &fe) || fe.Field != "response_seconds" {
		t.Fatalf("err = %v, want missing response_seconds (flat fields have no data. prefix)", err)
	}
	if table(t, d, "emergency.call").Rows() != 1 {
		t.Fatal("flat row not appended")
	}
}

// Steady-state decoding allocates nothing per record: the parser, the
// scratch row and the builders' buffers are reused.
func TestDecodeDoesNotAllocate(t *testing.T) {
	d := newDecoder(t, memory.NewGoAllocator())
	rec := []byte(application)
	tb := table(t, d, "portal.application")
	for i := 0; i < 1000; i++ { // grow the builders first
		_ = d.Decode(rec)
	}
	allocs := testing.AllocsPerRun(5000, func() {
		if err := d.Decode(rec); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per record", allocs)
	}
	tb.NewRecord().Release()
}

func BenchmarkDecode(b *testing.B) {
	d := newDecoder(b, &PoolAllocator{})
	rec := []byte(application)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if d.Rows() == 50000 {
			for _, t := range d.Tables() {
				t.NewRecord().Release()
			}
		}
		if err := d.Decode(rec); err != nil {
			b.Fatal(err)
		}
	}
}

func TestValidateBuffersNothing(t *testing.T) {
	d := newDecoder(t, memory.NewGoAllocator())
	if err := d.Validate([]byte(application)); err != nil {
		t.Fatal(err)
	}
	var fe *events.FieldError
	if err := d.Validate([]byte(strings.Replace(application, `"UZ-JI"`, `"UZ-ZZ"`, 1))); !errors.As(err, &fe) || fe.Field != "region" {
		t.Fatalf("err = %v", err)
	}
	if d.Rows() != 0 {
		t.Fatalf("Validate buffered %d rows", d.Rows())
	}
}
