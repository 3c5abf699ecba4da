package events

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// Envelope is one record's envelope as Parser read it: each field is the
// raw JSON value of its key, nil when the key is absent. The values point
// into the Parser's memory and are valid until its next Parse.
type Envelope struct {
	ID, Source, Type, Time, Region, District, Data *fastjson.Value
	// Record is the bytes the envelope was parsed from.
	Record []byte
}

// Parser is the one reader of event envelopes in Oqim. Everything that
// decides about an event (HTTP ingest's authorisation, validation, what
// the Kafka ingest stores) reads it through a Parser, so no two parts can
// read one record differently: JSON lets a key occur twice and readers
// disagree on which occurrence counts (fastjson's Get takes the first,
// a key-by-key scan the last), which is how a record authorised as one
// type could be stored as another. Parse therefore refuses a record that
// has any envelope key twice. The same rule holds one level down, where
// the decoder reads data against the type's schema: a schema field given
// twice in data is refused as data.<field>. Keys Oqim never reads, at
// either level, are ignored, repeated or not: they are never stored.
//
// A Parser reuses its memory, so parsing allocates nothing in steady
// state. One Parser serves one goroutine.
type Parser struct {
	p   fastjson.Parser
	env Envelope
	dup []byte // the first repeated key of the record being parsed
}

// Parse parses an envelope record: a JSON object with the envelope keys
// (see FieldID and the others) at its top level. Keys other than the
// envelope's are ignored, and may repeat. It returns a *FieldError: for
// malformed JSON or a record that is not an object (ReasonMalformed) and
// for an envelope key given twice (ReasonDuplicateKey, naming the key).
// It does not check the fields' types or values; that is the caller's
// (see String).
func (p *Parser) Parse(record []byte) (*Envelope, error) {
	return p.ParseFlat(record, nil)
}

// ParseFlat parses a record like Parse and passes every key that is not
// an envelope key to other, for flat records whose payload fields sit
// beside the envelope's instead of under data. other may be nil.
func (p *Parser) ParseFlat(record []byte, other func(key []byte, v *fastjson.Value)) (*Envelope, error) {
	o, err := p.object(record)
	if err != nil {
		return nil, err
	}
	env := &p.env
	*env = Envelope{Record: record}
	p.dup = nil
	// One pass over the keys: looking each field up with Get would rescan
	// the object per field, and would take a repeated key's first value.
	o.Visit(func(k []byte, v *fastjson.Value) {
		var slot **fastjson.Value
		switch string(k) {
		case FieldID:
			slot = &env.ID
		case FieldSource:
			slot = &env.Source
		case FieldType:
			slot = &env.Type
		case FieldTime:
			slot = &env.Time
		case FieldRegion:
			slot = &env.Region
		case FieldDistrict:
			slot = &env.District
		case FieldData:
			slot = &env.Data
		default:
			if other != nil {
				other(k, v)
			}
			return
		}
		if *slot != nil && p.dup == nil {
			p.dup = k
		}
		*slot = v
	})
	if p.dup != nil {
		return nil, DuplicateKey(string(p.dup))
	}
	return env, nil
}

// Object parses a record that must be a JSON object and returns it, for
// readers of records without an envelope (plain rows); they take each key
// they read once, as Parse does (see DuplicateKey).
func (p *Parser) Object(record []byte) (*fastjson.Object, error) { return p.object(record) }

func (p *Parser) object(record []byte) (*fastjson.Object, error) {
	v, err := p.p.ParseBytes(record)
	if err != nil {
		return nil, &FieldError{Reason: ReasonMalformed, Detail: clip(err.Error(), maxParseDetail)}
	}
	if err := checkEscapes(record); err != nil {
		return nil, err
	}
	o, err := v.Object()
	if err != nil {
		return nil, &FieldError{Reason: ReasonMalformed, Detail: "record is not a JSON object"}
	}
	return o, nil
}

// DuplicateKey is the error for a key that a record gives twice where
// Oqim reads it. field is the key's path, such as type or data.channel.
func DuplicateKey(field string) *FieldError {
	return &FieldError{Field: field, Reason: ReasonDuplicateKey,
		Detail: fmt.Sprintf("key %q occurs more than once; each field must be given once", field)}
}

// String reads a string field of an envelope: v is nil or JSON null when
// the field is absent. A required field must be a non-empty string; an
// optional one a string when present. The bytes point into the parser's
// memory.
func String(v *fastjson.Value, field string, required bool) ([]byte, error) {
	if v == nil || v.Type() == fastjson.TypeNull {
		if required {
			return nil, &FieldError{Field: field, Reason: ReasonMissingField, Detail: "required"}
		}
		return nil, nil
	}
	b, err := v.StringBytes()
	if err != nil {
		return nil, &FieldError{Field: field, Reason: ReasonWrongType, Detail: fmt.Sprintf("must be a string, got %s", v.Type())}
	}
	if required && len(b) == 0 {
		return nil, &FieldError{Field: field, Reason: ReasonMissingField, Detail: "must not be empty"}
	}
	// Envelope fields are identifiers and codes: one line, no controls.
	if err := CheckText(b, field, false); err != nil {
		return nil, err
	}
	return b, nil
}

// maxParseDetail bounds the parser's error text, which quotes the record:
// a 300-byte line nested deep made a 14 KB detail, and an HTTP answer
// lists up to 100 lines' errors.
const maxParseDetail = 300

// clip cuts s to at most n bytes, at a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// checkEscapes refuses the string escapes fastjson unescapes "best
// effort" where JSON (RFC 8259) has none or no character: an unknown
// escape ("\q", kept as two characters), a lone surrogate ("\udc00",
// kept as its six), a high surrogate whose next escape is not a low one
// ("\ud800\u0041", where the "A" was lost). Stored, each would differ
// from what any other JSON reader sees in the record. A backslash stands
// only inside a string in JSON that parsed, so the record is scanned as
// bytes; one without a backslash costs a single IndexByte.
func checkEscapes(b []byte) error {
	for i := bytes.IndexByte(b, '\\'); i >= 0; {
		n, err := escapeAt(b, i)
		if err != nil {
			return &FieldError{Reason: ReasonMalformed, Detail: fmt.Sprintf("%s at byte %d", err, i)}
		}
		j := bytes.IndexByte(b[i+n:], '\\')
		if j < 0 {
			break
		}
		i += n + j
	}
	return nil
}

// escapeAt checks the escape at b[i] (a backslash) and returns its length.
func escapeAt(b []byte, i int) (int, error) {
	if i+1 >= len(b) {
		return 0, errors.New("escape cut short")
	}
	switch b[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, nil
	case 'u':
	default:
		return 0, fmt.Errorf("invalid escape \\%c", b[i+1])
	}
	r, ok := hex4(b, i+2)
	switch {
	case !ok:
		return 0, errors.New("invalid \\u escape")
	case utf16.IsSurrogate(r) && r >= 0xDC00:
		return 0, fmt.Errorf("lone low surrogate \\u%04x", r)
	case !utf16.IsSurrogate(r):
		return 6, nil
	}
	// A high surrogate: a low one must follow at once.
	if i+7 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
		if lo, ok := hex4(b, i+8); ok && lo >= 0xDC00 && lo <= 0xDFFF {
			return 12, nil
		}
	}
	return 0, fmt.Errorf("high surrogate \\u%04x without its low surrogate", r)
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
