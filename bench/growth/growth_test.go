package growth

import (
	"fmt"
	"testing"
)

// recorder is a testing.TB that notes a failure instead of stopping.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Fatalf(format string, a ...any) { r.failed = fmt.Sprintf(format, a...) }

// work costs about n² or n units of arithmetic.
func work(n, m int) int {
	s := 0
	for i := range n {
		for j := range m {
			s += i ^ j
		}
	}
	return s
}

var sink int

func TestLinearTellsLinearFromQuadratic(t *testing.T) {
	lin := &recorder{}
	Linear(lin, func(n int) { sink += work(n, 20000) }, 20, 8, 24)
	if lin.failed != "" {
		t.Errorf("a linear cost failed: %s", lin.failed)
	}
	quad := &recorder{}
	Linear(quad, func(n int) { sink += work(n, n) }, 400, 8, 24)
	if quad.failed == "" {
		t.Error("a quadratic cost passed")
	}
}
