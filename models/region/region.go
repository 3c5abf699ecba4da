// Package region is the reference data of Decree PQ-286 in Oqim's own
// format: the 14 regions with their telecom plans, the Single Portal
// services and the headline KPI targets. It is built from the decree
// tables by ./build and embedded, so the binary needs no data files.
package region

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
)

// Version of the embedded file's format; bump it when fields change meaning.
const Version = 1

//go:embed region.json
var embedded []byte

// Data is the whole reference set.
type Data struct {
	Version  int       `json:"version"`
	Source   string    `json:"source"`
	Regions  []Region  `json:"regions"`
	Services []Service `json:"services"`
	Targets  []Target  `json:"targets"`
}

// Region is one of the 14 first-level divisions, ISO 3166-2:UZ.
type Region struct {
	ID       string `json:"id"`
	NameUz   string `json:"name_uz"`
	NameCyrl string `json:"name_uz_cyrl"`
	NameRu   string `json:"name_ru"`
	NameEn   string `json:"name_en"`
	// Population in thousands (1 January 2024 estimate); weights
	// generated activity, so only its proportions matter.
	Population   int `json:"population_k"`
	FibreKm2025  int `json:"fibre_km_2025"`
	FibreKm2026  int `json:"fibre_km_2026"`
	Stations2025 int `json:"base_stations_2025"`
	Stations2026 int `json:"base_stations_2026"`
}

// Service is a Single Portal service named in the decree's annexes 4 and 6.
type Service struct {
	ID      string `json:"id"` // <annex>-<item>, e.g. annex4-12
	TitleUz string `json:"title_uz"`
	TitleRu string `json:"title_ru"`
	TitleEn string `json:"title_en"`
	Agency  string `json:"agency"`
	// Deadline is the launch month the decree sets (YYYY-MM).
	Deadline string `json:"deadline"`
}

// Target is a headline KPI target of the decree.
type Target struct {
	ID       string  `json:"id"`
	Title    string  `json:"title_en"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Deadline string  `json:"deadline"`
}

// Load parses the embedded reference data.
func Load() (*Data, error) { return Parse(embedded) }

// Parse decodes reference data in Oqim's format.
func Parse(b []byte) (*Data, error) {
	var d Data
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("region data: %w", err)
	}
	if d.Version != Version {
		return nil, fmt.Errorf("region data: version %d, this build reads %d", d.Version, Version)
	}
	if len(d.Regions) == 0 || len(d.Services) == 0 {
		return nil, fmt.Errorf("region data: %d regions and %d services; both must be present", len(d.Regions), len(d.Services))
	}
	return &d, nil
}

// Region returns the region with the given ISO code.
func (d *Data) Region(id string) (Region, bool) {
	i := slices.IndexFunc(d.Regions, func(r Region) bool { return r.ID == id })
	if i < 0 {
		return Region{}, false
	}
	return d.Regions[i], true
}

// RegionIDs lists the ISO codes in file order.
func (d *Data) RegionIDs() []string {
	ids := make([]string, len(d.Regions))
	for i, r := range d.Regions {
		ids[i] = r.ID
	}
	return ids
}
