package events

import (
	"errors"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

const record = `{"id":"e1","source":"s","type":"t.x","time":"2025-11-03T08:30:00Z","region":"UZ-JI","district":"d","data":{"type":"inner"},"extra":1,"extra":2}`

func TestParse(t *testing.T) {
	var p Parser
	env, err := p.Parse([]byte(record))
	if err != nil {
		t.Fatal(err)
	}
	for field, v := range map[string]string{"id": string(env.ID.GetStringBytes()), "type": string(env.Type.GetStringBytes()),
		"district": string(env.District.GetStringBytes()), "data.type": string(env.Data.GetStringBytes("type"))} {
		want := map[string]string{"id": "e1", "type": "t.x", "district": "d", "data.type": "inner"}[field]
		if v != want {
			t.Errorf("%s = %q, want %q", field, v, want)
		}
	}
	if string(env.Record) != record {
		t.Errorf("Record = %s", env.Record)
	}

	var others []string
	if _, err := p.ParseFlat([]byte(`{"id":"e1","a":1,"b":2}`), func(k []byte, _ *fastjson.Value) { others = append(others, string(k)) }); err != nil || len(others) != 2 {
		t.Errorf("ParseFlat passed %v (err %v), want a and b", others, err)
	}

	for rec, want := range map[string]FieldError{
		`{"id":`:                           {Reason: ReasonMalformed},
		`["id"]`:                           {Reason: ReasonMalformed},
		`{"id":"a","id":"a"}`:              {Field: "id", Reason: ReasonDuplicateKey},
		`{"data":{},"data":null}`:          {Field: "data", Reason: ReasonDuplicateKey},
		`{"source":null,"source":"x"}`:     {Field: "source", Reason: ReasonDuplicateKey},
		`{"type":"a","typ\u0065":"b"}`:     {Field: "type", Reason: ReasonDuplicateKey}, // an escaped key is the same key
		`{"region":"a","time":1,"time":2}`: {Field: "time", Reason: ReasonDuplicateKey},
	} {
		var fe *FieldError
		if _, err := p.Parse([]byte(rec)); !errors.As(err, &fe) || fe.Field != want.Field || fe.Reason != want.Reason {
			t.Errorf("%s: err = %v, want field %q reason %s", rec, err, want.Field, want.Reason)
		}
	}
}

// The parser is on the ingest hot path: steady state allocates nothing.
func TestParseDoesNotAllocate(t *testing.T) {
	var p Parser
	b := []byte(record)
	if allocs := testing.AllocsPerRun(1000, func() {
		if _, err := p.Parse(b); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Fatalf("%.1f allocations per record", allocs)
	}
}

// Escapes JSON has no character for are refused, where fastjson would
// store them altered; every valid escape, surrogate pairs among them,
// passes.
func TestParseRefusesEscapesJSONDoesNotHave(t *testing.T) {
	var p Parser
	for _, rec := range []string{
		`{"id":"e1","data":{"agency":"Tax\qCommittee"}}`,
		`{"id":"e1","data":{"agency":"Tax\udc00Committee"}}`,
		`{"id":"e1","data":{"agency":"Tax\ud800\u0041 Committee"}}`,
		`{"id":"e1","data":{"agency":"Tax\ud800"}}`,
		`{"id":"e1","data":{"agency":"Tax\u12G4"}}`,
	} {
		var fe *FieldError
		if _, err := p.Parse([]byte(rec)); !errors.As(err, &fe) || fe.Reason != ReasonMalformed {
			t.Errorf("%s: got %v, want malformed_json", rec, err)
		}
	}
	for _, rec := range []string{
		`{"id":"e1","data":{"agency":"Tax \"Committee\" \\ \/ \b\f\n\r\t \u0041 \ud83d\ude00 \u00e9"}}`,
		`{"id":"e1","data":{"a":"\\","b":"\\u0041"}}`,
	} {
		if _, err := p.Parse([]byte(rec)); err != nil {
			t.Errorf("%s: %v", rec, err)
		}
	}
}

// A parse error quotes the record, but only so much of it: a short line
// nested deep must not make a detail a hundred times its size.
func TestParseErrorDetailIsBounded(t *testing.T) {
	var p Parser
	rec := []byte(`{"data":` + strings.Repeat("[", 300) + `}`)
	var fe *FieldError
	if _, err := p.Parse(rec); !errors.As(err, &fe) || fe.Reason != ReasonMalformed || len(fe.Detail) > maxParseDetail+len("…") {
		t.Fatalf("got %v (%d bytes of detail), want malformed_json with at most %d", err, len(fe.Detail), maxParseDetail)
	}
}
