// Package eval measures the diagnostic engine on patients in the DDXPlus CSV
// layout, under two protocols:
//
//   - full: every evidence of the patient's record is given, and every
//     evidence not in the record is given as absent (DDXPlus records are
//     complete);
//   - interactive: the session starts from INITIAL_EVIDENCE, age and sex;
//     each question the engine asks is answered from the record (absent, or
//     the default value, when the record lacks it) until the engine says
//     stop or MaxQuestions is reached.
//
// Optionally it also runs k-fold cross-validation: the statistics are
// refitted on the other folds only and each fold is scored with them, which
// estimates the accuracy on patients the model has never seen; and repeats
// it over random partitions, to report the mean and spread of that
// estimate.
package eval

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oqim/oqim/inference/clinical/diagnosis"
	"github.com/oqim/oqim/models/ddxplus"
)

// Options configure Run.
type Options struct {
	// Patients is the path of the CSV file; Reader, if set, is read instead.
	Patients string
	Reader   io.Reader
	// Limit keeps only the first Limit patients; 0 keeps all.
	Limit int
	// MaxQuestions caps the interactive protocol. Default 30.
	MaxQuestions int
	// Workers is the number of patients scored in parallel. Default
	// GOMAXPROCS.
	Workers int
	// Progress, if set, receives a line now and then on long runs.
	Progress io.Writer
	// KB is the knowledge base; default ddxplus.Default().
	KB *ddxplus.KB
	// Engine tunes the model.
	Engine diagnosis.Options
	// Priors names the prior table, as diagnosis.Options.Locale: "ddxplus"
	// (default) keeps the priors learnt from the training patients, so the
	// figures measure the model on DDXPlus's own population; "uz" applies
	// Uzbekistan's table and exposure gates on top of them.
	Priors string
	// Folds, when at least 2, adds k-fold cross-validated figures: patient i
	// belongs to fold i mod Folds.
	Folds int
	// Repeats, with Folds ≥ 2, adds the mean and spread of the
	// cross-validated figures over Repeats random partitions of the
	// patients into Folds folds, drawn from Seed. One partition is a noisy
	// estimate when a condition has only a handful of patients.
	Repeats int
	Seed    uint64
	// Nested, when Nested.Outer ≥ 2, adds nested cross-validation: the
	// engine settings are chosen from a grid inside each outer training
	// part, so the estimate includes the cost of choosing them.
	Nested Nested

	// fit refits the statistics on training patients; nil means
	// ddxplus.Fit. Tests replace it to see which patients every fit used.
	fit func(kb *ddxplus.KB, train []ddxplus.Patient, description string) (ddxplus.Stats, error)
}

// Report holds the figures of a run.
type Report struct {
	N           int                `json:"n"`
	KBVersion   string             `json:"kb_version"`
	StatsOn     string             `json:"stats_fitted_on"`
	Full        FullMetrics        `json:"full"`
	Interactive InteractiveMetrics `json:"interactive"`
	// CrossValidated is set when Options.Folds ≥ 2.
	CrossValidated *CrossValidation `json:"cross_validated,omitempty"`
	// Repeated is set when Options.Folds ≥ 2 and Options.Repeats ≥ 1.
	Repeated *RepeatedCrossValidation `json:"repeated_cross_validation,omitempty"`
	// Nested is set when Options.Nested.Outer ≥ 2.
	Nested *NestedCrossValidation `json:"nested_cross_validation,omitempty"`
}

// FullMetrics are the figures of the full protocol.
type FullMetrics struct {
	Top1 float64 `json:"top1"`
	Top3 float64 `json:"top3"`
	Top5 float64 `json:"top5"`
	ECE  float64 `json:"ece"`
	// Latency per patient, microseconds.
	P50Micros float64 `json:"p50_us"`
	P99Micros float64 `json:"p99_us"`
}

// InteractiveMetrics are the figures of the interactive protocol.
type InteractiveMetrics struct {
	Top1          float64 `json:"top1"`
	Top3          float64 `json:"top3"`
	Top5          float64 `json:"top5"`
	MeanQuestions float64 `json:"mean_questions"`
	ECE           float64 `json:"ece"`
	// Latency per turn (one ranking and question choice), microseconds.
	P50TurnMicros float64 `json:"p50_turn_us"`
	P99TurnMicros float64 `json:"p99_turn_us"`
}

// CrossValidation holds figures for patients scored by a model fitted
// without them.
type CrossValidation struct {
	Folds       int                `json:"folds"`
	Full        FullMetrics        `json:"full"`
	Interactive InteractiveMetrics `json:"interactive"`
	// Training is, per fold, the number of patients its statistics were
	// fitted on: every patient but those of the fold.
	Training []int `json:"training_patients"`
	// Misses lists the patients the cross-validated model did not rank
	// first, by protocol.
	Misses []Miss `json:"misses"`
}

// Miss is a patient whose true condition was not ranked first.
type Miss struct {
	Protocol  string `json:"protocol"` // "full" or "interactive"
	Line      int    `json:"line"`     // line of the patient in the CSV file
	Truth     string `json:"truth"`    // condition id
	Predicted string `json:"predicted"`
	Rank      int    `json:"rank"` // rank of the true condition
}

// RepeatedCrossValidation summarises cross-validation over several random
// partitions.
type RepeatedCrossValidation struct {
	Folds   int    `json:"folds"`
	Repeats int    `json:"repeats"`
	Seed    uint64 `json:"seed"`
	Full    struct {
		Top1 Spread `json:"top1"`
		Top3 Spread `json:"top3"`
		Top5 Spread `json:"top5"`
	} `json:"full"`
	Interactive struct {
		Top1          Spread `json:"top1"`
		Top3          Spread `json:"top3"`
		MeanQuestions Spread `json:"mean_questions"`
	} `json:"interactive"`
	// Confusions counts the misses, summed over all partitions, by true and
	// predicted condition, most frequent first.
	Confusions []Confusion `json:"confusions"`
}

// Spread is the mean, sample standard deviation, minimum and maximum of a
// figure over repeated partitions.
type Spread struct {
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
}

// Confusion counts the misses of one pair of conditions.
type Confusion struct {
	Protocol  string `json:"protocol"`
	Truth     string `json:"truth"`
	Predicted string `json:"predicted"`
	Count     int    `json:"count"`
}

// Run reads the patients and scores them.
func Run(ctx context.Context, opts Options) (*Report, error) {
	// A setting of zero or less takes its default.
	opts.MaxQuestions = cmp.Or(max(opts.MaxQuestions, 0), 30)
	opts.Workers = cmp.Or(max(opts.Workers, 0), runtime.GOMAXPROCS(0))
	kb := opts.KB
	if kb == nil {
		var err error
		if kb, err = ddxplus.Default(); err != nil {
			return nil, err
		}
	}
	patients, err := readPatients(opts)
	if err != nil {
		return nil, err
	}
	if len(patients) == 0 {
		return nil, errors.New("eval: no patients")
	}
	for _, p := range patients {
		if err := checkPatient(kb, p); err != nil {
			return nil, err
		}
	}
	eng, err := diagnosis.NewEngine(kb, withPriors(opts.Engine, opts.Priors))
	if err != nil {
		return nil, err
	}
	r := &Report{N: len(patients), KBVersion: kb.Version, StatsOn: kb.Stats.Description}
	engines := func(int) *diagnosis.Engine { return eng }
	res, err := score(ctx, opts, patients, engines, "dev")
	if err != nil {
		return nil, err
	}
	r.Full, r.Interactive = summarise(res)

	if opts.Folds >= 2 {
		res, training, err := crossValidate(ctx, opts, kb, patients, opts.Folds, func(i int) int { return i % opts.Folds }, fixedEngine(opts), "cross-validation")
		if err != nil {
			return nil, err
		}
		cv := &CrossValidation{Folds: opts.Folds, Training: training, Misses: []Miss{}}
		cv.Full, cv.Interactive = summarise(res)
		for i, x := range res {
			if x.fullRank > 1 {
				cv.Misses = append(cv.Misses, Miss{"full", patients[i].Line, kb.Conditions[x.truth].ID, kb.Conditions[x.fullTop].ID, x.fullRank})
			}
		}
		for i, x := range res {
			if x.interRank > 1 {
				cv.Misses = append(cv.Misses, Miss{"interactive", patients[i].Line, kb.Conditions[x.truth].ID, kb.Conditions[x.interTop].ID, x.interRank})
			}
		}
		r.CrossValidated = cv
	}
	if opts.Folds >= 2 && opts.Repeats >= 1 {
		rep, err := repeatedCrossValidation(ctx, opts, kb, patients)
		if err != nil {
			return nil, err
		}
		r.Repeated = rep
	}
	if opts.Nested.Outer >= 2 {
		nested, err := nestedCrossValidation(ctx, opts, kb, patients)
		if err != nil {
			return nil, err
		}
		r.Nested = nested
	}
	return r, nil
}

// crossValidate scores every patient with statistics refitted on the
// patients of the other folds only; foldOf gives the fold (0 ≤ fold < folds)
// of patient i, and engineOf the engine settings of each fold. It also
// returns how many patients each fold's statistics were fitted on. It is
// the one cross-validation routine: plain, repeated and nested
// cross-validation all go through it.
func crossValidate(ctx context.Context, opts Options, kb *ddxplus.KB, patients []ddxplus.Patient, folds int, foldOf func(int) int, engineOf func(fold int) diagnosis.Options, label string) ([]result, []int, error) {
	fit := opts.fit
	if fit == nil {
		fit = ddxplus.Fit
	}
	folded := make([]*diagnosis.Engine, folds)
	training := make([]int, folds)
	for f := range folds {
		var train []ddxplus.Patient
		for i, p := range patients {
			if foldOf(i) != f {
				train = append(train, p)
			}
		}
		desc := fmt.Sprintf("fold %d of %d", f+1, folds)
		if label != "" {
			desc = label + ", " + desc
		}
		st, err := fit(kb, train, desc)
		if err != nil {
			return nil, nil, fmt.Errorf("eval: %s: %w", desc, err)
		}
		training[f] = st.Patients
		fkb, err := kb.WithStats(st)
		if err != nil {
			return nil, nil, fmt.Errorf("eval: %s: %w", desc, err)
		}
		if folded[f], err = diagnosis.NewEngine(fkb, withPriors(engineOf(f), opts.Priors)); err != nil {
			return nil, nil, fmt.Errorf("eval: %s: %w", desc, err)
		}
	}
	res, err := score(ctx, opts, patients, func(i int) *diagnosis.Engine { return folded[foldOf(i)] }, label)
	return res, training, err
}

// fixedEngine gives every fold the engine settings of opts.
func fixedEngine(opts Options) func(int) diagnosis.Options {
	return func(int) diagnosis.Options { return opts.Engine }
}

// randomFolds assigns n patients to k folds of (nearly) equal size at
// random.
func randomFolds(rng *rand.Rand, n, k int) []int {
	fold := make([]int, n)
	for pos, i := range rng.Perm(n) {
		fold[i] = pos % k
	}
	return fold
}

// repeatedCrossValidation runs cross-validation over opts.Repeats random
// partitions into opts.Folds folds of (nearly) equal size.
func repeatedCrossValidation(ctx context.Context, opts Options, kb *ddxplus.KB, patients []ddxplus.Patient) (*RepeatedCrossValidation, error) {
	rng := rand.New(rand.NewPCG(opts.Seed, 0x6f71696d))
	var f1, f3, f5, i1, i3, iq []float64
	type pair struct{ proto, truth, pred string }
	conf := map[pair]int{}
	quiet := opts
	quiet.Progress = nil
	for rep := range opts.Repeats {
		fold := randomFolds(rng, len(patients), opts.Folds)
		res, _, err := crossValidate(ctx, quiet, kb, patients, opts.Folds, func(i int) int { return fold[i] }, fixedEngine(opts), "")
		if err != nil {
			return nil, err
		}
		f, it := summarise(res)
		f1, f3, f5 = append(f1, f.Top1), append(f3, f.Top3), append(f5, f.Top5)
		i1, i3, iq = append(i1, it.Top1), append(i3, it.Top3), append(iq, it.MeanQuestions)
		for _, x := range res {
			if x.fullRank > 1 {
				conf[pair{"full", kb.Conditions[x.truth].ID, kb.Conditions[x.fullTop].ID}]++
			}
			if x.interRank > 1 {
				conf[pair{"interactive", kb.Conditions[x.truth].ID, kb.Conditions[x.interTop].ID}]++
			}
		}
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "eval repeated cross-validation: partition %d/%d: full top-1 %.2f%%, interactive top-1 %.2f%%\n",
				rep+1, opts.Repeats, 100*f.Top1, 100*it.Top1)
		}
	}
	out := &RepeatedCrossValidation{Folds: opts.Folds, Repeats: opts.Repeats, Seed: opts.Seed, Confusions: []Confusion{}}
	out.Full.Top1, out.Full.Top3, out.Full.Top5 = spread(f1), spread(f3), spread(f5)
	out.Interactive.Top1, out.Interactive.Top3, out.Interactive.MeanQuestions = spread(i1), spread(i3), spread(iq)
	for p, n := range conf {
		out.Confusions = append(out.Confusions, Confusion{p.proto, p.truth, p.pred, n})
	}
	slices.SortFunc(out.Confusions, func(a, b Confusion) int {
		if a.Protocol != b.Protocol {
			return strings.Compare(a.Protocol, b.Protocol)
		}
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Truth+"\x00"+a.Predicted, b.Truth+"\x00"+b.Predicted)
	})
	return out, nil
}

func spread(xs []float64) Spread {
	s := Spread{Min: math.Inf(1), Max: math.Inf(-1)}
	for _, x := range xs {
		s.Mean += x
		s.Min, s.Max = min(s.Min, x), max(s.Max, x)
	}
	s.Mean /= float64(len(xs))
	if len(xs) > 1 {
		var ss float64
		for _, x := range xs {
			ss += (x - s.Mean) * (x - s.Mean)
		}
		s.SD = math.Sqrt(ss / float64(len(xs)-1))
	}
	return s
}

func readPatients(opts Options) ([]ddxplus.Patient, error) {
	src := opts.Reader
	if src == nil {
		if opts.Patients == "" {
			return nil, errors.New("eval: no patients: set Options.Patients or Options.Reader")
		}
		f, err := os.Open(opts.Patients)
		if err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		defer f.Close()
		src = f
	}
	pr, err := ddxplus.NewPatientReader(src)
	if err != nil {
		return nil, fmt.Errorf("eval: %s: %w", opts.Patients, err)
	}
	var out []ddxplus.Patient
	for opts.Limit <= 0 || len(out) < opts.Limit {
		p, err := pr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("eval: %s: %w", opts.Patients, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func checkPatient(kb *ddxplus.KB, p ddxplus.Patient) error {
	if _, ok := kb.ConditionByDDXPlusName(p.Pathology); !ok {
		return fmt.Errorf("eval: line %d: PATHOLOGY %q is not a condition of the knowledge base", p.Line, p.Pathology)
	}
	for _, tok := range append([]string{p.Initial}, p.Evidences...) {
		code, _ := ddxplus.ParseEvidenceToken(tok)
		if _, ok := kb.EvidenceIndex(code); !ok {
			return fmt.Errorf("eval: line %d: unknown evidence %q", p.Line, tok)
		}
	}
	return nil
}

// result is the outcome of one patient under both protocols.
type result struct {
	truth               int
	fullRank, interRank int // 1-based rank of the true condition
	fullConf, interConf float64
	fullTruthP          float64 // probability of the true condition, full protocol
	fullTop, interTop   int
	questions           int
	fullLatency         time.Duration
	turnLatencies       []time.Duration
}

func score(ctx context.Context, opts Options, patients []ddxplus.Patient, engineFor func(int) *diagnosis.Engine, label string) ([]result, error) {
	out := make([]result, len(patients))
	next := make(chan int)
	errc := make(chan error, opts.Workers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	step := max(len(patients)/10, 100)
	for range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r, err := scorePatient(engineFor(i), patients[i], opts.MaxQuestions)
				if err != nil {
					errc <- fmt.Errorf("eval: line %d: %w", patients[i].Line, err)
					return
				}
				out[i] = r
				if opts.Progress != nil {
					mu.Lock()
					done++
					if done%step == 0 || done == len(patients) {
						fmt.Fprintf(opts.Progress, "eval %s: %d/%d patients\n", label, done, len(patients))
					}
					mu.Unlock()
				}
			}
		}()
	}
	var err error
feed:
	for i := range patients {
		select {
		case next <- i:
		case err = <-errc:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errc:
		default:
		}
	}
	return out, err
}

// record is a patient's evidences keyed by code.
type record map[string][]string

func newRecord(p ddxplus.Patient) record {
	r := record{}
	for _, tok := range p.Evidences {
		code, val := ddxplus.ParseEvidenceToken(tok)
		if val == "" {
			r[code] = nil
		} else {
			r[code] = append(r[code], val)
		}
	}
	return r
}

// answer answers the question about code from the record.
func (r record) answer(code string) diagnosis.Finding {
	vals, ok := r[code]
	if !ok {
		return diagnosis.Finding{Evidence: code}
	}
	return diagnosis.Finding{Evidence: code, Present: true, Values: vals}
}

func sexOf(p ddxplus.Patient) diagnosis.Sex {
	if p.Sex == "F" {
		return diagnosis.Female
	}
	return diagnosis.Male
}

func scorePatient(eng *diagnosis.Engine, p ddxplus.Patient, maxQuestions int) (result, error) {
	kb := eng.KB()
	truth, _ := kb.ConditionByDDXPlusName(p.Pathology)
	rec := newRecord(p)
	res := result{truth: truth}

	// Full protocol: the whole record, everything else absent.
	full := diagnosis.Case{Age: p.Age, Sex: sexOf(p), Findings: make([]diagnosis.Finding, 0, len(kb.Evidences))}
	for _, ev := range kb.Evidences {
		full.Findings = append(full.Findings, rec.answer(ev.Code))
	}
	start := time.Now()
	post, err := eng.Posterior(full, nil)
	res.fullLatency = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("full protocol: %w", err)
	}
	if math.IsNaN(post[truth]) {
		// rankOf would rank a NaN first; never let a broken model score.
		return res, errors.New("full protocol: posterior is not a number")
	}
	res.fullRank, res.fullTop, res.fullConf = rankOf(post, truth)
	res.fullTruthP = post[truth]

	// Interactive protocol.
	c := diagnosis.Case{Age: p.Age, Sex: sexOf(p), Findings: []diagnosis.Finding{rec.answer(p.Initial)}}
	for {
		start := time.Now()
		a, err := eng.Assess(c, 5)
		res.turnLatencies = append(res.turnLatencies, time.Since(start))
		if err != nil {
			return res, fmt.Errorf("interactive protocol, question %d: %w", res.questions, err)
		}
		if a.ShouldStop || a.Question == nil || res.questions >= maxQuestions {
			res.interRank, res.interTop, res.interConf = rankOf(a.Probabilities, truth)
			break
		}
		c.Findings = append(c.Findings, rec.answer(a.Question.Evidence.Code))
		res.questions++
	}
	return res, nil
}

// rankOf returns the 1-based rank of truth in p, the top condition and its
// probability. Ties rank the true condition last, so they never flatter.
func rankOf(p []float64, truth int) (rank, top int, conf float64) {
	rank = 1
	for c, v := range p {
		if c != truth && v >= p[truth] {
			rank++
		}
		if v > conf {
			top, conf = c, v
		}
	}
	return rank, top, conf
}

func summarise(rs []result) (FullMetrics, InteractiveMetrics) {
	n := float64(len(rs))
	var f FullMetrics
	var it InteractiveMetrics
	var fullLat, turnLat []time.Duration
	fullConf := make([]calib, 0, len(rs))
	interConf := make([]calib, 0, len(rs))
	var questions int
	for _, r := range rs {
		f.Top1 += b2f(r.fullRank <= 1)
		f.Top3 += b2f(r.fullRank <= 3)
		f.Top5 += b2f(r.fullRank <= 5)
		it.Top1 += b2f(r.interRank <= 1)
		it.Top3 += b2f(r.interRank <= 3)
		it.Top5 += b2f(r.interRank <= 5)
		questions += r.questions
		fullLat = append(fullLat, r.fullLatency)
		turnLat = append(turnLat, r.turnLatencies...)
		fullConf = append(fullConf, calib{r.fullConf, r.fullTop == r.truth})
		interConf = append(interConf, calib{r.interConf, r.interTop == r.truth})
	}
	f.Top1, f.Top3, f.Top5 = f.Top1/n, f.Top3/n, f.Top5/n
	it.Top1, it.Top3, it.Top5 = it.Top1/n, it.Top3/n, it.Top5/n
	it.MeanQuestions = float64(questions) / n
	f.ECE, it.ECE = ece(fullConf), ece(interConf)
	f.P50Micros, f.P99Micros = percentile(fullLat, 0.50), percentile(fullLat, 0.99)
	it.P50TurnMicros, it.P99TurnMicros = percentile(turnLat, 0.50), percentile(turnLat, 0.99)
	return f, it
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

type calib struct {
	conf    float64
	correct bool
}

// ece is the expected calibration error over 10 equal-width bins of the
// top-1 probability.
func ece(cs []calib) float64 {
	const bins = 10
	var n, conf, acc [bins]float64
	for _, c := range cs {
		b := min(int(c.conf*bins), bins-1)
		n[b]++
		conf[b] += c.conf
		acc[b] += b2f(c.correct)
	}
	var e float64
	for b := range bins {
		if n[b] > 0 {
			e += n[b] / float64(len(cs)) * math.Abs(acc[b]/n[b]-conf[b]/n[b])
		}
	}
	return e
}

func percentile(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := min(int(math.Ceil(q*float64(len(s))))-1, len(s)-1)
	return float64(s[max(i, 0)].Nanoseconds()) / 1e3
}

// WriteText writes the report for people.
func (r *Report) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "patients: %d   knowledge base: %s (statistics: %s)\n", r.N, r.KBVersion, r.StatsOn)
	if err != nil {
		return err
	}
	section := func(title string, f FullMetrics, it InteractiveMetrics) {
		fmt.Fprintf(w, "\n%s\n", title)
		fmt.Fprintf(w, "  full         top-1 %6.2f%%  top-3 %6.2f%%  top-5 %6.2f%%  ECE %.4f  p50 %.0f µs  p99 %.0f µs/patient\n",
			100*f.Top1, 100*f.Top3, 100*f.Top5, f.ECE, f.P50Micros, f.P99Micros)
		fmt.Fprintf(w, "  interactive  top-1 %6.2f%%  top-3 %6.2f%%  top-5 %6.2f%%  ECE %.4f  %.2f questions  p50 %.0f µs  p99 %.0f µs/turn\n",
			100*it.Top1, 100*it.Top3, 100*it.Top5, it.ECE, it.MeanQuestions, it.P50TurnMicros, it.P99TurnMicros)
	}
	section("model as shipped (statistics include these patients if they are the development set)", r.Full, r.Interactive)
	if cv := r.CrossValidated; cv != nil {
		section(fmt.Sprintf("%d-fold cross-validation (each patient scored by a model fitted without it)", cv.Folds), cv.Full, cv.Interactive)
		for _, m := range cv.Misses {
			fmt.Fprintf(w, "  miss (%s) line %d: %s ranked %d, %s first\n", m.Protocol, m.Line, m.Truth, m.Rank, m.Predicted)
		}
	}
	if rp := r.Repeated; rp != nil {
		fmt.Fprintf(w, "\n%d-fold cross-validation over %d random partitions (seed %d): mean ± sd [min, max]\n", rp.Folds, rp.Repeats, rp.Seed)
		pct := func(s Spread) string {
			return fmt.Sprintf("%6.2f%% ± %.2f [%.2f, %.2f]", 100*s.Mean, 100*s.SD, 100*s.Min, 100*s.Max)
		}
		fmt.Fprintf(w, "  full         top-1 %s  top-3 %s  top-5 %s\n", pct(rp.Full.Top1), pct(rp.Full.Top3), pct(rp.Full.Top5))
		fmt.Fprintf(w, "  interactive  top-1 %s  top-3 %s  questions %.2f ± %.2f\n", pct(rp.Interactive.Top1), pct(rp.Interactive.Top3),
			rp.Interactive.MeanQuestions.Mean, rp.Interactive.MeanQuestions.SD)
		for _, c := range rp.Confusions {
			fmt.Fprintf(w, "  misses (%s): %s → %s: %d\n", c.Protocol, c.Truth, c.Predicted, c.Count)
		}
	}
	if r.Nested != nil {
		r.Nested.writeText(w)
	}
	_, err = fmt.Fprintln(w)
	return err
}

// withPriors sets o's prior table to priors, "ddxplus" when empty, unless o
// names one itself.
func withPriors(o diagnosis.Options, priors string) diagnosis.Options {
	if o.Locale == "" {
		o.Locale = cmp.Or(priors, "ddxplus")
	}
	return o
}
