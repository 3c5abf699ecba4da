package notes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/oqim/oqim/inference/clinical/diagnosis"
	"github.com/oqim/oqim/inference/clinical/diagnosis/textmap"
)

// Candidate is one condition of the diagnostic assistant's differential
// for a note: decision support, to be reviewed by the doctor.
type Candidate struct {
	ConditionID string // stable slug of the knowledge base, such as "pneumonia"
	Name        string // in English
	// LocalName is the name in the note's language: Uzbek in its script,
	// Russian for Russian and for mixed notes (whose medical words are
	// Russian).
	LocalName   string
	ICD10       []string // upper case, one code per entry
	Probability float64
	Rank        int  // 1-based rank by probability
	RedFlag     bool // needs urgent referral whatever its rank
}

// Differential is the diagnostic assistant's differential for a note,
// with what the doctor must read beside it, in the note's language.
type Differential struct {
	Candidates []Candidate
	// Warning says when the ranking rests on few findings; "" otherwise.
	Warning string
	// Disclaimer says that it is decision support, not a diagnosis.
	Disclaimer string
}

// DefaultTopK is how many conditions Diagnose returns, red flags aside.
const DefaultTopK = 5

// Diagnoser feeds notes to the diagnostic assistant. It is immutable and
// safe for concurrent use.
type Diagnoser struct {
	engine *diagnosis.Engine
	text   textmap.Extractor
	topK   int
}

// NewDiagnoser returns a Diagnoser over eng. text maps free text to
// evidences; nil means the offline lexicon of eng's knowledge base.
// topK <= 0 means DefaultTopK.
func NewDiagnoser(eng *diagnosis.Engine, text textmap.Extractor, topK int) (*Diagnoser, error) {
	if eng == nil {
		return nil, errors.New("notes: diagnoser needs a diagnosis engine")
	}
	if text == nil {
		m, err := textmap.New(eng.KB())
		if err != nil {
			return nil, fmt.Errorf("notes: text mapper: %w", err)
		}
		text = m
	}
	if topK <= 0 {
		topK = DefaultTopK
	}
	return &Diagnoser{engine: eng, text: text, topK: topK}, nil
}

// Diagnose is NewDiagnoser with the offline lexicon followed by one
// Diagnose call. Build a Diagnoser to serve many notes.
func Diagnose(ctx context.Context, eng *diagnosis.Engine, n *Note, age int, sex diagnosis.Sex) (*Differential, error) {
	d, err := NewDiagnoser(eng, nil, 0)
	if err != nil {
		return nil, err
	}
	return d.Diagnose(ctx, n, age, sex)
}

// maxFindingText bounds the text Diagnose maps to findings.
const maxFindingText = 64 << 10

// ErrNoFindings is returned when the note names nothing the diagnostic
// assistant knows that the patient has.
var ErrNoFindings = errors.New("notes: the note names no finding the diagnostic assistant knows")

// Diagnose maps the complaints, history and examination of n (its
// assessment when those are empty; never the plan, whose drugs are not
// findings) to evidences and returns the differential. age may be
// diagnosis.AgeUnknown.
func (d *Diagnoser) Diagnose(ctx context.Context, n *Note, age int, sex diagnosis.Sex) (*Differential, error) {
	text := strings.TrimSpace(n.Sections.Complaints + "\n" + n.Sections.History + "\n" + n.Sections.Objective)
	if text == "" {
		text = strings.TrimSpace(n.Sections.Assessment)
	}
	if len(text) > maxFindingText {
		// A note may be 1 MiB; complaints and history are a few
		// kilobytes, and the first 64 KiB are the most the diagnosis API
		// reads either.
		n := maxFindingText
		for n > 0 && !utf8.RuneStart(text[n]) {
			n--
		}
		text = text[:n]
	}
	ext, err := d.text.Extract(ctx, text)
	if err != nil {
		return nil, fmt.Errorf("notes: mapping the note to findings: %w", err)
	}
	c := diagnosis.Case{Age: age, Sex: sex, Findings: diagnosis.FindingsFromMatches(ext.Matches, nil)}
	if !slices.ContainsFunc(c.Findings, func(f diagnosis.Finding) bool { return f.Present }) {
		// Only denied findings rank by age and sex alone: no differential.
		return nil, ErrNoFindings
	}
	// The text may contradict the knowledge base's structure (a detail of
	// a symptom it also denies); drop such findings rather than the note.
	var a *diagnosis.Assessment
	for {
		a, err = d.engine.Assess(c, d.topK)
		var fe *diagnosis.FindingError
		if errors.As(err, &fe) && fe.Index >= 0 && fe.Index < len(c.Findings) {
			c.Findings = append(c.Findings[:fe.Index], c.Findings[fe.Index+1:]...)
			if len(c.Findings) == 0 {
				return nil, ErrNoFindings
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("notes: diagnosis: %w", err)
		}
		break
	}
	lang := namesLanguage(n.Language)
	out := &Differential{
		Candidates: make([]Candidate, 0, len(a.Conditions)),
		Warning:    diagnosis.FewFindingsNote(d.engine.KB(), c.Findings, lang),
		Disclaimer: diagnosis.Disclaimer(lang),
	}
	for _, rc := range a.Conditions {
		out.Candidates = append(out.Candidates, Candidate{
			ConditionID: rc.Condition.ID,
			Name:        rc.Condition.Name.En,
			LocalName:   rc.Condition.Name.In(lang),
			ICD10:       append([]string(nil), rc.Condition.ICD10...),
			Probability: rc.Probability,
			Rank:        rc.Rank,
			RedFlag:     rc.RedFlag,
		})
	}
	return out, nil
}

// namesLanguage is the language condition names are given in for a note
// in lang: a mixed note's medical words are Russian.
func namesLanguage(lang string) string {
	if lang == "mixed" {
		return "ru"
	}
	return lang
}
