package jsonl

import (
	"errors"
	"strings"
	"testing"
)

type item struct {
	A string `json:"a"`
}

func TestReadNamesLineAndSkipsBlanksAndComments(t *testing.T) {
	in := "# header\n{\"a\":\"x\"}\n\n{\"a\":\"y\"}\n"
	vs, lines, err := Read[item](strings.NewReader(in), "cases", Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].A != "x" || vs[1].A != "y" || lines[0] != 2 || lines[1] != 4 {
		t.Fatalf("got %+v at %v", vs, lines)
	}
}

func TestReadErrors(t *testing.T) {
	notEmpty := func(v any) error {
		if v.(*item).A == "" {
			return errors.New(`"a" is empty`)
		}
		return nil
	}
	for _, tc := range []struct {
		name, in string
		opts     Options
		want     string
	}{
		{"unknown field when strict", "{\"a\":\"x\"}\n{\"b\":1}\n", Options{Strict: true}, `cases line 2: json: unknown field "b"`},
		{"two values on a line", `{"a":"x"} {"a":"y"}`, Options{}, "cases line 1: more than one JSON value"},
		{"check", "{\"a\":\"x\"}\n{\"a\":\"\"}\n", Options{Check: notEmpty}, `cases line 2: "a" is empty`},
		{"empty", "# only a comment\n", Options{}, "cases holds no case"},
		{"bad json", "{\"a\":", Options{}, "cases line 1: unexpected EOF"},
	} {
		_, _, err := Read[item](strings.NewReader(tc.in), "cases", tc.opts)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, _, err := Read[item](strings.NewReader(`{"a":"x","b":1}`), "cases", Options{}); err != nil {
		t.Errorf("extra field refused without Strict: %v", err)
	}
}
