// Package jsonl reads JSON-lines case files (one JSON object a line), as
// the evaluations' question, dictation and summary sets are written. Every
// error names the file and the line, so a bad case is found at once.
package jsonl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxLine is the longest line read; a longer one is an error, not a
// silent truncation.
const MaxLine = 4 << 20

// Options says how lines are read.
type Options struct {
	// Strict refuses fields the type does not have, for files this project
	// writes; files written elsewhere may carry extra fields.
	Strict bool
	// Check, when set, validates each decoded value.
	Check func(v any) error
}

// Read decodes every line of r into a new T, skipping blank lines and
// lines starting with '#'. It returns the values with their line numbers
// and fails on an empty file. name is used in errors only.
func Read[T any](r io.Reader, name string, opts Options) ([]T, []int, error) {
	var vs []T
	var lines []int
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLine)
	for n := 1; sc.Scan(); n++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 || b[0] == '#' {
			continue
		}
		var v T
		dec := json.NewDecoder(bytes.NewReader(b))
		if opts.Strict {
			dec.DisallowUnknownFields()
		}
		if err := dec.Decode(&v); err != nil {
			return nil, nil, fmt.Errorf("%s line %d: %w", name, n, err)
		}
		if dec.More() {
			return nil, nil, fmt.Errorf("%s line %d: more than one JSON value", name, n)
		}
		if opts.Check != nil {
			if err := opts.Check(&v); err != nil {
				return nil, nil, fmt.Errorf("%s line %d: %w", name, n, err)
			}
		}
		vs = append(vs, v)
		lines = append(lines, n)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(vs) == 0 {
		return nil, nil, errors.New(name + " holds no case")
	}
	return vs, lines, nil
}

// ReadFile reads r, or the file at path when r is nil; errors name the
// file, or name when r is given.
func ReadFile[T any](r io.Reader, path, name string, opts Options) ([]T, []int, error) {
	if r == nil {
		if path == "" {
			return nil, nil, fmt.Errorf("no %s file given", name)
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, err
		}
		defer f.Close()
		r, name = f, path
	}
	return Read[T](r, name, opts)
}
