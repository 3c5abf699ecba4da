// Package growth checks how a hot path's cost grows with its input: timed
// at two sizes side by side in one run, best of three each, so that a
// noisy machine slows both alike. Tests use it to keep text engines
// linear in the length of what a client may send.
package growth

import (
	"math"
	"testing"
	"time"
)

// Linear fails t when run at k·n takes more than maxRatio times as long
// as at n. For a linear cost the ratio is about k, for a quadratic one
// k²; maxRatio sits between, with room for noise (k 8: 24).
func Linear(t testing.TB, run func(n int), n, k int, maxRatio float64) {
	t.Helper()
	small, large := best(run, n), best(run, k*n)
	if ratio := float64(large) / float64(small); ratio > maxRatio {
		t.Fatalf("%dx the input took %.0fx the time (%v vs %v): it grows faster than linearly", k, ratio, large, small)
	}
}

// best is the shortest of three runs at n.
func best(run func(n int), n int) time.Duration {
	d := time.Duration(math.MaxInt64)
	for range 3 {
		start := time.Now()
		run(n)
		d = min(d, time.Since(start))
	}
	return d
}
