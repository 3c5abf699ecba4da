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
// chosen by cross-validation on the development patients (see README.md).
type Options struct {
	// Smoothing is the pseudo-count with which per-condition frequencies
	// are shrunk towards the rate pooled over all conditions that list the
	// evidence, for yes/no evidences, age and sex. Default 3.
	Smoothing float64
	// ValueSmoothing is the same pseudo-count for the values of categorical
	// and multi-choice evidences, whose counts are thinner. Default 3.
	ValueSmoothing float64
	// OffList is the probability of observing an evidence a condition does
	// not list. DDXPlus patients never show one; real ones might. Default 1e-3.
	OffList float64
	// Temperature divides the summed log-likelihoods; above 1 it tempers the
	// overconfidence of naive Bayes. Default 1.
	Temperature float64
	// StopProbability: the session should stop once the leading condition
	// reaches it. Default 0.999.
	StopProbability float64
	// MinGain is the expected information gain, in nats, below which no
	// question is worth asking. Default 0.01.
	MinGain float64
	// ScaleSpread is the share of a count on a 0–10 scale that is given to
	// each neighbouring value. Default 0.25; negative disables.
	ScaleSpread float64
	// RedFlagSeverity1 and RedFlagSeverity2 are the posteriors at or above
	// which a condition of severity 1 or 2 is a red flag. Defaults 0.01 and 0.05.
	RedFlagSeverity1 float64
	RedFlagSeverity2 float64
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
	set(&o.StopProbability, 0.999)
	set(&o.MinGain, 0.01)
	set(&o.ScaleSpread, 0.25)
	set(&o.RedFlagSeverity1, 0.01)
	set(&o.RedFlagSeverity2, 0.05)
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
}

// evTable holds the precomputed log-likelihoods of one evidence. Rows are
// laid out condition-major inside each outcome: row(o)[c] = ll[o*nc+c].
type evTable struct {
	typ     ddxplus.Type
	parent  int // -1 for top-level questions
	def     int // index of the default value (categorical, multi)
	nv      int // number of values (categorical, multi)
	ll      []float64
	lik     []float64 // exp(ll), for information gain
	negEnt  []float64 // [c] Σ_o P(o|c) log P(o|c); for multi, summed over values
	absent  []float64 // multi: [c] Σ_v log(1-θ_cv) over non-default values
	present []float64 // multi: θ per value, [v*nc+c]
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
	e := &Engine{kb: kb, opts: o, nc: len(kb.Conditions)}
	e.build()
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
			ordinal := isScale(ev)
			// Counts per value, the default being whoever was asked and
			// gave no other value. On a 0–10 scale a patient who said 6
			// makes 5 and 7 likelier too, so counts spill to neighbours.
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
				if ordinal && e.opts.ScaleSpread > 0 {
					n = spread(n, e.opts.ScaleSpread)
				}
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
			t.ll = make([]float64, t.nv*nc)
			for c := range nc {
				n, d := counts(c), denom(c, ev)
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
			t.nv, t.def = len(ev.Values), ev.ValueIndex(ev.Default)
			t.ll = make([]float64, t.nv*nc) // log θ - log(1-θ)
			t.present = make([]float64, t.nv*nc)
			t.absent = make([]float64, nc)
			for v := range t.nv {
				if v == t.def {
					continue
				}
				key := ev.Code + "_@_" + ev.Values[v].Code
				var pn, pd float64
				for c := range nc {
					if listed[i][c] {
						pn += count(c, key)
						pd += denom(c, ev)
					}
				}
				pi := (pn + 0.5) / (pd + float64(t.nv))
				for c := range nc {
					theta := eps / float64(t.nv)
					if listed[i][c] {
						theta = (count(c, key) + av*pi) / (denom(c, ev) + av)
					}
					t.present[v*nc+c] = theta
					t.ll[v*nc+c] = math.Log(theta) - math.Log(1-theta)
					t.absent[c] += math.Log(1 - theta)
				}
			}
		}
		e.buildGainTables(t)
	}
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

// spread moves a share w of each count to each neighbour, keeping the total.
func spread(n []float64, w float64) []float64 {
	out := make([]float64, len(n))
	for v, x := range n {
		keep := x
		if v > 0 {
			out[v-1] += w * x
			keep -= w * x
		}
		if v < len(n)-1 {
			out[v+1] += w * x
			keep -= w * x
		}
		out[v] += keep
	}
	return out
}
