package opendata

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Formats the poller reads.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// scanRows decodes a dataset one row at a time and calls fn (if not nil)
// with each row as a JSON object. It returns the number of rows. Only one
// row is in memory at a time.
func scanRows(r io.Reader, format string, fn func(row []byte) error) (int64, error) {
	switch format {
	case FormatCSV:
		return scanCSV(r, fn)
	case FormatJSON:
		return scanJSON(r, fn)
	}
	return 0, fmt.Errorf("unknown format %q", format)
}

var utf8BOM = []byte("\xef\xbb\xbf")

// scanCSV reads a CSV file with a header line; each row becomes a flat
// object of strings keyed by the header.
func scanCSV(r io.Reader, fn func([]byte) error) (int64, error) {
	br := bufio.NewReader(r)
	// Spreadsheet exports, common on open-data portals, start with a BOM
	// that would otherwise end up in the first column's name.
	if b, err := br.Peek(len(utf8BOM)); err == nil && bytes.Equal(b, utf8BOM) {
		br.Discard(len(utf8BOM))
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return 0, errors.New("csv: no header line")
	}
	if err != nil {
		return 0, fmt.Errorf("csv header: %w", err)
	}
	header = append([]string(nil), header...) // ReuseRecord reuses its memory
	for i, h := range header {
		// A header not in UTF-8 would become keys of U+FFFD, and two
		// Cyrillic names of one length the same key.
		if !utf8.ValidString(h) {
			return 0, fmt.Errorf("csv header: column %d is not UTF-8 (export the file as UTF-8)", i+1)
		}
	}
	seen := make(map[string]bool, len(header))
	for i, h := range header {
		if h == "" {
			return 0, fmt.Errorf("csv header: column %d has no name", i+1)
		}
		if seen[h] {
			return 0, fmt.Errorf("csv header: column %q appears twice", h)
		}
		seen[h] = true
	}
	var (
		n   int64
		buf bytes.Buffer
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("csv: %w", err) // csv errors name the line
		}
		n++
		// json.Marshal would put U+FFFD for each byte that is not UTF-8,
		// and a Windows-1251 export would be published as question marks
		// for good; the JSON format keeps the bytes and the pipeline
		// refuses them. The poll fails instead, naming the cell.
		for i, v := range rec {
			if !utf8.ValidString(v) {
				line, _ := cr.FieldPos(i)
				return n, fmt.Errorf("csv: line %d, column %q: not UTF-8 (export the file as UTF-8)", line, header[i])
			}
		}
		if fn == nil {
			continue
		}
		buf.Reset()
		buf.WriteByte('{')
		for i, v := range rec {
			if i > 0 {
				buf.WriteByte(',')
			}
			k, _ := json.Marshal(header[i])
			s, _ := json.Marshal(v)
			buf.Write(k)
			buf.WriteByte(':')
			buf.Write(s)
		}
		buf.WriteByte('}')
		if err := fn(bytes.Clone(buf.Bytes())); err != nil {
			return n, err
		}
	}
}

// scanJSON reads a JSON array of objects, one element at a time. Objects
// are passed on compacted, as the dataset has them.
func scanJSON(r io.Reader, fn func([]byte) error) (int64, error) {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return 0, fmt.Errorf("json: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return 0, fmt.Errorf("json: the dataset must be an array of objects, it starts with %v", tok)
	}
	var (
		n   int64
		raw json.RawMessage
		buf bytes.Buffer
	)
	for dec.More() {
		raw = raw[:0]
		if err := dec.Decode(&raw); err != nil {
			return n, fmt.Errorf("json: element %d: %w", n+1, err)
		}
		if len(raw) == 0 || raw[0] != '{' {
			return n, fmt.Errorf("json: element %d is not an object", n+1)
		}
		n++
		if fn == nil {
			continue
		}
		buf.Reset()
		if err := json.Compact(&buf, raw); err != nil {
			return n, fmt.Errorf("json: element %d: %w", n, err)
		}
		if err := fn(bytes.Clone(buf.Bytes())); err != nil {
			return n, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return n, fmt.Errorf("json: after element %d: %w", n, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return n, errors.New("json: data after the array")
	}
	return n, nil
}
