// Package decode turns agency records into Arrow record batches, one per
// table, validating every field against the schema registry on the way.
// It is the ingest hot path: a Decoder reuses its parser, scratch space
// and builders, so steady-state decoding allocates nothing per record.
package decode

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/valyala/fastjson"

	"github.com/oqim/oqim/pipelines/events"
	"github.com/oqim/oqim/pipelines/schema"
	"github.com/oqim/oqim/pipelines/transform"
)

// Options configure a Decoder.
type Options struct {
	Registry *schema.Registry
	Limits   events.Limits
	// Places maps what agencies send as region (ISO code, name in any
	// script, SOATO code) to ISO 3166-2:UZ, and known district names and
	// codes to one spelling. Nil with Regions set accepts exactly those
	// codes; nil without uses transform.DefaultPlaces.
	Places  *transform.Places
	Regions []string
	// Fold appends the search key of a normalised text field to dst;
	// default transform.AppendFold.
	Fold func(dst, src []byte) []byte
	// Time parses an event time to UTC; default transform.ParseTime
	// (RFC 3339, or Tashkent local time without a zone).
	Time  func(b []byte) (time.Time, error)
	Now   func() time.Time
	Alloc memory.Allocator
}

// Decoder validates records and appends them to per-table builders. One
// Decoder serves one goroutine.
type Decoder struct {
	opts        Options
	region      func(b []byte) (string, bool)
	futureLimit time.Time
	parser      events.Parser
	tables      []*Table
	byFam       map[*schema.Family]*Table
	key         []byte
	last        int // index in tables of the last row appended
}

// New prepares builders for every family in the registry.
func New(opts Options) (*Decoder, error) {
	if opts.Registry == nil {
		return nil, fmt.Errorf("decode: Options.Registry is nil")
	}
	if opts.Limits == (events.Limits{}) {
		opts.Limits = events.DefaultLimits()
	}
	d := &Decoder{opts: opts, byFam: map[*schema.Family]*Table{}}
	switch {
	case opts.Places != nil:
		d.region = opts.Places.Region
	case len(opts.Regions) > 0:
		set := make(map[string]string, len(opts.Regions))
		for _, r := range opts.Regions {
			set[r] = r
		}
		d.region = func(b []byte) (string, bool) { r, ok := set[string(b)]; return r, ok }
	default:
		p, err := transform.DefaultPlaces()
		if err != nil {
			return nil, err
		}
		d.opts.Places, d.region = p, p.Region
	}
	d.fillDefaults()
	for _, f := range opts.Registry.Families {
		t := newTable(f, d.opts.Alloc)
		t.pos = len(d.tables)
		d.tables = append(d.tables, t)
		d.byFam[f] = t
	}
	return d, nil
}

func (d *Decoder) fillDefaults() {
	if d.opts.Now == nil {
		d.opts.Now = time.Now
	}
	if d.opts.Alloc == nil {
		// The pool spends about a tenth less CPU per record than Go's
		// allocator (BenchmarkAllocator*, cpu-ns/op), the collector's
		// work included; ingest picks it by default too.
		d.opts.Alloc = &PoolAllocator{}
	}
	if d.opts.Fold == nil {
		d.opts.Fold = transform.AppendFold
	}
	if d.opts.Time == nil {
		d.opts.Time = transform.ParseTime
	}
}

// Tables are the per-family batches, in registry order.
func (d *Decoder) Tables() []*Table { return d.tables }

// Last is the index in Tables of the table the last successful Decode or
// DecodeFlat appended its row to, so a caller can tell where each
// record's row went (to trace a row the store refuses back to its
// record).
func (d *Decoder) Last() int { return d.last }

// Rows is the number of rows buffered over all tables.
func (d *Decoder) Rows() int {
	n := 0
	for _, t := range d.tables {
		n += t.rows
	}
	return n
}

// Decode validates one envelope record and appends it to its family's
// table. On error nothing is appended and the error is a *events.FieldError.
func (d *Decoder) Decode(record []byte) error {
	env, err := d.parse(record)
	if err != nil {
		return err
	}
	return d.envelope(env, true)
}

// Validate checks a record exactly as Decode does without buffering it,
// for front doors (HTTP ingest) that must refuse bad input up front.
func (d *Decoder) Validate(record []byte) error {
	env, err := d.parse(record)
	if err != nil {
		return err
	}
	return d.envelope(env, false)
}

// ValidateEnvelope checks an envelope that an events.Parser has read, as
// Decode would check the record it came from, without buffering it. A
// front door that parses a record once to authorise it validates that
// same envelope with this, so what it authorises is what it validated.
func (d *Decoder) ValidateEnvelope(env *events.Envelope) error {
	if err := d.checkSize(len(env.Record)); err != nil {
		return err
	}
	return d.envelope(env, false)
}

func (d *Decoder) envelope(env *events.Envelope, keep bool) error {
	typ, err := events.String(env.Type, events.FieldType, true)
	if err != nil {
		return err
	}
	fam, ev, ok := d.opts.Registry.Lookup(typ)
	if !ok {
		return &events.FieldError{Field: events.FieldType, Reason: events.ReasonUnknownType,
			Detail: fmt.Sprintf("%q is not a known event type (see pipelines/schema/types.yaml)", typ)}
	}
	data := env.Data
	if data == nil {
		return &events.FieldError{Field: events.FieldData, Reason: events.ReasonMissingField, Detail: "required"}
	}
	if data.Type() != fastjson.TypeObject {
		return &events.FieldError{Field: events.FieldData, Reason: events.ReasonWrongType, Detail: "must be an object"}
	}
	t := d.byFam[fam]
	if err := t.visitFields(data); err != nil {
		return err
	}
	return d.append(t, ev, env, "data.", keep)
}

// DecodeFlat validates a flat JSON object whose keys are the table's
// column names (envelope and fields side by side), for agencies that keep
// their own format; the event is fixed by the pipeline's configuration.
func (d *Decoder) DecodeFlat(fam *schema.Family, event int, record []byte) error {
	t, ok := d.byFam[fam]
	if !ok {
		return fmt.Errorf("decode: family %s is not in this decoder's registry", fam.Name)
	}
	if err := d.checkSize(len(record)); err != nil {
		return err
	}
	clear(t.slots)
	dup := -1
	env, err := d.parser.ParseFlat(record, func(k []byte, v *fastjson.Value) {
		if i, ok := t.index[string(k)]; ok {
			if t.slots[i] != nil && dup < 0 {
				dup = i
			}
			t.slots[i] = v
		}
	})
	if err != nil {
		return err
	}
	if dup >= 0 {
		return events.DuplicateKey(t.Family.Fields[dup].Name)
	}
	return d.append(t, event, env, "", true)
}

// parse checks the record's size before spending a parse on it.
func (d *Decoder) parse(record []byte) (*events.Envelope, error) {
	if err := d.checkSize(len(record)); err != nil {
		return nil, err
	}
	return d.parser.Parse(record)
}

func (d *Decoder) checkSize(n int) error {
	if l := d.opts.Limits.MaxBytes; l > 0 && n > l {
		return &events.FieldError{Reason: events.ReasonTooLarge, Detail: fmt.Sprintf("record is %d bytes, the limit is %d", n, l)}
	}
	return nil
}

// append reads and checks every column into the table's scratch row, and
// only when all are valid appends the row, so a bad record leaves the
// builders untouched.
func (d *Decoder) append(t *Table, event int, env *events.Envelope, prefix string, keep bool) error {
	row := t.row
	var err error
	if row.id, err = events.String(env.ID, events.FieldID, true); err != nil {
		return err
	}
	if row.source, err = events.String(env.Source, events.FieldSource, true); err != nil {
		return err
	}
	raw, err := events.String(env.Time, events.FieldTime, true)
	if err != nil {
		return err
	}
	if row.time, err = d.checkTime(events.FieldTime, raw); err != nil {
		return err
	}
	rb, err := events.String(env.Region, events.FieldRegion, !t.Family.RegionOptional)
	if err != nil {
		return err
	}
	region := ""
	if len(rb) > 0 {
		var ok bool
		if region, ok = d.region(rb); !ok {
			return &events.FieldError{Field: events.FieldRegion, Reason: events.ReasonUnknownRegion, Detail: fmt.Sprintf("%q is not an ISO 3166-2:UZ region code such as UZ-JI", rb)}
		}
	}
	row.region = region
	if row.district, err = events.String(env.District, events.FieldDistrict, false); err != nil {
		return err
	}
	// Known districts are stored under one spelling; others as sent.
	if len(row.district) > 0 && d.opts.Places != nil {
		if dist, m := d.opts.Places.District(region, row.district); m == transform.Found {
			row.district = append(row.districtBuf[:0], dist.NameUz...)
			row.districtBuf = row.district
		}
	}
	for i := range t.Family.Fields {
		f := &t.Family.Fields[i]
		if err := readField(&row.values[i], f, t.slots[i], prefix); err != nil {
			return err
		}
		if f.Kind == schema.Time && row.values[i].set {
			tm, terr := d.opts.Time(row.values[i].b)
			if terr != nil {
				return badTime(prefix+f.Name, row.values[i].b, terr)
			}
			if !events.Storable(tm) {
				return events.UnstorableTime(prefix+f.Name, row.values[i].b)
			}
			row.values[i].t = tm
		}
	}
	if keep {
		t.appendRow(event, row, d)
		d.last = t.pos
	}
	return nil
}

// badTime is the error of a time that does not parse: it keeps the
// parser's reason ("day 30 is past the end of the month at byte 8"),
// which is what the sender needs to mend the record.
func badTime(field string, raw []byte, err error) *events.FieldError {
	why := err.Error()
	var te *transform.TimeError
	if errors.As(err, &te) {
		why = te.Msg + " at byte " + strconv.Itoa(te.Offset)
	}
	return &events.FieldError{Field: field, Reason: events.ReasonInvalidValue, Detail: fmt.Sprintf("%q is not a time Oqim reads (RFC 3339): %s", raw, why)}
}

// checkTime parses a time and checks it is neither in the future nor
// before Limits.Oldest.
func (d *Decoder) checkTime(field string, raw []byte) (time.Time, error) {
	t, err := d.opts.Time(raw)
	if err != nil {
		return t, badTime(field, raw, err)
	}
	// The limit is refreshed only when a time fails it: a stale limit can
	// only be too early, so no valid event is ever refused for it, and the
	// clock is not read per record.
	if t.After(d.futureLimit) {
		d.futureLimit = d.opts.Now().Add(d.opts.Limits.MaxClockSkew)
	}
	if limit := d.futureLimit; t.After(limit) {
		return t, &events.FieldError{Field: field, Reason: events.ReasonFutureTime, Detail: fmt.Sprintf("%s is more than %s in the future", raw, d.opts.Limits.MaxClockSkew)}
	}
	if t.Before(d.opts.Limits.Oldest) {
		return t, &events.FieldError{Field: field, Reason: events.ReasonInvalidValue, Detail: fmt.Sprintf("%s is before %s", raw, d.opts.Limits.Oldest.Format(time.DateOnly))}
	}
	return t, nil
}

// value is one field of the row being decoded.
type value struct {
	set bool
	b   []byte // string, enum and (unparsed) time: the parser's bytes
	num []byte // a number's text, checked by jsonNumber; owned scratch
	n   int64
	f   float64
	t   time.Time
}

func readField(dst *value, f *schema.Field, v *fastjson.Value, prefix string) error {
	*dst = value{b: dst.b[:0], num: dst.num[:0]}
	if v == nil || v.Type() == fastjson.TypeNull {
		if f.Required {
			return &events.FieldError{Field: prefix + f.Name, Reason: events.ReasonMissingField, Detail: "required"}
		}
		return nil
	}
	wrong := func(want string) error {
		return &events.FieldError{Field: prefix + f.Name, Reason: events.ReasonWrongType, Detail: fmt.Sprintf("must be %s, got %s", want, v.Type())}
	}
	switch f.Kind {
	case schema.String, schema.Enum, schema.Time:
		b, err := v.StringBytes()
		if err != nil {
			return wrong("a string")
		}
		if len(b) == 0 && f.Required {
			return &events.FieldError{Field: prefix + f.Name, Reason: events.ReasonMissingField, Detail: "must not be empty"}
		}
		if f.Kind == schema.String {
			// Free text: tab and line breaks are allowed, nothing that
			// hides or reorders what a reader sees.
			if at, what := events.ScanText(b, true); at >= 0 {
				return events.TextError(prefix+f.Name, at, what)
			}
		}
		if f.Kind == schema.Enum && !contains(f.Values, b) {
			return &events.FieldError{Field: prefix + f.Name, Reason: events.ReasonInvalidValue, Detail: fmt.Sprintf("%q is not one of %s", b, strings.Join(f.Values, ", "))}
		}
		dst.b = b
	case schema.Int:
		if v.Type() != fastjson.TypeNumber {
			return wrong("an integer")
		}
		if dst.num = v.MarshalTo(dst.num[:0]); !jsonNumber(dst.num) {
			return notJSONNumber(dst.num, prefix+f.Name)
		}
		n, err := v.Int64()
		if err != nil {
			return &events.FieldError{Field: prefix + f.Name, Reason: events.ReasonWrongType, Detail: "must be an integer"}
		}
		if err := inRange(f, float64(n), prefix); err != nil {
			return err
		}
		dst.n = n
	case schema.Float:
		if v.Type() != fastjson.TypeNumber {
			return wrong("a number")
		}
		if dst.num = v.MarshalTo(dst.num[:0]); !jsonNumber(dst.num) {
			return notJSONNumber(dst.num, prefix+f.Name)
		}
		x, err := v.Float64()
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return &events.FieldError{Field: prefix + f.Name, Reason: events.ReasonInvalidValue, Detail: "must be finite"}
		}
		if err := inRange(f, x, prefix); err != nil {
			return err
		}
		dst.f = x
	case schema.Bool:
		switch v.Type() {
		case fastjson.TypeTrue:
			dst.n = 1
		case fastjson.TypeFalse:
		default:
			return wrong("true or false")
		}
	}
	dst.set = true
	return nil
}

func inRange(f *schema.Field, x float64, prefix string) error {
	if (f.Min != nil && x < *f.Min) || (f.Max != nil && x > *f.Max) {
		lo, hi := "-∞", "∞"
		if f.Min != nil {
			lo = strconv.FormatFloat(*f.Min, 'g', -1, 64)
		}
		if f.Max != nil {
			hi = strconv.FormatFloat(*f.Max, 'g', -1, 64)
		}
		return &events.FieldError{Field: prefix + f.Name, Reason: events.ReasonInvalidValue, Detail: fmt.Sprintf("%g is outside [%s, %s]", x, lo, hi)}
	}
	return nil
}

func contains(set []string, b []byte) bool {
	for _, s := range set {
		if s == unsafeString(b) {
			return true
		}
	}
	return false
}

// unsafeString views b as a string without copying, for comparisons and
// parsing that do not keep the result.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// Table is one family's batch under construction.
type Table struct {
	pos     int // in Decoder.tables
	Family  *schema.Family
	Schema  *arrow.Schema
	builder *array.RecordBuilder
	rows    int
	row     *row

	id, source, region, district, event *array.StringBuilder
	tm                                  *array.TimestampBuilder
	fields                              []array.Builder
	keys                                []*array.StringBuilder // by field index; nil unless normalised
	index                               map[string]int         // field name → index
	slots                               []*fastjson.Value      // field values of the record being read
}

// visitFields fills the field slots from a data object in one pass. A
// field given twice is refused like a repeated envelope key: which of the
// two is "the" value depends on the reader, and the schema's fields are
// what gets stored. Keys outside the schema are ignored, repeated or not.
func (t *Table) visitFields(data *fastjson.Value) error {
	clear(t.slots)
	dup := -1
	o, _ := data.Object() // the caller checked it is an object
	o.Visit(func(k []byte, v *fastjson.Value) {
		if i, ok := t.index[string(k)]; ok {
			if t.slots[i] != nil && dup < 0 {
				dup = i
			}
			t.slots[i] = v
		}
	})
	if dup >= 0 {
		return events.DuplicateKey("data." + t.Family.Fields[dup].Name)
	}
	return nil
}

type row struct {
	id, source, district []byte
	districtBuf          []byte
	region               string
	time                 time.Time
	values               []value
}

// ArrowSchema is the record schema of a family's table, column names as
// in ClickHouse.
func ArrowSchema(f *schema.Family) *arrow.Schema {
	ts := &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}
	fields := []arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "source", Type: arrow.BinaryTypes.String},
		{Name: "time", Type: ts},
		{Name: "region", Type: arrow.BinaryTypes.String},
		{Name: "district", Type: arrow.BinaryTypes.String},
		{Name: f.EventColumn, Type: arrow.BinaryTypes.String},
	}
	for _, fd := range f.Fields {
		var t arrow.DataType
		switch fd.Kind {
		case schema.Int:
			t = arrow.PrimitiveTypes.Int64
		case schema.Float:
			t = arrow.PrimitiveTypes.Float64
		case schema.Bool:
			t = arrow.PrimitiveTypes.Uint8
		case schema.Time:
			t = ts
		default:
			t = arrow.BinaryTypes.String
		}
		fields = append(fields, arrow.Field{Name: fd.Name, Type: t})
	}
	for _, fd := range f.Fields {
		if fd.Normalize {
			fields = append(fields, arrow.Field{Name: fd.Name + "_key", Type: arrow.BinaryTypes.String})
		}
	}
	return arrow.NewSchema(fields, nil)
}

func newTable(f *schema.Family, mem memory.Allocator) *Table {
	sc := ArrowSchema(f)
	b := array.NewRecordBuilder(mem, sc)
	t := &Table{
		Family: f, Schema: sc, builder: b,
		row:      &row{values: make([]value, len(f.Fields))},
		id:       b.Field(0).(*array.StringBuilder),
		source:   b.Field(1).(*array.StringBuilder),
		tm:       b.Field(2).(*array.TimestampBuilder),
		region:   b.Field(3).(*array.StringBuilder),
		district: b.Field(4).(*array.StringBuilder),
		event:    b.Field(5).(*array.StringBuilder),
		keys:     make([]*array.StringBuilder, len(f.Fields)),
		index:    make(map[string]int, len(f.Fields)),
		slots:    make([]*fastjson.Value, len(f.Fields)),
	}
	k := 6 + len(f.Fields)
	for i, fd := range f.Fields {
		t.index[fd.Name] = i
		t.fields = append(t.fields, b.Field(6+i))
		if fd.Normalize {
			t.keys[i] = b.Field(k).(*array.StringBuilder)
			k++
		}
	}
	return t
}

// Rows is the number of rows buffered.
func (t *Table) Rows() int { return t.rows }

// NewRecord hands over the buffered rows as an Arrow record and starts an
// empty batch. The caller releases the record.
func (t *Table) NewRecord() arrow.Record {
	t.rows = 0
	return t.builder.NewRecord()
}

func (t *Table) appendRow(event int, r *row, d *Decoder) {
	t.id.BinaryBuilder.Append(r.id)
	t.source.BinaryBuilder.Append(r.source)
	t.tm.Append(arrow.Timestamp(r.time.Unix()))
	t.region.Append(r.region)
	t.district.BinaryBuilder.Append(r.district)
	t.event.Append(t.Family.Events[event])
	for i := range t.Family.Fields {
		v := &r.values[i]
		switch b := t.fields[i].(type) {
		case *array.StringBuilder:
			b.BinaryBuilder.Append(v.b)
		case *array.Int64Builder:
			b.Append(v.n)
		case *array.Float64Builder:
			b.Append(v.f)
		case *array.Uint8Builder:
			b.Append(uint8(v.n))
		case *array.TimestampBuilder:
			if v.set {
				b.Append(arrow.Timestamp(v.t.Unix()))
			} else {
				b.Append(0)
			}
		}
		if k := t.keys[i]; k != nil {
			d.key = d.opts.Fold(d.key[:0], v.b)
			k.BinaryBuilder.Append(d.key)
		}
	}
	t.rows++
}

// Validator checks records like Decoder.Validate and is safe for
// concurrent use, keeping one Decoder per concurrent caller.
type Validator struct {
	opts Options
	pool sync.Pool
}

// NewValidator checks opts once, so Validate cannot fail to build a
// decoder later.
func NewValidator(opts Options) (*Validator, error) {
	if _, err := New(opts); err != nil {
		return nil, err
	}
	return &Validator{opts: opts}, nil
}

// Validate returns nil or a *events.FieldError.
func (v *Validator) Validate(record []byte) error {
	d := v.get()
	defer v.pool.Put(d)
	return d.Validate(record)
}

// ValidateEnvelope checks an envelope an events.Parser has read, like
// Decoder.ValidateEnvelope, and returns nil or a *events.FieldError.
func (v *Validator) ValidateEnvelope(env *events.Envelope) error {
	d := v.get()
	defer v.pool.Put(d)
	return d.ValidateEnvelope(env)
}

func (v *Validator) get() *Decoder {
	d, ok := v.pool.Get().(*Decoder)
	if !ok {
		d, _ = New(v.opts) // options were checked by NewValidator
	}
	return d
}

// jsonNumber reports whether s is a number JSON allows. fastjson reads
// "+5000", ".5", "1.", "007", "NaN" and "inf" as numbers, and GetFloat64
// turned "+5000" into 0: a payment of 5,000 stored as 0 without a word.
// RFC 8259: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func jsonNumber(s []byte) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	lead := i
	ok := digits() > 0 && (s[lead] != '0' || i == lead+1)
	if ok && i < len(s) && s[i] == '.' {
		i++
		ok = digits() > 0
	}
	if ok && i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		ok = digits() > 0
	}
	return ok && i == len(s)
}

func notJSONNumber(s []byte, field string) error {
	return &events.FieldError{Field: field, Reason: events.ReasonWrongType, Detail: fmt.Sprintf("%.32q is not a JSON number", s)}
}
