package httpedge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// BodyError is why a JSON request body was refused: the status (400, or
// 413 over the route's body limit) and the error body naming the field.
type BodyError struct {
	Status int
	Body   Error
}

func (e *BodyError) Error() string {
	if e.Body.Field != "" {
		return e.Body.Field + ": " + e.Body.Detail
	}
	return e.Body.Detail
}

// ReasonDuplicateKey is the reason of a JSON body that gives one key twice.
const ReasonDuplicateKey = "duplicate_key"

// ReadJSON reads one JSON object from body (bounded by the route's body
// limit) into v. It refuses, naming the field where there is one: a body
// over the limit, an empty body, malformed JSON, a key given twice in one
// object at any depth (Go keeps the last, other parsers the first, so two
// readers of one request could act on different values), a field v does
// not have, a value of the wrong type, and anything after the object.
func ReadJSON(body io.Reader, v any) *BodyError {
	b, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &BodyError{http.StatusRequestEntityTooLarge, Error{Detail: fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit)}}
		}
		return &BodyError{http.StatusBadRequest, Error{Detail: "reading the request body: " + err.Error()}}
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return &BodyError{http.StatusBadRequest, Error{Detail: "the request body is empty; send a JSON object"}}
	}
	if !utf8.Valid(b) {
		// JSON is UTF-8 (RFC 8259). encoding/json would replace the bad
		// bytes, where the duplicate check below must stop.
		return &BodyError{http.StatusBadRequest, Error{Detail: fmt.Sprintf("the request body is not valid UTF-8 (byte %d)", invalidUTF8At(b))}}
	}
	key, tokErr := duplicateKey(b)
	if key != "" {
		return &BodyError{http.StatusBadRequest, Error{Field: key, Reason: ReasonDuplicateKey, Detail: "given twice; send each field once"}}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te) && te.Field != "":
			return &BodyError{http.StatusBadRequest, Error{Field: te.Field, Detail: fmt.Sprintf("a JSON %s cannot be %s", te.Value, te.Type)}}
		case errors.As(err, &se):
			return &BodyError{http.StatusBadRequest, Error{Detail: fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, err)}}
		}
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return &BodyError{http.StatusBadRequest, Error{Field: strings.Trim(name, `"`), Detail: "not a field of this request"}}
		}
		return &BodyError{http.StatusBadRequest, Error{Detail: "invalid JSON: " + err.Error()}}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &BodyError{http.StatusBadRequest, Error{Detail: "data after the JSON object; send one object"}}
	}
	if tokErr != nil {
		// encoding/json took what the stricter tokeniser refused (a lone
		// surrogate escape, say), so the duplicate check did not see all
		// of the body: refuse rather than trust it.
		return &BodyError{http.StatusBadRequest, Error{Detail: "invalid JSON: " + tokErr.Error()}}
	}
	return nil
}

// invalidUTF8At returns the offset of the first byte of b that is not
// valid UTF-8.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// DecodeJSON is ReadJSON that answers a refusal itself; it reports whether
// v holds the request.
func DecodeJSON(w http.ResponseWriter, body io.Reader, v any) bool {
	if e := ReadJSON(body, v); e != nil {
		WriteError(w, e.Status, e.Body)
		return false
	}
	return true
}

// duplicateKey returns the path (a.b[2].c) of the first key an object of
// b gives twice, or "" and why b could not be read to its end (the
// decode that follows says what is wrong in the common cases). Twice means equal up to
// case, as encoding/json matches fields: {"version":1,"VERSION":5} sets
// one field twice, and encoding/json folds Unicode too, so the long s
// (U+017F) matches s and the Kelvin sign (U+212A) matches k. jsontext
// (the Go team's encoding/json/v2 prototype) tokenises and refuses exact
// duplicates itself, saying where.
func duplicateKey(b []byte) (string, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(b))
	var names []map[string]bool // per open object or array (nil)
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			return "", nil
		}
		if err != nil {
			var se *jsontext.SyntacticError
			if errors.As(err, &se) && errors.Is(se, jsontext.ErrDuplicateName) {
				return fieldPath(se.JSONPointer), nil
			}
			return "", err
		}
		switch tok.Kind() {
		case '{':
			names = append(names, map[string]bool{})
		case '[':
			names = append(names, nil)
		case '}', ']':
			names = names[:len(names)-1]
		case '"':
			// A string at an odd position of an object is a name.
			depth := dec.StackDepth()
			if kind, n := dec.StackIndex(depth); kind != '{' || n%2 == 0 {
				continue
			}
			folded := foldName(tok.String())
			if names[len(names)-1][folded] {
				return fieldPath(dec.StackPointer()), nil
			}
			names[len(names)-1][folded] = true
		}
	}
}

// foldName folds a name as encoding/json matches names to fields: each
// rune becomes the smallest rune of its Unicode simple case-folding orbit,
// so two names fold alike exactly when bytes.EqualFold says they are equal.
func foldName(name string) string {
	var b strings.Builder
	for _, r := range name {
		for {
			f := unicode.SimpleFold(r)
			if f <= r {
				r = f
				break
			}
			r = f
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fieldPath writes a JSON pointer (/items/1/id) as the field names of
// error bodies (items[1].id).
func fieldPath(p jsontext.Pointer) string {
	var path strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil && path.Len() > 0 {
			path.WriteString("[" + tok + "]")
			continue
		}
		if path.Len() > 0 {
			path.WriteByte('.')
		}
		path.WriteString(tok)
	}
	return path.String()
}
