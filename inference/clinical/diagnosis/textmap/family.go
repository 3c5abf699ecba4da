package textmap

// familyCue reports a word naming the family or a relative.
func familyCue(w string) bool {
	switch w {
	case "mat", "materi", "mama", "mamy", "otets", "ottsa", "ona", "onasi", "onasida", "otasi", "otasida",
		"family", "relative", "relatives", "mother", "father", "brother", "sister", "sibling", "siblings", "parents", "parent":
		return true
	}
	return hasAnyPrefix(w, "semy", "semi", "semey", "semye", "rodstven", "rodnyx", "rodnix", "brat", "sestr",
		"oila", "qarindosh", "aka-uka", "opa-singil", "familial")
}

// familySentences reports, for each token, whether its sentence speaks
// of the family ("в семье", "oilasida", "his mother"). One pass over the
// text: asking it of each token's sentence anew made unpunctuated text,
// one sentence long, quadratic.
func familySentences(text string, toks []token) []bool {
	family := make([]bool, len(toks))
	for from := 0; from < len(toks); {
		to, cue := from, false
		for ; to < len(toks) && !sentenceEnd(text, toks[to]); to++ {
			cue = cue || familyCue(toks[to].norm)
		}
		for k := from; k < to; k++ {
			family[k] = cue
		}
		from = to + 1
	}
	return family
}
