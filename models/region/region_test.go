package region

import (
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Regions) != 14 {
		t.Fatalf("regions = %d, want 14", len(d.Regions))
	}
	if len(d.Services) != 112 {
		t.Fatalf("services = %d, want 50 + 62", len(d.Services))
	}
	var stations, fibre int
	for _, r := range d.Regions {
		stations += r.Stations2025 + r.Stations2026
		fibre += r.FibreKm2025 + r.FibreKm2026
		if r.Population <= 0 {
			t.Errorf("%s has no population weight", r.ID)
		}
	}
	// The decree's own tables: fibre adds up to the 66,000 km headline,
	// base stations fall 18 short of the 2,284 headline.
	if fibre != 66000 || stations != 2266 {
		t.Fatalf("fibre %d km, stations %d; want 66000 and 2266", fibre, stations)
	}
	if r, ok := d.Region("UZ-JI"); !ok || r.NameEn != "Jizzakh Region" {
		t.Fatalf("Region(UZ-JI) = %+v, %v", r, ok)
	}
	if _, ok := d.Region("UZ-XX"); ok {
		t.Fatal("Region(UZ-XX) found")
	}
}

func TestProjects(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	ids := map[string]bool{}
	dated := 0
	for _, p := range d.Projects {
		count[p.Annex]++
		if ids[p.ID] {
			t.Errorf("duplicate project id %s", p.ID)
		}
		ids[p.ID] = true
		if _, ok := d.Region(p.Region); !ok {
			t.Errorf("%s: region %q", p.ID, p.Region)
		}
		if p.Annex != AnnexRegional && p.Region != CapitalRegion {
			t.Errorf("%s: national item in %s, want the capital", p.ID, p.Region)
		}
		if len(p.Steps) == 0 || len(p.Executors) == 0 || p.TitleEn == "" || p.ItemNo < 1 {
			t.Errorf("%s: incomplete: %+v", p.ID, p)
		}
		for _, s := range p.Steps {
			dl, ok := s.Deadline()
			if ok != s.Dated() {
				t.Errorf("%s: step %+v: deadline ok=%v", p.ID, s, ok)
			}
			if ok {
				dated++
				if dl.Before(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) || dl.After(time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC)) {
					t.Errorf("%s: deadline %v outside the decree's horizon", p.ID, dl)
				}
			}
			if st, ok := s.Start(); ok && !st.Before(dl) {
				t.Errorf("%s: range %+v starts %v, after its end %v", p.ID, s, st, dl)
			}
		}
	}
	if count[AnnexRegional] != 179 || count[AnnexSector] != 41 || count[AnnexRoadmap] != 24 {
		t.Fatalf("projects per annex %v, want 179 regional, 41 sector, 24 roadmap", count)
	}
	if dated < 400 {
		t.Errorf("only %d dated steps", dated)
	}
	// A month deadline is the end of that month in Tashkent.
	dl, _ := Step{Kind: StepMonth, Due: "2025-10"}.Deadline()
	if want := time.Date(2025, 10, 31, 19, 0, 0, 0, time.UTC); !dl.Equal(want) {
		t.Errorf("2025-10 deadline %v, want %v", dl, want)
	}
	if _, ok := (Step{Kind: StepOngoing}).Deadline(); ok {
		t.Error("ongoing step has a deadline")
	}
}

func TestParseRejectsOtherVersion(t *testing.T) {
	if _, err := Parse([]byte(`{"version":99,"regions":[{}],"services":[{}],"projects":[{}]}`)); err == nil {
		t.Fatal("version 99 accepted")
	}
}

func TestParseRejectsMissingProjects(t *testing.T) {
	if _, err := Parse([]byte(`{"version":2,"regions":[{}],"services":[{}]}`)); err == nil {
		t.Fatal("data without projects accepted")
	}
}
