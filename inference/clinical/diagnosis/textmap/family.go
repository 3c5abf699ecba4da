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

// familySentence reports whether the sentence around token i speaks of
// the family ("в семье", "oilasida", "his mother").
func familySentence(text string, toks []token, i int) bool {
	for k := i; k >= 0 && !sentenceEnd(text, toks[k]); k-- {
		if familyCue(toks[k].norm) {
			return true
		}
	}
	for k := i + 1; k < len(toks) && !sentenceEnd(text, toks[k]); k++ {
		if familyCue(toks[k].norm) {
			return true
		}
	}
	return false
}
