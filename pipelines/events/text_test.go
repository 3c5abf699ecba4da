package events

import (
	"errors"
	"testing"
)

func TestCheckText(t *testing.T) {
	for _, c := range []struct {
		text      string
		multiline bool
		ok        bool
	}{
		{"Soliq qoʻmitasi", false, true},
		{"Налоговый комитет", false, true},
		{"line\nbreak\tand\r", true, true},
		{"line\nbreak", false, false},
		{"nul\x00", true, false},
		{"del\x7f", true, false},
		{"c1\u0085", true, false},
		{"rlo\u202e", true, false},
		{"isolate\u2069", true, false},
		{"bad\xc3", true, false},
		{"lrm\u200e", true, true}, // a mark, not an override: allowed
	} {
		err := CheckText([]byte(c.text), "f", c.multiline)
		var fe *FieldError
		if (err == nil) != c.ok || (err != nil && (!errors.As(err, &fe) || fe.Field != "f")) {
			t.Errorf("CheckText(%q, %v) = %v, want ok %v", c.text, c.multiline, err, c.ok)
		}
	}
}

// The scan on typical field text: what point 9 of issue #13 adds per
// byte the decoder copies.
func BenchmarkScanText(b *testing.B) {
	for _, c := range []struct{ name, text string }{
		{"ascii", "Tax Committee of the Republic of Uzbekistan, annex4-12, single-portal"},
		{"uzbek-cyrillic", "Oʻzbekiston Respublikasi Soliq qoʻmitasi — Налоговый комитет"},
	} {
		buf := []byte(c.text)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(buf)))
			for i := 0; i < b.N; i++ {
				if at, _ := ScanText(buf, true); at >= 0 {
					b.Fatal(at)
				}
			}
		})
	}
}

// The word-at-a-time path agrees with the byte loop on every single
// offending byte at every position of a word.
func TestScanTextWordPath(t *testing.T) {
	for pos := 0; pos < 16; pos++ {
		for c := 0; c < 0x80; c++ {
			buf := []byte("abcdefghijklmnopqrstuvwx")
			buf[pos] = byte(c)
			at, _ := ScanText(buf, false)
			bad := c < 0x20 || c == 0x7f
			if bad != (at == pos) || (!bad && at >= 0) {
				t.Fatalf("byte %#x at %d: ScanText found %d", c, pos, at)
			}
		}
	}
}
