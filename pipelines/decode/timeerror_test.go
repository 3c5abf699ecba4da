package decode

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/oqim/oqim/pipelines/events"
)

// A time that does not parse is refused with the parser's reason, the
// day past the month's end or the leap second, not only "not RFC 3339".
func TestTimeErrorsSayWhy(t *testing.T) {
	d := newDecoder(t, memory.NewGoAllocator())
	cases := []struct {
		name, from, to, field, why string
	}{
		{"day past month end", `"deadline":"2025-11-13T08:30:00Z"`, `"deadline":"2025-02-30T08:30:00Z"`, "data.deadline", "past the end of the month"},
		{"leap second", `"deadline":"2025-11-13T08:30:00Z"`, `"deadline":"2016-12-31T23:59:60Z"`, "data.deadline", "second 60"},
		{"envelope hour 24", `"time":"2025-11-03T08:30:00+05:00"`, `"time":"2025-11-03T24:00:00+05:00"`, "time", "hour 24"},
	}
	for _, c := range cases {
		rec := strings.Replace(application, c.from, c.to, 1)
		var fe *events.FieldError
		err := d.Decode([]byte(rec))
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Fatalf("%s: Decode = %v, want an error naming %s", c.name, err, c.field)
		}
		if !strings.Contains(fe.Detail, c.why) {
			t.Errorf("%s: detail %q does not say why (want it to mention %q, as transform.ParseTime does)", c.name, fe.Detail, c.why)
		}
	}
}
