package kpi_test

import (
	"context"
	"testing"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/analytics/kpi/kpitest"
)

// The hot query paths of the dashboard: one region's month at region
// level, read from the rollups.
func BenchmarkQueries(b *testing.B) {
	e := kpitest.Load(b, kpitest.Options{Applications: 5000})
	f := national(e)
	f.Region = "UZ-TK"
	ctx := context.Background()
	b.Run("applications", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.Store.Applications(ctx, f); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, tb := range []*kpi.Table{kpi.EServices, kpi.EServicesElectronic, kpi.EServicesProcessing, kpi.Calls, kpi.TelecomPlan, kpi.Projects} {
		b.Run(tb.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := e.Store.Stream(ctx, tb, f, func(*kpi.Row) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
