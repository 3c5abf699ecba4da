// Command build converts the decree's CSV tables into models/region's
// region.json:
//
//	go run ./models/region/build -src DIR -out models/region/region.json
//
// DIR holds regions.csv, portal_services.csv, kpi_targets.csv,
// regional_projects.csv, sector_projects.csv and roadmap.csv.
package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/oqim/oqim/models/region"
)

// populationK is each region's resident population in thousands, rounded,
// from the national statistics estimates for 1 January 2024. The decree's
// tables carry no population, and the generator needs realistic weights.
var populationK = map[string]int{
	"UZ-QR": 2000, "UZ-AN": 3390, "UZ-BU": 2040, "UZ-JI": 1470,
	"UZ-QA": 3580, "UZ-NW": 1050, "UZ-NG": 3010, "UZ-SA": 4200,
	"UZ-SI": 920, "UZ-SU": 2860, "UZ-TO": 3000, "UZ-FA": 4000,
	"UZ-XO": 1990, "UZ-TK": 3040,
}

func main() {
	src := flag.String("src", "", "folder with the decree's CSV tables (required)")
	out := flag.String("out", "", "file to write (default: standard output)")
	flag.Parse()
	if *src == "" {
		fmt.Fprintln(os.Stderr, "build: -src is required: the folder holding the decree's CSV tables (regions.csv, portal_services.csv, kpi_targets.csv, regional_projects.csv, sector_projects.csv, roadmap.csv)")
		os.Exit(2)
	}
	b, err := Build(*src)
	if err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
	if *out == "" {
		os.Stdout.Write(b)
		return
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
}

// Build reads the tables in dir and returns region.json's bytes.
func Build(dir string) ([]byte, error) {
	d := region.Data{Version: region.Version, Source: "Decree PQ-286 of 16.09.2025, annexes 1, 2, 3, 4 and 6 and para. 1; population: 2024 statistics estimates; sector and roadmap items attributed to UZ-TK"}
	err := readCSV(filepath.Join(dir, "regions.csv"), func(r row) error {
		pop, ok := populationK[r.s("region_id")]
		if !ok {
			return fmt.Errorf("no population for region %q", r.s("region_id"))
		}
		d.Regions = append(d.Regions, region.Region{
			ID: r.s("region_id"), NameUz: r.s("name_uz_latn"), NameCyrl: r.s("name_uz_cyrl"),
			NameRu: r.s("name_ru"), NameEn: r.s("name_en"), Population: pop,
			FibreKm2025: r.i("fibre_km_2025"), FibreKm2026: r.i("fibre_km_2026"),
			Stations2025: r.i("base_stations_2025"), Stations2026: r.i("base_stations_2026"),
		})
		return r.err
	})
	if err != nil {
		return nil, err
	}
	err = readCSV(filepath.Join(dir, "portal_services.csv"), func(r row) error {
		deadline := r.s("deadline")
		if deadline == "" {
			deadline = r.s("launch_date")
		}
		d.Services = append(d.Services, region.Service{
			ID: r.s("source") + "-" + r.s("item_no"), TitleUz: r.s("title_uz_latn"),
			TitleRu: r.s("title_ru"), TitleEn: r.s("title_en"), Agency: r.s("agency"), Deadline: deadline,
		})
		return r.err
	})
	if err != nil {
		return nil, err
	}
	err = readCSV(filepath.Join(dir, "kpi_targets.csv"), func(r row) error {
		// Milestones ("yes") are dated commitments, not quantities to
		// chart against; the BI tracks them with the projects instead.
		if r.s("target_value") == "yes" {
			return r.err
		}
		v, perr := strconv.ParseFloat(r.s("target_value"), 64)
		if perr != nil {
			return fmt.Errorf("target_value %q: %w", r.s("target_value"), perr)
		}
		d.Targets = append(d.Targets, region.Target{
			ID: r.s("kpi_id"), Title: r.s("description_en"), Value: v, Unit: r.s("unit"), Deadline: r.s("deadline"),
		})
		return r.err
	})
	if err != nil {
		return nil, err
	}
	regions := map[string]bool{}
	for _, r := range d.Regions {
		regions[r.ID] = true
	}
	projects := []struct{ file, annex, section string }{
		{"regional_projects.csv", region.AnnexRegional, "section"},
		{"sector_projects.csv", region.AnnexSector, "sector"},
		{"roadmap.csv", region.AnnexRoadmap, "block"},
	}
	for _, pf := range projects {
		err = readCSV(filepath.Join(dir, pf.file), func(r row) error {
			p := region.Project{Annex: pf.annex, Region: region.CapitalRegion, ItemNo: r.i("item_no"),
				Section: r.s(pf.section), TitleEn: r.s("title_en"), Executors: splitList(r.s("executors"))}
			if pf.annex == region.AnnexRegional {
				p.Region = r.s("region_id")
				if !regions[p.Region] {
					return fmt.Errorf("region_id %q is not in regions.csv", p.Region)
				}
				p.ID = fmt.Sprintf("%s-%s-%d", pf.annex, p.Region, p.ItemNo)
			} else {
				p.ID = fmt.Sprintf("%s-%d", pf.annex, p.ItemNo)
			}
			if len(p.Executors) == 0 {
				return fmt.Errorf("item %d has no executors", p.ItemNo)
			}
			steps, perr := parseDeadlines(r.s("deadlines_norm"))
			if perr != nil {
				return fmt.Errorf("item %d: %w", p.ItemNo, perr)
			}
			p.Steps = steps
			d.Projects = append(d.Projects, p)
			return r.err
		})
		if err != nil {
			return nil, err
		}
	}
	b, err := json.MarshalIndent(d, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

var month = regexp.MustCompile(`^20[0-9]{2}-(0[1-9]|1[0-2])$`)

// parseDeadlines reads deadlines_norm: ';'-separated YYYY-MM months,
// YYYY-MM/YYYY-MM ranges and the tokens ongoing, per_schedule,
// on_request and quarterly.
func parseDeadlines(s string) ([]region.Step, error) {
	var steps []region.Step
	for _, tok := range strings.Split(s, ";") {
		tok = strings.TrimSpace(tok)
		switch {
		case month.MatchString(tok):
			steps = append(steps, region.Step{Kind: region.StepMonth, Due: tok})
		case strings.Contains(tok, "/"):
			from, to, _ := strings.Cut(tok, "/")
			if !month.MatchString(from) || !month.MatchString(to) || to < from {
				return nil, fmt.Errorf("deadline range %q is not YYYY-MM/YYYY-MM in order", tok)
			}
			steps = append(steps, region.Step{Kind: region.StepRange, From: from, Due: to})
		case tok == region.StepOngoing || tok == region.StepPerSchedule || tok == region.StepOnRequest || tok == region.StepQuarterly:
			steps = append(steps, region.Step{Kind: tok})
		default:
			return nil, fmt.Errorf("deadline %q is neither YYYY-MM, a YYYY-MM/YYYY-MM range nor one of ongoing, per_schedule, on_request, quarterly", tok)
		}
	}
	return steps, nil
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ";") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

type row struct {
	cols   map[string]int
	rec    []string
	err    error
	line   int
	source string
}

func (r *row) s(name string) string {
	i, ok := r.cols[name]
	if !ok {
		if r.err == nil {
			r.err = fmt.Errorf("%s: no column %q", r.source, name)
		}
		return ""
	}
	return r.rec[i]
}

func (r *row) i(name string) int {
	v, err := strconv.Atoi(r.s(name))
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("%s line %d, column %s: %q is not an integer", r.source, r.line, name, r.s(name))
	}
	return v
}

func readCSV(path string, fn func(row) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	head, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", path, err)
	}
	cols := make(map[string]int, len(head))
	for i, h := range head {
		cols[h] = i
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		r := row{cols: cols, rec: rec, line: line, source: filepath.Base(path)}
		if err := fn(r); err != nil {
			return fmt.Errorf("%s line %d: %w", filepath.Base(path), line, err)
		}
	}
}
