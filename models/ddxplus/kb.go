// Package ddxplus holds Oqim's diagnostic knowledge base, built from the
// DDXPlus release files (CC-BY 4.0), and the reader for patients in the
// DDXPlus CSV layout.
//
// The knowledge base is a single versioned, indented JSON document. It
// carries the structure of DDXPlus (which evidences belong to which
// condition, evidence types, defaults, parent questions), names and
// questions in English, Uzbek (Latin) and Russian, and aggregate counts
// fitted on a development set. It never carries per-patient records.
package ddxplus

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/oqim/oqim/models/kbdoc"
	"github.com/oqim/oqim/models/portalkb/uztranslit"
)

// FormatVersion is the version of the JSON layout. Bump it when a field
// changes meaning; Load rejects documents of another version.
const FormatVersion = 2

// Type is the kind of answer an evidence takes.
type Type string

const (
	Binary      Type = "binary"      // present or absent
	Categorical Type = "categorical" // exactly one value
	Multi       Type = "multi"       // any subset of values
)

// Text is a short piece of text in the languages Oqim speaks.
type Text struct {
	En string `json:"en"`
	Uz string `json:"uz"` // Uzbek, Latin script
	Ru string `json:"ru"`
}

// In returns the text in lang ("en", "uz" or "ru"), falling back to English.
func (t Text) In(lang string) string {
	switch lang {
	case "uz", "uz-Latn":
		if t.Uz != "" {
			return t.Uz
		}
	case "uz-Cyrl":
		if t.Uz != "" {
			return uztranslit.ToCyrillic(t.Uz)
		}
	case "ru":
		if t.Ru != "" {
			return t.Ru
		}
	}
	return t.En
}

// KB is the knowledge base. Conditions and Evidences keep the order of the
// source files so that indexes are stable between builds.
type KB struct {
	Format     int         `json:"format"`
	Version    string      `json:"version"`
	Source     Source      `json:"source"`
	Conditions []Condition `json:"conditions"`
	Evidences  []Evidence  `json:"evidences"`
	Stats      Stats       `json:"stats"`

	condByID   map[string]int
	condByName map[string]int
	evByCode   map[string]int
}

// Source attributes the data the KB was built from.
type Source struct {
	Name     string       `json:"name"`
	Citation string       `json:"citation"`
	URL      string       `json:"url"`
	License  string       `json:"license"`
	Files    []SourceFile `json:"files"`
	Notes    []string     `json:"notes"`
}

// SourceFile identifies one input file by content.
type SourceFile struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
}

// Condition is one pathology.
type Condition struct {
	ID          string   `json:"id"`           // stable slug used by the API
	DDXPlusName string   `json:"ddxplus_name"` // key in the source files and the PATHOLOGY column
	Name        Text     `json:"name"`
	ICD10       []string `json:"icd10"` // upper case, one code per entry
	Severity    int      `json:"severity"`
	Symptoms    []string `json:"symptoms"`
	Antecedents []string `json:"antecedents"`
}

// Evidence is a symptom or antecedent together with the question that asks
// for it.
type Evidence struct {
	Code       string  `json:"code"`
	Type       Type    `json:"type"`
	Antecedent bool    `json:"antecedent"`
	Parent     string  `json:"parent,omitempty"` // asked only after Parent was answered present
	Name       Text    `json:"name"`
	Question   Text    `json:"question"`
	Default    string  `json:"default,omitempty"` // value meaning "absent" for categorical and multi
	Values     []Value `json:"values,omitempty"`
}

// Value is one possible answer of a categorical or multi-choice evidence.
// Numeric scales have codes "0".."10" and an empty meaning.
type Value struct {
	Code    string `json:"code"`
	Meaning Text   `json:"meaning"`
}

// ValueIndex returns the position of code in e.Values, or -1.
func (e *Evidence) ValueIndex(code string) int {
	for i := range e.Values {
		if e.Values[i].Code == code {
			return i
		}
	}
	return -1
}

// Stats are aggregate counts over a set of patients, used to estimate
// likelihoods. They contain no individual record.
type Stats struct {
	Description string `json:"description"`
	Patients    int    `json:"patients"`
	// AgeBands are the lower bounds, in years, of the age bands counted in
	// ConditionStats.Age.
	AgeBands    []int            `json:"age_bands"`
	ByCondition []ConditionStats `json:"by_condition"` // aligned with KB.Conditions
}

// ConditionStats counts the patients of one condition.
type ConditionStats struct {
	Patients int   `json:"patients"`
	Female   int   `json:"female"`
	Male     int   `json:"male"`
	Age      []int `json:"age"` // aligned with Stats.AgeBands
	// Evidence counts patients showing an evidence with a non-default
	// answer: keys are "E_91" for binary evidences and "E_56_@_7" for a
	// value of a categorical or multi-choice evidence.
	Evidence map[string]int `json:"evidence"`
	// Sizes counts, for each multi-choice evidence, the patients asked the
	// question by how many non-default values they gave: Sizes["E_55"][k]
	// patients gave k values. DDXPlus caps some of these answers (pain
	// locations at five), so how many values were given says something the
	// per-value counts cannot.
	Sizes map[string][]int `json:"sizes"`
}

// defaultAgeBands are the age bands Fit counts in.
var defaultAgeBands = [...]int{0, 2, 6, 16, 30, 45, 60, 75}

// AgeBand returns the index of the band holding age.
func (s *Stats) AgeBand(age int) int {
	b := 0
	for i, lo := range s.AgeBands {
		if age >= lo {
			b = i
		}
	}
	return b
}

//go:embed kb.json
var embedded []byte

// Default returns the knowledge base shipped with Oqim. Each call decodes a
// fresh copy, so callers may keep and share the result but need not fear
// that another caller changed it.
func Default() (*KB, error) {
	kb, err := Load(bytes.NewReader(embedded))
	if err != nil {
		return nil, fmt.Errorf("ddxplus: embedded knowledge base: %w", err)
	}
	return kb, nil
}

// Load reads a knowledge base written by WriteTo. A gzip-compressed
// document is accepted too.
func Load(r io.Reader) (*KB, error) {
	br := bufio.NewReader(r)
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("ddxplus: open gzip: %w", err)
		}
		defer zr.Close()
		src = zr
	}
	var kb KB
	if err := kbdoc.Decode(src, &kb, &kb.Format, FormatVersion, kb.index); err != nil {
		return nil, fmt.Errorf("ddxplus: knowledge base: %w", err)
	}
	return &kb, nil
}

// Marshal returns the canonical JSON encoding of kb (uncompressed).
func (kb *KB) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(kb, "", " ")
	if err != nil {
		return nil, fmt.Errorf("ddxplus: encode knowledge base: %w", err)
	}
	return append(b, '\n'), nil
}

// WriteTo writes kb as indented JSON, the form it is embedded in: plain
// text keeps every change to the knowledge base reviewable in a diff. The
// output depends only on kb.
func (kb *KB) WriteTo(w io.Writer) (int64, error) {
	b, err := kb.Marshal()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	if err != nil {
		return int64(n), fmt.Errorf("ddxplus: write knowledge base: %w", err)
	}
	return int64(n), nil
}

func (kb *KB) index() error {
	kb.condByID = make(map[string]int, len(kb.Conditions))
	kb.condByName = make(map[string]int, len(kb.Conditions))
	kb.evByCode = make(map[string]int, len(kb.Evidences))
	for i, c := range kb.Conditions {
		if _, dup := kb.condByID[c.ID]; dup {
			return fmt.Errorf("ddxplus: duplicate condition id %q", c.ID)
		}
		kb.condByID[c.ID] = i
		kb.condByName[c.DDXPlusName] = i
	}
	for i, e := range kb.Evidences {
		if _, dup := kb.evByCode[e.Code]; dup {
			return fmt.Errorf("ddxplus: duplicate evidence %q", e.Code)
		}
		kb.evByCode[e.Code] = i
	}
	for _, e := range kb.Evidences {
		if e.Parent != "" {
			if _, ok := kb.evByCode[e.Parent]; !ok {
				return fmt.Errorf("ddxplus: evidence %s: unknown parent %q", e.Code, e.Parent)
			}
		}
		if e.Type != Binary && e.ValueIndex(e.Default) < 0 {
			return fmt.Errorf("ddxplus: evidence %s: default %q is not one of its values", e.Code, e.Default)
		}
	}
	for _, c := range kb.Conditions {
		for _, list := range [][]string{c.Symptoms, c.Antecedents} {
			for _, code := range list {
				if _, ok := kb.evByCode[code]; !ok {
					return fmt.Errorf("ddxplus: condition %s: unknown evidence %q", c.ID, code)
				}
			}
		}
	}
	if n := len(kb.Stats.ByCondition); n != 0 && n != len(kb.Conditions) {
		return fmt.Errorf("ddxplus: stats cover %d conditions, KB has %d", n, len(kb.Conditions))
	}
	return nil
}

// EvidenceIndex returns the position of the evidence with the given code.
func (kb *KB) EvidenceIndex(code string) (int, bool) {
	i, ok := kb.evByCode[code]
	return i, ok
}

// ConditionIndex returns the position of the condition with the given API id.
func (kb *KB) ConditionIndex(id string) (int, bool) {
	i, ok := kb.condByID[id]
	return i, ok
}

// ConditionByDDXPlusName returns the position of the condition named name in
// the DDXPlus files (the PATHOLOGY column).
func (kb *KB) ConditionByDDXPlusName(name string) (int, bool) {
	i, ok := kb.condByName[name]
	return i, ok
}

// WithStats returns a copy of kb that uses s instead of its own statistics.
// The copy shares the immutable structure with kb.
func (kb *KB) WithStats(s Stats) (*KB, error) {
	c := *kb
	c.Stats = s
	if n := len(s.ByCondition); n != 0 && n != len(kb.Conditions) {
		return nil, errors.New("ddxplus: stats do not match the conditions")
	}
	return &c, nil
}

//go:embed priors_uz.json
var priorsUZ []byte

// LocalePriors returns the locale prior table named locale, as JSON (see
// priors_uz.json for the format and its manifest of sources).
func LocalePriors(locale string) ([]byte, error) {
	switch locale {
	case "uz":
		return bytes.Clone(priorsUZ), nil
	}
	return nil, fmt.Errorf("ddxplus: no prior table for locale %q", locale)
}
