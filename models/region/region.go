// Package region is the reference data of Decree PQ-286 in Oqim's own
// format: the 14 regions with their telecom plans, the Single Portal
// services, the headline KPI targets and the projects of annexes 1–3 with
// their step deadlines. It is built from the decree tables by ./build and
// embedded, so the binary needs no data files.
package region

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Version of the embedded file's format; bump it when fields change meaning.
// Version 2 added Projects.
const Version = 2

//go:embed region.json
var embedded []byte

// Data is the whole reference set.
type Data struct {
	Version  int       `json:"version"`
	Source   string    `json:"source"`
	Regions  []Region  `json:"regions"`
	Services []Service `json:"services"`
	Targets  []Target  `json:"targets"`
	Projects []Project `json:"projects"`
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

// Project annexes.
const (
	AnnexRegional = "regional" // Annex 1: 179 projects of the 14 regions
	AnnexSector   = "sector"   // Annex 2: 41 sector projects
	AnnexRoadmap  = "roadmap"  // Annex 3: 24 Digital Government roadmap items
)

// CapitalRegion is where national projects are attributed. Sector and
// roadmap items (annexes 2 and 3) belong to no region; their executors are
// ministries and national companies seated in Tashkent, so the region
// dashboards show them under the capital, UZ-TK.
const CapitalRegion = "UZ-TK"

// Project is one item of the decree's annexes 1–3.
type Project struct {
	// ID is <annex>-<item> for sector and roadmap items and
	// regional-<region>-<item> for regional ones (items are numbered per
	// region), e.g. regional-UZ-JI-7, sector-12, roadmap-3.
	ID     string `json:"id"`
	Annex  string `json:"annex"`
	Region string `json:"region"` // CapitalRegion for sector and roadmap items
	ItemNo int    `json:"item_no"`
	// Section is the heading the item is printed under: the regional
	// section (telecom, social, public_admin, water, services_export),
	// the sector (Annex 2) or the roadmap block (Annex 3).
	Section   string   `json:"section"`
	TitleEn   string   `json:"title_en"`
	Executors []string `json:"executors"` // the lead executor first
	// Steps are the item's deadlines in the order printed. The decree's
	// step count is sometimes larger where several steps share one
	// deadline cell; Oqim tracks one milestone per deadline.
	Steps []Step `json:"steps"`
}

// Step kinds. Month and Range have a deadline; the others do not.
const (
	StepMonth       = "month"        // "YYYY-MM": due by the end of that month
	StepRange       = "range"        // "YYYY-MM/YYYY-MM": runs over the period, due by its end
	StepOngoing     = "ongoing"      // continuous ("доимий")
	StepPerSchedule = "per_schedule" // by a schedule the decree leaves to the executors
	StepOnRequest   = "on_request"   // when requested
	StepQuarterly   = "quarterly"    // recurring every quarter
)

// Step is one deadline of a project.
type Step struct {
	Kind string `json:"kind"`
	From string `json:"from,omitempty"` // YYYY-MM, first month of a range
	Due  string `json:"due,omitempty"`  // YYYY-MM, month and range steps
}

// tashkent is Asia/Tashkent (UTC+5, no daylight saving time).
var tashkent = time.FixedZone("UZT", 5*3600)

// Dated reports whether the step has a deadline.
func (s Step) Dated() bool { return s.Kind == StepMonth || s.Kind == StepRange }

// Deadline is the end of the Due month in Tashkent (the first instant of
// the next month), in UTC; ok is false for undated steps.
func (s Step) Deadline() (t time.Time, ok bool) {
	m, err := time.ParseInLocation("2006-01", s.Due, tashkent)
	if !s.Dated() || err != nil {
		return time.Time{}, false
	}
	return m.AddDate(0, 1, 0).UTC(), true
}

// Start is the first instant of a range step's From month (UTC); ok is
// false for other steps.
func (s Step) Start() (t time.Time, ok bool) {
	m, err := time.ParseInLocation("2006-01", s.From, tashkent)
	if s.Kind != StepRange || err != nil {
		return time.Time{}, false
	}
	return m.UTC(), true
}

// DecreeDate is when Decree PQ-286 was signed (16.09.2025, Tashkent).
var DecreeDate = time.Date(2025, 9, 16, 0, 0, 0, 0, tashkent).UTC()

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
	if len(d.Regions) == 0 || len(d.Services) == 0 || len(d.Projects) == 0 {
		return nil, fmt.Errorf("region data: %d regions, %d services and %d projects; all must be present", len(d.Regions), len(d.Services), len(d.Projects))
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
