package textmap

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/models/ddxplus"
)

// The allocation-free distance must agree with the general one wherever
// the answer matters: equal up to the limit, above it both.
func TestASCIIPrefixDistanceAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abcdeiklmnorst'"[r.IntN(15)]
		}
		return string(b)
	}
	for range 20000 {
		a := word(4 + r.IntN(10))
		b := []byte(a + word(r.IntN(4)))
		for range r.IntN(4) { // a few edits
			if i := r.IntN(len(b)); r.IntN(2) == 0 {
				b[i] = 'x'
			} else if i+1 < len(b) {
				b[i], b[i+1] = b[i+1], b[i]
			}
		}
		for limit := 1; limit <= 2; limit++ {
			want := prefixDistance(a, string(b))
			got, ok := asciiPrefixDistance(a, string(b), limit)
			if !ok || (want <= limit || got <= limit) && got != want {
				t.Fatalf("%q vs %q limit %d: %d (%v), want %d", a, b, limit, got, ok, want)
			}
		}
	}
	if _, ok := asciiPrefixDistance("og'riq", "оғриқ", 1); ok {
		t.Error("a word outside ASCII took the ASCII path")
	}
}

// Unpunctuated text is one sentence however long it runs; reading it must
// stay linear in its length, or one request ties up a core.
func TestLongUnpunctuatedTextStaysLinear(t *testing.T) {
	m := testMapper(t)
	unit := "кашель и температура 38 три дня боль в горле у матери астма не курит "
	took := func(n int) time.Duration {
		text := strings.Repeat(unit, n)
		best := time.Duration(math.MaxInt64)
		for range 3 {
			start := time.Now()
			if _, err := m.Extract(context.Background(), text); err != nil {
				t.Fatal(err)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	small, large := took(100), took(800)
	// Eight times the text: about eight times the time when linear, 64
	// when quadratic. 24 leaves room for a noisy machine.
	if ratio := float64(large) / float64(small); ratio > 24 {
		t.Fatalf("8x the text took %.0fx the time (%v vs %v): quadratic in the sentence's length", ratio, large, small)
	}
}

// BenchmarkExtract reads a doctor's summary of usual length, and 64 KiB
// of distinct words (the diagnosis API's largest body), the worst case
// for fuzzy matching.
func BenchmarkExtract(b *testing.B) {
	kb, err := ddxplus.Default()
	if err != nil {
		b.Fatal(err)
	}
	m, err := New(kb)
	if err != nil {
		b.Fatal(err)
	}
	var distinct strings.Builder
	for i := 0; distinct.Len() < 64<<10; i++ {
		distinct.WriteString("слово" + strings.Repeat("ab", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + " ")
	}
	for _, c := range []struct{ name, text string }{
		{"summary", "Больная 34 лет, жалобы на кашель с мокротой, температуру до 38,5 три дня, боль в груди при дыхании. Курит 10 лет. У матери бронхиальная астма. Одышки нет."},
		{"distinct-64KiB", distinct.String()},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			for b.Loop() {
				if _, err := m.Extract(context.Background(), c.text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
