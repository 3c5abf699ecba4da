package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The committed region.json must be exactly what the builder makes from the
// decree tables, so a fix to either shows up as a diff.
func TestEmbeddedMatchesSource(t *testing.T) {
	src := filepath.Join("..", "..", "..", "..", "shared", "data", "region")
	if _, err := os.Stat(src); err != nil {
		t.Skipf("decree tables not found at %s (they sit beside the repository in CI): %v", src, err)
	}
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
