package opendata

import "testing"

// Every catalogue entry names a real table and count column, has text in
// all three languages, and a unique id (ids are file names on the portal).
func TestCatalog(t *testing.T) {
	ds, err := catalog()
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) < 8 {
		t.Fatalf("%d datasets, want at least 8", len(ds))
	}
	seen := map[string]bool{}
	for _, d := range ds {
		if seen[d.ID] {
			t.Errorf("dataset %s listed twice", d.ID)
		}
		seen[d.ID] = true
		for _, s := range []string{d.Title.Uz, d.Title.Ru, d.Title.En, d.Description.Uz, d.Description.Ru, d.Description.En} {
			if s == "" {
				t.Errorf("dataset %s lacks a title or description in one language", d.ID)
			}
		}
	}
}
