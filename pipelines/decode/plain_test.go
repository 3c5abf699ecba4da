package decode

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/oqim/oqim/pipelines/events"
)

var plainCols = []PlainColumn{
	{Name: "time", Type: "DateTime('UTC')"},
	{Name: "name", Type: "String"},
	{Name: "value", Type: "Float32"},
	{Name: "count", Type: "UInt16"},
	{Name: ColumnPartition, Type: "UInt32"},
	{Name: ColumnOffset, Type: "UInt64"},
}

func TestPlainDecodesAndChecksEachColumn(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	p, err := NewPlain("db.readings", plainCols, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ok := `{"time":"2026-05-01T10:00:00Z","name":"a","value":1.5,"count":7,"ignored":[1]}`
	if err := p.Decode([]byte(ok), "t", 3, 41); err != nil {
		t.Fatal(err)
	}
	for rec, want := range map[string]events.FieldError{
		`{"time":"2026-05-01T10:00:00Z","value":1,"count":1}`:                 {Field: "name", Reason: events.ReasonMissingField},
		`{"time":"2026-05-01T10:00:00Z","name":"a","value":1,"count":70000}`:  {Field: "count", Reason: events.ReasonInvalidValue},
		`{"time":"2026-05-01T10:00:00Z","name":"a","value":1,"count":1.5}`:    {Field: "count", Reason: events.ReasonInvalidValue},
		`{"time":"2026-05-01T10:00:00Z","name":"a","value":true,"count":1}`:   {Field: "value", Reason: events.ReasonWrongType},
		`{"time":"2026-05-02T10:00:00Z","name":"a","value":1,"count":1}`:      {Field: "time", Reason: events.ReasonFutureTime},
		`{"time":"2026-05-01T10:00:00Z","name":"a","value":1,"count":1,"x":}`: {Reason: events.ReasonMalformed},
	} {
		var fe *events.FieldError
		if err := p.Decode([]byte(rec), "t", 0, 0); !errors.As(err, &fe) || fe.Field != want.Field || fe.Reason != want.Reason {
			t.Errorf("%s: got %v, want field %q reason %s", rec, err, want.Field, want.Reason)
		}
	}
	if p.Rows() != 1 {
		t.Fatalf("%d rows buffered, want only the valid one", p.Rows())
	}
	rec := p.NewRecord()
	defer rec.Release()
	got := fmt.Sprint(rec.Column(0).(*array.Timestamp).Value(0), rec.Column(1).(*array.String).Value(0),
		rec.Column(2).(*array.Float32).Value(0), rec.Column(3).(*array.Uint16).Value(0),
		rec.Column(4).(*array.Uint32).Value(0), rec.Column(5).(*array.Uint64).Value(0))
	want := fmt.Sprint(now.Add(-2*time.Hour).Unix(), "a", 1.5, 7, 3, 41)
	if got != want {
		t.Fatalf("row %s, want %s", got, want)
	}
	if _, err := NewPlain("db.x", []PlainColumn{{Name: ColumnOffset, Type: "Int64"}}, Options{}); err == nil {
		t.Fatal("an _offset column of the wrong type was accepted")
	}
}

// A number JSON does not allow is refused in any number column, never
// read as 0 (fastjson's GetFloat64 gives 0 for "+5000") or as 7 ("007").
func TestPlainRefusesNumbersJSONDoesNotAllow(t *testing.T) {
	cols := []PlainColumn{{Name: "x", Type: "Float64"}, {Name: "n", Type: "Int64"}}
	p, err := NewPlain("db.amounts", cols, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for rec, field := range map[string]string{
		`{"x":+5000,"n":1}`: "x",
		`{"x":.5,"n":1}`:    "x",
		`{"x":1.,"n":1}`:    "x",
		`{"x":1,"n":007}`:   "n",
		`{"x":1,"n":+7}`:    "n",
	} {
		var fe *events.FieldError
		if err := p.Decode([]byte(rec), "t", 0, 0); !errors.As(err, &fe) || fe.Field != field || fe.Reason != events.ReasonWrongType {
			t.Errorf("%s: got %v, want %s wrong_type", rec, err, field)
		}
	}
	if p.Rows() != 0 {
		t.Fatalf("%d refused rows were buffered", p.Rows())
	}
	if err := p.Decode([]byte(`{"x":2.5e3,"n":-7}`), "t", 0, 0); err != nil {
		t.Fatal(err)
	}
}

// An integer column takes integers as written: a float spelling or a
// number past the type's range is refused, never stored as 0 or rounded
// (fastjson's GetInt64 gives 0 for 1e2, and a float64 cannot tell 2^63
// from MaxInt64).
func TestPlainIntegersAreReadExactly(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	cols := []PlainColumn{{Name: "n", Type: "Int64"}, {Name: "u", Type: "UInt64"}, {Name: "s", Type: "Int8"}}
	p, err := NewPlain("db.counts", cols, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for rec, field := range map[string]string{
		`{"n":1e2,"u":1,"s":1}`:                  "n",
		`{"n":100.0,"u":1,"s":1}`:                "n",
		`{"n":9223372036854775808,"u":1,"s":1}`:  "n",
		`{"n":-9223372036854775809,"u":1,"s":1}`: "n",
		`{"n":1,"u":18446744073709551616,"s":1}`: "u",
		`{"n":1,"u":-1,"s":1}`:                   "u",
		`{"n":1,"u":2.0,"s":1}`:                  "u",
		`{"n":1,"u":1,"s":128}`:                  "s",
		`{"n":1,"u":1,"s":-129}`:                 "s",
	} {
		var fe *events.FieldError
		if err := p.Decode([]byte(rec), "t", 0, 0); !errors.As(err, &fe) || fe.Field != field || fe.Reason != events.ReasonInvalidValue {
			t.Errorf("%s: got %v, want %s invalid_value", rec, err, field)
		}
	}
	if p.Rows() != 0 {
		t.Fatalf("%d refused rows were buffered", p.Rows())
	}
	edge := `{"n":-9223372036854775808,"u":18446744073709551615,"s":-128}`
	if err := p.Decode([]byte(edge), "t", 0, 0); err != nil {
		t.Fatalf("%s: %v", edge, err)
	}
	rec := p.NewRecord()
	defer rec.Release()
	got := fmt.Sprint(rec.Column(0).(*array.Int64).Value(0), rec.Column(1).(*array.Uint64).Value(0), rec.Column(2).(*array.Int8).Value(0))
	if want := "-9223372036854775808 18446744073709551615 -128"; got != want {
		t.Fatalf("stored %s, want %s", got, want)
	}
}

// BenchmarkPlain is the three-field row of the clickhouse_sinker
// comparison: 0 allocs per record in steady state.
func BenchmarkPlain(b *testing.B) {
	p, err := NewPlain("db.readings", plainCols[:3], Options{Alloc: &PoolAllocator{}})
	if err != nil {
		b.Fatal(err)
	}
	rec := []byte(`{"time":"2026-05-01 10:00:00","name":"name12345","value":12345}`)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if p.Rows() == 50000 {
			p.NewRecord().Release()
		}
		if err := p.Decode(rec, "t", 0, int64(i)); err != nil {
			b.Fatal(err)
		}
	}
}
