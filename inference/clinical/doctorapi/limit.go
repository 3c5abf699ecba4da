package doctorapi

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter keeps one token bucket per doctor. Buckets live as long as the
// handler; there is one per doctor who ever called, a bounded number.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	limits  func(doctorID string) Limits
	now     func() time.Time
}

func newLimiter(limits func(string) Limits, now func() time.Time) *limiter {
	return &limiter{buckets: map[string]*rate.Limiter{}, limits: limits, now: now}
}

// allow takes a token from the doctor's bucket, or says how long until
// one is there.
func (l *limiter) allow(doctorID string) (bool, time.Duration) {
	l.mu.Lock()
	b, ok := l.buckets[doctorID]
	if !ok {
		lim := l.limits(doctorID)
		b = rate.NewLimiter(rate.Limit(lim.RequestsPerMinute/60), lim.Burst)
		l.buckets[doctorID] = b
	}
	l.mu.Unlock()
	now := l.now()
	r := b.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Minute
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}
