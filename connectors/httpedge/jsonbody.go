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
	if key := duplicateKey(b); key != "" {
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
	return nil
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
// b gives twice, or "" when there is none or b is not valid JSON (the
// decode that follows says what is wrong then).
func duplicateKey(b []byte) string {
	type frame struct {
		object  bool
		seen    map[string]bool
		wantKey bool
		key     string // the current key of an object
		index   int    // the current element of an array
		path    string
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var stack []*frame
	top := func() *frame {
		if len(stack) == 0 {
			return nil
		}
		return stack[len(stack)-1]
	}
	child := func() string {
		f := top()
		switch {
		case f == nil:
			return ""
		case f.object && f.path == "":
			return f.key
		case f.object:
			return f.path + "." + f.key
		default:
			return f.path + "[" + strconv.Itoa(f.index) + "]"
		}
	}
	valueDone := func() {
		if f := top(); f != nil {
			if f.object {
				f.wantKey = true
			} else {
				f.index++
			}
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if f := top(); f != nil && f.object && f.wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				valueDone()
				continue
			}
			k, _ := tok.(string)
			if f.seen[k] {
				f.key = k
				return child()
			}
			f.seen[k], f.key, f.wantKey = true, k, false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, seen: map[string]bool{}, wantKey: true, path: child()})
		case json.Delim('['):
			stack = append(stack, &frame{path: child()})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
	}
}
