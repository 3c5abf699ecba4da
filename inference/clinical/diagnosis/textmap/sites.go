package textmap

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/oqim/oqim/models/ddxplus"
)

//go:embed sites.txt
var sitesText []byte

// siteEvidence is the evidence whose values name body sites; E_57 (pain
// radiation), E_133 (lesion site) and E_152 (swelling site) share its list.
const siteEvidence = "E_55"

// siteTerm is a phrase naming a body site: one value, or a right and a
// left value.
type siteTerm struct {
	words       []string
	right, left string // left is empty for a site without side
}

// loadSites reads sites.txt and adds the knowledge base's own names of the
// site values, stripped of their side.
func loadSites(kb *ddxplus.KB) ([]siteTerm, error) {
	i, ok := kb.EvidenceIndex(siteEvidence)
	if !ok {
		return nil, fmt.Errorf("textmap: knowledge base has no evidence %s", siteEvidence)
	}
	ev := &kb.Evidences[i]
	var out []siteTerm
	seen := map[string]bool{}
	add := func(phrase, right, left string) {
		words, _ := phraseWords(phrase)
		key := strings.Join(words, " ")
		if len(words) == 0 || seen[key] {
			return
		}
		seen[key] = true
		out = append(out, siteTerm{words: words, right: right, left: left})
	}
	sc := bufio.NewScanner(bytes.NewReader(sitesText))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		codes, phrases, ok := strings.Cut(line, " | ")
		vs := strings.Fields(codes)
		if !ok || len(vs) < 1 || len(vs) > 2 {
			return nil, fmt.Errorf("textmap: sites.txt:%d: want \"value [left value] | phrases\"", n)
		}
		for _, v := range vs {
			if ev.ValueIndex(v) < 0 {
				return nil, fmt.Errorf("textmap: sites.txt:%d: %s is not a value of %s", n, v, siteEvidence)
			}
		}
		left := ""
		if len(vs) == 2 {
			left = vs[1]
		}
		for _, p := range strings.Split(phrases, ";") {
			add(p, vs[0], left)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("textmap: sites: %w", err)
	}
	// The knowledge base names lateral sites "cheek(R)", "yonoq (oʻng)":
	// pair them by their English name without the side.
	type pair struct{ right, left string }
	pairs := map[string]*pair{}
	var order []string
	for _, v := range ev.Values {
		base, side := splitSide(v.Meaning.En)
		if base == "" || base == "nowhere" || base == "NA" {
			continue
		}
		p := pairs[base]
		if p == nil {
			p = &pair{}
			pairs[base] = p
			order = append(order, base)
		}
		switch side {
		case "L":
			p.left = v.Code
		default:
			p.right = v.Code
		}
	}
	for _, v := range ev.Values {
		base, _ := splitSide(v.Meaning.En)
		p := pairs[base]
		if p == nil || (p.right != v.Code && p.left != v.Code) || (p.left == v.Code && p.right != "") {
			continue // each pair once, from its right value
		}
		for _, name := range []string{v.Meaning.En, v.Meaning.Uz, v.Meaning.Ru} {
			b, _ := splitSide(name)
			if b == "" || strings.Contains(b, ",") {
				continue
			}
			if p.left != "" && p.right != "" {
				add(b, p.right, p.left)
			} else {
				add(b, v.Code, "")
			}
		}
	}
	return out, nil
}

// splitSide cuts a trailing "(R)", "(L)", "(oʻng)", "(справа)" and the
// like from a site name.
func splitSide(name string) (base, side string) {
	name = strings.TrimSpace(name)
	i := strings.LastIndex(name, "(")
	if i < 0 || !strings.HasSuffix(name, ")") {
		return name, ""
	}
	s := strings.ToLower(name[i+1 : len(name)-1])
	switch {
	case s == "r" || strings.HasPrefix(NormalizeWord(s), "o'ng") || strings.HasPrefix(s, "справа"):
		side = "R"
	case s == "l" || s == "chap" || strings.HasPrefix(s, "слева"):
		side = "L"
	default:
		return name, "" // "finger (index)" keeps its words
	}
	return strings.TrimSpace(name[:i]), side
}

// anchor is a word that says what the body sites around it belong to.
type anchor struct {
	evidence, parent string // parent is the yes/no evidence the site implies
	tok              int
}

// anchorKind classifies a normalised word as a cue of pain, radiation,
// skin lesion or swelling. ok is false for other words; an empty evidence
// with ok true is a cue that claims the sites near it for nothing, such
// as "does not radiate".
func anchorKind(toks []token, k int) (evidence, parent string, ok bool) {
	w := toks[k].norm
	has := func(ps ...string) bool { return hasAnyPrefix(w, ps...) }
	switch {
	case has("irradi", "otdayo", "otdae", "otdayu", "rasprostran", "radiat", "spread", "tarqal", "yoyil"):
		if strings.HasPrefix(w, "tarqalma") || strings.HasPrefix(w, "yoyilma") || negatedBefore(toks, k) {
			return "", "", true
		}
		return "E_57", "E_53", true
	case w == "bol" || w == "boli" || w == "bolyu" || w == "boley" || w == "bolit" || w == "bolyat" ||
		has("bolyami", "bolyax", "bolezn", "pain", "ache", "aching", "hurt", "tender", "og'ri", "ogri", "sanch"):
		return "E_55", "E_53", true
	case w == "sip" || w == "sipi" || w == "sipyu" ||
		has("visip", "porajen", "element", "pyatn", "papul", "vezikul", "puzir", "rash", "lesion",
			"spots", "blister", "eruption", "toshma", "dog'", "pufak", "teri", "koja", "koje", "koji", "kojn", "koju", "skin"):
		return "E_133", "E_129", true
	case has("otyok", "otek", "otyoch", "otech", "opux", "pripux", "swell", "swollen", "oedem", "edem", "shish"):
		return "E_152", "E_151", true
	}
	return "", "", false
}

// negatedBefore reports a negation cue in the two words before k.
func negatedBefore(toks []token, k int) bool {
	for j := k - 1; j >= 0 && j >= k-2 && !toks[j].boundary; j-- {
		if preNegation[toks[j].norm] || toks[j].norm == "nikuda" || toks[j].norm == "doesn't" || toks[j].norm == "nowhere" {
			return true
		}
	}
	return false
}

// Side words, as normalised prefixes.
func sideOf(w string) (right, left bool) {
	switch {
	case strings.HasPrefix(w, "prav") || strings.HasPrefix(w, "sprav") || w == "right" || w == "o'ng" || w == "ong" || w == "ongda":
		return true, false
	case strings.HasPrefix(w, "lev") || strings.HasPrefix(w, "slev") || w == "left" || w == "chap":
		return false, true
	case w == "obe" || w == "oba" || strings.HasPrefix(w, "obeix") || strings.HasPrefix(w, "oboix") || strings.HasPrefix(w, "obeim") ||
		w == "both" || w == "bilateral" || w == "ikkala" || strings.HasPrefix(w, "dvustoron"):
		return true, true
	}
	return false, false
}

func isConjunction(w string) bool {
	switch w {
	case "i", "va", "and", "hamda", "yoki", "or", "ili", "ham":
		return true
	}
	return false
}

// sentenceEnd reports whether boundary token k ends a sentence rather
// than a clause.
func sentenceEnd(text string, t token) bool {
	if !t.boundary || t.norm != "" {
		return false
	}
	switch text[t.start] {
	case '.', '!', '?', '\n':
		return true
	}
	return false
}

// siteScope bounds how far, in words, a site may be from its cue: lists
// of sites run long ("отдаёт в правый бицепс, под нижнюю челюсть, в
// трахею ... и в левое плечо").
const siteScope = 24

// findSites reads the body sites of text that no lexicon phrase took, and
// gives each to the nearest cue of its sentence. It marks the words it
// takes in used.
func (m *Mapper) findSites(text string, toks []token, used []bool) []Match {
	type hit struct {
		start, end  int
		right, left string
	}
	var hits []hit
	for i := 0; i < len(toks); i++ {
		if toks[i].boundary || used[i] {
			continue
		}
		best := -1
		bestEnd := 0
		for si := range m.sites {
			end, ok := siteMatchAt(toks, i, m.sites[si].words)
			if !ok || anyUsed(used, i, end) {
				continue
			}
			if best < 0 || len(m.sites[si].words) > len(m.sites[best].words) {
				best, bestEnd = si, end
			}
		}
		if best < 0 {
			continue
		}
		for k := i; k < bestEnd; k++ {
			used[k] = true
		}
		hits = append(hits, hit{i, bestEnd, m.sites[best].right, m.sites[best].left})
		i = bestEnd - 1
	}
	var out []Match
	for _, h := range hits {
		a, ok := nearestAnchor(text, toks, h.start, h.end)
		if !ok || a.evidence == "" {
			continue
		}
		var values []string
		if h.left == "" {
			values = []string{h.right}
		} else {
			r, l := sideAround(toks, used, h.start, h.end)
			if r || !l {
				values = append(values, h.right)
			}
			if l || !r {
				values = append(values, h.left)
			}
		}
		phrase := text[toks[h.start].start:toks[h.end-1].end]
		for _, v := range values {
			out = append(out, Match{Evidence: a.evidence, Value: v, Present: true, Phrase: phrase, Start: toks[h.start].start, End: toks[h.end-1].end})
		}
		at := toks[a.tok]
		out = append(out, Match{Evidence: a.parent, Present: true, Phrase: text[at.start:at.end], Start: at.start, End: at.end})
	}
	return out
}

func anyUsed(used []bool, from, to int) bool {
	for k := from; k < to; k++ {
		if used[k] {
			return true
		}
	}
	return false
}

// nearestAnchor finds the cue of the sentence closest to tokens
// [start, end), preferring the one before on a tie: Russian and English
// name the sites after the cue ("боль в области лба"), Uzbek often before
// it ("peshonada og'riq").
func nearestAnchor(text string, toks []token, start, end int) (anchor, bool) {
	var before, after anchor
	fb, fa := false, false
	for k, n := start-1, 0; k >= 0 && n < siteScope && !sentenceEnd(text, toks[k]); k-- {
		if toks[k].boundary {
			continue
		}
		n++
		if ev, parent, ok := anchorKind(toks, k); ok {
			before, fb = anchor{ev, parent, k}, true
			break
		}
	}
	for k, n := end, 0; k < len(toks) && n < siteScope && !sentenceEnd(text, toks[k]); k++ {
		if toks[k].boundary {
			continue
		}
		n++
		if ev, parent, ok := anchorKind(toks, k); ok {
			if ev == "E_57" && !dative(toks[end-1].norm) {
				// A radiation verb after a site takes it only in Uzbek,
				// where the site is in the dative ("kurakka tarqaladi");
				// elsewhere the site came before it ("knee, spreading").
				continue
			}
			after, fa = anchor{ev, parent, k}, true
			break
		}
	}
	switch {
	case fb && fa:
		// A site in the dative before a radiation verb is where the pain
		// goes, whatever pain word stands before it ("og'riq kurakka
		// tarqaladi").
		if after.tok-end+1 < start-before.tok || after.evidence == "E_57" {
			return after, true
		}
		return before, true
	case fb:
		return before, true
	case fa:
		return after, true
	}
	return anchor{}, false
}

// sideAround reads "right", "chap", "обеих" in the three words before a
// site or the word after it, stopping at another site.
func sideAround(toks []token, used []bool, start, end int) (right, left bool) {
	for k, n := start-1, 0; k >= 0 && n < 3 && !toks[k].boundary; k, n = k-1, n+1 {
		r, l := sideOf(toks[k].norm)
		if r || l {
			right, left = right || r, left || l
			continue
		}
		if !isConjunction(toks[k].norm) && (right || left || used[k]) {
			break
		}
	}
	// After the site: "грудной клетки справа и слева", "knee (left)".
	for k := end; !right && !left && k < len(toks) && k < end+3; k++ {
		if toks[k].boundary {
			continue
		}
		r, l := sideOf(toks[k].norm)
		if !r && !l {
			break
		}
		right, left = r, l
		if k+2 < len(toks) && isConjunction(toks[k+1].norm) {
			r2, l2 := sideOf(toks[k+2].norm)
			right, left = right || r2, left || l2
		}
	}
	return right, left
}

// dative reports an Uzbek dative ending: "-ga", "-ka", "-qa".
func dative(w string) bool {
	return strings.HasSuffix(w, "ga") || strings.HasSuffix(w, "ka") || strings.HasSuffix(w, "qa")
}

// siteMatchAt matches a site phrase at token i like matchAt, one filler
// word allowed, but forgives no typo: body-site words are short and a
// typo too often makes another word ("лобка" and "локализация").
func siteMatchAt(toks []token, i int, words []string) (int, bool) {
	k := i
	for wi, w := range words {
		if wi > 0 && k < len(toks) && !toks[k].boundary && !sitePrefix(w, toks[k].norm) {
			k++
		}
		if k >= len(toks) || toks[k].boundary || !sitePrefix(w, toks[k].norm) {
			return 0, false
		}
		k++
	}
	return k, true
}

func sitePrefix(lex, word string) bool {
	if !strings.HasPrefix(word, lex) {
		return false
	}
	return utf8.RuneCountInString(lex) > 3 || utf8.RuneCountInString(word)-utf8.RuneCountInString(lex) <= 2
}
