package decode

import (
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// allocators are the two the ingest pipeline can run with
// (ingest.AllocPool and ingest.AllocGo).
var allocators = []struct {
	name string
	new  func() memory.Allocator
}{
	{"pool", func() memory.Allocator { return &PoolAllocator{} }},
	{"go", func() memory.Allocator { return memory.NewGoAllocator() }},
}

// cpuTime is the process's user+system time, all threads (the
// collector's included). On a shared machine it tells the allocators
// apart where wall time, which waits for other programs, does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds cpu-ns/op, the process CPU time per record since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// batchRows is the pipeline's default batch size (pipeline.batch_size).
const batchRows = 50000

// inFlight releases each batch's records one batch late, as the
// pipeline does: the flusher inserts batch n while the decoder fills
// batch n+1, so two batches' buffers are alive at a time.
type inFlight struct{ prev []arrow.Record }

func (f *inFlight) cut(recs []arrow.Record) {
	for _, r := range f.prev {
		r.Release()
	}
	f.prev = append(f.prev[:0], recs...)
}

// BenchmarkAllocatorEnvelope decodes Single Portal envelopes in
// pipeline-sized batches with each allocator, side by side.
func BenchmarkAllocatorEnvelope(b *testing.B) {
	rec := []byte(application)
	for _, a := range allocators {
		b.Run(a.name, func(b *testing.B) {
			d := newDecoder(b, a.new())
			var f inFlight
			var recs []arrow.Record
			b.SetBytes(int64(len(rec)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				if d.Rows() == batchRows {
					recs = recs[:0]
					for _, t := range d.Tables() {
						if t.Rows() > 0 {
							recs = append(recs, t.NewRecord())
						}
					}
					f.cut(recs)
				}
				if err := d.Decode(rec); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportCPU(b, cpu0)
			f.cut(nil)
		})
	}
}

// BenchmarkAllocatorPlain does the same for three-field flat rows.
func BenchmarkAllocatorPlain(b *testing.B) {
	rec := []byte(`{"time":"2026-05-01 10:00:00","name":"name12345","value":12345}`)
	for _, a := range allocators {
		b.Run(a.name, func(b *testing.B) {
			p, err := NewPlain("db.readings", plainCols[:3], Options{Alloc: a.new()})
			if err != nil {
				b.Fatal(err)
			}
			var f inFlight
			b.SetBytes(int64(len(rec)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				if p.Rows() == batchRows {
					f.cut([]arrow.Record{p.NewRecord()})
				}
				if err := p.Decode(rec, "t", 0, int64(i)); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportCPU(b, cpu0)
			f.cut(nil)
		})
	}
}
