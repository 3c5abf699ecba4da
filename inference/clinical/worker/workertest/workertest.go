// Package workertest runs the clinical workers in tests. It is for tests
// only, and does not import worker, so worker's own tests can use it.
package workertest

import (
	"context"
	"sync"
	"testing"
)

// Run starts each of runs (worker.RunASR, worker.RunNotes) with opts in a
// goroutine of its own under a child of ctx. The returned stop cancels
// them, waits for every one to return and reports each error it returned;
// it runs once, at the latest when the test ends.
func Run[O any](t testing.TB, ctx context.Context, opts O, runs ...func(context.Context, O) error) (stop func()) {
	t.Helper()
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	errs := make(chan error, len(runs))
	for _, run := range runs {
		wg.Go(func() { errs <- run(wctx, opts) })
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("worker: %v", err)
				}
			}
		})
	}
	t.Cleanup(stop)
	return stop
}
