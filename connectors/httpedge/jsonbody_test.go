package httpedge

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

type jsonBodyTarget struct {
	Version int `json:"version"`
	Note    struct {
		Vitals map[string]float64 `json:"vitals"`
	} `json:"note"`
	Items []struct {
		ID string `json:"id"`
	} `json:"items"`
}

func TestReadJSON(t *testing.T) {
	for _, tc := range []struct {
		name, body    string
		status        int
		field, reason string
		detail        string
	}{
		{"valid, one key in several objects", `{"version":1,"note":{"vitals":{"pulse":90}},"items":[{"id":"a"},{"id":"b"}]}`, 0, "", "", ""},
		{"duplicate top-level key", `{"version":1,"version":2}`, 400, "version", ReasonDuplicateKey, "twice"},
		{"duplicate nested key", `{"note":{"vitals":{"pulse":90,"temp":37,"pulse":40}}}`, 400, "note.vitals.pulse", ReasonDuplicateKey, "twice"},
		{"duplicate key in an array element", `{"items":[{"id":"a"},{"id":"b","id":"c"}]}`, 400, "items[1].id", ReasonDuplicateKey, "twice"},
		{"duplicate after nested arrays", `{"items":[{"id":"a"}],"note":{},"items":[]}`, 400, "items", ReasonDuplicateKey, "twice"},
		{"duplicate up to case", `{"version":1,"note":{},"VERSION":5}`, 400, "VERSION", ReasonDuplicateKey, "twice"},
		{"duplicate up to case, nested", `{"items":[{"id":"a"},{"id":"b","ID":"c"}]}`, 400, "items[1].ID", ReasonDuplicateKey, "twice"},
		// encoding/json folds the long s (U+017F) to s, so "verſion" sets version.
		{"duplicate up to Unicode folding", "{\"version\":1,\"ver\u017fion\":5}", 400, "ver\u017fion", ReasonDuplicateKey, "twice"},
		{"duplicate up to Unicode folding, escaped", `{"version":1,"ver\u017fion":5}`, 400, "ver\u017fion", ReasonDuplicateKey, "twice"},
		{"unknown field", `{"version":1,"admin":true}`, 400, "admin", "", "not a field"},
		{"wrong type", `{"version":"one"}`, 400, "version", "", "cannot be int"},
		{"malformed", `{"version":1,`, 400, "", "", "JSON"},
		{"trailing data", `{"version":1} {"version":2}`, 400, "", "", "after the JSON object"},
		{"empty", "  ", 400, "", "", "empty"},
		// encoding/json replaces invalid UTF-8 and lone surrogates, where
		// the duplicate check stops: both are refused, or a duplicate
		// after them would pass.
		{"invalid UTF-8 before a duplicate", "{\"items\":[{\"id\":\"\xff\"}],\"version\":1,\"version\":2}", 400, "", "", "not valid UTF-8 (byte 17)"},
		{"lone surrogate before a duplicate", `{"items":[{"id":"\ud800"}],"version":1,"version":2}`, 400, "", "", "invalid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v jsonBodyTarget
			e := ReadJSON(strings.NewReader(tc.body), &v)
			if tc.status == 0 {
				if e != nil {
					t.Fatalf("refused: %v", e)
				}
				if v.Version != 1 || v.Note.Vitals["pulse"] != 90 || len(v.Items) != 2 {
					t.Fatalf("decoded %+v", v)
				}
				return
			}
			if e == nil {
				t.Fatalf("accepted %s as %+v", tc.body, v)
			}
			if e.Status != tc.status || e.Body.Field != tc.field || e.Body.Reason != tc.reason || !strings.Contains(e.Body.Detail, tc.detail) {
				t.Errorf("got %d %+v; want %d field %q reason %q detail containing %q", e.Status, e.Body, tc.status, tc.field, tc.reason, tc.detail)
			}
		})
	}
}

// Over the route's body limit the answer is 413, naming the limit.
func TestDecodeJSONTooLarge(t *testing.T) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"version":1}`))
	body := http.MaxBytesReader(w, r.Body, 5)
	var v jsonBodyTarget
	if DecodeJSON(w, body, &v) {
		t.Fatal("a body over the limit was accepted")
	}
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "larger than 5 bytes") {
		t.Fatalf("got %d %s", w.Code, w.Body.String())
	}
}

// BenchmarkReadJSON puts the reader every JSON API uses (duplicate-key
// walk, then a strict decode) beside a bare json.Decoder on a clinical
// note's size of body, so the cost of the check reads as a ratio.
func BenchmarkReadJSON(b *testing.B) {
	var items []string
	for i := range 40 {
		items = append(items, `{"id":"item-`+strconv.Itoa(i)+`"}`)
	}
	body := []byte(`{"version":3,"note":{"vitals":{"pulse":96,"temperature":39.1,"spo2":95,"systolic":130,"diastolic":85}},"items":[` + strings.Join(items, ",") + `]}`)
	b.Run("ReadJSON", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var v jsonBodyTarget
			if e := ReadJSON(bytes.NewReader(body), &v); e != nil {
				b.Fatal(e)
			}
		}
	})
	b.Run("json.Decoder", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var v jsonBodyTarget
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
