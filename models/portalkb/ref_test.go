package portalkb

import "testing"

func TestRefIn(t *testing.T) {
	for _, c := range []struct {
		ref  string
		lang Lang
		want string
	}{
		{"Decree PQ-286 of 16.09.2025, annex 4, item 1", UzLatn, "PQ-286-son qaror (16.09.2025), 4-ilova, 1-band"},
		{"Decree PQ-286 of 16.09.2025, annex 4, item 1", Ru, "Постановление ПП-286 от 16.09.2025, приложение 4, пункт 1"},
		{"Decree PQ-308 of 14.09.2023, roadmap item 8, service 35", UzCyrl, "ПҚ-308-сон қарор (14.09.2023), йўл харитаси 8-банд, 35-хизмат"},
		{"Decree PQ-308 of 14.09.2023, roadmap item 8, service 35", En, "Decree PQ-308 of 14.09.2023, roadmap item 8, service 35"},
		{helpRef, Ru, "справка my.gov.uz в изложении Oqim"},
		{"something else", Ru, "something else"},
	} {
		if got := RefIn(c.ref, c.lang); got != c.want {
			t.Errorf("RefIn(%q, %s) = %q, want %q", c.ref, c.lang, got, c.want)
		}
	}
	kb, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range kb.Entries {
		if RefIn(e.Ref, Ru) == e.Ref {
			t.Errorf("%s: ref %q has no Russian form", e.ID, e.Ref)
		}
	}
}
