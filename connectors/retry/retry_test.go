package retry

import (
	"context"
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
