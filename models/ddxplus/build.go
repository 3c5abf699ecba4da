package ddxplus

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/oqim/oqim/models/ident"
)

// Names of the files Build reads from its source directory.
const (
	ConditionsFile = "release_conditions.json"
	EvidencesFile  = "release_evidences.json"
	PatientsFile   = "dev_patients.csv"
)

//go:embed translations.txt
var translationsText []byte

// Build reads the DDXPlus release files and the development patients from
// dir and returns the knowledge base, with the project's translations merged
// in and statistics fitted on the patients.
func Build(dir string) (*KB, error) {
	read := func(name string) ([]byte, SourceFile, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, SourceFile{}, fmt.Errorf("build: %w", err)
		}
		sum := sha256.Sum256(b)
		return b, SourceFile{Name: name, SHA256: hex.EncodeToString(sum[:]), Bytes: len(b)}, nil
	}
	condJSON, condFile, err := read(ConditionsFile)
	if err != nil {
		return nil, err
	}
	evJSON, evFile, err := read(EvidencesFile)
	if err != nil {
		return nil, err
	}
	patCSV, patFile, err := read(PatientsFile)
	if err != nil {
		return nil, err
	}
	tr, err := parseTranslations(translationsText)
	if err != nil {
		return nil, err
	}
	kb := &KB{
		Format:  FormatVersion,
		Version: "ddxplus-kb/2.0.0",
		Source: Source{
			Name: "DDXPlus",
			Citation: "A. Fansi Tchango, R. Goel, Z. Wen, J. Martel, J. Ghosn. DDXPlus: A New Dataset For " +
				"Automatic Medical Diagnosis. NeurIPS 2022 Datasets and Benchmarks Track.",
			URL:     "https://github.com/mila-iqia/ddxplus",
			License: "CC-BY-4.0",
			Files:   []SourceFile{condFile, evFile, patFile},
		},
	}
	if err := buildEvidences(kb, evJSON, tr); err != nil {
		return nil, err
	}
	if err := buildConditions(kb, condJSON, tr); err != nil {
		return nil, err
	}
	if err := kb.index(); err != nil {
		return nil, err
	}
	patients, err := ReadPatients(bytes.NewReader(patCSV))
	if err != nil {
		return nil, fmt.Errorf("build: %s: %w", PatientsFile, err)
	}
	kb.Stats, err = Fit(kb, patients, fmt.Sprintf("aggregate counts over the %d patients of %s", len(patients), PatientsFile))
	if err != nil {
		return nil, fmt.Errorf("build: %s: %w", PatientsFile, err)
	}
	kb.Source.Notes = append(kb.Source.Notes,
		"Structure (condition evidence lists, severities, ICD-10 codes, evidence types, defaults, parent questions), "+
			"English questions and English value meanings are from DDXPlus and used under CC-BY 4.0.",
		"English evidence names and all Uzbek and Russian text were written for Oqim.",
		"ICD-10 codes are normalised to upper case, one code per entry (\"j17, j18\" becomes J17 and J18), and US ICD-10-CM codes are cut to their WHO ICD-10 subcategory (I48.91 becomes I48.9).",
		"Stats hold aggregate counts only; the KB contains no per-patient record.",
	)
	return kb, nil
}

// MissingTranslations lists the conditions, evidences and values that lack
// Uzbek or Russian text.
func (kb *KB) MissingTranslations() []string {
	var out []string
	check := func(what string, t Text) {
		if t.En == "" || t.Uz == "" || t.Ru == "" {
			out = append(out, what)
		}
	}
	for _, c := range kb.Conditions {
		check("condition "+c.DDXPlusName, c.Name)
	}
	for _, e := range kb.Evidences {
		check("evidence "+e.Code+" name", e.Name)
		check("evidence "+e.Code+" question", e.Question)
		for _, v := range e.Values {
			if v.Meaning.En != "" {
				check("value "+v.Code+" of "+e.Code, v.Meaning)
			}
		}
	}
	return out
}

type sourceEvidence struct {
	Name           string                       `json:"name"`
	CodeQuestion   string                       `json:"code_question"`
	QuestionEn     string                       `json:"question_en"`
	IsAntecedent   bool                         `json:"is_antecedent"`
	DefaultValue   json.RawMessage              `json:"default_value"`
	ValueMeaning   map[string]map[string]string `json:"value_meaning"`
	PossibleValues []json.RawMessage            `json:"possible-values"`
	DataType       string                       `json:"data_type"`
}

func buildEvidences(kb *KB, data []byte, tr *translations) error {
	keys, err := orderedKeys(data)
	if err != nil {
		return fmt.Errorf("build: %s: %w", EvidencesFile, err)
	}
	var src map[string]sourceEvidence
	if err := json.Unmarshal(data, &src); err != nil {
		return fmt.Errorf("build: %s: %w", EvidencesFile, err)
	}
	var orphans []string
	for _, code := range keys {
		se := src[code]
		e := Evidence{Code: code, Antecedent: se.IsAntecedent}
		switch se.DataType {
		case "B":
			e.Type = Binary
		case "C":
			e.Type = Categorical
		case "M":
			e.Type = Multi
		default:
			return fmt.Errorf("build: evidence %s: unknown data_type %q", code, se.DataType)
		}
		if se.CodeQuestion != code {
			if _, ok := src[se.CodeQuestion]; ok {
				e.Parent = se.CodeQuestion
			} else {
				orphans = append(orphans, code+" ("+se.CodeQuestion+")")
			}
		}
		t := tr.evidences[code]
		e.Name = Text{En: t[0], Uz: t[1], Ru: t[2]}
		e.Question = Text{En: se.QuestionEn, Uz: t[3], Ru: t[4]}
		if e.Type != Binary {
			e.Default = scalar(se.DefaultValue)
			for _, raw := range se.PossibleValues {
				v := Value{Code: scalar(raw)}
				if m, ok := se.ValueMeaning[v.Code]; ok {
					vt := tr.values[v.Code]
					v.Meaning = Text{En: m["en"], Uz: vt[0], Ru: vt[1]}
				}
				e.Values = append(e.Values, v)
			}
		}
		kb.Evidences = append(kb.Evidences, e)
	}
	if len(orphans) > 0 {
		kb.Source.Notes = append(kb.Source.Notes, "These evidences name a parent question that is not in the release "+
			"and are treated as top-level questions: "+strings.Join(orphans, ", ")+".")
	}
	return nil
}

type sourceCondition struct {
	ICD10       string          `json:"icd10-id"`
	Symptoms    json.RawMessage `json:"symptoms"`
	Antecedents json.RawMessage `json:"antecedents"`
	Severity    int             `json:"severity"`
}

func buildConditions(kb *KB, data []byte, tr *translations) error {
	keys, err := orderedKeys(data)
	if err != nil {
		return fmt.Errorf("build: %s: %w", ConditionsFile, err)
	}
	var src map[string]sourceCondition
	if err := json.Unmarshal(data, &src); err != nil {
		return fmt.Errorf("build: %s: %w", ConditionsFile, err)
	}
	for _, name := range keys {
		sc := src[name]
		t := tr.conditions[name]
		c := Condition{
			ID:          t[0],
			DDXPlusName: name,
			Name:        Text{En: t[1], Uz: t[2], Ru: t[3]},
			ICD10:       NormalizeICD10(sc.ICD10),
			Severity:    sc.Severity,
		}
		if c.ID == "" {
			c.ID = ident.Slug(name)
		}
		if c.Symptoms, err = orderedKeys(sc.Symptoms); err != nil {
			return fmt.Errorf("build: condition %s: symptoms: %w", name, err)
		}
		if c.Antecedents, err = orderedKeys(sc.Antecedents); err != nil {
			return fmt.Errorf("build: condition %s: antecedents: %w", name, err)
		}
		if c.Severity < 1 || c.Severity > 5 {
			return fmt.Errorf("build: condition %s: severity %d outside 1..5", name, c.Severity)
		}
		kb.Conditions = append(kb.Conditions, c)
	}
	return nil
}

// NormalizeICD10 turns a DDXPlus icd10-id such as "j17, j18" into
// upper-case WHO ICD-10 codes, one per entry. DDXPlus takes a few codes
// from the US clinical modification (I48.91, G44.009), which WHO ICD-10,
// the edition Uzbekistan codes in, does not have: they are cut to their
// WHO subcategory (I48.9, G44.0), so that a Coding never names a code
// its system lacks.
func NormalizeICD10(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.ToUpper(strings.TrimSpace(part))
		if dot := strings.IndexByte(part, '.'); dot >= 0 && len(part) > dot+2 {
			part = part[:dot+2]
		}
		if part != "" {
			out = append(out, part)
		}
	}
	return out
}

// scalar renders a JSON string or number as a plain string.
func scalar(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return strings.TrimSpace(string(raw))
}

// orderedKeys returns the keys of a JSON object in document order; the
// source files are objects and their order is the only stable order.
func orderedKeys(data []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("want a JSON object, got %v", tok)
	}
	keys := []string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// translations is the parsed translations.txt.
type translations struct {
	conditions map[string][4]string // DDXPlus name → id, en, uz, ru
	evidences  map[string][5]string // code → name en, uz, ru, question uz, ru
	values     map[string][2]string // value code → uz, ru
}

// parseTranslations reads the hand-written translations file: sections
// [conditions], [evidences] and [values] of lines whose fields are separated
// by " | ". Uzbek text may use a plain apostrophe; it is rewritten to the
// official letters oʻ, gʻ (U+02BB) and the tutuq belgisi ʼ (U+02BC).
func parseTranslations(data []byte) (*translations, error) {
	tr := &translations{
		conditions: map[string][4]string{},
		evidences:  map[string][5]string{},
		values:     map[string][2]string{},
	}
	want := map[string]int{"conditions": 5, "evidences": 6, "values": 3}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			if want[section] == 0 {
				return nil, fmt.Errorf("translations.txt:%d: unknown section %q", n, section)
			}
			continue
		}
		f := strings.Split(line, " | ")
		if section == "" || len(f) != want[section] {
			return nil, fmt.Errorf("translations.txt:%d: want %d fields in section %q, got %d", n, want[section], section, len(f))
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		var dup bool
		switch section {
		case "conditions":
			_, dup = tr.conditions[f[0]]
			tr.conditions[f[0]] = [4]string{f[1], f[2], UzbekApostrophes(f[3]), f[4]}
		case "evidences":
			_, dup = tr.evidences[f[0]]
			tr.evidences[f[0]] = [5]string{f[1], UzbekApostrophes(f[2]), f[3], UzbekApostrophes(f[4]), f[5]}
		case "values":
			_, dup = tr.values[f[0]]
			tr.values[f[0]] = [2]string{UzbekApostrophes(f[1]), f[2]}
		}
		if dup {
			return nil, fmt.Errorf("translations.txt:%d: %s given twice", n, f[0])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("translations.txt: %w", err)
	}
	return tr, nil
}

// UzbekApostrophes writes Uzbek Latin text with the official characters:
// oʻ and gʻ with U+02BB, and U+02BC for the tutuq belgisi elsewhere. Any of
// ' ` ’ ‘ ʼ ʻ is accepted as input.
func UzbekApostrophes(s string) string {
	rs := []rune(s)
	for i, r := range rs {
		switch r {
		case '\'', '`', '’', '‘', 'ʼ', 'ʻ':
			if i > 0 && strings.ContainsRune("oOgG", rs[i-1]) {
				rs[i] = 'ʻ'
			} else if i > 0 && isLetter(rs[i-1]) && i+1 < len(rs) && isLetter(rs[i+1]) {
				rs[i] = 'ʼ'
			}
		}
	}
	return string(rs)
}

func isLetter(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') }
