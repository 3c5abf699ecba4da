package ingest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/VictoriaMetrics/metrics"
)

// The series an operator alerts on exist before anything happens.
func TestMetricsSeries(t *testing.T) {
	set := metrics.NewSet()
	m := NewMetrics(set, "apps")
	m.lag.fetched(partition{"t", 0}, 5, 12)
	m.lag.fetched(partition{"t", 1}, 0, 3)
	m.lag.committed(partition{"t", 1}, 3)
	var buf bytes.Buffer
	set.WritePrometheus(&buf)
	for _, want := range []string{
		`oqim_ingest_parked_total{pipeline="apps",stage="dlq"} 0`,
		`oqim_ingest_parked_total{pipeline="apps",stage="insert"} 0`,
		`oqim_ingest_dlq_records_total{pipeline="apps",reason="store_rejected"} 0`,
		`oqim_ingest_consumer_lag{pipeline="apps"} 7`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("no %s in\n%s", want, buf.String())
		}
	}
}
