package diagnosis

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/oqim/oqim/models/ddxplus"
)

// gatedLogPenalty is added to the log-posterior of a non-endemic condition
// without its exposure: far enough below to never reach the differential,
// finite so that softmax stays defined.
const gatedLogPenalty = -60

// localeTable is the JSON form of models/ddxplus/priors_<locale>.json.
type localeTable struct {
	Locale     string `json:"locale"`
	Conditions map[string]struct {
		Weight   float64 `json:"weight"`
		Endemic  *bool   `json:"endemic"`
		Exposure *struct {
			Evidence string   `json:"evidence"`
			Values   []string `json:"values"`
		} `json:"exposure"`
	} `json:"conditions"`
}

// gate keeps a non-endemic condition out unless one of its exposure values
// was answered.
type gate struct {
	cond   int
	ev     int
	values []bool // per value index of ev: counts as exposure
}

// applyLocale adjusts the priors and builds the exposure gates of locale.
// "ddxplus" keeps DDXPlus's priors and gates nothing.
func (e *Engine) applyLocale(locale string) error {
	if locale == "ddxplus" {
		return nil
	}
	raw, err := ddxplus.LocalePriors(locale)
	if err != nil {
		return fmt.Errorf("diagnosis: locale: %w", err)
	}
	var t localeTable
	if err := json.Unmarshal(raw, &t); err != nil {
		return fmt.Errorf("diagnosis: locale %q: %w", locale, err)
	}
	condIdx := make(map[string]int, e.nc)
	for i, c := range e.kb.Conditions {
		condIdx[c.ID] = i
	}
	evIdx := make(map[string]int, len(e.kb.Evidences))
	for i, ev := range e.kb.Evidences {
		evIdx[ev.Code] = i
	}
	for id, lc := range t.Conditions {
		ci, ok := condIdx[id]
		if !ok {
			return fmt.Errorf("diagnosis: locale %q: unknown condition %q", locale, id)
		}
		if lc.Weight < 0 {
			return fmt.Errorf("diagnosis: locale %q: %s: negative weight", locale, id)
		}
		if lc.Weight > 0 {
			e.logPrior[ci] += math.Log(lc.Weight)
		}
		if lc.Endemic == nil || *lc.Endemic {
			continue
		}
		if lc.Exposure == nil {
			return fmt.Errorf("diagnosis: locale %q: %s: not endemic but no exposure", locale, id)
		}
		ei, ok := evIdx[lc.Exposure.Evidence]
		if !ok {
			return fmt.Errorf("diagnosis: locale %q: %s: unknown evidence %q", locale, id, lc.Exposure.Evidence)
		}
		ev := &e.kb.Evidences[ei]
		g := gate{cond: ci, ev: ei, values: make([]bool, len(ev.Values))}
		for _, code := range lc.Exposure.Values {
			found := false
			for vi, v := range ev.Values {
				if v.Code == code {
					g.values[vi], found = true, true
				}
			}
			if !found {
				return fmt.Errorf("diagnosis: locale %q: %s: unknown value %q of %s", locale, id, code, ev.Code)
			}
		}
		e.gates = append(e.gates, g)
	}
	return nil
}

// exposed reports whether cp answered one of g's exposure values.
func (g *gate) exposed(cp *compiled) bool {
	for _, o := range cp.obs {
		if o.ev != g.ev {
			continue
		}
		if o.value >= 0 && o.value < len(g.values) && g.values[o.value] {
			return true
		}
		for _, v := range o.values {
			if v < len(g.values) && g.values[v] {
				return true
			}
		}
	}
	return false
}
