package redact

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The README's table of what the redactor removes and what it leaves is
// what it does: every example is checked.
func TestREADMETable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "### Redaction")
	if start < 0 {
		t.Fatal("README.md has no \"### Redaction\" section")
	}
	doc = doc[start:]
	if end := strings.Index(doc[4:], "\n## "); end >= 0 {
		doc = doc[:end+4]
	}
	code := regexp.MustCompile("`([^`]+)`")
	r := New()
	removed, kept := 0, 0
	for _, line := range strings.Split(doc, "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "|---") || len(cells) < 2 {
			continue
		}
		examples := code.FindAllStringSubmatch(cells[1], -1)
		switch len(cells) {
		case 3: // | Removed | Examples | Becomes |
			want := strings.Trim(cells[2], "`")
			if !strings.HasPrefix(want, "[") {
				continue // the header
			}
			for _, m := range examples {
				if got, _ := r.Redact(m[1]); got != want {
					t.Errorf("README says %q becomes %s; Redact gives %q", m[1], want, got)
				}
				removed++
			}
		case 2: // | Left alone | Examples |
			for _, m := range examples {
				if got, n := r.Redact(m[1]); got != m[1] {
					t.Errorf("README says %q is left alone; Redact gives %q %+v", m[1], got, n)
				}
				kept++
			}
		}
	}
	if removed < 10 || kept < 10 {
		t.Fatalf("read %d removed and %d kept examples from the README: the tables moved?", removed, kept)
	}
}
