package textmap

import (
	"strconv"
	"strings"
)

// Scales of the knowledge base, answered 0–10: how strong the pain is,
// how precisely it is located, how fast it came on, and how swollen,
// painful and itchy a skin lesion is.
const (
	scaleIntensity    = "E_56"
	scalePrecision    = "E_58"
	scaleOnset        = "E_59"
	scaleLesionSwell  = "E_132"
	scaleLesionPain   = "E_134"
	scaleLesionItch   = "E_136"
	painEvidence      = "E_53"
	lesionEvidence    = "E_129"
	scaleCueScope     = 6 // words between a cue and its score
	scaleLesionLookup = 40
)

// scaleAt reads a score out of ten at token i: "7/10", "7 из 10", "7 out
// of 10", "10 dan 7", "10 balldan 7". It returns the score and the tokens
// [from, to) it spans.
func scaleAt(text string, toks []token, i int) (score, from, to int, ok bool) {
	num := func(k int) (int, bool) {
		if k < 0 || k >= len(toks) || toks[k].boundary {
			return 0, false
		}
		n, err := strconv.Atoi(toks[k].norm)
		return n, err == nil && n >= 0 && n <= 10
	}
	n, isNum := num(i)
	if !isNum {
		return 0, 0, 0, false
	}
	// N/10
	if ten, ok := num(i + 1); ok && ten == 10 && strings.TrimSpace(text[toks[i].end:toks[i+1].start]) == "/" {
		return n, i, i + 2, true
	}
	// N из 10, N out of 10, N of 10
	for _, link := range [][]string{{"iz"}, {"of"}, {"out", "of"}} {
		k := i + 1
		match := true
		for _, w := range link {
			if k >= len(toks) || toks[k].norm != w {
				match = false
				break
			}
			k++
		}
		if ten, ok := num(k); match && ok && ten == 10 {
			return n, i, k + 1, true
		}
	}
	// 10 dan N, 10 balldan N (Uzbek puts the scale first)
	if n == 10 && i+2 < len(toks) {
		w := toks[i+1].norm
		if w == "dan" || strings.HasPrefix(w, "balldan") || strings.HasPrefix(w, "ballik") {
			if m, ok := num(i + 2); ok {
				return m, i, i + 3, true
			}
		}
	}
	return 0, 0, 0, false
}

// scaleCue classifies a word as naming one of the scales.
func scaleCue(w string) (evidence string, ok bool) {
	has := func(ps ...string) bool { return hasAnyPrefix(w, ps...) }
	switch {
	case has("zud", "itch", "qichi", "pruri"):
		return scaleLesionItch, true
	case has("otyochn", "otechn", "pripodn", "vozvish", "raised", "elevat", "swell", "bo'rti", "bo'rt", "ko'tarilib", "shish"):
		return scaleLesionSwell, true
	case has("poyav", "vozni", "narast", "nachal", "skorost", "postepen", "vnezap", "bistr", "onset", "gradual",
		"sudden", "rapid", "came", "appear", "develop", "start", "paydo", "boshlan", "tezlig", "asta", "to'satdan", "birdan") || w == "tez":
		return scaleOnset, true
	case has("lokaliz", "locali", "locate", "chyotk", "chotk", "chetk", "aniq", "noaniq", "joylash", "joyi", "precis",
		"pinpoint", "diffus", "razlit"):
		return scalePrecision, true
	case has("intens", "siln", "sila", "sily", "viraj", "severe", "severity", "strong", "mild", "moderate",
		"kuch", "pain", "og'ri", "ogri", "bolezn", "bolit", "dard") || w == "bol" || w == "boli" || w == "bolyu":
		return scaleIntensity, true
	}
	return "", false
}

// readScales finds the scores out of ten in text and gives each to the
// nearest cue before it. A pain score in a sentence about a skin lesion is
// the lesion's pain.
func readScales(text string, toks []token) []Match {
	var out []Match
	for i := 0; i < len(toks); i++ {
		score, from, to, ok := scaleAt(text, toks, i)
		if !ok {
			continue
		}
		i = to - 1
		ev := ""
		cue := -1
		for k, n := from-1, 0; k >= 0 && n < scaleCueScope && !sentenceEnd(text, toks[k]); k-- {
			if toks[k].boundary {
				continue
			}
			n++
			if e, ok := scaleCue(toks[k].norm); ok {
				ev, cue = e, k
				break
			}
		}
		if ev == "" {
			// A bare score after a list of sites ("боль в ... и левого
			// яичка; 3/10") rates the pain the sentence is about.
			cue = painBefore(text, toks, from)
			if cue < 0 {
				continue
			}
			ev = scaleIntensity
		}
		lesion := lesionBefore(text, toks, cue)
		if ev == scaleIntensity && lesion {
			ev = scaleLesionPain
		}
		if lesion != (ev == scaleLesionPain || ev == scaleLesionItch || ev == scaleLesionSwell) {
			continue // a lesion's score outside a lesion sentence, or the reverse
		}
		parent := painEvidence
		if lesion {
			parent = lesionEvidence
		}
		span := text[toks[cue].start:toks[to-1].end]
		if score > 0 {
			out = append(out, Match{Evidence: ev, Value: strconv.Itoa(score), Present: true, Phrase: span, Start: toks[cue].start, End: toks[to-1].end})
		}
		out = append(out, Match{Evidence: parent, Present: true, Phrase: span, Start: toks[cue].start, End: toks[to-1].end})
	}
	return out
}

// lesionBefore reports a skin-lesion cue earlier in the sentence of token
// k.
func lesionBefore(text string, toks []token, k int) bool {
	for j, n := k, 0; j >= 0 && n < scaleLesionLookup && !sentenceEnd(text, toks[j]); j, n = j-1, n+1 {
		if toks[j].boundary {
			continue
		}
		if ev, _, ok := anchorKind(toks, j); ok && ev == "E_133" {
			return true
		}
	}
	return false
}

// painBefore returns the last pain cue earlier in the sentence of token k,
// or -1.
func painBefore(text string, toks []token, k int) int {
	for j := k - 1; j >= 0 && !sentenceEnd(text, toks[j]); j-- {
		if toks[j].boundary {
			continue
		}
		if ev, _, ok := anchorKind(toks, j); ok && ev == "E_55" {
			return j
		}
	}
	return -1
}

// hasAnyPrefix reports whether w starts with one of prefixes: how the
// cue tables name a stem in every language at once.
func hasAnyPrefix(w string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}
