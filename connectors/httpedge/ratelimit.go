package httpedge

import (
	"container/list"
	"errors"
	"math"
	"sync"
	"time"
)

// Limit is a token bucket: Rate tokens a second up to Burst; every
// request spends one.
type Limit struct {
	Rate  float64
	Burst int
}

// LimiterConfig configures NewLimiter.
type LimiterConfig struct {
	// Limit applies to every key, unless For gives another for the
	// request's principal (per-doctor limits).
	Limit Limit
	For   func(Principal) (Limit, bool)
	// MaxKeys bounds the buckets kept (default 100,000); when full, the
	// least recently used goes.
	MaxKeys int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Limiter keeps one token bucket per key (a principal or a client
// address). It is safe for concurrent use.
type Limiter struct {
	cfg LimiterConfig

	mu      sync.Mutex
	buckets map[string]*list.Element
	lru     list.List // front is most recently used
}

type bucket struct {
	key    string
	tokens float64
	last   time.Time
}

// NewLimiter returns a limiter.
func NewLimiter(cfg LimiterConfig) *Limiter {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = 100_000
	}
	return &Limiter{cfg: cfg, buckets: map[string]*list.Element{}}
}

// Allow spends a token of key under the default limit. When none is left
// it returns false and how long until one is.
func (l *Limiter) Allow(key string) (bool, time.Duration) { return l.allow(key, l.cfg.Limit) }

// LimitOf is the limit that applies to p.
func (l *Limiter) LimitOf(p Principal) Limit {
	if l.cfg.For != nil {
		if lim, ok := l.cfg.For(p); ok {
			return lim
		}
	}
	return l.cfg.Limit
}

func (l *Limiter) allow(key string, lim Limit) (bool, time.Duration) {
	if lim.Rate <= 0 {
		return true, 0
	}
	burst := float64(max(lim.Burst, 1))
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var b *bucket
	if el, ok := l.buckets[key]; ok {
		b = el.Value.(*bucket)
		l.lru.MoveToFront(el)
		b.tokens = math.Min(burst, b.tokens+now.Sub(b.last).Seconds()*lim.Rate)
		b.last = now
	} else {
		if len(l.buckets) >= l.cfg.MaxKeys {
			l.evict()
		}
		b = &bucket{key: key, tokens: burst, last: now}
		l.buckets[key] = l.lru.PushFront(b)
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / lim.Rate * float64(time.Second))
}

// evict drops the least recently used bucket: one at the back has most
// likely refilled, and one still draining is the price of the bound.
func (l *Limiter) evict() {
	el := l.lru.Back()
	if el == nil {
		return
	}
	l.lru.Remove(el)
	delete(l.buckets, el.Value.(*bucket).key)
}

// Len is the number of tracked keys.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// InFlight bounds how many requests run at once: per key (a principal,
// a doctor) and, optionally, in all. A rate limit spaces requests out; it
// does not stop a caller from holding many slow ones open (a BI query, an
// upload, an event stream), each a server's worth of work.
type InFlight struct {
	perKey, total int
	mu            sync.Mutex
	n             map[string]int
	all           int
}

// Errors of Enter: the key's share is taken, or the whole.
var (
	ErrKeyBusy = errors.New("httpedge: the caller's share of running requests is taken")
	ErrAllBusy = errors.New("httpedge: the server's running requests are at their bound")
)

// NewInFlight allows perKey requests per key at once (at least 1) and
// total in all (0: no bound but the keys').
func NewInFlight(perKey, total int) *InFlight {
	return &InFlight{perKey: max(perKey, 1), total: max(total, 0), n: map[string]int{}}
}

// PerKey and Total are the bounds.
func (f *InFlight) PerKey() int { return f.perKey }
func (f *InFlight) Total() int  { return f.total }

// Enter takes a place for key, or returns ErrKeyBusy or ErrAllBusy
// (checked in that order) and takes none. Leave gives it back.
func (f *InFlight) Enter(key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.n[key] >= f.perKey:
		return ErrKeyBusy
	case f.total > 0 && f.all >= f.total:
		return ErrAllBusy
	}
	f.n[key]++
	f.all++
	return nil
}

// Leave gives back a place Enter took for key.
func (f *InFlight) Leave(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[key]--; f.n[key] <= 0 {
		delete(f.n, key)
	}
	f.all--
}

// Running is how many places are taken in all.
func (f *InFlight) Running() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.all
}
