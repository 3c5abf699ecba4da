package diagnosis

import (
	"fmt"
	"math"
	"sort"

	"github.com/oqim/oqim/models/ddxplus"
)

// FindingError reports a finding the engine cannot use. Index is the
// position in Case.Findings; Field is "evidence", "present" or "values".
type FindingError struct {
	Index int
	Field string
	Msg   string
}

func (e *FindingError) Error() string {
	return fmt.Sprintf("finding %d: %s: %s", e.Index, e.Field, e.Msg)
}

// observation is a validated finding in table coordinates.
type observation struct {
	ev      int
	present bool
	value   int   // categorical: value index; binary: 0 absent, 1 present
	values  []int // multi: non-default value indexes
}

// compiled is a case in table coordinates.
type compiled struct {
	ageBand int // -1 unknown
	sex     int // -1 unknown, 0 female, 1 male
	obs     []observation
	known   []bool // per evidence: answered, or implied by the parent's absence
	present []bool // per evidence: answered present
}

func (e *Engine) compile(c Case) (*compiled, error) {
	kb := e.kb
	cp := &compiled{
		ageBand: -1, sex: -1,
		obs:     make([]observation, 0, len(c.Findings)+2),
		known:   make([]bool, len(kb.Evidences)),
		present: make([]bool, len(kb.Evidences)),
	}
	if c.Age >= 0 {
		cp.ageBand = kb.Stats.AgeBand(c.Age)
		if cp.ageBand >= len(e.ageLL) {
			cp.ageBand = len(e.ageLL) - 1
		}
	}
	switch c.Sex {
	case Female:
		cp.sex = 0
	case Male:
		cp.sex = 1
	}
	for fi, f := range c.Findings {
		i, ok := kb.EvidenceIndex(f.Evidence)
		if !ok {
			return nil, &FindingError{fi, "evidence", fmt.Sprintf("unknown evidence code %q", f.Evidence)}
		}
		if cp.known[i] {
			return nil, &FindingError{fi, "evidence", fmt.Sprintf("evidence %s is given more than once", f.Evidence)}
		}
		ev := &kb.Evidences[i]
		o := observation{ev: i}
		switch ev.Type {
		case ddxplus.Binary:
			if len(f.Values) > 0 {
				return nil, &FindingError{fi, "values", fmt.Sprintf("evidence %s is yes/no and takes no values", ev.Code)}
			}
			o.present = f.Present
			if o.present {
				o.value = 1
			}
		case ddxplus.Categorical:
			o.value = e.ev[i].def
			if f.Present {
				if len(f.Values) != 1 {
					return nil, &FindingError{fi, "values", fmt.Sprintf("evidence %s takes exactly one value, got %d", ev.Code, len(f.Values))}
				}
				v := ev.ValueIndex(f.Values[0])
				if v < 0 {
					return nil, &FindingError{fi, "values", fmt.Sprintf("%q is not a value of evidence %s (allowed: %s)", f.Values[0], ev.Code, valueList(ev))}
				}
				o.value = v
			} else if len(f.Values) > 0 {
				return nil, &FindingError{fi, "values", fmt.Sprintf("evidence %s is absent and takes no values", ev.Code)}
			}
			o.present = o.value != e.ev[i].def
		case ddxplus.Multi:
			if f.Present && len(f.Values) == 0 {
				return nil, &FindingError{fi, "values", fmt.Sprintf("evidence %s is present and needs at least one value", ev.Code)}
			}
			if !f.Present && len(f.Values) > 0 {
				return nil, &FindingError{fi, "values", fmt.Sprintf("evidence %s is absent and takes no values", ev.Code)}
			}
			for _, s := range f.Values {
				v := ev.ValueIndex(s)
				if v < 0 {
					return nil, &FindingError{fi, "values", fmt.Sprintf("%q is not a value of evidence %s (allowed: %s)", s, ev.Code, valueList(ev))}
				}
				if v != e.ev[i].def {
					o.values = append(o.values, v)
				}
			}
			o.present = len(o.values) > 0
		}
		cp.known[i] = true
		cp.present[i] = o.present
		cp.obs = append(cp.obs, o)
	}
	// A child answered with a real value implies its parent; a child of an
	// absent parent is a contradiction the clinician should see.
	for oi := range cp.obs {
		o := &cp.obs[oi]
		p := e.ev[o.ev].parent
		if p < 0 || !o.present {
			continue
		}
		if cp.known[p] && !cp.present[p] {
			return nil, &FindingError{oi, "evidence", fmt.Sprintf("evidence %s is answered but its parent question %s is answered absent",
				kb.Evidences[o.ev].Code, kb.Evidences[p].Code)}
		}
		if !cp.known[p] {
			cp.known[p], cp.present[p] = true, true
			cp.obs = append(cp.obs, observation{ev: p, present: true, value: 1})
		}
	}
	// Children of an absent parent are never asked.
	for i := range e.ev {
		if p := e.ev[i].parent; p >= 0 && cp.known[p] && !cp.present[p] {
			cp.known[i] = true
		}
	}
	return cp, nil
}

func valueList(ev *ddxplus.Evidence) string {
	if len(ev.Values) > 12 {
		return fmt.Sprintf("%s … %s, %d values", ev.Values[0].Code, ev.Values[len(ev.Values)-1].Code, len(ev.Values))
	}
	s := ""
	for i, v := range ev.Values {
		if i > 0 {
			s += ", "
		}
		s += v.Code
	}
	return s
}

// counts reports whether an observation enters the likelihood: a child
// question only counts when its parent is present.
func (e *Engine) counts(cp *compiled, o *observation) bool {
	p := e.ev[o.ev].parent
	return p < 0 || cp.present[p]
}

// obsLL adds the log-likelihood of o, scaled by w, to dst.
func (e *Engine) obsLL(o *observation, w float64, dst []float64) {
	nc := e.nc
	t := &e.ev[o.ev]
	switch t.typ {
	case ddxplus.Binary, ddxplus.Categorical:
		row := t.ll[o.value*nc : (o.value+1)*nc]
		for c, l := range row {
			dst[c] += w * l
		}
	case ddxplus.Multi:
		k := min(len(o.values), t.maxSize)
		for c, l := range t.sizeLL[k*nc : (k+1)*nc] {
			dst[c] += w * l
		}
		ws := w * e.opts.SetWeight
		for _, v := range o.values {
			row := t.ll[v*nc : (v+1)*nc]
			for c, l := range row {
				dst[c] += ws * l
			}
		}
	}
}

// posterior writes the posterior over conditions into p (length nc).
func (e *Engine) posterior(cp *compiled, p []float64) {
	w := 1 / e.opts.Temperature
	copy(p, e.logPrior)
	if cp.ageBand >= 0 {
		for c, l := range e.ageLL[cp.ageBand] {
			p[c] += w * l
		}
	}
	if cp.sex >= 0 {
		for c, l := range e.sexLL[cp.sex] {
			p[c] += w * l
		}
	}
	for oi := range cp.obs {
		if e.counts(cp, &cp.obs[oi]) {
			e.obsLL(&cp.obs[oi], w, p)
		}
	}
	e.gate(cp, p)
	softmax(p)
}

// gate keeps non-endemic conditions without their exposure out of the
// differential by adding gatedLogPenalty to their log-posterior.
func (e *Engine) gate(cp *compiled, logp []float64) {
	for gi := range e.gates {
		if g := &e.gates[gi]; !g.exposed(cp) {
			logp[g.cond] += gatedLogPenalty
		}
	}
}

// exposureQuestion returns the exposure evidence of a gated condition
// whose probability, were it exposed, reaches ExposureAsk while the
// exposure is unanswered; -1 if none. Information gain alone would not ask
// it: gated conditions hold almost no probability until it is answered.
func (e *Engine) exposureQuestion(cp *compiled, p []float64) int {
	for gi := range e.gates {
		g := &e.gates[gi]
		if cp.known[g.ev] || g.exposed(cp) {
			continue
		}
		// Undo the penalty for this condition alone and renormalise.
		lifted := p[g.cond] * math.Exp(-gatedLogPenalty)
		if lifted/(1-p[g.cond]+lifted) >= e.opts.ExposureAsk {
			return g.ev
		}
	}
	return -1
}

func softmax(x []float64) {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, v)
	}
	var s float64
	for i, v := range x {
		x[i] = math.Exp(v - m)
		s += x[i]
	}
	for i := range x {
		x[i] /= s
	}
}

func entropy(p []float64) float64 {
	var h float64
	for _, v := range p {
		if v > 0 {
			h -= v * math.Log(v)
		}
	}
	return h
}

// gain is the expected information gain, in nats, of asking evidence i
// when the posterior is p: I(C; answer) = H(answer) - H(answer | C).
func (e *Engine) gain(i int, p []float64) float64 {
	nc := e.nc
	t := &e.ev[i]
	var g float64
	for c, ne := range t.negEnt {
		g += p[c] * ne
	}
	switch t.typ {
	case ddxplus.Binary, ddxplus.Categorical:
		n := len(t.lik) / nc
		for o := range n {
			row := t.lik[o*nc : (o+1)*nc]
			var z float64
			for c, l := range row {
				z += p[c] * l
			}
			if z > 0 {
				g -= z * math.Log(z)
			}
		}
	case ddxplus.Multi:
		// Values are answered together; treating them as independent
		// overstates the gain, so it is capped by the posterior entropy.
		for v := range t.nv {
			if v == t.def {
				continue
			}
			row := t.present[v*nc : (v+1)*nc]
			var z float64
			for c, th := range row {
				z += p[c] * th
			}
			if z > 0 && z < 1 {
				g -= z*math.Log(z) + (1-z)*math.Log(1-z)
			}
		}
		g = min(g, entropy(p))
	}
	return g
}

// bestQuestion returns the unanswered, askable evidence with the highest
// expected gain, or -1.
func (e *Engine) bestQuestion(cp *compiled, p []float64) (int, float64) {
	best, bestGain := -1, 0.0
	for i := range e.ev {
		if cp.known[i] {
			continue
		}
		if pa := e.ev[i].parent; pa >= 0 && !cp.present[pa] {
			continue
		}
		if g := e.gain(i, p); g > bestGain {
			best, bestGain = i, g
		}
	}
	return best, bestGain
}

// Posterior returns the probability of each condition of the KB, in KB
// order, reusing dst when it is large enough.
func (e *Engine) Posterior(c Case, dst []float64) ([]float64, error) {
	cp, err := e.compile(c)
	if err != nil {
		return nil, err
	}
	if cap(dst) < e.nc {
		dst = make([]float64, e.nc)
	}
	dst = dst[:e.nc]
	e.posterior(cp, dst)
	return dst, nil
}

// Assessment is the engine's answer for one case.
type Assessment struct {
	// Probabilities holds the posterior of every condition, in KB order.
	Probabilities []float64
	// Ranking lists condition indexes by decreasing probability.
	Ranking []int
	// Conditions is the differential to show: the top k by probability and
	// every red flag, red flags first. See RedFlag.
	Conditions []RankedCondition
	// Question is the next question to ask, nil if none is worth asking.
	Question *Question
	// ShouldStop is true when the leading condition is probable enough or
	// no question is expected to change the ranking.
	ShouldStop bool
}

// RankedCondition is one condition of the differential.
type RankedCondition struct {
	Condition   *ddxplus.Condition
	Rank        int // 1-based rank by probability
	Probability float64
	// RedFlag is set for conditions of severity 1 or 2 whose probability
	// reaches the red-flag threshold of their severity; they need urgent
	// referral whatever their rank.
	RedFlag    bool
	Supporting []Contribution
	Opposing   []Contribution
}

// Contribution says how much a finding moves a condition against the
// other conditions: the log of P(finding | condition) over the
// prior-weighted P(finding | other conditions).
type Contribution struct {
	Evidence *ddxplus.Evidence
	Present  bool
	Values   []string
	LogRatio float64
}

// Question is the next question to ask.
type Question struct {
	Evidence *ddxplus.Evidence
	Gain     float64 // expected information gain, nats
}

// maxContributions bounds the explanation of each condition.
const maxContributions = 5

// Assess ranks the conditions for c, returning the top k (at least 1) plus
// red flags, and picks the next question.
func (e *Engine) Assess(c Case, k int) (*Assessment, error) {
	cp, err := e.compile(c)
	if err != nil {
		return nil, err
	}
	k = min(max(k, 1), e.nc)
	a := &Assessment{Probabilities: make([]float64, e.nc), Ranking: make([]int, e.nc)}
	p := a.Probabilities
	e.posterior(cp, p)
	for i := range a.Ranking {
		a.Ranking[i] = i
	}
	sort.SliceStable(a.Ranking, func(i, j int) bool { return p[a.Ranking[i]] > p[a.Ranking[j]] })

	for r, ci := range a.Ranking {
		flag := e.redFlag(ci, p[ci])
		if r >= k && !flag {
			continue
		}
		rc := RankedCondition{Condition: &e.kb.Conditions[ci], Rank: r + 1, Probability: p[ci], RedFlag: flag}
		rc.Supporting, rc.Opposing = e.explain(cp, ci)
		a.Conditions = append(a.Conditions, rc)
	}
	sort.SliceStable(a.Conditions, func(i, j int) bool {
		return a.Conditions[i].RedFlag && !a.Conditions[j].RedFlag
	})

	q, g := e.bestQuestion(cp, p)
	if xq := e.exposureQuestion(cp, p); xq >= 0 {
		q, g = xq, math.Max(g, e.opts.MinGain)
	}
	if q >= 0 && g >= e.opts.MinGain {
		a.Question = &Question{Evidence: &e.kb.Evidences[q], Gain: g}
	}
	a.ShouldStop = a.Question == nil || p[a.Ranking[0]] >= e.opts.StopProbability
	return a, nil
}

// RedFlag applies the red-flag rule: severity 1 at probability ≥
// RedFlagSeverity1, severity 2 at ≥ RedFlagSeverity2.
func (e *Engine) redFlag(ci int, p float64) bool {
	switch e.kb.Conditions[ci].Severity {
	case 1:
		return p >= e.opts.RedFlagSeverity1
	case 2:
		return p >= e.opts.RedFlagSeverity2
	}
	return false
}

func (e *Engine) explain(cp *compiled, ci int) (sup, opp []Contribution) {
	nc := e.nc
	prior := make([]float64, nc)
	row := make([]float64, nc)
	copy(prior, e.logPrior)
	softmax(prior)
	var all []Contribution
	for oi := range cp.obs {
		o := &cp.obs[oi]
		if !e.counts(cp, o) {
			continue
		}
		clear(row)
		e.obsLL(o, 1, row)
		var others, wsum float64
		for c := range nc {
			if c != ci {
				others += prior[c] * math.Exp(row[c])
				wsum += prior[c]
			}
		}
		lr := row[ci] - math.Log(others/wsum)
		if math.Abs(lr) < 0.05 {
			continue
		}
		ev := &e.kb.Evidences[o.ev]
		ct := Contribution{Evidence: ev, Present: o.present, LogRatio: lr}
		switch ev.Type {
		case ddxplus.Categorical:
			ct.Values = []string{ev.Values[o.value].Code}
		case ddxplus.Multi:
			for _, v := range o.values {
				ct.Values = append(ct.Values, ev.Values[v].Code)
			}
		}
		all = append(all, ct)
	}
	sort.SliceStable(all, func(i, j int) bool { return math.Abs(all[i].LogRatio) > math.Abs(all[j].LogRatio) })
	for _, ct := range all {
		if ct.LogRatio > 0 && len(sup) < maxContributions {
			sup = append(sup, ct)
		} else if ct.LogRatio < 0 && len(opp) < maxContributions {
			opp = append(opp, ct)
		}
	}
	return sup, opp
}
