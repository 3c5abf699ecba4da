package decode

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/valyala/fastjson"

	"github.com/oqim/oqim/pipelines/events"
)

// Kafka coordinate columns: a plain table that has them gets each record's
// source position there, which is what lets a ReplacingMergeTree ordered
// by them absorb a replay of records that carry no id of their own.
const (
	ColumnTopic     = "_topic"
	ColumnPartition = "_partition"
	ColumnOffset    = "_offset"
)

// PlainColumn is one insertable column of a plain table.
type PlainColumn struct {
	Name string
	// Type is the ClickHouse type, e.g. String, DateTime('UTC'), Float32.
	Type string
}

// Plain decodes flat JSON objects whose keys are the columns of an
// existing table, for agencies that keep their own format: each key is
// checked against its column's type, every column must be present, and
// unknown keys are ignored. Like Decoder it reuses everything, so steady
// state allocates nothing per record. One Plain serves one goroutine.
type Plain struct {
	Table  string
	Schema *arrow.Schema

	d       *Decoder // parser, limits and the time checks
	cols    []plainCol
	index   map[string]int
	slots   []*fastjson.Value
	builder *array.RecordBuilder
	rows    int
}

type plainCol struct {
	name string
	kind plainKind
	lo   int64 // integer range
	hi   uint64
	b    array.Builder
	// the value read for the row under way
	s   []byte
	num []byte // a number's text, checked by jsonNumber; owned scratch
	n   int64
	u   uint64
	f   float64
	t   int64
}

type plainKind int

const (
	pString plainKind = iota
	pTime
	pInt
	pUint
	pFloat32
	pFloat64
	pTopic
	pPartition
	pOffset
)

// DescribePlain lists the columns a plain table takes on insert: those
// without a DEFAULT, MATERIALIZED or ALIAS expression, which the server
// fills itself.
func DescribePlain(ctx context.Context, conn driver.Conn, table string) ([]PlainColumn, error) {
	rows, err := conn.Query(ctx, "DESCRIBE TABLE "+table)
	if err != nil {
		return nil, fmt.Errorf("decode: describing %s: %w", table, err)
	}
	defer rows.Close()
	var cols []PlainColumn
	for rows.Next() {
		// DESCRIBE's column set grew over ClickHouse versions; the first
		// three are name, type and default kind in all of them.
		vals := make([]any, len(rows.ColumnTypes()))
		for i := range vals {
			var s string
			vals[i] = &s
		}
		if err := rows.Scan(vals...); err != nil {
			return nil, fmt.Errorf("decode: describing %s: %w", table, err)
		}
		name, typ, def := *vals[0].(*string), *vals[1].(*string), *vals[2].(*string)
		if def == "" {
			cols = append(cols, PlainColumn{Name: name, Type: typ})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("decode: describing %s: %w", table, err)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("decode: table %s does not exist or has no insertable column", table)
	}
	return cols, nil
}

// NewPlain prepares a decoder for table's columns. opts supplies the
// limits, the time parser and the clock; its Registry is not used.
func NewPlain(table string, cols []PlainColumn, opts Options) (*Plain, error) {
	d := &Decoder{opts: opts}
	if d.opts.Limits == (events.Limits{}) {
		d.opts.Limits = events.DefaultLimits()
	}
	d.fillDefaults()
	p := &Plain{Table: table, d: d, index: map[string]int{}}
	fields := make([]arrow.Field, 0, len(cols))
	for _, c := range cols {
		pc, t, err := plainColumn(c)
		if err != nil {
			return nil, fmt.Errorf("decode: table %s: %w", table, err)
		}
		p.index[c.Name] = len(p.cols)
		p.cols = append(p.cols, pc)
		fields = append(fields, arrow.Field{Name: c.Name, Type: t})
	}
	p.Schema = arrow.NewSchema(fields, nil)
	p.builder = array.NewRecordBuilder(d.opts.Alloc, p.Schema)
	for i := range p.cols {
		p.cols[i].b = p.builder.Field(i)
	}
	p.slots = make([]*fastjson.Value, len(p.cols))
	return p, nil
}

func plainColumn(c PlainColumn) (plainCol, arrow.DataType, error) {
	pc := plainCol{name: c.Name}
	typ := c.Type
	switch c.Name {
	case ColumnTopic:
		if typ != "String" {
			return pc, nil, fmt.Errorf("column %s must be String to hold the Kafka topic, not %s", c.Name, typ)
		}
		pc.kind = pTopic
		return pc, arrow.BinaryTypes.String, nil
	case ColumnPartition:
		if typ != "UInt32" {
			return pc, nil, fmt.Errorf("column %s must be UInt32 to hold the Kafka partition, not %s", c.Name, typ)
		}
		pc.kind = pPartition
		return pc, arrow.PrimitiveTypes.Uint32, nil
	case ColumnOffset:
		if typ != "UInt64" {
			return pc, nil, fmt.Errorf("column %s must be UInt64 to hold the Kafka offset, not %s", c.Name, typ)
		}
		pc.kind = pOffset
		return pc, arrow.PrimitiveTypes.Uint64, nil
	}
	ints := map[string]struct {
		lo int64
		hi uint64
		t  arrow.DataType
	}{
		"Int8": {math.MinInt8, math.MaxInt8, arrow.PrimitiveTypes.Int8}, "Int16": {math.MinInt16, math.MaxInt16, arrow.PrimitiveTypes.Int16},
		"Int32": {math.MinInt32, math.MaxInt32, arrow.PrimitiveTypes.Int32}, "Int64": {math.MinInt64, math.MaxInt64, arrow.PrimitiveTypes.Int64},
		"UInt8": {0, math.MaxUint8, arrow.PrimitiveTypes.Uint8}, "UInt16": {0, math.MaxUint16, arrow.PrimitiveTypes.Uint16},
		"UInt32": {0, math.MaxUint32, arrow.PrimitiveTypes.Uint32}, "UInt64": {0, math.MaxUint64, arrow.PrimitiveTypes.Uint64},
	}
	switch {
	case typ == "String":
		pc.kind = pString
		return pc, arrow.BinaryTypes.String, nil
	case typ == "DateTime" || strings.HasPrefix(typ, "DateTime("):
		pc.kind = pTime
		return pc, &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}, nil
	case typ == "Float32":
		pc.kind = pFloat32
		return pc, arrow.PrimitiveTypes.Float32, nil
	case typ == "Float64":
		pc.kind = pFloat64
		return pc, arrow.PrimitiveTypes.Float64, nil
	}
	if r, ok := ints[typ]; ok {
		pc.kind, pc.lo, pc.hi = pInt, r.lo, r.hi
		if typ[0] == 'U' {
			pc.kind = pUint
		}
		return pc, r.t, nil
	}
	return pc, nil, fmt.Errorf("column %s has type %s; plain tables take String, DateTime, Float32/64 and (U)Int8–64 columns (give others a DEFAULT)", c.Name, typ)
}

// Rows is the number of rows buffered.
func (p *Plain) Rows() int { return p.rows }

// NewRecord hands over the buffered rows and starts an empty batch. The
// caller releases the record.
func (p *Plain) NewRecord() arrow.Record {
	p.rows = 0
	return p.builder.NewRecord()
}

// Decode validates one record from topic/partition/offset and appends it.
// On error nothing is appended and the error is a *events.FieldError.
func (p *Plain) Decode(record []byte, topic string, partition int, offset int64) error {
	if err := p.d.checkSize(len(record)); err != nil {
		return err
	}
	o, err := p.d.parser.Object(record)
	if err != nil {
		return err
	}
	clear(p.slots)
	// A column's key given twice is refused, as in envelope records: the
	// row would depend on which occurrence a reader takes.
	dup := -1
	o.Visit(func(k []byte, v *fastjson.Value) {
		if i, ok := p.index[string(k)]; ok {
			if p.slots[i] != nil && dup < 0 {
				dup = i
			}
			p.slots[i] = v
		}
	})
	if dup >= 0 {
		return events.DuplicateKey(p.cols[dup].name)
	}
	for i := range p.cols {
		if err := p.read(&p.cols[i], p.slots[i]); err != nil {
			return err
		}
	}
	for i := range p.cols {
		c := &p.cols[i]
		switch b := c.b.(type) {
		case *array.StringBuilder:
			if c.kind == pTopic {
				b.Append(topic)
			} else {
				b.BinaryBuilder.Append(c.s)
			}
		case *array.TimestampBuilder:
			b.Append(arrow.Timestamp(c.t))
		case *array.Float32Builder:
			b.Append(float32(c.f))
		case *array.Float64Builder:
			b.Append(c.f)
		case *array.Int8Builder:
			b.Append(int8(c.n))
		case *array.Int16Builder:
			b.Append(int16(c.n))
		case *array.Int32Builder:
			b.Append(int32(c.n))
		case *array.Int64Builder:
			b.Append(c.n)
		case *array.Uint8Builder:
			b.Append(uint8(c.u))
		case *array.Uint16Builder:
			b.Append(uint16(c.u))
		case *array.Uint32Builder:
			if c.kind == pPartition {
				b.Append(uint32(partition))
			} else {
				b.Append(uint32(c.u))
			}
		case *array.Uint64Builder:
			if c.kind == pOffset {
				b.Append(uint64(offset))
			} else {
				b.Append(c.u)
			}
		}
	}
	p.rows++
	return nil
}

func (p *Plain) read(c *plainCol, v *fastjson.Value) error {
	switch c.kind {
	case pTopic, pPartition, pOffset:
		return nil // filled from the record's position
	}
	if v == nil || v.Type() == fastjson.TypeNull {
		return &events.FieldError{Field: c.name, Reason: events.ReasonMissingField, Detail: "required: the column has no default"}
	}
	wrong := func(want string) error {
		return &events.FieldError{Field: c.name, Reason: events.ReasonWrongType, Detail: fmt.Sprintf("must be %s, got %s", want, v.Type())}
	}
	switch c.kind {
	case pString:
		b, err := v.StringBytes()
		if err != nil {
			return wrong("a string")
		}
		if err := events.CheckText(b, c.name, true); err != nil {
			return err
		}
		c.s = b
	case pTime:
		b, err := v.StringBytes()
		if err != nil {
			return wrong("a time string")
		}
		t, err := p.d.checkTime(c.name, b)
		if err != nil {
			return err
		}
		c.t = t.Unix()
	case pFloat32, pFloat64:
		if v.Type() != fastjson.TypeNumber {
			return wrong("a number")
		}
		if c.num = v.MarshalTo(c.num[:0]); !jsonNumber(c.num) {
			return notJSONNumber(c.num, c.name)
		}
		f, err := v.Float64()
		c.f = f
		if err != nil || math.IsNaN(c.f) || math.IsInf(c.f, 0) || (c.kind == pFloat32 && math.Abs(c.f) > math.MaxFloat32) {
			return &events.FieldError{Field: c.name, Reason: events.ReasonInvalidValue, Detail: fmt.Sprintf("%v is not a finite number the column can hold", v)}
		}
	case pInt, pUint:
		if v.Type() != fastjson.TypeNumber {
			return wrong("an integer")
		}
		if c.num = v.MarshalTo(c.num[:0]); !jsonNumber(c.num) {
			return notJSONNumber(c.num, c.name)
		}
		// The number is read as written, never through a float64: a float
		// cannot tell 2^63 from MaxInt64, and fastjson's Get* helpers
		// give 0 for "1e2" or "100.0". Integers are written as integers,
		// as in events.
		var ok bool
		if c.kind == pUint {
			u, err := v.Uint64()
			c.u, ok = u, err == nil && u <= c.hi
		} else {
			n, err := v.Int64()
			c.n, ok = n, err == nil && n >= c.lo && n <= int64(c.hi)
		}
		if !ok {
			return &events.FieldError{Field: c.name, Reason: events.ReasonInvalidValue, Detail: fmt.Sprintf("%v is not an integer in [%d, %d] written without a fraction or exponent", v, c.lo, c.hi)}
		}
	}
	return nil
}
