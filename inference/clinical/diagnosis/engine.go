// Package diagnosis is Oqim's diagnostic assistant: a naive-Bayes ranker
// over the DDXPlus knowledge base, question selection by expected
// information gain, and the HTTP API. Its output is decision support for a
// clinician, never a diagnosis.
package diagnosis

import (
	"fmt"
	"math"
	"strconv"

	"github.com/oqim/oqim/models/ddxplus"
)

// Sex of the patient.
type Sex uint8

const (
	SexUnknown Sex = iota
	Female
	Male
)

// AgeUnknown marks a case whose age is not known. Zero is a valid age.
const AgeUnknown = -1

// Finding is one answered question.
type Finding struct {
	Evidence string // evidence code, such as "E_91"
	// Present is false when the evidence is absent; for categorical and
	// multi-choice evidences that means the default answer.
	Present bool
	// Values holds the answer of a categorical (one value) or multi-choice
	// (one or more values) evidence. It is empty for binary evidences.
	Values []string
}

// Case is what is known about a patient.
type Case struct {
	Age      int // years; AgeUnknown if not known
	Sex      Sex
	Findings []Finding
}

// Options tune the model. The zero value selects the defaults, which were
// chosen by cross-validation on the development patients and are kept by
// nested cross-validation over a declared grid (eval.Nested; README.md).
type Options struct {
	// Smoothing is the pseudo-count with which per-condition frequencies
	// are shrunk towards the rate pooled over all conditions that list the
	// evidence, for yes/no evidences, age and sex. Default 3.
	Smoothing float64
	// ValueSmoothing is the same pseudo-count for the values of categorical
	// and multi-choice evidences, whose counts are thinner, and for the
	// number of values given to a multi-choice question. Default 3.
	ValueSmoothing float64
	// OffList is the probability of observing an evidence a condition does
	// not list, and the share of a 0–10 scale answer given to values outside
	// the range seen for the condition. DDXPlus patients never show either;
	// real ones might. Default 1e-3.
	OffList float64
	// Temperature divides the summed log-likelihoods; above 1 it tempers the
	// overconfidence of naive Bayes. Default 1.
	Temperature float64
	// SetWeight is the power applied to the likelihood of which values a
	// multi-choice answer holds, given how many (the size keeps full
	// weight). Each value's weight is estimated from the few patients of a
	// condition, and an answer multiplies up to five of them, so the
	// plug-in likelihood is overconfident. Default 0.25, chosen by nested
	// cross-validation on the development patients (see README.md).
	SetWeight float64
	// StopProbability: the session should stop once the leading condition
	// reaches it. Default 0.999.
	StopProbability float64
	// MinGain is the expected information gain, in nats, below which no
	// question is worth asking. Default 0.01.
	MinGain float64
	// RedFlagSeverity1 and RedFlagSeverity2 are the posteriors at or above
	// which a condition of severity 1 or 2 is a red flag. Defaults 0.01 and 0.05.
	RedFlagSeverity1 float64
	RedFlagSeverity2 float64
	// Locale names the prior table (models/ddxplus/priors_<locale>.json):
	// its weights and exposure gates for non-endemic conditions. "ddxplus"
	// keeps DDXPlus's priors unchanged. Default "uz" (Uzbekistan).
	Locale string
	// ExposureAsk is the probability a non-endemic condition would have
	// with its exposure at or above which the exposure question (travel)
	// is asked while unanswered. Default 0.02.
	ExposureAsk float64
}

func (o Options) withDefaults() Options {
	set := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	set(&o.Smoothing, 3)
	set(&o.ValueSmoothing, 3)
	set(&o.OffList, 1e-3)
	set(&o.Temperature, 1)
	set(&o.SetWeight, 0.25)
	set(&o.StopProbability, 0.999)
	set(&o.MinGain, 0.01)
	set(&o.RedFlagSeverity1, 0.01)
	set(&o.RedFlagSeverity2, 0.05)
	set(&o.ExposureAsk, 0.02)
	if o.Locale == "" {
		o.Locale = "uz"
	}
	return o
}

// Engine ranks conditions and picks questions. It is immutable and safe for
// concurrent use.
type Engine struct {
	kb   *ddxplus.KB
	opts Options
	nc   int

	logPrior []float64   // [c]
	ageLL    [][]float64 // [band][c]
	sexLL    [2][]float64
	ev       []evTable // aligned with kb.Evidences
	children [][]int   // evidence → its child evidences
	gates    []gate    // non-endemic conditions of the locale
}

// evTable holds the precomputed log-likelihoods of one evidence. Rows are
// laid out condition-major inside each outcome: row(o)[c] = ll[o*nc+c].
type evTable struct {
	typ    ddxplus.Type
	parent int // -1 for top-level questions
	def    int // index of the default value (categorical, multi)
	nv     int // number of values (categorical, multi)
	// ll is, for binary and categorical evidences, log P(answer | c); for
	// multi-choice ones, the log of each value's normalised weight.
	ll     []float64
	lik    []float64 // exp(ll), for information gain (binary, categorical)
	negEnt []float64 // [c] Σ_o P(o|c) log P(o|c); for multi, summed over values
	// Multi-choice only. sizeLL[k*nc+c] is log P(k values | c) minus
	// SetWeight times the log of the normaliser e_k of the weights; answers
	// with more than maxSize values are scored as maxSize (see buildMulti).
	sizeLL  []float64
	maxSize int
	present []float64 // θ per value, [v*nc+c], for information gain
}

// NewEngine precomputes the likelihood tables of kb.
func NewEngine(kb *ddxplus.KB, opts Options) (*Engine, error) {
	if kb == nil {
		return nil, fmt.Errorf("diagnosis: nil knowledge base")
	}
	o := opts.withDefaults()
	if o.OffList <= 0 || o.OffList >= 0.5 {
		return nil, fmt.Errorf("diagnosis: OffList %g outside (0, 0.5)", o.OffList)
	}
	if o.SetWeight < 0 || o.SetWeight > 1 {
		return nil, fmt.Errorf("diagnosis: SetWeight %g outside (0, 1]", o.SetWeight)
	}
	e := &Engine{kb: kb, opts: o, nc: len(kb.Conditions)}
	e.build()
	if err := e.applyLocale(o.Locale); err != nil {
		return nil, err
	}
	return e, nil
}

// KB returns the knowledge base the engine was built from.
func (e *Engine) KB() *ddxplus.KB { return e.kb }

// Options returns the options in effect, defaults filled in.
func (e *Engine) Options() Options { return e.opts }

func (e *Engine) build() {
	kb, nc, a, av := e.kb, e.nc, e.opts.Smoothing, e.opts.ValueSmoothing
	st := kb.Stats
	hasStats := len(st.ByCondition) == nc
	cs := func(c int) *ddxplus.ConditionStats {
		if hasStats {
			return &st.ByCondition[c]
		}
		return &ddxplus.ConditionStats{}
	}

	// Prior: add-one smoothed frequency; uniform without statistics.
	e.logPrior = make([]float64, nc)
	for c := range nc {
		e.logPrior[c] = math.Log(float64(cs(c).Patients+1) / float64(st.Patients+nc))
	}
	// Age and sex, shrunk towards the pooled distribution.
	nb := max(len(st.AgeBands), 1)
	pooledAge := make([]float64, nb)
	var pooledF, total float64
	for c := range nc {
		s := cs(c)
		for b := range s.Age {
			pooledAge[b] += float64(s.Age[b])
		}
		pooledF += float64(s.Female)
		total += float64(s.Patients)
	}
	e.ageLL = make([][]float64, nb)
	for b := range nb {
		pi := (pooledAge[b] + 1) / (total + float64(nb))
		row := make([]float64, nc)
		for c := range nc {
			s := cs(c)
			n := 0.0
			if b < len(s.Age) {
				n = float64(s.Age[b])
			}
			row[c] = math.Log((n + a*pi) / (float64(s.Patients) + a))
		}
		e.ageLL[b] = row
	}
	piF := (pooledF + 1) / (total + 2)
	for sx := range 2 {
		row := make([]float64, nc)
		for c := range nc {
			s := cs(c)
			n, pi := float64(s.Female), piF
			if sx == 1 {
				n, pi = float64(s.Male), 1-piF
			}
			row[c] = math.Log((n + a*pi) / (float64(s.Patients) + a))
		}
		e.sexLL[sx] = row
	}

	// Which conditions list which evidence.
	listed := make([][]bool, len(kb.Evidences))
	for i := range listed {
		listed[i] = make([]bool, nc)
	}
	for c, cond := range kb.Conditions {
		for _, l := range [][]string{cond.Symptoms, cond.Antecedents} {
			for _, code := range l {
				i, _ := kb.EvidenceIndex(code)
				listed[i][c] = true
			}
		}
	}
	// denom returns how many patients of c were asked about evidence i:
	// all of them for a top-level question, those with the parent present
	// for a child question.
	denom := func(c int, ev *ddxplus.Evidence) float64 {
		s := cs(c)
		if ev.Parent == "" {
			return float64(s.Patients)
		}
		return float64(s.Evidence[ev.Parent])
	}
	count := func(c int, key string) float64 { return float64(cs(c).Evidence[key]) }

	e.ev = make([]evTable, len(kb.Evidences))
	e.children = make([][]int, len(kb.Evidences))
	eps := e.opts.OffList
	for i := range kb.Evidences {
		ev := &kb.Evidences[i]
		t := &e.ev[i]
		t.typ, t.parent = ev.Type, -1
		if ev.Parent != "" {
			t.parent, _ = kb.EvidenceIndex(ev.Parent)
			e.children[t.parent] = append(e.children[t.parent], i)
		}
		switch ev.Type {
		case ddxplus.Binary:
			var pn, pd float64
			for c := range nc {
				if listed[i][c] {
					pn += count(c, ev.Code)
					pd += denom(c, ev)
				}
			}
			pi := (pn + 1) / (pd + 2)
			t.ll = make([]float64, 2*nc)
			for c := range nc {
				theta := eps
				if listed[i][c] {
					theta = (count(c, ev.Code) + a*pi) / (denom(c, ev) + a)
				}
				t.ll[c] = math.Log(1 - theta)
				t.ll[nc+c] = math.Log(theta)
			}
		case ddxplus.Categorical:
			t.nv, t.def = len(ev.Values), ev.ValueIndex(ev.Default)
			keys := make([]string, t.nv)
			for v := range ev.Values {
				keys[v] = ev.Code + "_@_" + ev.Values[v].Code
			}
			// Counts per value, the default being whoever was asked and
			// gave no other value.
			counts := func(c int) []float64 {
				n := make([]float64, t.nv)
				rest := denom(c, ev)
				for v := range t.nv {
					if v != t.def {
						n[v] = count(c, keys[v])
						rest -= n[v]
					}
				}
				n[t.def] = max(rest, 0)
				return n
			}
			pooled := make([]float64, t.nv)
			var pd float64
			for c := range nc {
				if listed[i][c] {
					for v, x := range counts(c) {
						pooled[v] += x
					}
					pd += denom(c, ev)
				}
			}
			scale := isScale(ev)
			t.ll = make([]float64, t.nv*nc)
			for c := range nc {
				n, d := counts(c), denom(c, ev)
				if scale && listed[i][c] {
					// DDXPlus draws a 0–10 answer uniformly from a range
					// that depends on the condition (pain intensity 2–8
					// in URTI, 7–10 in cluster headache), so the range,
					// not the bumpy counts inside it, is what to learn.
					pr := rangePredictive(n)
					for v := range t.nv {
						t.ll[v*nc+c] = math.Log((1-eps)*pr[v] + eps/float64(t.nv))
					}
					continue
				}
				for v := range t.nv {
					var p float64
					switch {
					case !listed[i][c] && v == t.def:
						p = 1 - eps
					case !listed[i][c]:
						p = eps / float64(t.nv-1)
					default:
						pi := (pooled[v] + 1) / (pd + float64(t.nv))
						p = (n[v] + av*pi) / (d + av)
					}
					t.ll[v*nc+c] = math.Log(p)
				}
			}
		case ddxplus.Multi:
			e.buildMulti(t, ev, listed[i], cs, denom)
		}
		e.buildGainTables(t)
	}
}

// buildMulti fills the table of a multi-choice evidence. DDXPlus answers
// these with a set of values whose size is capped (at most five pain
// locations), so whether a likely value is missing says little once the
// set is full. The answer is therefore modelled as its size k, with a
// probability learnt per condition, and the set given its size: values
// drawn with per-condition weights w_cv, P(S | k, c) = Π_{v∈S} w_cv / e_k(w_c),
// e_k being the elementary symmetric polynomial of degree k. The weight of
// a value is its shrunk frequency θ_cv, normalised to sum to one (the form
// is invariant to the scale of w; normalising keeps e_k in range).
func (e *Engine) buildMulti(t *evTable, ev *ddxplus.Evidence, listed []bool, cs func(int) *ddxplus.ConditionStats, denom func(int, *ddxplus.Evidence) float64) {
	nc, av, eps := e.nc, e.opts.ValueSmoothing, e.opts.OffList
	t.nv, t.def = len(ev.Values), ev.ValueIndex(ev.Default)
	t.ll = make([]float64, t.nv*nc)
	t.present = make([]float64, t.nv*nc)
	for v := range t.nv {
		if v == t.def {
			continue
		}
		key := ev.Code + "_@_" + ev.Values[v].Code
		var pn, pd float64
		for c := range nc {
			if listed[c] {
				pn += float64(cs(c).Evidence[key])
				pd += denom(c, ev)
			}
		}
		pi := (pn + 0.5) / (pd + float64(t.nv))
		for c := range nc {
			theta := eps / float64(t.nv)
			if listed[c] {
				theta = (float64(cs(c).Evidence[key]) + av*pi) / (denom(c, ev) + av)
			}
			t.present[v*nc+c] = theta
		}
	}

	// Sizes, pooled over the conditions that list the evidence.
	maxK := t.nv - 1 // every value but the default
	pooled := make([]float64, maxK+1)
	var pd float64
	seen := 0
	for c := range nc {
		if !listed[c] {
			continue
		}
		for k, n := range cs(c).Sizes[ev.Code] {
			if k <= maxK {
				pooled[k] += float64(n)
				pd += float64(n)
				if n > 0 {
					seen = max(seen, k)
				}
			}
		}
	}
	// Sizes well beyond any seen are scored as the largest modelled one:
	// with normalised weights that only adds small factors, and it keeps
	// e_k clear of underflow.
	t.maxSize = min(maxK, seen+3)
	pi0 := (pooled[0] + 0.5) / (pd + 1)
	// The prior of the Dirichlet-multinomial size model: the pooled sizes
	// 1..maxSize, with av pseudo-counts in all.
	alpha := make([]float64, t.maxSize)
	var pz float64
	for k := 1; k <= maxK; k++ {
		pz += pooled[k]
	}
	for k := 1; k <= maxK; k++ {
		alpha[min(k, t.maxSize)-1] += av * (pooled[k] + 0.5/float64(maxK)) / (pz + 0.5)
	}
	t.sizeLL = make([]float64, (t.maxSize+1)*nc)
	w := make([]float64, t.nv)
	ek := make([]float64, t.maxSize+1)
	nk := make([]float64, t.maxSize)
	for c := range nc {
		var sw float64
		for v := range t.nv {
			w[v] = 0
			if v != t.def {
				w[v] = t.present[v*nc+c]
				sw += w[v]
			}
		}
		clear(ek)
		ek[0] = 1
		for v := range t.nv {
			if w[v] == 0 {
				continue
			}
			w[v] /= sw
			t.ll[v*nc+c] = math.Log(w[v])
			for j := t.maxSize; j >= 1; j-- {
				ek[j] += w[v] * ek[j-1]
			}
		}
		setNorm := func(k int) float64 { return e.opts.SetWeight * math.Log(ek[k]) }
		if !listed[c] {
			t.sizeLL[c] = math.Log(1 - eps)
			for k := 1; k <= t.maxSize; k++ {
				t.sizeLL[k*nc+c] = math.Log(eps/float64(maxK)) - setNorm(k)
			}
			continue
		}
		// Whether any value is given: a rate shrunk towards the pooled
		// one. How many, if any: see sizePredictive.
		h := cs(c).Sizes[ev.Code]
		var d, h0 float64
		clear(nk)
		for k, n := range h {
			d += float64(n)
			if k == 0 {
				h0 = float64(n)
			} else {
				nk[min(k, t.maxSize)-1] += float64(n)
			}
		}
		p0 := (h0 + av*pi0) / (d + av)
		t.sizeLL[c] = math.Log(p0)
		pr := sizePredictive(nk, alpha)
		for k := 1; k <= t.maxSize; k++ {
			p := (1 - p0) * ((1-eps)*pr[k-1] + eps/float64(t.maxSize))
			t.sizeLL[k*nc+c] = math.Log(p) - setNorm(k)
		}
	}
}

// sizePredictive predicts the number of values of a multi-choice answer,
// 1..len(n), from the counts n of earlier answers. DDXPlus draws some of
// these sizes much like its 0–10 scales, uniformly from a range that depends
// on the condition (chronic rhinosinusitis radiates to three or four places,
// acute to two to five), and caps others (five pain locations), which piles
// them up at the cap. Two models are averaged, each weighted by how well it
// predicted the counts (its marginal likelihood): the uniform range of
// rangePredictive, and a Dirichlet-multinomial with prior counts alpha (the
// sizes pooled over conditions). With few answers the two agree; the data
// pick the one that fits.
func sizePredictive(n, alpha []float64) []float64 {
	var total, asum float64
	for k := range n {
		total += n[k]
		asum += alpha[k]
	}
	// log marginal likelihood of the counts, as a sequence, under each model
	lg := func(x float64) float64 { v, _ := math.Lgamma(x); return v }
	logDir := lg(asum) - lg(asum+total)
	for k := range n {
		logDir += lg(alpha[k]+n[k]) - lg(alpha[k])
	}
	wRange := 1 / (1 + math.Exp(logDir-logRangeEvidence(n)))
	out := rangePredictive(n)
	for k := range out {
		out[k] = wRange*out[k] + (1-wRange)*(n[k]+alpha[k])/(total+asum)
	}
	return out
}

// buildGainTables precomputes, per condition, the negative conditional
// entropy of the answer, so that information gain needs one pass over the
// posterior per outcome.
func (e *Engine) buildGainTables(t *evTable) {
	nc := e.nc
	t.negEnt = make([]float64, nc)
	switch t.typ {
	case ddxplus.Binary, ddxplus.Categorical:
		t.lik = make([]float64, len(t.ll))
		for i, l := range t.ll {
			t.lik[i] = math.Exp(l)
			t.negEnt[i%nc] += t.lik[i] * l
		}
	case ddxplus.Multi:
		for v := range t.nv {
			if v == t.def {
				continue
			}
			for c := range nc {
				p := t.present[v*nc+c]
				t.negEnt[c] += p*math.Log(p) + (1-p)*math.Log(1-p)
			}
		}
	}
}

// isScale reports whether ev is a numeric scale such as pain intensity.
func isScale(ev *ddxplus.Evidence) bool {
	for i, v := range ev.Values {
		if v.Code != strconv.Itoa(i) {
			return false
		}
	}
	return len(ev.Values) > 2
}

// rangePredictive returns the posterior predictive distribution of an
// answer drawn uniformly from an unknown contiguous range of values [lo, hi],
// every range being equally likely a priori, given the counts n of earlier
// answers: Σ P(lo, hi | n) · 1[lo ≤ v ≤ hi] / (hi-lo+1), where
// P(lo, hi | n) ∝ (hi-lo+1)^-N over the ranges covering every answer seen.
// Values just outside the seen range keep a probability that shrinks as
// answers accumulate.
func rangePredictive(n []float64) []float64 {
	nv := len(n)
	total, first, last := seenRange(n)
	// The largest weight is that of the narrowest covering range; weights
	// are taken relative to it so that exp never underflows to all zeros.
	top := math.Inf(-1)
	for lo := 0; lo < nv; lo++ {
		for hi := lo; hi < nv; hi++ {
			if lo <= first && hi >= last {
				top = max(top, -total*math.Log(float64(hi-lo+1)))
			}
		}
	}
	out := make([]float64, nv)
	var z float64
	for lo := 0; lo < nv; lo++ {
		for hi := lo; hi < nv; hi++ {
			if lo > first || hi < last {
				continue // does not cover an answer seen
			}
			width := float64(hi - lo + 1)
			wt := math.Exp(-total*math.Log(width) - top)
			z += wt
			for v := lo; v <= hi; v++ {
				out[v] += wt / width
			}
		}
	}
	for v := range out {
		out[v] /= z
	}
	return out
}

// seenRange returns how many answers n counts and the lowest and highest
// value among them (len(n) and -1 when there are none).
func seenRange(n []float64) (total float64, first, last int) {
	first, last = len(n), -1
	for v, x := range n {
		total += x
		if x > 0 {
			first, last = min(first, v), max(last, v)
		}
	}
	return total, first, last
}

// logRangeEvidence is the log marginal likelihood of the answers counted in
// n (as a sequence) under the model of rangePredictive: a range [lo, hi]
// drawn uniformly from all ranges, then each answer uniformly from it.
func logRangeEvidence(n []float64) float64 {
	nv := len(n)
	total, first, last := seenRange(n)
	top := math.Inf(-1)
	for lo := 0; lo <= min(first, nv-1); lo++ {
		for hi := max(last, lo); hi < nv; hi++ {
			top = max(top, -total*math.Log(float64(hi-lo+1)))
		}
	}
	var z float64
	for lo := 0; lo <= min(first, nv-1); lo++ {
		for hi := max(last, lo); hi < nv; hi++ {
			z += math.Exp(-total*math.Log(float64(hi-lo+1)) - top)
		}
	}
	return top + math.Log(z) - math.Log(float64(nv*(nv+1)/2))
}
