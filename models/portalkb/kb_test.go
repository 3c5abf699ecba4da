package portalkb

import (
	"strings"
	"testing"

	"github.com/oqim/oqim/models/sharedtest"
)

// sourceDir locates the source files beside the repository.
func sourceDir(t *testing.T) string { return sharedtest.Dir(t, "", PQ308File) }

func TestEmbeddedKBMatchesBuild(t *testing.T) {
	built, buildErr := Build(sourceDir(t))
	kb, err := Default()
	sharedtest.MatchesRebuild(t, kb, built, err, buildErr, "go run ./models/portalkb/build -src <shared data dir> -out models/portalkb/kb.json")
}

func TestDefaultKB(t *testing.T) {
	kb, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	var a4, a5, a6, faq int
	pq308 := map[int]int{}
	for _, e := range kb.Entries {
		switch {
		case e.Source == "annex4":
			a4++
		case e.Source == "annex5":
			a5++
		case e.Source == "annex6":
			a6++
		case e.Source == "pq308":
			pq308[e.ItemNo]++
		case e.Kind == KindFAQ:
			faq++
		}
		if e.Ref == "" {
			t.Errorf("%s: no ref", e.ID)
		}
		if e.Kind != KindFAQ && e.SourceTitle == "" {
			t.Errorf("%s: no source_title (the decree's wording)", e.ID)
		}
		for _, l := range Langs {
			c := e.Text[l]
			for name, v := range map[string]string{"who": c.Who, "documents": c.Documents, "fee": c.Fee, "processing": c.Processing, "agency": c.Agency} {
				if strings.TrimSpace(v) == "" {
					t.Errorf("%s %s: empty %s", e.ID, l, name)
				}
			}
		}
		if !strings.HasPrefix(e.URL, "https://my.gov.uz/") {
			t.Errorf("%s: url %q", e.ID, e.URL)
		}
	}
	if a4 != 50 || a5 != 19 || a6 != 62 {
		t.Errorf("annex4 %d, annex5 %d, annex6 %d entries; want 50, 19 and 62", a4, a5, a6)
	}
	// PQ-308 lists 35 services; rows 20, 25 and 26 name several.
	for item := 1; item <= 35; item++ {
		want := map[int]int{20: 2, 25: 2, 26: 5}[item]
		if want == 0 {
			want = 1
		}
		if pq308[item] != want {
			t.Errorf("PQ-308 service %d: %d entries, want %d", item, pq308[item], want)
		}
	}
	if e := kb.Entry("pq308-28"); e == nil || e.SourceTitle != "судланганлик ҳолатини тасдиқловчи маълумот олиш учун ариза бериш" || !strings.Contains(e.Ref, "PQ-308") {
		t.Errorf("pq308-28 = %+v; want the decree's wording and a PQ-308 ref", e)
	}
	for _, slug := range []string{"oneid-login", "e-imzo", "payment", "track-application", "complaints-appeals", "call-centre-1242", "notifications", "mobile-app"} {
		if kb.Entry("faq-"+slug) == nil {
			t.Errorf("missing faq-%s", slug)
		}
	}
	e := kb.Entry("annex4-12")
	if e == nil {
		t.Fatal("annex4-12 missing")
	}
	if got := e.In(En).Title; got != "Partial reimbursement of the cost of water-saving technologies for growing melon crops" {
		t.Errorf("annex4-12 en title %q", got)
	}
	if got := e.In(UzCyrl).Title; !strings.HasPrefix(got, "Полиз экинлари") {
		t.Errorf("annex4-12 uz-Cyrl title %q", got)
	}
	if !strings.Contains(e.In(Ru).Processing, "апреля 2026") {
		t.Errorf("annex4-12 ru processing lacks the due month: %q", e.In(Ru).Processing)
	}
}

func TestCyrillicKeepsNames(t *testing.T) {
	got := Cyrillic("my.gov.uz saytiga OneID orqali kiring, YaTT ochish")
	want := "my.gov.uz сайтига OneID орқали киринг, ЯТТ очиш"
	if got != want {
		t.Errorf("Cyrillic = %q, want %q", got, want)
	}
}
