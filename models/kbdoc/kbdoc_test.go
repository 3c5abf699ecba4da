package kbdoc_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/oqim/oqim/models/kbdoc"
)

type doc struct {
	Format int      `json:"format"`
	Items  []string `json:"items"`
}

func TestDecode(t *testing.T) {
	errEmpty := errors.New("no items")
	for _, tc := range []struct {
		name, in, wantErr string
	}{
		{"ok", `{"format":2,"items":["a"]}` + "\n", ""},
		{"unknown field", `{"format":2,"items":["a"],"extra":1}`, `unknown field "extra"`},
		{"old format", `{"format":1,"items":["a"]}`, "format 1, this build reads format 2"},
		{"second document", `{"format":2,"items":["a"]} {"format":2}`, "data after the document"},
		{"trailing garbage", `{"format":2,"items":["a"]}x`, "data after the document"},
		{"check fails", `{"format":2,"items":[]}`, "no items"},
		{"not json", `format: 2`, "decoding"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d doc
			err := kbdoc.Decode(strings.NewReader(tc.in), &d, &d.Format, 2, func() error {
				if len(d.Items) == 0 {
					return errEmpty
				}
				return nil
			})
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
			if tc.wantErr == "" && (d.Format != 2 || len(d.Items) != 1) {
				t.Fatalf("decoded %+v", d)
			}
		})
	}
}
