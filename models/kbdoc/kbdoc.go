// Package kbdoc reads the versioned JSON documents the models ship
// (knowledge bases) one way: a field the build does not know, a second
// document after the first, or another layout version is an error, so a
// document written by a newer build is never half-read.
package kbdoc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Decode decodes the one JSON document in r into v, checks that *format
// (a field of v) is want, then runs check (nil: none), which builds v's
// indexes and checks what decoding cannot.
func Decode(r io.Reader, v any, format *int, want int, check func() error) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decoding: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("decoding: data after the document")
	}
	if *format != want {
		return fmt.Errorf("format %d, this build reads format %d", *format, want)
	}
	if check == nil {
		return nil
	}
	return check()
}
