package eval

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestRunTextScoresRankAndEvidence(t *testing.T) {
	cases := `{"age": 30, "sex": "female", "language": "en", "text": "Sore throat, fever and a cough for three days.", "pathology": "Viral pharyngitis", "evidences": ["E_91", "E_201", "E_999"], "row": 7}
{"age": 60, "sex": "male", "language": "ru", "text": "Кашель, температура.", "pathology": "Viral pharyngitis"}
{"age": 25, "sex": "female", "language": "en", "text": "Ten minutes after a bee sting: hives all over, swollen lips and tongue, wheezing, short of breath, dizzy, feels faint.", "pathology": "Anaphylaxis", "evidences": ["E_999"]}
`
	rep, err := RunText(context.Background(), TextOptions{Reader: strings.NewReader(cases), Details: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.N != 3 || rep.ByLanguage["en"] == nil || rep.ByLanguage["ru"] == nil || rep.ByLanguage["en"].N != 2 {
		t.Fatalf("counts: %+v", rep)
	}
	if rep.ByLanguage["ru"].Evidence != nil {
		t.Errorf("ru has no evidences, yet evidence figures are reported")
	}
	ev := rep.ByLanguage["en"].Evidence
	if ev == nil || ev.Recall != 0.5 {
		t.Errorf("en evidence recall: got %+v, want 2 of 4", ev)
	}
	if rep.Top5 < rep.Top3 || rep.Top3 < rep.Top1 {
		t.Errorf("top-k not monotone: %+v", rep)
	}
	// --details lists a case whose evidence was not read in full even
	// when it is ranked first: nothing reads E_999 from line 3.
	if i := slices.IndexFunc(rep.Misses, func(m TextMiss) bool { return m.Line == 3 }); i < 0 || rep.Misses[i].Rank != 1 || !slices.Contains(rep.Misses[i].Missed, "E_999") {
		t.Errorf("misses: got %+v, want line 3 ranked first with E_999 missed", rep.Misses)
	}
	// --details lists the cases not ranked first in the text report too.
	var out strings.Builder
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	for _, m := range rep.Misses {
		if !strings.Contains(out.String(), fmt.Sprintf("line %d %s: %s", m.Line, m.Language, m.Pathology)) {
			t.Errorf("text report does not list the miss on line %d:\n%s", m.Line, out.String())
		}
	}
	if len(rep.Misses) == 0 && rep.Top1 < 1 {
		t.Errorf("top-1 %.2f but no misses listed", rep.Top1)
	}
}

func TestRunTextRejectsUnknownPathology(t *testing.T) {
	_, err := RunText(context.Background(), TextOptions{Reader: strings.NewReader(`{"text": "cough", "pathology": "Nope"}`)})
	if err == nil || !strings.Contains(err.Error(), "unknown pathology") {
		t.Fatalf("got %v", err)
	}
}
