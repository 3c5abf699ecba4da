package diagnosis

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/oqim/oqim/models/ddxplus"
	"github.com/oqim/oqim/models/sharedtest"
)

// devPatients reads the DDXPlus development patients from
// <module root>/../shared/data/ddxplus, or skips.
func devPatients(tb testing.TB) []ddxplus.Patient {
	tb.Helper()
	f, err := os.Open(filepath.Join(sharedtest.Dir(tb, "ddxplus", ddxplus.PatientsFile), ddxplus.PatientsFile))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	ps, err := ddxplus.ReadPatients(f)
	if err != nil {
		tb.Fatal(err)
	}
	return ps
}

func sexOf(p ddxplus.Patient) Sex {
	if p.Sex == "F" {
		return Female
	}
	return Male
}

// reportLatency adds the median and 99th percentile of ds, in
// microseconds, to the benchmark's output.
func reportLatency(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	at := func(q float64) float64 {
		i := min(max(int(math.Ceil(q*float64(len(ds))))-1, 0), len(ds)-1)
		return float64(ds[i].Nanoseconds()) / 1e3
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

// BenchmarkFullProtocolDev ranks the development patients in turn, each
// with its whole record, and reports the latency percentiles per patient.
func BenchmarkFullProtocolDev(b *testing.B) {
	eng := testEngine(b)
	var cases []Case
	for _, p := range devPatients(b) {
		cases = append(cases, fullCase(eng.KB(), p.Age, sexOf(p), p.Evidences))
	}
	dst := make([]float64, len(eng.KB().Conditions))
	var lat []time.Duration
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		start := time.Now()
		if _, err := eng.Posterior(cases[i%len(cases)], dst); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		i++
	}
	reportLatency(b, lat)
}

// BenchmarkInteractiveTurnDev replays every turn of the interactive
// sessions of the development patients (ranking, explanation and the
// choice of the next question) and reports the latency percentiles per
// turn.
func BenchmarkInteractiveTurnDev(b *testing.B) {
	eng := testEngine(b)
	var turns []Case
	for _, p := range devPatients(b) {
		rec := map[string][]string{}
		for _, tok := range p.Evidences {
			code, val := ddxplus.ParseEvidenceToken(tok)
			if val == "" {
				rec[code] = nil
			} else {
				rec[code] = append(rec[code], val)
			}
		}
		answer := func(code string) Finding {
			vals, ok := rec[code]
			return Finding{Evidence: code, Present: ok, Values: vals}
		}
		c := Case{Age: p.Age, Sex: sexOf(p), Findings: []Finding{answer(p.Initial)}}
		for q := 0; ; q++ {
			turns = append(turns, Case{Age: c.Age, Sex: c.Sex, Findings: slices.Clone(c.Findings)})
			a, err := eng.Assess(c, 5)
			if err != nil {
				b.Fatal(err)
			}
			if a.ShouldStop || a.Question == nil || q >= 30 {
				break
			}
			c.Findings = append(c.Findings, answer(a.Question.Evidence.Code))
		}
	}
	var lat []time.Duration
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		start := time.Now()
		if _, err := eng.Assess(turns[i%len(turns)], 5); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		i++
	}
	reportLatency(b, lat)
}
