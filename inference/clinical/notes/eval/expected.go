package eval

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/oqim/oqim/inference/clinical/notes"
)

// Case is one line of a cases file.
type Case struct {
	Transcript string   `json:"transcript"`
	Language   string   `json:"language"` // uz-Latn, uz-Cyrl, ru or mixed; reported, not compared
	Expected   Expected `json:"expected"`
}

// Expected is what a correct note holds. A key that is absent means the
// transcript does not contain that item; predicting it anyway is a false
// positive.
type Expected struct {
	// Sections maps a section key (complaints, history, objective,
	// assessment, plan) to key phrases that must all occur in that
	// section's text, compared after notes.NormalizeText. An empty list
	// only asks for the section to be present.
	Sections map[string]Phrases `json:"sections"`
	// Vitals maps bp_systolic, bp_diastolic, pulse, temperature_c and spo2
	// to the value measured at this visit.
	Vitals map[string]float64 `json:"vitals"`
	// Medications are the drugs the plan prescribes or recommends.
	Medications []ExpectedMedication `json:"medications"`
}

// ExpectedMedication is one prescribed drug. Only Name is required; a
// field left out says the note does not state it.
type ExpectedMedication struct {
	Name         string `json:"name"`                    // INN, English, lower case
	Dose         string `json:"dose,omitempty"`          // "500 mg": value and one of notes.DoseUnits
	Frequency    string `json:"frequency,omitempty"`     // "once a day", "twice a day", "N times a day", "every N hours"
	DurationDays int    `json:"duration_days,omitempty"` // course length in days
}

// Phrases is a list of key phrases; a single string is accepted too.
type Phrases []string

// UnmarshalJSON accepts "phrase" or ["phrase", ...].
func (p *Phrases) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*p = Phrases{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("section phrases must be a string or a list of strings")
	}
	*p = many
	return nil
}

var vitalKeys = []string{"bp_systolic", "bp_diastolic", "pulse", "temperature_c", "spo2"}

// validate checks a case against the schema, so a typo in a cases file is
// an error rather than a silently wrong figure.
func (c *Case) validate() error {
	if strings.TrimSpace(c.Transcript) == "" {
		return errors.New("transcript is empty")
	}
	for k := range c.Expected.Sections {
		if !isSection(k) {
			return fmt.Errorf("expected.sections: unknown section %q", k)
		}
	}
	for k := range c.Expected.Vitals {
		if !contains(vitalKeys, k) {
			return fmt.Errorf("expected.vitals: unknown vital %q (want one of %s)", k, strings.Join(vitalKeys, ", "))
		}
	}
	for i, m := range c.Expected.Medications {
		if m.Name == "" {
			return fmt.Errorf("expected.medications[%d]: name is required", i)
		}
		if m.Dose != "" {
			if _, _, err := parseDose(m.Dose); err != nil {
				return fmt.Errorf("expected.medications[%d].dose: %w", i, err)
			}
		}
		if m.Frequency != "" {
			if _, err := parseFrequency(m.Frequency); err != nil {
				return fmt.Errorf("expected.medications[%d].frequency: %w", i, err)
			}
		}
		if m.DurationDays < 0 {
			return fmt.Errorf("expected.medications[%d].duration_days: negative", i)
		}
	}
	return nil
}

func isSection(k string) bool {
	for _, s := range notes.AllSections() {
		if string(s) == k {
			return true
		}
	}
	return false
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

var doseRe = regexp.MustCompile(`^\s*([0-9]+(?:[.,][0-9]+)?)\s*([A-Za-z]+)\s*$`)

// parseDose reads "500 mg" into a value and unit, converting g and mcg to
// mg so that "0.5 g" equals "500 mg".
func parseDose(s string) (float64, string, error) {
	m := doseRe.FindStringSubmatch(s)
	if m == nil {
		return 0, "", fmt.Errorf("%q is not a value and a unit such as \"500 mg\"", s)
	}
	v, err := strconv.ParseFloat(strings.Replace(m[1], ",", ".", 1), 64)
	if err != nil {
		return 0, "", fmt.Errorf("%q: %w", s, err)
	}
	unit := m[2]
	if !contains(notes.DoseUnits(), unit) {
		return 0, "", fmt.Errorf("%q: unit %q is not one of %s", s, unit, strings.Join(notes.DoseUnits(), ", "))
	}
	return canonicalDose(v, unit)
}

func canonicalDose(v float64, unit string) (float64, string, error) {
	switch unit {
	case "g":
		return v * 1000, "mg", nil
	case "mcg":
		return v / 1000, "mg", nil
	}
	return v, unit, nil
}

func sameDose(av float64, au string, bv float64, bu string) bool {
	av, au, _ = canonicalDose(av, au)
	bv, bu, _ = canonicalDose(bv, bu)
	return au == bu && math.Abs(av-bv) <= 1e-6*math.Max(1, math.Abs(av))
}

var (
	timesRe = regexp.MustCompile(`^(\d+) times a day$`)
	everyRe = regexp.MustCompile(`^every (\d+) hours?$`)
)

// parseFrequency reads the schema's frequency words as doses a day.
func parseFrequency(s string) (int, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "once a day":
		return 1, nil
	case "twice a day":
		return 2, nil
	}
	if m := timesRe.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n > 0 {
			return n, nil
		}
	}
	if m := everyRe.FindStringSubmatch(s); m != nil {
		h, _ := strconv.Atoi(m[1])
		if h > 0 && 24%h == 0 {
			return 24 / h, nil
		}
	}
	return 0, fmt.Errorf("%q is not \"once a day\", \"twice a day\", \"N times a day\" or \"every N hours\" (N dividing 24)", s)
}
