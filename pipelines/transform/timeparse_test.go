package transform

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tashkent := time.FixedZone("UZT", 5*3600)
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"2025-11-03T08:30:00Z", time.Date(2025, 11, 3, 8, 30, 0, 0, time.UTC)},
		{"2025-11-03t08:30:00z", time.Date(2025, 11, 3, 8, 30, 0, 0, time.UTC)},
		{"2025-11-03T08:30:00+05:00", time.Date(2025, 11, 3, 3, 30, 0, 0, time.UTC)},
		{"2025-11-03T08:30:00-03:30", time.Date(2025, 11, 3, 12, 0, 0, 0, time.UTC)},
		{"2025-11-03T08:30:00.5Z", time.Date(2025, 11, 3, 8, 30, 0, 500_000_000, time.UTC)},
		{"2025-11-03T08:30:00.123456789Z", time.Date(2025, 11, 3, 8, 30, 0, 123456789, time.UTC)},
		{"2025-11-03T08:30:00.1234567891Z", time.Date(2025, 11, 3, 8, 30, 0, 123456789, time.UTC)},
		{"2025-11-03 08:30:00", time.Date(2025, 11, 3, 8, 30, 0, 0, tashkent)},
		{"2025-11-03 08:30:00.25", time.Date(2025, 11, 3, 8, 30, 0, 250_000_000, tashkent)},
		{"2025-11-03T08:30:00", time.Date(2025, 11, 3, 8, 30, 0, 0, tashkent)},
		{"2025-11-03 08:30:00Z", time.Date(2025, 11, 3, 8, 30, 0, 0, time.UTC)},
		{"2024-02-29T23:59:59Z", time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)},
		{"2025-01-01T02:00:00+05:00", time.Date(2024, 12, 31, 21, 0, 0, 0, time.UTC)},
		{"0001-01-01T00:00:00Z", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"1762140600", time.Unix(1762140600, 0)},
		{"1762140600.25", time.Unix(1762140600, 250_000_000)},
		{"0", time.Unix(0, 0)},
	} {
		got, err := ParseTime([]byte(c.in))
		if err != nil {
			t.Errorf("ParseTime(%q): %v", c.in, err)
			continue
		}
		if !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v (%v), want %v in UTC", c.in, got, got.Location(), c.want.UTC())
		}
	}
}

func TestParseTimeErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "empty"},
		{"2025-13-03T08:30:00Z", "month 13 out of range 1-12 at byte 5"},
		{"2025-02-29T08:30:00Z", "day 29 is past the end of the month"},
		{"2025-11-31T08:30:00Z", "day 31 is past the end of the month"},
		{"2025-11-03T24:00:00Z", "hour 24 out of range"},
		{"2025-11-03T08:60:00Z", "minute 60 out of range"},
		{"2025-11-03T08:30:60Z", "second 60 out of range"},
		{"2025-11-03T08:30Z", "after the minute (seconds are required)"},
		{"2025-11-03", "date without a time"},
		{"2025/11/03 08:30:00", "want '-' after the year"},
		{"2025-11-03X08:30:00Z", "want T or a space"},
		{"2025-11-03T08:30:00+0500", "zone offset must be ±hh:mm"},
		{"2025-11-03T08:30:00+24:00", "zone offset hour 24 out of range"},
		{"2025-11-03T08:30:00+05:60", "zone offset minute 60 out of range"},
		{"2025-11-03T08:30:00.Z", "fraction needs digits"},
		{"2025-11-03T08:30:00ZZ", "unexpected text after the time at byte 20"},
		{"2025-11-03T08:30:00 +05:00", "want Z, ±hh:mm or the end"},
		{" 2025-11-03T08:30:00Z", "want a year"},
		{"25-11-03T08:30:00Z", "year must have 4 digits"},
		{"1762140600000", "13 digits, at most 11 (milliseconds?)"},
		{"1762140600.x", "epoch fraction must be digits"},
		{"Monday", "want a year (4 digits) or epoch seconds"},
	} {
		_, err := ParseTime([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseTime(%q) error = %v, want it to say %q", c.in, err, c.want)
		}
		if _, ok := err.(*TimeError); err != nil && !ok {
			t.Errorf("ParseTime(%q) error is %T, want *TimeError", c.in, err)
		}
	}
}

func TestParseTimeAllocs(t *testing.T) {
	for _, in := range []string{"2025-11-03T08:30:00.123+05:00", "2025-11-03 08:30:00", "1762140600"} {
		b := []byte(in)
		if n := testing.AllocsPerRun(100, func() { _, _ = ParseTime(b) }); n != 0 {
			t.Errorf("ParseTime(%q): %v allocations, want 0", in, n)
		}
	}
}

// strictRFC3339 is the RFC 3339 date-time grammar (section 5.6) with the
// upper-case T and Z that time.Parse requires.
var strictRFC3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)

// FuzzParseTime checks ParseTime against time.Parse(time.RFC3339) on
// every input of RFC 3339 shape, and that the extensions agree with it
// once rewritten to RFC 3339.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2025-11-03T08:30:00Z", "2025-11-03T08:30:00.123456789+05:00", "2024-02-29T23:59:59-12:00",
		"2025-02-29T00:00:00Z", "2025-11-03 08:30:00", "1762140600", "0000-01-01T00:00:00Z",
		"9999-12-31T23:59:59.999999999Z", "2025-11-03T08:30:00+23:59", "2025-11-03t08:30:00z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime([]byte(s))
		if err == nil && got.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) not in UTC", s)
		}
		if strictRFC3339.MatchString(s) {
			want, werr := time.Parse(time.RFC3339, s)
			if werr != nil {
				if err == nil {
					t.Fatalf("ParseTime(%q) = %v, time.Parse rejects it: %v", s, got, werr)
				}
				return
			}
			if err != nil {
				// time.Parse's general path accepts offsets of 24:00 and
				// minutes of 60 (go.dev/issue/54580); RFC 3339 does not.
				z := s[len(s)-6:]
				if z[0] != 'Z' && (z[1:3] >= "24" || z[4:6] >= "60") {
					return
				}
				t.Fatalf("ParseTime(%q): %v; time.Parse gives %v", s, err, want)
			}
			if !got.Equal(want) {
				t.Fatalf("ParseTime(%q) = %v, time.Parse = %v", s, got, want.UTC())
			}
			return
		}
		if err != nil || len(s) < 19 || !strings.Contains(s, ":") {
			return
		}
		// An accepted extension: lower-case t or z, a space for the T, or
		// no zone (Tashkent). Rewrite it to RFC 3339 and compare.
		r := []byte(s)
		if r[10] == 't' || r[10] == ' ' {
			r[10] = 'T'
		}
		if last := len(r) - 1; r[last] == 'z' {
			r[last] = 'Z'
		}
		rs := string(r)
		if !strictRFC3339.MatchString(rs) {
			rs += "+05:00"
		}
		want, werr := time.Parse(time.RFC3339, rs)
		if werr != nil || !strictRFC3339.MatchString(rs) {
			t.Fatalf("ParseTime accepted %q = %v, but its RFC 3339 form %q is rejected: %v", s, got, rs, werr)
		}
		if !got.Equal(want) {
			t.Fatalf("ParseTime(%q) = %v, time.Parse(%q) = %v", s, got, rs, want.UTC())
		}
	})
}

func BenchmarkParseTimeRFC3339(b *testing.B) { benchTime(b, "2025-11-03T08:30:00.123456+05:00") }
func BenchmarkParseTimeAgency(b *testing.B)  { benchTime(b, "2025-11-03 08:30:00") }
func BenchmarkParseTimeEpoch(b *testing.B)   { benchTime(b, "1762140600") }

// The standard library on the same input, for comparison.
func BenchmarkStdlibTimeParse(b *testing.B) {
	s := "2025-11-03T08:30:00.123456+05:00"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			b.Fatal(err)
		}
	}
}

func benchTime(b *testing.B, s string) {
	src := []byte(s)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseTime(src); err != nil {
			b.Fatal(err)
		}
	}
}
