package ingest

import (
	"fmt"
	"sync/atomic"

	"github.com/VictoriaMetrics/metrics"

	"github.com/oqim/oqim/pipelines/events"
)

// Metrics are one pipeline's counters, registered in a caller's set so
// several pipelines and tests never share global state.
type Metrics struct {
	Rows        *metrics.Counter
	Batches     *metrics.Counter
	DLQ         map[events.Reason]*metrics.Counter
	Errors      map[string]*metrics.Counter
	BatchTime   *metrics.Histogram
	lag         atomic.Int64
	lastFlushNs atomic.Int64
}

var errorStages = []string{"fetch", "insert", "dlq", "commit"}

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
	}
	for _, r := range events.Reasons {
		m.DLQ[r] = set.NewCounter(fmt.Sprintf(`oqim_ingest_dlq_records_total{%s,reason=%q}`, l, r))
	}
	for _, s := range errorStages {
		m.Errors[s] = set.NewCounter(fmt.Sprintf(`oqim_ingest_errors_total{%s,stage=%q}`, l, s))
	}
	set.NewGauge(`oqim_ingest_consumer_lag{`+l+`}`, func() float64 { return float64(m.lag.Load()) })
	return m
}

// Lag is the records between the committed offsets and the partitions'
// high watermarks, as of the last batch.
func (m *Metrics) Lag() int64 { return m.lag.Load() }
