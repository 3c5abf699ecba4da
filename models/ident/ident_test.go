package ident_test

import (
	"testing"

	"github.com/oqim/oqim/models/ident"
)

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Acute otitis media (AOM)":        "acute-otitis-media-aom",
		"  Possible NSTEMI / STEMI  ":     "possible-nstemi-stemi",
		"Oʻzbekiston Respublikasi Adliya": "o-zbekiston-respublikasi-adliya",
		"Минздрав 2":                      "2",
		"---":                             "",
		"COVID-19":                        "covid-19",
	} {
		if got := ident.Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}
