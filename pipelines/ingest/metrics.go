package ingest

import (
	"fmt"
	"sync"

	"github.com/VictoriaMetrics/metrics"

	"github.com/oqim/oqim/pipelines/events"
)

// Metrics are one pipeline's counters, registered in a caller's set so
// several pipelines and tests never share global state.
type Metrics struct {
	Rows      *metrics.Counter
	Batches   *metrics.Counter
	DLQ       map[events.Reason]*metrics.Counter
	Errors    map[string]*metrics.Counter
	BatchTime *metrics.Histogram
	// Parked counts records given up on after their step kept failing
	// for a reason retrying cannot cure, by stage ("dlq": a dead letter
	// the broker refuses; "insert": a row ClickHouse refuses and whose
	// dead letter was refused too).
	Parked map[string]*metrics.Counter
	lag    lagTracker
}

var (
	errorStages  = []string{"fetch", "insert", "dlq", "commit"}
	parkedStages = []string{"dlq", "insert"}
)

// NewMetrics registers the pipeline's series in set under the given
// pipeline label.
func NewMetrics(set *metrics.Set, pipeline string) *Metrics {
	if set == nil {
		set = metrics.NewSet()
	}
	l := fmt.Sprintf(`pipeline=%q`, pipeline)
	m := &Metrics{
		Rows:      set.NewCounter(`oqim_ingest_rows_total{` + l + `}`),
		Batches:   set.NewCounter(`oqim_ingest_batches_total{` + l + `}`),
		BatchTime: set.NewHistogram(`oqim_ingest_batch_duration_seconds{` + l + `}`),
		DLQ:       map[events.Reason]*metrics.Counter{},
		Errors:    map[string]*metrics.Counter{},
		Parked:    map[string]*metrics.Counter{},
		lag:       lagTracker{parts: map[partition]*position{}},
	}
	for _, r := range append(events.Reasons[:len(events.Reasons):len(events.Reasons)], events.ReasonStoreRejected) {
		m.DLQ[r] = set.NewCounter(fmt.Sprintf(`oqim_ingest_dlq_records_total{%s,reason=%q}`, l, r))
	}
	for _, s := range errorStages {
		m.Errors[s] = set.NewCounter(fmt.Sprintf(`oqim_ingest_errors_total{%s,stage=%q}`, l, s))
	}
	for _, s := range parkedStages {
		m.Parked[s] = set.NewCounter(fmt.Sprintf(`oqim_ingest_parked_total{%s,stage=%q}`, l, s))
	}
	set.NewGauge(`oqim_ingest_consumer_lag{`+l+`}`, func() float64 { return float64(m.Lag()) })
	return m
}

// Lag is the records between the committed offsets and the partitions'
// high watermarks as of the latest fetch. It is kept current while the
// pipeline commits nothing (a stalled step), when lag is what matters.
func (m *Metrics) Lag() int64 { return m.lag.total() }

// lagTracker holds each partition's latest high watermark (from every
// fetch, on the consumer's fetchers) and committed offset (from the
// flusher).
type lagTracker struct {
	mu    sync.Mutex
	parts map[partition]*position
}

type position struct{ committed, highWater int64 }

func (t *lagTracker) get(k partition) *position {
	p := t.parts[k]
	if p == nil {
		p = &position{committed: -1}
		t.parts[k] = p
	}
	return p
}

// fetched records a fetch: start is where the group's generation began
// reading the partition, which is its committed offset then.
func (t *lagTracker) fetched(k partition, start, highWater int64) {
	t.mu.Lock()
	p := t.get(k)
	p.committed, p.highWater = max(p.committed, start), highWater
	t.mu.Unlock()
}

func (t *lagTracker) committed(k partition, next int64) {
	t.mu.Lock()
	p := t.get(k)
	p.committed = max(p.committed, next)
	t.mu.Unlock()
}

func (t *lagTracker) total() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	var n int64
	for _, p := range t.parts {
		if p.committed >= 0 {
			n += max(p.highWater-p.committed, 0)
		}
	}
	return n
}
