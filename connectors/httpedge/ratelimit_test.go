package httpedge

import (
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	now := time.Unix(0, 0)
	l := NewLimiter(LimiterConfig{Limit: Limit{Rate: 2, Burst: 3}, MaxKeys: 10, Now: func() time.Time { return now }})
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("4th request: ok=%v wait=%v, want refused with 500ms", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another client was limited by a's bucket")
	}
	now = now.Add(time.Second)
	for i := 0; i < 2; i++ {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("after 1s refill, request %d refused", i)
		}
	}
	if ok, _ := l.Allow("a"); ok {
		t.Fatal("refill exceeded 2 tokens/s")
	}
}

func TestBound(t *testing.T) {
	l := NewLimiter(LimiterConfig{Limit: Limit{Rate: 1, Burst: 1}, MaxKeys: 5})
	for i := 0; i < 50; i++ {
		l.Allow(string(rune('a' + i)))
	}
	if l.Len() != 5 {
		t.Fatalf("tracking %d clients, bound 5", l.Len())
	}
}
