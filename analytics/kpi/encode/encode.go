// Package encode streams KPI rows as CSV, JSON, Arrow IPC or Parquet.
// Rows are appended to a reused buffer (CSV, JSON) or to Arrow builders
// flushed every BatchRows rows (Arrow, Parquet), so a result is never held
// whole in memory and no row allocates.
package encode

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/compress"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"

	"github.com/oqim/oqim/analytics/kpi"
)

// Format is an output format.
type Format string

const (
	CSV     Format = "csv"
	JSON    Format = "json" // a JSON array of objects
	Arrow   Format = "arrow"
	Parquet Format = "parquet"
)

// Formats lists the formats in parameter spelling.
var Formats = []Format{JSON, CSV, Arrow, Parquet}

// ContentType is the media type of f.
func (f Format) ContentType() string {
	switch f {
	case CSV:
		return "text/csv; charset=utf-8"
	case Arrow:
		return "application/vnd.apache.arrow.stream"
	case Parquet:
		return "application/vnd.apache.parquet"
	}
	return "application/json; charset=utf-8"
}

// Ext is f's file name extension.
func (f Format) Ext() string {
	if f == Arrow {
		return "arrows"
	}
	return string(f)
}

// BatchRows is the number of rows per Arrow record batch (and Parquet
// row group).
const BatchRows = 16384

// Writer writes rows of one table.
type Writer interface {
	// Write appends one row; r is only read during the call.
	Write(r *kpi.Row) error
	// Close writes what is buffered and the format's trailer. It does not
	// close the underlying io.Writer.
	Close() error
	// Rows is the number of rows written.
	Rows() uint64
}

// New starts writing rows with columns cols to w in format f.
func New(f Format, w io.Writer, cols []kpi.Column) (Writer, error) {
	switch f {
	case CSV:
		return newCSV(w, cols)
	case JSON:
		return newJSON(w, cols), nil
	case Arrow, Parquet:
		return newArrow(f, w, cols)
	}
	return nil, fmt.Errorf("encode: format %q is not one of json, csv, arrow, parquet", f)
}

// Schema is the Arrow schema of a table's columns: dates are date32,
// null when a row has none.
func Schema(cols []kpi.Column) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		var t arrow.DataType
		switch c.Type {
		case kpi.Int:
			t = arrow.PrimitiveTypes.Int64
		case kpi.Float:
			t = arrow.PrimitiveTypes.Float64
		case kpi.Date:
			t = arrow.FixedWidthTypes.Date32
		default:
			t = arrow.BinaryTypes.String
		}
		fields[i] = arrow.Field{Name: c.Name, Type: t, Nullable: c.Type == kpi.Date,
			Metadata: arrow.NewMetadata([]string{"description"}, []string{c.Doc})}
	}
	return arrow.NewSchema(fields, nil)
}

// text writes CSV and JSON through one reused line buffer.
type text struct {
	w    *bufio.Writer
	cols []kpi.Column
	buf  []byte
	n    uint64
}

// writers recycles the 64 KiB output buffers: allocating one per request
// was a third of the garbage a small API response made.
var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}

func newText(w io.Writer, cols []kpi.Column) text {
	bw := writers.Get().(*bufio.Writer)
	bw.Reset(w)
	return text{w: bw, cols: cols}
}

// flush writes what is buffered and returns the buffer to the pool; the
// writer is not used after it.
func (t *text) flush() error {
	err := t.w.Flush()
	t.w.Reset(nil)
	writers.Put(t.w)
	t.w = nil
	return err
}

type csvWriter struct{ text }

func newCSV(w io.Writer, cols []kpi.Column) (*csvWriter, error) {
	c := &csvWriter{newText(w, cols)}
	for i, col := range cols {
		if i > 0 {
			c.buf = append(c.buf, ',')
		}
		c.buf = appendCSV(c.buf, col.Name)
	}
	c.buf = append(c.buf, '\n')
	_, err := c.w.Write(c.buf)
	return c, err
}

func (c *csvWriter) Write(r *kpi.Row) error {
	b := c.buf[:0]
	for i, col := range c.cols {
		if i > 0 {
			b = append(b, ',')
		}
		switch col.Type {
		case kpi.String:
			b = appendCSV(b, r.Str(i))
		case kpi.Int:
			b = strconv.AppendInt(b, r.Int(i), 10)
		case kpi.Float:
			b = appendFloat(b, r.Float(i))
		case kpi.Date:
			if d := r.Date(i); !d.IsZero() && d.Unix() > 0 {
				b = d.UTC().AppendFormat(b, time.DateOnly)
			}
		}
	}
	b = append(b, '\n')
	c.buf = b
	c.n++
	_, err := c.w.Write(b)
	return err
}

func (c *csvWriter) Close() error { return c.flush() }
func (c *csvWriter) Rows() uint64 { return c.n }

// appendCSV quotes a field when it holds a comma, semicolon, quote, or
// line break.
// A field that starts with a character a spreadsheet reads as the start of
// a formula (= + - @, and a tab or carriage return, which some strip
// first) is also prefixed with an apostrophe: quoting alone does not stop
// Excel or LibreOffice from evaluating it, and agencies' free text (an
// agency name, a district) reaches exports as sent. The apostrophe is
// what spreadsheets themselves use to mark text. Excel opens a .csv with
// the system's list separator, ";" in the Russian and Uzbek locales, and
// then honours a quote only at a cell's start, so every character after
// a ";" starts a cell too and is marked the same way.
func appendCSV(b []byte, s string) []byte {
	need := len(s) > 0 && strings.IndexByte("=+-@\t\r", s[0]) >= 0
	for i := 0; i < len(s) && !need; i++ {
		if c := s[i]; c == ',' || c == '"' || c == '\n' || c == '\r' || c == ';' {
			need = true
		}
	}
	if !need {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		// A cell starts at the field's start and, for a reader that
		// splits at the ";" list separator and honours quotes only at a
		// cell's start, after each ";" and each line break.
		if (i == 0 || s[i-1] == ';' || s[i-1] == '\n' || s[i-1] == '\r') && strings.IndexByte("=+-@\t\r", s[i]) >= 0 {
			b = append(b, '\'')
		}
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

func appendFloat(b []byte, x float64) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return b
	}
	return strconv.AppendFloat(b, x, 'g', -1, 64)
}

type jsonWriter struct {
	text
	keys [][]byte
}

func newJSON(w io.Writer, cols []kpi.Column) *jsonWriter {
	j := &jsonWriter{text: newText(w, cols)}
	for _, c := range cols {
		j.keys = append(j.keys, append(AppendString(nil, c.Name), ':'))
	}
	return j
}

func (j *jsonWriter) Write(r *kpi.Row) error {
	b := j.buf[:0]
	if j.n == 0 {
		b = append(b, "[\n{"...)
	} else {
		b = append(b, ",\n{"...)
	}
	for i, col := range j.cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, j.keys[i]...)
		switch col.Type {
		case kpi.String:
			b = AppendString(b, r.Str(i))
		case kpi.Int:
			b = strconv.AppendInt(b, r.Int(i), 10)
		case kpi.Float:
			if x := r.Float(i); math.IsNaN(x) || math.IsInf(x, 0) {
				b = append(b, "null"...)
			} else {
				b = strconv.AppendFloat(b, x, 'g', -1, 64)
			}
		case kpi.Date:
			if d := r.Date(i); !d.IsZero() && d.Unix() > 0 {
				b = append(b, '"')
				b = d.UTC().AppendFormat(b, time.DateOnly)
				b = append(b, '"')
			} else {
				b = append(b, "null"...)
			}
		}
	}
	b = append(b, '}')
	j.buf = b
	j.n++
	_, err := j.w.Write(b)
	return err
}

func (j *jsonWriter) Close() error {
	if j.n == 0 {
		j.w.WriteString("[]")
	} else {
		j.w.WriteString("\n]")
	}
	return j.flush()
}

func (j *jsonWriter) Rows() uint64 { return j.n }

// AppendString appends s as a JSON string.
func AppendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// arrowWriter appends rows to builders and hands a record to the IPC or
// Parquet writer every BatchRows rows.
type arrowWriter struct {
	cols    []kpi.Column
	schema  *arrow.Schema
	builder *array.RecordBuilder
	strs    []*array.StringBuilder
	ints    []*array.Int64Builder
	flts    []*array.Float64Builder
	dates   []*array.Date32Builder
	pending int
	n       uint64
	ipc     *ipc.Writer
	pq      *pqarrow.FileWriter
}

func newArrow(f Format, w io.Writer, cols []kpi.Column) (*arrowWriter, error) {
	mem := memory.NewGoAllocator()
	a := &arrowWriter{cols: cols, schema: Schema(cols)}
	a.builder = array.NewRecordBuilder(mem, a.schema)
	n := len(cols)
	a.strs, a.ints, a.flts, a.dates = make([]*array.StringBuilder, n), make([]*array.Int64Builder, n), make([]*array.Float64Builder, n), make([]*array.Date32Builder, n)
	for i, c := range cols {
		switch c.Type {
		case kpi.String:
			a.strs[i] = a.builder.Field(i).(*array.StringBuilder)
		case kpi.Int:
			a.ints[i] = a.builder.Field(i).(*array.Int64Builder)
		case kpi.Float:
			a.flts[i] = a.builder.Field(i).(*array.Float64Builder)
		case kpi.Date:
			a.dates[i] = a.builder.Field(i).(*array.Date32Builder)
		}
	}
	if f == Arrow {
		a.ipc = ipc.NewWriter(w, ipc.WithSchema(a.schema), ipc.WithAllocator(mem))
		return a, nil
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithAllocator(mem))
	// The Parquet writer closes its sink when it is an io.Closer; hide
	// Close so the caller keeps ownership of w.
	pw, err := pqarrow.NewFileWriter(a.schema, struct{ io.Writer }{w}, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		a.builder.Release()
		return nil, fmt.Errorf("encode: parquet: %w", err)
	}
	a.pq = pw
	return a, nil
}

func (a *arrowWriter) Write(r *kpi.Row) error {
	for i, c := range a.cols {
		switch c.Type {
		case kpi.String:
			a.strs[i].Append(r.Str(i))
		case kpi.Int:
			a.ints[i].Append(r.Int(i))
		case kpi.Float:
			a.flts[i].Append(r.Float(i))
		case kpi.Date:
			if d := r.Date(i); !d.IsZero() && d.Unix() > 0 {
				a.dates[i].Append(arrow.Date32FromTime(d.UTC()))
			} else {
				a.dates[i].AppendNull()
			}
		}
	}
	a.n++
	if a.pending++; a.pending >= BatchRows {
		return a.flush()
	}
	return nil
}

func (a *arrowWriter) flush() error {
	if a.pending == 0 {
		return nil
	}
	a.pending = 0
	rec := a.builder.NewRecord()
	defer rec.Release()
	if a.ipc != nil {
		return a.ipc.Write(rec)
	}
	return a.pq.Write(rec)
}

func (a *arrowWriter) Close() error {
	defer a.builder.Release()
	err := a.flush()
	var cerr error
	if a.ipc != nil {
		cerr = a.ipc.Close()
	} else {
		cerr = a.pq.Close()
	}
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if cerr != nil {
		return fmt.Errorf("encode: %w", cerr)
	}
	return nil
}

func (a *arrowWriter) Rows() uint64 { return a.n }
