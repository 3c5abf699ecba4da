// Package retry spaces out the retries of a call to a broker or a
// database that keeps failing.
package retry

import (
	"context"
	"math/rand/v2"
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
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
