// Package sharedtest finds, for tests, the module root and the reference
// data that sits beside the repository (<module root>/../shared/data): the
// embedded models are checked against a rebuild from it, and the
// assistants are measured on its development sets.
package sharedtest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// ModuleRoot returns the folder of go.mod above the test's working
// directory (go test runs a test in its package's folder).
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// Dir returns <module root>/../shared/data/<sub>, skipping the test when
// want (a file in it) is missing, as on a machine without the data.
func Dir(t testing.TB, sub, want string) string {
	t.Helper()
	src := filepath.Join(ModuleRoot(t), "..", "shared", "data", sub)
	if _, err := os.Stat(filepath.Join(src, want)); err != nil {
		t.Skipf("%s not found at <module root>/../shared/data/%s (%v); cannot check against the reference data", want, sub, err)
	}
	return src
}

// Marshaler is a model that serialises to its embedded form.
type Marshaler interface{ Marshal() ([]byte, error) }

// MatchesRebuild fails the test unless the embedded model serialises to
// the same bytes as one rebuilt from the sources, so a stale embedded
// file is caught. how says how to regenerate it.
func MatchesRebuild(t testing.TB, embedded, rebuilt Marshaler, embeddedErr, rebuildErr error, how string) {
	t.Helper()
	if rebuildErr != nil {
		t.Fatalf("rebuild: %v", rebuildErr)
	}
	if embeddedErr != nil {
		t.Fatalf("embedded: %v", embeddedErr)
	}
	want, err := rebuilt.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := embedded.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the embedded model differs from a rebuild; run: %s", how)
	}
}
