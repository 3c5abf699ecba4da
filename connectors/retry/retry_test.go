package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBackoffDoublesWithJitterUpToMax(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: time.Second}
	base := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, ms := range base {
		want := ms * time.Millisecond
		if d := b.Next(); d < want/2 || d >= want/2+want {
			t.Fatalf("attempt %d: %v, want within [%v, %v)", i+1, d, want/2, want/2+want)
		}
	}
	b.Reset()
	if d := b.Next(); d >= 150*time.Millisecond {
		t.Fatalf("after Reset: %v, want about 100 ms", d)
	}
	var z Backoff
	if d := z.Next(); d < 50*time.Millisecond || d >= 150*time.Millisecond {
		t.Fatalf("zero Backoff's first delay %v, want about 100 ms", d)
	}
}

func TestSleepStopsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	t0 := time.Now()
	if Sleep(ctx, time.Minute) || time.Since(t0) > time.Second {
		t.Fatal("Sleep ignored a cancelled context")
	}
	if !Sleep(context.Background(), time.Millisecond) {
		t.Fatal("Sleep reported a cancellation that did not happen")
	}
}

func TestSleepUnlessStopsWhenStopCloses(t *testing.T) {
	stop := make(chan struct{})
	time.AfterFunc(20*time.Millisecond, func() { close(stop) })
	t0 := time.Now()
	if SleepUnless(context.Background(), time.Minute, stop) || time.Since(t0) > 30*time.Second {
		t.Fatal("SleepUnless ignored its stop channel")
	}
	if !SleepUnless(context.Background(), time.Millisecond, make(chan struct{})) {
		t.Fatal("SleepUnless reported a stop that did not happen")
	}
}

func TestRetryAfterReadsSecondsAndDates(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		" 2 ":                           2 * time.Second,
		"0":                             0,
		"-3":                            0,
		"soon":                          0,
		"Fri, 04 Dec 2026 12:00:30 GMT": 30 * time.Second,
		"Fri, 04 Dec 2026 11:59:00 GMT": 0, // in the past
	} {
		if got := RetryAfter(v, now); got != want {
			t.Errorf("RetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestDoStopsAtSuccessPermanentErrorOrAttempts(t *testing.T) {
	ctx := context.Background()
	p := Policy{Attempts: 3, Min: time.Millisecond, Max: 2 * time.Millisecond}
	boom := errors.New("boom")

	calls := 0
	n, err := p.Do(ctx, func(context.Context) error {
		calls++
		if calls < 2 {
			return Again(boom, 0)
		}
		return nil
	})
	if n != 2 || err != nil {
		t.Fatalf("success on the second try: %d attempts, %v", n, err)
	}

	calls = 0
	n, err = p.Do(ctx, func(context.Context) error { calls++; return boom })
	if n != 1 || calls != 1 || err != boom {
		t.Fatalf("permanent error: %d attempts, %v", n, err)
	}

	calls = 0
	n, err = p.Do(ctx, func(context.Context) error { calls++; return Again(boom, 0) })
	if n != 3 || calls != 3 || err != boom {
		t.Fatalf("always failing: %d attempts (%d calls), %v; want 3 and the bare error", n, calls, err)
	}
}

func TestDoHonoursRetryAfterUpToItsCap(t *testing.T) {
	p := Policy{Attempts: 2, Min: time.Millisecond, Max: 2 * time.Millisecond, MaxRetryAfter: 300 * time.Millisecond}
	start := time.Now()
	p.Do(context.Background(), func(context.Context) error { return Again(errors.New("429"), 150*time.Millisecond) })
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("waited %v, want at least the server's 150 ms", d)
	}
	start = time.Now()
	p.Do(context.Background(), func(context.Context) error { return Again(errors.New("429"), time.Hour) })
	if d := time.Since(start); d < 300*time.Millisecond || d > 5*time.Second {
		t.Fatalf("waited %v for a Retry-After of an hour, want the 300 ms cap", d)
	}
}

func TestDoGivesUpWaitingWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	boom := errors.New("503")
	_, err := Policy{MaxRetryAfter: time.Minute}.Do(ctx, func(context.Context) error { return Again(boom, time.Minute) })
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, boom) {
		t.Fatalf("err %v, want the deadline and the last error", err)
	}
}
