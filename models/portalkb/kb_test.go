package portalkb

import (
	"strings"
	"testing"

	"github.com/oqim/oqim/models/internal/sharedtest"
)

// sourceDir locates the source files beside the repository.
func sourceDir(t *testing.T) string { return sharedtest.Dir(t, "region", ServicesFile) }

func TestEmbeddedKBMatchesBuild(t *testing.T) {
	built, buildErr := Build(sourceDir(t))
	kb, err := Default()
	sharedtest.MatchesRebuild(t, kb, built, err, buildErr, "go run ./models/portalkb/build -src <region data dir> -out models/portalkb/kb.json")
}

func TestDefaultKB(t *testing.T) {
	kb, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	var a4, a6, faq int
	for _, e := range kb.Entries {
		switch {
		case e.Source == "annex4":
			a4++
		case e.Source == "annex6":
			a6++
		case e.Kind == KindFAQ:
			faq++
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
	if a4 != 50 || a6 != 62 {
		t.Errorf("annex4 %d, annex6 %d entries; want 50 and 62", a4, a6)
	}
	for _, slug := range []string{"oneid-login", "payment", "track-application", "call-centre-1242", "notifications", "mobile-app"} {
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
