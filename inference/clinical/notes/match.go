package notes

import "strings"

// phrase is a lexicon entry as normalised tokens.
type phrase []token

func compilePhrases(entries []string) []phrase {
	out := make([]phrase, 0, len(entries))
	for _, e := range entries {
		if p := phrase(tokenize(e)); len(p) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// minPrefix is the shortest lexicon word that matches as a prefix; shorter
// words ("ад", "t", "ps") must match whole, or they would match everywhere.
const minPrefix = 4

// wordMatches reports whether input word w matches lexicon word lex.
func wordMatches(w, lex string) bool {
	if len(lex) < minPrefix {
		return w == lex
	}
	return strings.HasPrefix(w, lex)
}

// matchAt returns how many tokens of toks, from i, phrase p covers, or 0.
func (p phrase) matchAt(toks []token, i int) int {
	if i+len(p) > len(toks) {
		return 0
	}
	for k, pt := range p {
		t := toks[i+k]
		if t.kind != pt.kind {
			return 0
		}
		switch t.kind {
		case wordTok:
			if !wordMatches(t.norm, pt.norm) {
				return 0
			}
		default:
			if t.norm != pt.norm {
				return 0
			}
		}
	}
	return len(p)
}

// longestMatch returns the longest of ps matching at i, as a token count.
func longestMatch(ps []phrase, toks []token, i int) int {
	best := 0
	for _, p := range ps {
		if n := p.matchAt(toks, i); n > best {
			best = n
		}
	}
	return best
}

// containsPhrase reports whether any of ps matches within toks[from:to].
func containsPhrase(ps []phrase, toks []token, from, to int) bool {
	if from < 0 {
		from = 0
	}
	if to > len(toks) {
		to = len(toks)
	}
	for i := from; i < to; i++ {
		for _, p := range ps {
			if n := p.matchAt(toks, i); n > 0 && i+n <= to {
				return true
			}
		}
	}
	return false
}

// wordSet is a set of normalised single words.
type wordSet map[string]bool

func compileWords(entries []string) wordSet {
	s := wordSet{}
	for _, e := range entries {
		for _, t := range tokenize(e) {
			s[t.norm] = true
		}
	}
	return s
}

// editDistanceAtMost1 reports whether a and b differ by at most one
// insertion, deletion or substitution.
func editDistanceAtMost1(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if i == len(a) {
		return true
	}
	if len(a) == len(b) {
		return a[i+1:] == b[i+1:]
	}
	return a[i:] == b[i+1:]
}

// normalizeWords returns each one-word entry in its normalised form, for
// prefix tests with hasAnyPrefix.
func normalizeWords(entries []string) []string {
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		if ts := tokenize(e); len(ts) == 1 && ts[0].kind == wordTok {
			out = append(out, ts[0].norm)
		}
	}
	return out
}
