// Package ratelimit is a per-client token bucket: each key (a client IP or
// an API key) earns Rate tokens a second up to Burst, and every request
// spends one. The table of buckets is bounded: when full, buckets that have
// refilled completely (and so carry no state worth keeping) are dropped
// first, then the least recently used.
package ratelimit

import (
	"container/list"
	"math"
	"sync"
	"time"
)

// Limiter is safe for concurrent use.
type Limiter struct {
	rate  float64 // tokens per second
	burst float64
	max   int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*list.Element
	lru     list.List // front is most recently used
}

type bucket struct {
	key    string
	tokens float64
	last   time.Time
}

// New returns a limiter allowing rate requests a second with bursts of
// burst, tracking at most maxKeys clients. now may be nil for time.Now.
func New(rate float64, burst, maxKeys int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	if maxKeys <= 0 {
		maxKeys = 100000
	}
	return &Limiter{rate: rate, burst: float64(burst), max: maxKeys, now: now, buckets: map[string]*list.Element{}}
}

// Allow spends a token of key. When none is left it returns false and how
// long until one is.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.buckets[key]
	var b *bucket
	if ok {
		b = el.Value.(*bucket)
		l.lru.MoveToFront(el)
		b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
		b.last = now
	} else {
		if len(l.buckets) >= l.max {
			l.evict()
		}
		b = &bucket{key: key, tokens: l.burst, last: now}
		l.buckets[key] = l.lru.PushFront(b)
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// evict drops the least recently used bucket; a bucket at the back that
// has been idle long enough to refill would be dropped by any policy, and
// one still draining is the price of the bound.
func (l *Limiter) evict() {
	el := l.lru.Back()
	if el == nil {
		return
	}
	l.lru.Remove(el)
	delete(l.buckets, el.Value.(*bucket).key)
}

// Len is the number of tracked clients.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
