package ddxplus

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Patient is one row of a CSV file in the DDXPlus layout.
type Patient struct {
	Line      int    // line of the record in its file, for error messages
	Age       int    // years
	Sex       string // "F" or "M"
	Pathology string // DDXPlus condition name
	// Evidences are in DDXPlus form: "E_91" for a binary evidence,
	// "E_56_@_7" or "E_55_@_V_29" for a value of another evidence.
	Evidences []string
	Initial   string // the evidence the patient came with
}

// ParseEvidenceToken splits a DDXPlus evidence token into code and value.
func ParseEvidenceToken(tok string) (code, value string) {
	code, value, _ = strings.Cut(tok, "_@_")
	return code, value
}

// PatientColumns are the columns a patient CSV must have.
var patientColumns = [...]string{"AGE", "SEX", "PATHOLOGY", "EVIDENCES", "INITIAL_EVIDENCE"}

// PatientReader reads patients one at a time.
type PatientReader struct {
	r   *csv.Reader
	col map[string]int
}

// NewPatientReader reads the header of a DDXPlus CSV file from r.
func NewPatientReader(r io.Reader) (*PatientReader, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("patients: empty file, want a header line")
		}
		return nil, fmt.Errorf("patients: header: %w", err)
	}
	col := make(map[string]int, len(header))
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, name := range patientColumns {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("patients: line 1: missing column %s", name)
		}
	}
	return &PatientReader{r: cr, col: col}, nil
}

// Next returns the next patient, or io.EOF after the last one. Errors name
// the line and the column (1-based) at fault.
func (pr *PatientReader) Next() (Patient, error) {
	rec, err := pr.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return Patient{}, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Patient{}, fmt.Errorf("patients: line %d, column %d: %w", pe.Line, pe.Column, pe.Err)
		}
		return Patient{}, fmt.Errorf("patients: %w", err)
	}
	line, _ := pr.r.FieldPos(0)
	p := Patient{Line: line}
	field := func(name string) (string, int) {
		i := pr.col[name]
		return rec[i], i + 1
	}
	bad := func(name string, format string, args ...any) error {
		i := pr.col[name]
		l, c := pr.r.FieldPos(i)
		return fmt.Errorf("patients: line %d, column %d (%s): %s", l, c, name, fmt.Sprintf(format, args...))
	}
	age, _ := field("AGE")
	p.Age, err = strconv.Atoi(strings.TrimSpace(age))
	if err != nil || p.Age < 0 || p.Age > 130 {
		return Patient{}, bad("AGE", "want an age in years between 0 and 130, got %q", age)
	}
	sex, _ := field("SEX")
	switch p.Sex = strings.TrimSpace(sex); p.Sex {
	case "F", "M":
	default:
		return Patient{}, bad("SEX", "want F or M, got %q", sex)
	}
	path, _ := field("PATHOLOGY")
	if p.Pathology = strings.TrimSpace(path); p.Pathology == "" {
		return Patient{}, bad("PATHOLOGY", "empty")
	}
	evs, _ := field("EVIDENCES")
	p.Evidences, err = parsePythonList(evs)
	if err != nil {
		return Patient{}, bad("EVIDENCES", "%v", err)
	}
	init, _ := field("INITIAL_EVIDENCE")
	if p.Initial = strings.TrimSpace(init); p.Initial == "" {
		return Patient{}, bad("INITIAL_EVIDENCE", "empty")
	}
	return p, nil
}

// has reports whether the patient's record holds evidence code, with any
// value.
func (p *Patient) has(code string) bool {
	for _, tok := range p.Evidences {
		if c, _ := ParseEvidenceToken(tok); c == code {
			return true
		}
	}
	return false
}

// ReadPatients reads every patient from r.
func ReadPatients(r io.Reader) ([]Patient, error) {
	pr, err := NewPatientReader(r)
	if err != nil {
		return nil, err
	}
	var out []Patient
	for {
		p, err := pr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
}

// parsePythonList parses the list literal DDXPlus writes, such as
// ['E_34', 'E_53_@_V_29'].
func parsePythonList(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, fmt.Errorf("want a list like ['E_1', 'E_2'], got %.40q", s)
	}
	body := strings.TrimSpace(s[1 : len(s)-1])
	if body == "" {
		return nil, nil
	}
	parts := strings.Split(body, ",")
	out := make([]string, 0, len(parts))
	for i, part := range parts {
		part = strings.TrimSpace(part)
		if len(part) < 2 || (part[0] != '\'' && part[0] != '"') || part[len(part)-1] != part[0] {
			return nil, fmt.Errorf("item %d: want a quoted evidence, got %.40q", i+1, part)
		}
		out = append(out, part[1:len(part)-1])
	}
	return out, nil
}

// Fit counts the patients of each condition. It checks every patient
// against kb and fails on unknown conditions, evidences or values.
func Fit(kb *KB, patients []Patient, description string) (Stats, error) {
	s := Stats{
		Description: description,
		Patients:    len(patients),
		AgeBands:    append([]int(nil), defaultAgeBands[:]...),
		ByCondition: make([]ConditionStats, len(kb.Conditions)),
	}
	for i := range s.ByCondition {
		s.ByCondition[i] = ConditionStats{Age: make([]int, len(s.AgeBands)), Evidence: map[string]int{}, Sizes: map[string][]int{}}
	}
	sizes := make([]int, len(kb.Evidences)) // per patient: non-default values per multi-choice evidence
	for _, p := range patients {
		clear(sizes)
		ci, ok := kb.ConditionByDDXPlusName(p.Pathology)
		if !ok {
			return Stats{}, fmt.Errorf("fit: line %d: unknown pathology %q", p.Line, p.Pathology)
		}
		cs := &s.ByCondition[ci]
		cs.Patients++
		if p.Sex == "F" {
			cs.Female++
		} else {
			cs.Male++
		}
		cs.Age[s.AgeBand(p.Age)]++
		for _, tok := range p.Evidences {
			code, val := ParseEvidenceToken(tok)
			ei, ok := kb.EvidenceIndex(code)
			if !ok {
				return Stats{}, fmt.Errorf("fit: line %d: unknown evidence %q", p.Line, tok)
			}
			e := &kb.Evidences[ei]
			if e.Type == Binary {
				if val != "" {
					return Stats{}, fmt.Errorf("fit: line %d: binary evidence %s has a value", p.Line, code)
				}
				cs.Evidence[code]++
				continue
			}
			if e.ValueIndex(val) < 0 {
				return Stats{}, fmt.Errorf("fit: line %d: evidence %s has no value %q", p.Line, code, val)
			}
			if val != e.Default {
				cs.Evidence[tok]++
				sizes[ei]++
			}
		}
		for ei := range kb.Evidences {
			e := &kb.Evidences[ei]
			if e.Type != Multi || (e.Parent != "" && !p.has(e.Parent)) {
				continue // not a multi-choice question, or never asked
			}
			h := cs.Sizes[e.Code]
			for len(h) <= sizes[ei] {
				h = append(h, 0)
			}
			h[sizes[ei]]++
			cs.Sizes[e.Code] = h
		}
	}
	return s, nil
}
