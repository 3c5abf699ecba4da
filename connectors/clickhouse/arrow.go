package clickhouse

import (
	"context"
	"fmt"
	"time"
	"unsafe"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// RecordWriter inserts Arrow records, handing each column to clickhouse-go
// as one slice. Numeric columns are passed as Arrow's own buffers; string
// columns as string views into Arrow's data buffer (clickhouse-go copies
// them into its block), so no row is materialised on the way. Its scratch
// slices are reused: one RecordWriter serves one goroutine.
type RecordWriter struct {
	strs  [][]string
	times [][]time.Time
	cols  []any
}

// Insert writes rec to table in one block; column names come from rec's
// schema and must match the table's.
func (w *RecordWriter) Insert(ctx context.Context, conn driver.Conn, table string, rec arrow.Record) error {
	n := int(rec.NumCols())
	names := make([]string, n)
	w.cols = w.cols[:0]
	si, ti := 0, 0
	for i := 0; i < n; i++ {
		names[i] = rec.ColumnName(i)
		switch a := rec.Column(i).(type) {
		case *array.String:
			if si == len(w.strs) {
				w.strs = append(w.strs, nil)
			}
			w.strs[si] = stringViews(w.strs[si][:0], a)
			w.cols = append(w.cols, w.strs[si])
			si++
		case *array.Timestamp:
			if ti == len(w.times) {
				w.times = append(w.times, nil)
			}
			ts := w.times[ti][:0]
			for _, v := range a.TimestampValues() {
				ts = append(ts, time.Unix(int64(v), 0).UTC())
			}
			w.times[ti] = ts
			w.cols = append(w.cols, ts)
			ti++
		case *array.Int64:
			w.cols = append(w.cols, a.Int64Values())
		case *array.Float64:
			w.cols = append(w.cols, a.Float64Values())
		case *array.Float32:
			w.cols = append(w.cols, a.Float32Values())
		case *array.Int8:
			w.cols = append(w.cols, a.Int8Values())
		case *array.Int16:
			w.cols = append(w.cols, a.Int16Values())
		case *array.Int32:
			w.cols = append(w.cols, a.Int32Values())
		case *array.Uint8:
			w.cols = append(w.cols, a.Uint8Values())
		case *array.Uint16:
			w.cols = append(w.cols, a.Uint16Values())
		case *array.Uint32:
			w.cols = append(w.cols, a.Uint32Values())
		case *array.Uint64:
			w.cols = append(w.cols, a.Uint64Values())
		default:
			return fmt.Errorf("clickhouse: column %s of %s: Arrow type %s is not supported", names[i], table, a.DataType())
		}
	}
	err := Insert(ctx, conn, table, names, w.cols)
	// Views point into rec's buffers; drop them before rec is released.
	for i := range w.strs[:si] {
		clear(w.strs[i])
	}
	return err
}

func stringViews(dst []string, a *array.String) []string {
	// For a slice of an array (a record bisected to isolate a row the
	// server refuses) the offsets still count from the start of the whole
	// data buffer while ValueBytes starts at the slice's first value.
	data := a.ValueBytes()
	offs := a.ValueOffsets()
	base := int32(0)
	if len(offs) > 0 {
		base = offs[0]
	}
	for i := 0; i < a.Len(); i++ {
		lo, hi := offs[i]-base, offs[i+1]-base
		if lo == hi {
			dst = append(dst, "")
			continue
		}
		dst = append(dst, unsafe.String(&data[lo], int(hi-lo)))
	}
	return dst
}
