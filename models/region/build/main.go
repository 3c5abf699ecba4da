// Command build converts the decree's CSV tables into models/region's
// region.json:
//
//	go run ./models/region/build -src DIR -out models/region/region.json
//
// DIR holds regions.csv, portal_services.csv and kpi_targets.csv.
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
	"strconv"

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
		fmt.Fprintln(os.Stderr, "build: -src is required: the folder holding regions.csv, portal_services.csv and kpi_targets.csv")
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
	d := region.Data{Version: region.Version, Source: "Decree PQ-286 of 16.09.2025, annexes 1, 4 and 6 and para. 1; population: 2024 statistics estimates"}
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
	b, err := json.MarshalIndent(d, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
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
