package eval

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/oqim/oqim/inference/clinical/diagnosis"
	"github.com/oqim/oqim/models/ddxplus"
)

// setWeightGrid are the values of diagnosis.Options.SetWeight the nested
// cross-validation chooses from.
var setWeightGrid = []float64{0.25, 0.35, 0.5, 0.7, 1}

// TestSetWeightNestedCV documents how SetWeight was chosen, and estimates
// the accuracy of that choice on unseen patients: in each outer fold of
// several random 5-fold partitions of the development patients, the value
// is picked by an inner 5-fold cross-validation on the training folds only
// (highest full-protocol top-1, then lowest log-loss), and the outer fold
// is scored with it. The engine's default must be what the same rule picks
// on all the patients. It takes about a minute, so it runs only with
// OQIM_NESTED_CV=1.
func TestSetWeightNestedCV(t *testing.T) {
	if os.Getenv("OQIM_NESTED_CV") == "" {
		t.Skip("set OQIM_NESTED_CV=1 to run the nested cross-validation of SetWeight")
	}
	kb, err := ddxplus.Default()
	if err != nil {
		t.Fatal(err)
	}
	patients, err := readPatients(Options{Patients: devPatients(t)})
	if err != nil {
		t.Fatal(err)
	}
	const folds, repeats = 5, 4
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(2026, 11))
	partition := func(n int) []int {
		f := make([]int, n)
		for pos, i := range rng.Perm(n) {
			f[i] = pos % folds
		}
		return f
	}
	opts := Options{Folds: folds, MaxQuestions: 30, Workers: 2}
	chosen := map[float64]int{}
	var hits, n float64
	for range repeats {
		outer := partition(len(patients))
		for f := range folds {
			var train, test []ddxplus.Patient
			for i, p := range patients {
				if outer[i] == f {
					test = append(test, p)
				} else {
					train = append(train, p)
				}
			}
			inner := partition(len(train))
			best, bestTop, bestLoss := 0.0, -1.0, math.Inf(1)
			for _, g := range setWeightGrid {
				o := opts
				o.Engine = diagnosis.Options{SetWeight: g}
				res, _, err := crossValidate(ctx, o, kb, train, func(i int) int { return inner[i] }, "")
				if err != nil {
					t.Fatal(err)
				}
				var top, loss float64
				for _, r := range res {
					top += b2f(r.fullRank == 1)
					loss -= math.Log(max(r.fullTruthP, 1e-300))
				}
				if top > bestTop || (top == bestTop && loss < bestLoss) {
					best, bestTop, bestLoss = g, top, loss
				}
			}
			chosen[best]++
			st, err := ddxplus.Fit(kb, train, "outer training folds")
			if err != nil {
				t.Fatal(err)
			}
			fkb, err := kb.WithStats(st)
			if err != nil {
				t.Fatal(err)
			}
			eng, err := diagnosis.NewEngine(fkb, diagnosis.Options{SetWeight: best})
			if err != nil {
				t.Fatal(err)
			}
			res, err := score(ctx, opts, test, func(int) *diagnosis.Engine { return eng }, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				hits += b2f(r.fullRank == 1)
				n++
			}
		}
	}
	// The shipped value is the one the same rule picks on all the patients,
	// over as many random partitions.
	ship, shipTop, shipLoss := 0.0, -1.0, math.Inf(1)
	parts := make([][]int, 10)
	for r := range parts {
		parts[r] = partition(len(patients))
	}
	for _, g := range setWeightGrid {
		var top, loss, inter, q float64
		for _, part := range parts {
			o := opts
			o.Engine = diagnosis.Options{SetWeight: g}
			res, _, err := crossValidate(ctx, o, kb, patients, func(i int) int { return part[i] }, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				top += b2f(r.fullRank == 1)
				loss -= math.Log(max(r.fullTruthP, 1e-300))
				inter += b2f(r.interRank == 1)
				q += float64(r.questions)
			}
		}
		if top > shipTop || (top == shipTop && loss < shipLoss) {
			ship, shipTop, shipLoss = g, top, loss
		}
		m := float64(len(parts) * len(patients))
		t.Logf("all patients, SetWeight %.2f: full top-1 %.4f, log-loss %.4f; interactive top-1 %.4f, %.2f questions", g, top/m, loss/m, inter/m, q/m)
	}
	eng, err := diagnosis.NewEngine(kb, diagnosis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if def := eng.Options().SetWeight; def != ship {
		t.Errorf("the rule picks SetWeight %.2f on all the patients, the engine's default is %.2f", ship, def)
	}
	t.Logf("SetWeight chosen per outer fold: %v", chosen)
	t.Logf("nested cross-validated full top-1: %.4f over %d scorings", hits/n, int(n))
	if hits/n < 0.99 {
		t.Errorf("nested cross-validated full top-1 %.4f, want ≥ 0.99", hits/n)
	}
}
