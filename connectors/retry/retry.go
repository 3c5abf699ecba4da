// Package retry spaces out the retries of a call to a broker, a database
// or an HTTP server that keeps failing, and honours a server's
// Retry-After.
package retry

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff doubles a delay from Min up to Max. Each delay is returned with
// jitter (between half and one and a half times it), so that many clients
// recovering from the same outage do not retry in step. The zero Backoff
// starts at 100 ms and stops doubling at 10 s.
type Backoff struct {
	Min, Max time.Duration
	d        time.Duration
}

// Next returns the delay before the next attempt.
func (b *Backoff) Next() time.Duration {
	if b.d == 0 {
		b.d = b.Min
		if b.d <= 0 {
			b.d = 100 * time.Millisecond
		}
	}
	limit := b.Max
	if limit <= 0 {
		limit = 10 * time.Second
	}
	d := b.d
	b.d = min(b.d*2, limit)
	return d/2 + time.Duration(rand.Int64N(int64(d)))
}

// Reset starts the delays again from Min, after a success.
func (b *Backoff) Reset() { b.d = 0 }

// Sleep waits d, or until ctx ends; it reports whether the wait ran out.
func Sleep(ctx context.Context, d time.Duration) bool {
	return SleepUnless(ctx, d, nil)
}

// SleepUnless is Sleep that also ends, reporting false, when stop is
// closed (a nil stop never is): for a loop told to stop by a channel as
// well as by its context.
func SleepUnless(ctx context.Context, d time.Duration, stop <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-stop:
	}
	return false
}

// Policy bounds the retries of one call to a server.
type Policy struct {
	// Attempts is the number of tries, the first included; 0 means 4.
	Attempts int
	// Min and Max bound the backoff between attempts, as in Backoff.
	Min, Max time.Duration
	// MaxRetryAfter caps how long a server's Retry-After may hold the
	// caller; 0 means Max. A server asking for an hour should not stall a
	// request that a user is waiting for.
	MaxRetryAfter time.Duration
}

// Again marks err as worth another attempt. wait is how long the server
// asked the client to wait (its Retry-After), 0 when it did not say.
func Again(err error, wait time.Duration) error {
	if err == nil {
		return nil
	}
	return &again{err: err, wait: wait}
}

type again struct {
	err  error
	wait time.Duration
}

func (a *again) Error() string { return a.err.Error() }
func (a *again) Unwrap() error { return a.err }

// Do calls fn until it returns nil or an error not marked with Again, the
// attempts run out or ctx ends. Between attempts it waits the backoff or
// the server's Retry-After, whichever is longer, the latter capped at
// MaxRetryAfter. It returns the number of attempts made and fn's last
// error with any Again mark removed; when ctx ends during a wait the error
// wraps both ctx's error and fn's last.
func (p Policy) Do(ctx context.Context, fn func(ctx context.Context) error) (int, error) {
	attempts := p.Attempts
	if attempts <= 0 {
		attempts = 4
	}
	limit := p.MaxRetryAfter
	if limit <= 0 {
		limit = p.Max
		if limit <= 0 {
			limit = 10 * time.Second // Backoff's default Max
		}
	}
	b := Backoff{Min: p.Min, Max: p.Max}
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		var a *again
		if !errors.As(err, &a) {
			return attempt, err
		}
		if attempt >= attempts || ctx.Err() != nil {
			return attempt, a.err
		}
		wait := max(b.Next(), min(a.wait, limit))
		if !Sleep(ctx, wait) {
			return attempt, fmt.Errorf("%w while waiting to retry after: %w", context.Cause(ctx), a.err)
		}
	}
}

// RetryAfter reads a Retry-After header value (RFC 9110 section 10.2.3):
// delay-seconds or an HTTP date, relative to now. It returns 0 when the
// value is absent, unreadable or in the past.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		// Beyond about 292 years a Duration overflows; no caller waits
		// that long anyway.
		return time.Duration(min(s, int64(math.MaxInt64/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// RetryableStatus reports whether an HTTP status is worth another
// attempt: rate limiting and server errors. Other statuses mean the
// request itself is wrong, and repeating it cannot help.
func RetryableStatus(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}
