package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/oqim/oqim/models/sharedtest"
)

// The committed region.json must be exactly what the builder makes from the
// decree tables, so a fix to either shows up as a diff.
func TestEmbeddedMatchesSource(t *testing.T) {
	src := sharedtest.Dir(t, "region", "regions.csv")
	want, err := Build(src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "region.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("models/region/region.json is stale: run go run ./models/region/build -src <decree tables> -out models/region/region.json")
	}
}

func TestParseDeadlines(t *testing.T) {
	steps, err := parseDeadlines("2025-10;2025-01/2026-12;ongoing;per_schedule;on_request;quarterly")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"month::2025-10", "range:2025-01:2026-12", "ongoing::", "per_schedule::", "on_request::", "quarterly::"}
	if len(steps) != len(want) {
		t.Fatalf("%d steps, want %d", len(steps), len(want))
	}
	for i, s := range steps {
		if got := s.Kind + ":" + s.From + ":" + s.Due; got != want[i] {
			t.Errorf("step %d = %s, want %s", i, got, want[i])
		}
	}
	for _, bad := range []string{"2025-13", "2026-12/2025-01", "soon", "2025-10;", "2025-1"} {
		if _, err := parseDeadlines(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
