package notes

import (
	"fmt"
	"strings"

	"github.com/oqim/oqim/models/medicines"
)

// drugSpellings returns every spelling of every medicine the notes engine
// knows, by INN: the lexicon of models/medicines, the Uzbek Latin forms
// that write "ts" as "s" ("siprofloksatsin" beside "tsiprofloksatsin"),
// and the few local entries of localDrugs.
func drugSpellings() map[string][]string {
	all, err := medicines.All()
	if err != nil {
		// The embedded lexicon is checked by the models/medicines tests;
		// failing here is a build defect, not a runtime condition.
		panic(fmt.Sprintf("notes: %v", err))
	}
	out := map[string][]string{}
	for _, m := range all {
		for _, s := range m.Spellings() {
			out[m.INN] = append(out[m.INN], s)
			n := normalizeSpelling(s)
			if v := strings.ReplaceAll(n, "ts", "s"); v != n {
				out[m.INN] = append(out[m.INN], v)
			}
			out[m.INN] = append(out[m.INN], combinationJoins(m.INN, n)...)
		}
	}
	for inn, ss := range localDrugs {
		out[inn] = append(out[inn], ss...)
	}
	return out
}

// normalizeSpelling is the matching form of a lexicon spelling, words
// joined by spaces.
func normalizeSpelling(s string) string {
	var ws []string
	for _, t := range tokenize(s) {
		ws = append(ws, t.norm)
	}
	return strings.Join(ws, " ")
}

// combinationJoins returns the other ways a two-part combination is
// written: "амоксициллин/клавуланат", "амоксициллин + клавуланат",
// "... и ...", "... va ...", where the lexicon has the two names side by
// side; without them the first part alone would match, a different drug.
func combinationJoins(inn, spelling string) []string {
	a, b, ok := strings.Cut(spelling, " ")
	if !strings.Contains(inn, " and ") || !ok || strings.Contains(b, " ") {
		return nil
	}
	var out []string
	for _, join := range []string{" / ", " + ", " - ", " i ", " va "} {
		out = append(out, a+join+b)
	}
	return out
}
