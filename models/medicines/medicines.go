// Package medicines is Oqim's lexicon of medicines: the international
// non-proprietary name (INN) of each, with its Russian and Uzbek spellings
// and the brands sold in Uzbekistan. Most entries are on the WHO Model
// List of Essential Medicines; manifest.json names the sources and the
// checksum of the embedded file.
package medicines

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

//go:embed medicines.txt
var lexicon []byte

//go:embed manifest.json
var manifestJSON []byte

// Medicine is one entry of the lexicon.
type Medicine struct {
	INN string // English INN, lower case but for Roman numerals; combinations joined by " and "
	// Essential is true when the WHO Model List of Essential Medicines
	// lists the medicine.
	Essential bool
	Russian   []string
	Uzbek     []string
	Brands    []string
}

// Spellings returns every way of writing the medicine: the INN, the
// Russian and Uzbek names and the brands.
func (m Medicine) Spellings() []string {
	out := []string{m.INN}
	out = append(out, m.Russian...)
	out = append(out, m.Uzbek...)
	return append(out, m.Brands...)
}

// Manifest describes the embedded lexicon.
type Manifest struct {
	Name    string   `json:"name"`
	Version int      `json:"version"`
	Sources []string `json:"sources"`
	Licence string   `json:"licence"`
	File    string   `json:"file"`
	SHA256  string   `json:"sha256"`
	Entries int      `json:"entries"`
}

// ReadManifest returns the manifest of the embedded lexicon.
func ReadManifest() (Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(manifestJSON, &m); err != nil {
		return m, fmt.Errorf("medicines: manifest: %w", err)
	}
	return m, nil
}

// Checksum returns the SHA-256 of the embedded lexicon, hex encoded.
func Checksum() string {
	sum := sha256.Sum256(lexicon)
	return hex.EncodeToString(sum[:])
}

// All parses the embedded lexicon.
func All() ([]Medicine, error) {
	return Parse(lexicon)
}

// Parse reads a lexicon in the format of medicines.txt.
func Parse(b []byte) ([]Medicine, error) {
	var out []Medicine
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, " | ")
		if len(f) != 5 {
			return nil, fmt.Errorf("medicines: line %d: want 5 fields separated by \" | \", got %d", n, len(f))
		}
		m := Medicine{INN: strings.TrimSpace(f[1]), Russian: list(f[2]), Uzbek: list(f[3]), Brands: list(f[4])}
		switch strings.TrimSpace(f[0]) {
		case "E":
			m.Essential = true
		case "L":
		default:
			return nil, fmt.Errorf("medicines: line %d: list %q: want E or L", n, f[0])
		}
		if m.INN == "" || len(m.Russian) == 0 {
			return nil, fmt.Errorf("medicines: line %d: want an INN and a Russian name", n)
		}
		if seen[m.INN] {
			return nil, fmt.Errorf("medicines: line %d: %s listed twice", n, m.INN)
		}
		seen[m.INN] = true
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("medicines: %w", err)
	}
	return out, nil
}

func list(field string) []string {
	field = strings.TrimSpace(field)
	if field == "-" || field == "" {
		return nil
	}
	var out []string
	for _, s := range strings.Split(field, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
