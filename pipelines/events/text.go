package events

import (
	"encoding/binary"
	"fmt"
	"time"
	"unicode/utf8"
)

// CheckText refuses text that would be stored as something other than
// what a reader sees: invalid UTF-8, NUL and the other C0 controls, DEL,
// the C1 controls, and the bidirectional overrides and isolates
// (U+202A–U+202E, U+2066–U+2069) that reorder what is displayed. Free text
// (multiline) may hold tab, newline and carriage return; identifiers and
// codes may not. The error names field and the byte offset of the first
// offending character, never the text itself.
func CheckText(b []byte, field string, multiline bool) error {
	if at, what := ScanText(b, multiline); at >= 0 {
		return TextError(field, at, what)
	}
	return nil
}

// ScanText is CheckText for the decoder's hot path, where the field name
// is built only once a record fails: it returns the byte offset of the
// first character CheckText refuses and what it is, or -1. ASCII is
// checked a byte at a time without decoding, so the scan costs little on
// bytes the decoder copies anyway.
func ScanText(b []byte, multiline bool) (at int, what string) {
	for i := 0; i < len(b); {
		// Eight plain printable ASCII bytes at a time: no high bit, none
		// below 0x20, none equal to 0x7f.
		if i+8 <= len(b) && plainASCII(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
			continue
		}
		c := b[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 || c == 0x7f) && !(multiline && (c == '\t' || c == '\n' || c == '\r')) {
				return i, fmt.Sprintf("control character U+%04X", c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			return i, "invalid UTF-8"
		case r >= 0x80 && r <= 0x9f:
			return i, fmt.Sprintf("control character U+%04X", r)
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return i, fmt.Sprintf("bidirectional control U+%04X", r)
		}
		i += n
	}
	return -1, ""
}

// plainASCII reports whether the eight bytes of w are all in 0x20..0x7e
// (the classic has-less and has-zero bit tricks, which may report false
// positives but no false negatives; the byte loop then decides).
func plainASCII(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	high := w & highs
	below := (w - 0x20*ones) & ^w & highs
	del := w ^ 0x7f*ones
	isDel := (del - ones) & ^del & highs
	return high|below|isDel == 0
}

// TextError is the error CheckText returns for field.
func TextError(field string, at int, what string) *FieldError {
	return &FieldError{Field: field, Reason: ReasonInvalidValue, Detail: fmt.Sprintf("%s at byte %d", what, at)}
}

// MaxStoredUnix is the last second ClickHouse's DateTime can hold: it
// stores seconds since the epoch in 32 unsigned bits, and a time outside
// 1970-01-01..2106-02-07 is stored wrapped (a deadline of 9999-12-31
// becomes 2106-01-28), so such a time is refused instead.
const MaxStoredUnix = 1<<32 - 1

// Storable reports whether a DateTime column can hold t.
func Storable(t time.Time) bool {
	s := t.Unix()
	return s >= 0 && s <= MaxStoredUnix
}

// UnstorableTime is the error for a time field whose value raw a DateTime
// column cannot hold.
func UnstorableTime(field string, raw []byte) *FieldError {
	return &FieldError{Field: field, Reason: ReasonInvalidValue,
		Detail: fmt.Sprintf("%.40q is outside the storable range 1970-01-01T00:00:00Z to %s", raw, time.Unix(MaxStoredUnix, 0).UTC().Format(time.RFC3339))}
}
