package httpingest

import (
	"context"
	"fmt"

	"github.com/VictoriaMetrics/metrics"

	"github.com/oqim/oqim/connectors/httpedge"
)

// handlerMetrics are the handler's series. Request counters are created
// up front for the statuses the handler sends, so dashboards see zeros
// before the first error.
type handlerMetrics struct {
	set       *metrics.Set
	accepted  *metrics.Counter
	rejected  *metrics.Counter
	writeTime *metrics.Histogram
}

var statuses = []int{202, 400, 401, 403, 405, 413, 415, 503}

func newHandlerMetrics(set *metrics.Set) *handlerMetrics {
	m := &handlerMetrics{
		set:       set,
		accepted:  set.NewCounter(`oqim_httpingest_lines_total{result="accepted"}`),
		rejected:  set.NewCounter(`oqim_httpingest_lines_total{result="rejected"}`),
		writeTime: set.NewHistogram(`oqim_httpingest_kafka_write_duration_seconds`),
	}
	for _, s := range statuses {
		m.request0(s)
	}
	return m
}

func (m *handlerMetrics) request0(status int) *metrics.Counter {
	return m.set.GetOrCreateCounter(fmt.Sprintf(`oqim_httpingest_requests_total{status="%d"}`, status))
}

func (m *handlerMetrics) request(status int) { m.request0(status).Inc() }

// statusCounter is the edge's audit hook: it counts every answer by
// status, those the edge gives (401) included.
type statusCounter struct{ m *handlerMetrics }

func (c statusCounter) Audit(_ context.Context, a httpedge.Audit) { c.m.request(a.Status) }
