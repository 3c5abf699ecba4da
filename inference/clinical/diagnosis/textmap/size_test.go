package textmap

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/oqim/oqim/bench/growth"
	"github.com/oqim/oqim/models/ddxplus"
)

// The distance that stops at its limit must agree with the full one
// wherever the answer matters: equal up to the limit, above it both.
func TestPrefixDistanceStopsRightly(t *testing.T) {
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
			want := prefixEdits([]rune(a), []rune(string(b)), math.MaxInt)
			if got := prefixDistance(a, string(b), limit); (want <= limit || got <= limit) && got != want {
				t.Fatalf("%q vs %q limit %d: %d, want %d", a, b, limit, got, want)
			}
		}
	}
	// Other scripts go rune by rune: one letter apart, not two bytes.
	if d := prefixDistance("оғриқ", "оғрик", 1); d != 1 {
		t.Errorf("оғриқ vs оғрик: %d edits, want 1", d)
	}
}

// Unpunctuated text is one sentence however long it runs; reading it must
// stay linear in its length, or one request ties up a core.
func TestLongUnpunctuatedTextStaysLinear(t *testing.T) {
	m := testMapper(t)
	unit := "кашель и температура 38 три дня боль в горле у матери астма не курит "
	growth.Linear(t, func(n int) {
		if _, err := m.Extract(context.Background(), strings.Repeat(unit, n)); err != nil {
			t.Fatal(err)
		}
	}, 100, 8, 24)
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
