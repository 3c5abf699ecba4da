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

// spans answers in constant time what the run-on rules ask of a sentence
// so far, at every token: how many words it has, whether it names a drug,
// whether a section's cue stands in it. Scanning the sentence from its
// start at each token made unpunctuated dictation, one sentence long,
// quadratic: 128 KiB of it took seconds.
type spans struct {
	words []int // words[i]: word tokens in toks[:i]
	drugs []int // drugs[i]: drug names starting in toks[:i]
	// cueEnd[k][i] is the least end of a cue of sectionOrder[k] starting
	// at i or later, len(toks)+1 if none: a cue lies within [from, to)
	// exactly when cueEnd[k][from] <= to, since one starting at or after
	// to also ends after it.
	cueEnd [len(sectionOrder)][]int
}

func (o *Offline) spans(toks []token, drugs []drugHit) *spans {
	n := len(toks)
	s := &spans{words: make([]int, n+1), drugs: make([]int, n+1)}
	for i, t := range toks {
		s.words[i+1] = s.words[i] + b2i(t.kind == wordTok)
		s.drugs[i+1] = s.drugs[i] + b2i(drugs[i].n > 0)
	}
	for k, sec := range sectionOrder {
		end := make([]int, n+1)
		end[n] = n + 1
		for i := n - 1; i >= 0; i-- {
			end[i] = end[i+1]
			for _, p := range o.cues[sec] {
				if m := p.matchAt(toks, i); m > 0 && i+m < end[i] {
					end[i] = i + m
				}
			}
		}
		s.cueEnd[k] = end
	}
	return s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *spans) wordCount(from, to int) int { return s.words[to] - s.words[from] }

func (s *spans) hasDrug(from, to int) bool { return s.drugs[to] > s.drugs[from] }

// cue reports whether a cue of sec lies within toks[from:to], as
// containsPhrase(o.cues[sec], toks, from, to) does.
func (s *spans) cue(sec Section, from, to int) bool {
	return s.cueEnd[sectionIndex(sec)][max(from, 0)] <= to
}
