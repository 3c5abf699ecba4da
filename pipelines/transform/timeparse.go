package transform

import (
	"strconv"
	"time"
)

// TashkentOffset is Asia/Tashkent's offset from UTC: +05:00 all year, no
// daylight saving time since 1992.
const TashkentOffset = 5 * 60 * 60

// TimeError says what is wrong with a time and where.
type TimeError struct {
	Input  string // the input, cut to 64 bytes
	Offset int    // byte offset of the problem
	Msg    string
}

func (e *TimeError) Error() string {
	return "time " + strconv.Quote(e.Input) + ": " + e.Msg + " at byte " + strconv.Itoa(e.Offset)
}

func timeErr(b []byte, off int, msg string) error {
	if len(b) > 64 {
		b = b[:64]
	}
	return &TimeError{Input: string(b), Offset: off, Msg: msg}
}

// ParseTime parses the times agencies send and returns them in UTC:
//
//   - RFC 3339: 2025-11-03T08:30:00Z, 2025-11-03T08:30:00.123+05:00
//     (T or t, Z or z, fraction of 1 to 9 digits; more are truncated,
//     as time.Parse does);
//   - the same with a space for the T (RFC 3339 §5.6 allows it);
//   - either form without a zone, "2025-11-03 08:30:00": local time in
//     Asia/Tashkent, UTC+05:00, which has no daylight saving time;
//   - Unix epoch seconds as a decimal string of 1 to 11 digits, with an
//     optional fraction: "1762140600", "1762140600.25".
//
// Leading or trailing spaces, seconds of 60 (leap seconds), offsets of 24
// hours or more, and 12 or more epoch digits (milliseconds?) are errors.
// On success ParseTime allocates nothing; an error is a *TimeError that
// names the field and the byte offset.
func ParseTime(b []byte) (time.Time, error) {
	if len(b) == 0 {
		return time.Time{}, timeErr(b, 0, "empty")
	}
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	if n == len(b) || (n > 0 && b[n] == '.') {
		return parseEpoch(b, n)
	}
	if n != 4 {
		if n == 0 {
			return time.Time{}, timeErr(b, 0, "want a year (4 digits) or epoch seconds, found "+strconv.QuoteRune(rune(b[0])))
		}
		return time.Time{}, timeErr(b, n, "year must have 4 digits")
	}
	year := num(b, 0, 4)
	if err := expect(b, 4, '-', "after the year"); err != nil {
		return time.Time{}, err
	}
	month, err := field2(b, 5, 1, 12, "month")
	if err != nil {
		return time.Time{}, err
	}
	if err := expect(b, 7, '-', "after the month"); err != nil {
		return time.Time{}, err
	}
	day, err := field2(b, 8, 1, 31, "day")
	if err != nil {
		return time.Time{}, err
	}
	if day > daysIn(month, year) {
		return time.Time{}, timeErr(b, 8, "day "+strconv.Itoa(day)+" is past the end of the month")
	}
	if len(b) == 10 {
		return time.Time{}, timeErr(b, 10, "date without a time")
	}
	if c := b[10]; c != 'T' && c != 't' && c != ' ' {
		return time.Time{}, timeErr(b, 10, "want T or a space between date and time, found "+strconv.QuoteRune(rune(c)))
	}
	hour, err := field2(b, 11, 0, 23, "hour")
	if err != nil {
		return time.Time{}, err
	}
	if err := expect(b, 13, ':', "after the hour"); err != nil {
		return time.Time{}, err
	}
	minute, err := field2(b, 14, 0, 59, "minute")
	if err != nil {
		return time.Time{}, err
	}
	if err := expect(b, 16, ':', "after the minute (seconds are required)"); err != nil {
		return time.Time{}, err
	}
	sec, err := field2(b, 17, 0, 59, "second")
	if err != nil {
		return time.Time{}, err
	}
	i := 19
	nsec := 0
	if i < len(b) && b[i] == '.' {
		i++
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if i-start < 9 {
				nsec = nsec*10 + int(b[i]-'0')
			}
			i++
		}
		if i == start {
			return time.Time{}, timeErr(b, i, "fraction needs digits after the dot")
		}
		for k := i - start; k < 9; k++ {
			nsec *= 10
		}
	}
	offset := TashkentOffset
	switch {
	case i == len(b):
	case b[i] == 'Z' || b[i] == 'z':
		offset = 0
		i++
	case b[i] == '+' || b[i] == '-':
		sign := b[i]
		if len(b)-i < 6 {
			return time.Time{}, timeErr(b, i, "zone offset must be ±hh:mm")
		}
		oh, err := field2(b, i+1, 0, 23, "zone offset hour")
		if err != nil {
			return time.Time{}, err
		}
		if err := expect(b, i+3, ':', "in the zone offset"); err != nil {
			return time.Time{}, err
		}
		om, err := field2(b, i+4, 0, 59, "zone offset minute")
		if err != nil {
			return time.Time{}, err
		}
		offset = oh*3600 + om*60
		if sign == '-' {
			offset = -offset
		}
		i += 6
	default:
		return time.Time{}, timeErr(b, i, "want Z, ±hh:mm or the end after the seconds, found "+strconv.QuoteRune(rune(b[i])))
	}
	if i != len(b) {
		return time.Time{}, timeErr(b, i, "unexpected text after the time")
	}
	unix := daysFromCivil(year, month, day)*86400 + int64(hour*3600+minute*60+sec-offset)
	return time.Unix(unix, int64(nsec)).UTC(), nil
}

func parseEpoch(b []byte, n int) (time.Time, error) {
	if n == 0 {
		return time.Time{}, timeErr(b, 0, "epoch seconds need digits before the dot")
	}
	if n > 11 {
		return time.Time{}, timeErr(b, 0, "epoch seconds have "+strconv.Itoa(n)+" digits, at most 11 (milliseconds?)")
	}
	sec := int64(num(b, 0, n))
	nsec := 0
	if n < len(b) { // b[n] == '.'
		i := n + 1
		for ; i < len(b); i++ {
			c := b[i]
			if c < '0' || c > '9' {
				return time.Time{}, timeErr(b, i, "epoch fraction must be digits")
			}
			if i-n-1 >= 9 {
				return time.Time{}, timeErr(b, i, "epoch fraction has more than 9 digits")
			}
			nsec = nsec*10 + int(c-'0')
		}
		if i == n+1 {
			return time.Time{}, timeErr(b, i, "epoch fraction needs digits after the dot")
		}
		for k := i - n - 1; k < 9; k++ {
			nsec *= 10
		}
	}
	return time.Unix(sec, int64(nsec)).UTC(), nil
}

func num(b []byte, i, n int) int {
	x := 0
	for _, c := range b[i : i+n] {
		x = x*10 + int(c-'0')
	}
	return x
}

func expect(b []byte, i int, c byte, where string) error {
	if i >= len(b) {
		return timeErr(b, i, "input ends; want "+strconv.QuoteRune(rune(c))+" "+where)
	}
	if b[i] != c {
		return timeErr(b, i, "want "+strconv.QuoteRune(rune(c))+" "+where+", found "+strconv.QuoteRune(rune(b[i])))
	}
	return nil
}

// field2 reads a two-digit field and checks its range.
func field2(b []byte, i, lo, hi int, name string) (int, error) {
	if i+2 > len(b) {
		return 0, timeErr(b, i, "input ends; want a two-digit "+name)
	}
	c0, c1 := b[i], b[i+1]
	if c0 < '0' || c0 > '9' || c1 < '0' || c1 > '9' {
		return 0, timeErr(b, i, name+" must be two digits")
	}
	v := int(c0-'0')*10 + int(c1-'0')
	if v < lo || v > hi {
		return 0, timeErr(b, i, name+" "+strconv.Itoa(v)+" out of range "+strconv.Itoa(lo)+"-"+strconv.Itoa(hi))
	}
	return v, nil
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(m, y int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (H. Hinnant, "chrono-Compatible Low-Level
// Date Algorithms").
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := m - 3
	if m <= 2 {
		mp = m + 9
	}
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
