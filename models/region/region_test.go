package region

import "testing"

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

func TestParseRejectsOtherVersion(t *testing.T) {
	if _, err := Parse([]byte(`{"version":99,"regions":[{}],"services":[{}]}`)); err == nil {
		t.Fatal("version 99 accepted")
	}
}
