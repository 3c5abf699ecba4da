package httpingest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oqim/oqim/pipelines/events"
)

// The HTTP front door refuses what the decoder refuses: control and bidi
// characters in text, and times a DateTime cannot store, with the field
// named and nothing written.
func TestUncleanTextAndTimesRefused(t *testing.T) {
	h, w, _ := productionish(t)
	for _, c := range []struct{ from, to, field string }{
		{`"mahalla":"Gullanbog'"`, `"mahalla":"Gullan\u0000bog'"`, "data.mahalla"},
		{`"mahalla":"Gullanbog'"`, `"mahalla":"Gullan\u202ebog'"`, "data.mahalla"},
		{`"id":"m-1"`, `"id":"m-\u00851"`, "id"},
	} {
		line := strings.Replace(appealLine, c.from, c.to, 1)
		status, body := serve(h, mahallaKey, line)
		if status != http.StatusBadRequest {
			t.Errorf("%s: status %d %s, want 400", c.to, status, body)
			continue
		}
		wantErrors(t, body, LineError{Line: 1, Field: c.field, Reason: string(events.ReasonInvalidValue)})
	}
	if msgs := w.Take(); len(msgs) != 0 {
		t.Fatalf("%d messages reached the writer", len(msgs))
	}
}
