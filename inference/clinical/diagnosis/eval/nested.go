package eval

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/oqim/oqim/inference/clinical/diagnosis"
	"github.com/oqim/oqim/models/ddxplus"
)

// Nested configures nested cross-validation.
type Nested struct {
	// Outer is the number of outer folds: each is scored by a model whose
	// settings and statistics come from the other outer folds only.
	Outer int
	// Inner is the number of folds of the cross-validation, inside an
	// outer training part, that chooses the settings. Default 4.
	Inner int
	// Repeats is the number of random outer partitions. Default 1.
	Repeats int
	// Grid is the settings to choose from; default DefaultGrid().
	Grid []Setting
}

// Setting is one point of the grid: engine options with a name.
type Setting struct {
	Name   string            `json:"name"`
	Engine diagnosis.Options `json:"-"`
}

// DefaultGrid is the small grid declared before nested cross-validation was
// run: the shipped defaults first (ties go to the earlier entry), the set
// likelihood less and not tempered, the pseudo-counts a third and three
// times as strong, and tempered likelihoods. Each point moves one knob that
// the statistics of a condition's few patients bear on; OffList, the
// stopping rule and the red-flag thresholds are not fitted to DDXPlus (see
// diagnosis.Options).
func DefaultGrid() []Setting {
	g, err := ParseGrid("default; set_weight=0.5; set_weight=1; smoothing=1,value_smoothing=1; smoothing=10,value_smoothing=10; temperature=1.5")
	if err != nil {
		panic(err) // the literal above is checked by the tests
	}
	return g
}

// ParseGrid reads settings separated by ";", each "default" or a comma-
// separated list of key=value over the keys smoothing, value_smoothing,
// off_list, temperature, set_weight, stop_probability and min_gain (the
// fields of diagnosis.Options); keys not given keep the engine's default.
func ParseGrid(spec string) ([]Setting, error) {
	var out []Setting
	for _, item := range strings.Split(spec, ";") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		s := Setting{Name: item}
		if item != "default" {
			for _, kv := range strings.Split(item, ",") {
				k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
				if !ok {
					return nil, fmt.Errorf("eval: grid setting %q: want key=value, got %q", item, kv)
				}
				x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || !(x > 0) || math.IsInf(x, 0) {
					// Zero would silently mean "the default" in diagnosis.Options.
					return nil, fmt.Errorf("eval: grid setting %q: %s must be a positive number, got %q", item, k, v)
				}
				var field *float64
				switch strings.TrimSpace(k) {
				case "smoothing":
					field = &s.Engine.Smoothing
				case "value_smoothing":
					field = &s.Engine.ValueSmoothing
				case "off_list":
					field = &s.Engine.OffList
				case "temperature":
					field = &s.Engine.Temperature
				case "set_weight":
					field = &s.Engine.SetWeight
				case "stop_probability":
					field = &s.Engine.StopProbability
				case "min_gain":
					field = &s.Engine.MinGain
				default:
					return nil, fmt.Errorf("eval: grid setting %q: unknown key %q (smoothing, value_smoothing, off_list, temperature, set_weight, stop_probability, min_gain)", item, k)
				}
				*field = x
			}
		}
		if slices.ContainsFunc(out, func(o Setting) bool { return o.Name == s.Name }) {
			return nil, fmt.Errorf("eval: grid setting %q given twice", item)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("eval: empty grid %q", spec)
	}
	return out, nil
}

// ParseNested reads "OUTERxINNER", such as "5x4".
func ParseNested(spec string) (outer, inner int, err error) {
	o, i, ok := strings.Cut(strings.ToLower(spec), "x")
	if ok {
		outer, err = strconv.Atoi(o)
		if err == nil {
			inner, err = strconv.Atoi(i)
		}
	}
	if !ok || err != nil || outer < 2 || inner < 2 {
		return 0, 0, fmt.Errorf("eval: nested folds %q: want OUTERxINNER with both at least 2, such as 5x4", spec)
	}
	return outer, inner, nil
}

// NestedCrossValidation reports nested cross-validation. In each outer fold
// the setting is chosen by an inner cross-validation on the outer training
// part only (highest full-protocol top-1, then lowest full-protocol
// log-loss of the true condition, then the earlier grid entry), the
// statistics are refitted on the outer training part, and the outer fold is
// scored with that setting. Full and Interactive pool every outer scoring.
type NestedCrossValidation struct {
	Outer     int       `json:"outer_folds"`
	Inner     int       `json:"inner_folds"`
	Repeats   int       `json:"repeats"`
	Seed      uint64    `json:"seed"`
	Grid      []Setting `json:"grid"`
	Criterion string    `json:"criterion"`
	// Full and Interactive are the nested estimates: every patient scored,
	// once per outer partition, by a model whose settings and statistics
	// were chosen and fitted without it.
	Full        FullMetrics        `json:"full"`
	Interactive InteractiveMetrics `json:"interactive"`
	// Shipped scores the engine's default settings on the same outer folds
	// without any choice: the plain cross-validated figure to compare with.
	ShippedFull        FullMetrics        `json:"shipped_full"`
	ShippedInteractive InteractiveMetrics `json:"shipped_interactive"`
	// Folds holds every outer fold, partition by partition.
	Folds []NestedFold `json:"outer"`
	// Chosen counts how many outer folds chose each grid setting, in grid
	// order; Agreement is the share of outer folds that chose the most
	// frequent one.
	Chosen    []Choice `json:"chosen"`
	Agreement float64  `json:"agreement"`
	// AllPatients is the same choice made by an inner cross-validation on
	// all the patients: the setting to ship if one is chosen on this file.
	AllPatients Selection `json:"all_patients"`
}

// NestedFold is one outer fold.
type NestedFold struct {
	Partition int `json:"partition"`
	Fold      int `json:"fold"`
	Training  int `json:"training_patients"`
	// Chosen is the name of the grid setting the inner cross-validation
	// chose; Inner holds its figures for every setting.
	Chosen string      `json:"chosen"`
	Inner  []GridScore `json:"inner"`
	// The outer fold scored with the chosen setting.
	FullTop1        float64 `json:"full_top1"`
	FullTop3        float64 `json:"full_top3"`
	InteractiveTop1 float64 `json:"interactive_top1"`
	MeanQuestions   float64 `json:"mean_questions"`
	// The same fold scored with the shipped defaults, for a paired
	// comparison.
	ShippedFullTop1        float64 `json:"shipped_full_top1"`
	ShippedInteractiveTop1 float64 `json:"shipped_interactive_top1"`
	// TestLines are the CSV lines of the outer fold's patients.
	TestLines []int `json:"test_lines"`
}

// GridScore is one setting's cross-validated figures inside a training part.
type GridScore struct {
	Setting         string  `json:"setting"`
	FullTop1        float64 `json:"full_top1"`
	LogLoss         float64 `json:"full_log_loss"`
	InteractiveTop1 float64 `json:"interactive_top1"`
	MeanQuestions   float64 `json:"mean_questions"`
}

// Selection is the outcome of choosing a setting by cross-validation.
type Selection struct {
	Chosen string      `json:"chosen"`
	Scores []GridScore `json:"scores"`
}

// Choice counts the outer folds that chose a setting.
type Choice struct {
	Setting string `json:"setting"`
	Folds   int    `json:"folds"`
}

const nestedCriterion = "inner full top-1, then inner full log-loss, then grid order"

func nestedCrossValidation(ctx context.Context, opts Options, kb *ddxplus.KB, patients []ddxplus.Patient) (*NestedCrossValidation, error) {
	n := opts.Nested
	if n.Inner == 0 {
		n.Inner = 4
	}
	if n.Repeats <= 0 {
		n.Repeats = 1
	}
	if n.Inner < 2 {
		return nil, fmt.Errorf("eval: nested cross-validation: %d inner folds, want at least 2", n.Inner)
	}
	grid := n.Grid
	if len(grid) == 0 {
		grid = DefaultGrid()
	}
	// A different stream from repeatedCrossValidation's, so that --repeats
	// and --nested do not share partitions by accident.
	rng := rand.New(rand.NewPCG(opts.Seed, 0x6e657374))
	quiet := opts
	quiet.Progress = nil
	out := &NestedCrossValidation{
		Outer: n.Outer, Inner: n.Inner, Repeats: n.Repeats, Seed: opts.Seed,
		Grid: grid, Criterion: nestedCriterion, Folds: []NestedFold{},
	}
	counts := make([]int, len(grid))
	var nested, shipped []result
	for rep := range n.Repeats {
		outer := randomFolds(rng, len(patients), n.Outer)
		chosen := make([]int, n.Outer)
		folds := make([]NestedFold, n.Outer)
		for f := range n.Outer {
			var train []ddxplus.Patient
			for i, p := range patients {
				if outer[i] != f {
					train = append(train, p)
				}
			}
			best, scores, err := selectSetting(ctx, quiet, kb, train, grid, randomFolds(rng, len(train), n.Inner), n.Inner,
				fmt.Sprintf("partition %d, outer fold %d, inner", rep+1, f+1))
			if err != nil {
				return nil, err
			}
			chosen[f] = best
			counts[best]++
			folds[f] = NestedFold{Partition: rep + 1, Fold: f + 1, Chosen: grid[best].Name, Inner: scores, TestLines: []int{}}
			if opts.Progress != nil {
				fmt.Fprintf(opts.Progress, "eval nested cross-validation: partition %d/%d, outer fold %d/%d: chose %s\n",
					rep+1, n.Repeats, f+1, n.Outer, grid[best].Name)
			}
		}
		// The outer folds, each scored with statistics refitted on its
		// training part and the setting chosen there.
		res, training, err := crossValidate(ctx, quiet, kb, patients, n.Outer, func(i int) int { return outer[i] },
			func(f int) diagnosis.Options { return grid[chosen[f]].Engine }, fmt.Sprintf("partition %d, outer", rep+1))
		if err != nil {
			return nil, err
		}
		ship, _, err := crossValidate(ctx, quiet, kb, patients, n.Outer, func(i int) int { return outer[i] },
			func(int) diagnosis.Options { return diagnosis.Options{} }, fmt.Sprintf("partition %d, shipped", rep+1))
		if err != nil {
			return nil, err
		}
		nested, shipped = append(nested, res...), append(shipped, ship...)
		byFold, shipByFold := make([][]result, n.Outer), make([][]result, n.Outer)
		for i, x := range res {
			byFold[outer[i]] = append(byFold[outer[i]], x)
			shipByFold[outer[i]] = append(shipByFold[outer[i]], ship[i])
			folds[outer[i]].TestLines = append(folds[outer[i]].TestLines, patients[i].Line)
		}
		for f := range folds {
			sf, si := summarise(shipByFold[f])
			folds[f].ShippedFullTop1, folds[f].ShippedInteractiveTop1 = sf.Top1, si.Top1
			full, inter := summarise(byFold[f])
			folds[f].Training = training[f]
			folds[f].FullTop1, folds[f].FullTop3 = full.Top1, full.Top3
			folds[f].InteractiveTop1, folds[f].MeanQuestions = inter.Top1, inter.MeanQuestions
		}
		out.Folds = append(out.Folds, folds...)
	}
	out.Full, out.Interactive = summarise(nested)
	out.ShippedFull, out.ShippedInteractive = summarise(shipped)
	most := 0
	for g, c := range counts {
		out.Chosen = append(out.Chosen, Choice{grid[g].Name, c})
		most = max(most, c)
	}
	out.Agreement = float64(most) / float64(len(out.Folds))

	best, scores, err := selectSetting(ctx, quiet, kb, patients, grid, randomFolds(rng, len(patients), n.Inner), n.Inner, "all patients, inner")
	if err != nil {
		return nil, err
	}
	out.AllPatients = Selection{Chosen: grid[best].Name, Scores: scores}
	return out, nil
}

// selectSetting cross-validates every setting of grid on the same
// partition of patients (so the comparison is paired) and returns the index
// of the best by nestedCriterion, with every setting's figures.
func selectSetting(ctx context.Context, opts Options, kb *ddxplus.KB, patients []ddxplus.Patient, grid []Setting, fold []int, folds int, label string) (int, []GridScore, error) {
	best := -1
	var bestHits, bestLoss float64
	scores := make([]GridScore, len(grid))
	for g, s := range grid {
		res, _, err := crossValidate(ctx, opts, kb, patients, folds, func(i int) int { return fold[i] },
			func(int) diagnosis.Options { return s.Engine }, label+" "+s.Name)
		if err != nil {
			return 0, nil, err
		}
		var hits, loss float64
		for _, r := range res {
			hits += b2f(r.fullRank == 1)
			loss -= math.Log(max(r.fullTruthP, 1e-300))
		}
		full, inter := summarise(res)
		m := float64(len(res))
		scores[g] = GridScore{Setting: s.Name, FullTop1: full.Top1, LogLoss: loss / m, InteractiveTop1: inter.Top1, MeanQuestions: inter.MeanQuestions}
		if best < 0 || hits > bestHits || (hits == bestHits && loss < bestLoss) {
			best, bestHits, bestLoss = g, hits, loss
		}
	}
	return best, scores, nil
}

func (nc *NestedCrossValidation) writeText(w io.Writer) {
	fmt.Fprintf(w, "\nnested cross-validation: %d outer × %d inner folds, %d partition(s), seed %d; choice: %s\n",
		nc.Outer, nc.Inner, nc.Repeats, nc.Seed, nc.Criterion)
	names := make([]string, len(nc.Grid))
	for i, s := range nc.Grid {
		names[i] = s.Name
	}
	fmt.Fprintf(w, "  grid: %s\n", strings.Join(names, " | "))
	fmt.Fprintf(w, "  nested       full top-1 %6.2f%%  top-3 %6.2f%%   interactive top-1 %6.2f%%  top-3 %6.2f%%  %.2f questions\n",
		100*nc.Full.Top1, 100*nc.Full.Top3, 100*nc.Interactive.Top1, 100*nc.Interactive.Top3, nc.Interactive.MeanQuestions)
	fmt.Fprintf(w, "  shipped      full top-1 %6.2f%%  top-3 %6.2f%%   interactive top-1 %6.2f%%  top-3 %6.2f%%  %.2f questions  (defaults, same outer folds, no choice)\n",
		100*nc.ShippedFull.Top1, 100*nc.ShippedFull.Top3, 100*nc.ShippedInteractive.Top1, 100*nc.ShippedInteractive.Top3, nc.ShippedInteractive.MeanQuestions)
	for _, f := range nc.Folds {
		fmt.Fprintf(w, "  partition %d outer fold %d (%d training, %d test): chose %-34s full top-1 %6.2f%% (shipped %6.2f%%)  top-3 %6.2f%%  interactive top-1 %6.2f%% (shipped %6.2f%%)  %.2f questions\n",
			f.Partition, f.Fold, f.Training, len(f.TestLines), f.Chosen, 100*f.FullTop1, 100*f.ShippedFullTop1, 100*f.FullTop3, 100*f.InteractiveTop1, 100*f.ShippedInteractiveTop1, f.MeanQuestions)
	}
	for _, c := range nc.Chosen {
		fmt.Fprintf(w, "  chosen %-34s in %d of %d outer folds\n", c.Setting, c.Folds, len(nc.Folds))
	}
	fmt.Fprintf(w, "  agreement %.0f%%; the same choice on all the patients: %s\n", 100*nc.Agreement, nc.AllPatients.Chosen)
	for _, s := range nc.AllPatients.Scores {
		fmt.Fprintf(w, "    all patients, %d-fold: %-34s full top-1 %6.2f%%  log-loss %.4f  interactive top-1 %6.2f%%  %.2f questions\n",
			nc.Inner, s.Setting, 100*s.FullTop1, s.LogLoss, 100*s.InteractiveTop1, s.MeanQuestions)
	}
}
