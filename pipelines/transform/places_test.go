package transform

import (
	"strings"
	"testing"

	"github.com/oqim/oqim/models/region"
)

func places(t testing.TB) *Places {
	t.Helper()
	p, err := DefaultPlaces()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRegion(t *testing.T) {
	p := places(t)
	for _, c := range []struct{ in, want string }{
		{"UZ-TK", "UZ-TK"}, {"uz-tk", "UZ-TK"}, {"TK", "UZ-TK"}, {"uzji", "UZ-JI"}, {"UZ JI", "UZ-JI"},
		{"Toshkent shahri", "UZ-TK"}, {"Toshkent sh.", "UZ-TK"}, {"г. Ташкент", "UZ-TK"}, {"город Ташкент", "UZ-TK"},
		{"Tashkent city", "UZ-TK"}, {"Тошкент шаҳри", "UZ-TK"}, {"1726", "UZ-TK"}, {"Tashkent", "UZ-TK"},
		{"Toshkent viloyati", "UZ-TO"}, {"Ташкентская область", "UZ-TO"}, {"Tashkent Region", "UZ-TO"}, {"1727", "UZ-TO"},
		{"Jizzax", "UZ-JI"}, {"Джизак", "UZ-JI"}, {"Jizzakh Region", "UZ-JI"}, {"Жиззах вилояти", "UZ-JI"}, {"Джизакская обл.", "UZ-JI"},
		{"Qoraqalpogʻiston", "UZ-QR"}, {"Qoraqalpog'iston Respublikasi", "UZ-QR"}, {"Каракалпакстан", "UZ-QR"},
		{"Республика Каракалпакстан", "UZ-QR"}, {"Republic of Karakalpakstan", "UZ-QR"}, {"1735", "UZ-QR"},
		{"Fergana", "UZ-FA"}, {"Farg'ona", "UZ-FA"}, {"Фергана", "UZ-FA"}, {"Fargona viloyati", "UZ-FA"}, {"Фарғона вилояти", "UZ-FA"},
		{"Кашкадарьинская область", "UZ-QA"}, {"Сурхандарья", "UZ-SU"}, {"Сырдарьинская область", "UZ-SI"},
		{"Xorazm", "UZ-XO"}, {"Хорезмская область", "UZ-XO"}, {"Navoiy viloyati", "UZ-NW"}, {"Samarqand", "UZ-SA"},
		{"1703", "UZ-AN"}, {"1706", "UZ-BU"}, {"1708", "UZ-JI"}, {"1710", "UZ-QA"}, {"1712", "UZ-NW"}, {"1714", "UZ-NG"},
		{"1718", "UZ-SA"}, {"1722", "UZ-SU"}, {"1724", "UZ-SI"}, {"1730", "UZ-FA"}, {"1733", "UZ-XO"},
		{"1708209", "UZ-JI"},       // a district code gives its region
		{"Тoшкент шаҳри", "UZ-TK"}, // OCR: Latin o
	} {
		got, ok := p.Region([]byte(c.in))
		if !ok || got != c.want {
			t.Errorf("Region(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
	for _, in := range []string{"", "UZ-ZZ", "Atlantis", "1799", "17", "Toshkent shahar viloyati", "Zomin tumani", "12345"} {
		if got, ok := p.Region([]byte(in)); ok {
			t.Errorf("Region(%q) = %q, want not found", in, got)
		}
	}
}

// Every name of every region in the reference data maps back to it.
func TestRegionReferenceNames(t *testing.T) {
	p := places(t)
	d, _ := region.Load()
	for _, r := range d.Regions {
		for _, name := range []string{r.ID, r.NameUz, r.NameCyrl, r.NameRu, r.NameEn, strings.ToUpper(r.NameRu), strings.ToLower(r.ID)} {
			if got, ok := p.RegionString(name); !ok || got != r.ID {
				t.Errorf("Region(%q) = %q, %v; want %s", name, got, ok, r.ID)
			}
		}
	}
}

func TestDistrict(t *testing.T) {
	p := places(t)
	for _, c := range []struct {
		region, in string
		want       string
		m          Match
	}{
		{"UZ-JI", "Gʻallaorol tumani", "1708209", Found},
		{"UZ-JI", "G'allaorol", "1708209", Found},
		{"UZ-JI", "Ғаллаорол тумани", "1708209", Found},
		{"UZ-JI", "Галляаральский район", "1708209", Found},
		{"", "Gallaorol", "1708209", Found},
		{"UZ-JI", "1708209", "1708209", Found},
		{"UZ-XO", "1708209", "", Unknown}, // code of another region
		{"UZ-JI", "Zomin", "1708218", Found},
		{"UZ-JI", "Jizzax shahri", "1708401", Found},
		{"UZ-JI", "г. Джизак", "1708401", Found},
		{"UZ-JI", "Jizzax", "", Ambiguous}, // the city, or the old name of Sharof Rashidov tumani
		{"UZ-XO", "Xiva", "", Ambiguous},
		{"UZ-XO", "Xiva shahri", "1733406", Found},
		{"UZ-XO", "Хивинский район", "1733226", Found},
		{"UZ-XO", "Urganch tumani", "1733217", Found},
		{"UZ-XO", "город Ургенч", "1733401", Found},
		{"UZ-XO", "Tuproqqal'a", "1733221", Found},
		{"UZ-XO", "Qo'shko'pir tumani", "1733212", Found},
		{"UZ-XO", "Gʻallaorol", "", Unknown},       // other region
		{"UZ-TK", "Yunusobod tumani", "", Unknown}, // not in the table
		{"UZ-JI", "Zomin viloyati", "", Unknown},
	} {
		d, m := p.District(c.region, []byte(c.in))
		if m != c.m || d.SOATO != c.want {
			t.Errorf("District(%q, %q) = %q, %v; want %q, %v", c.region, c.in, d.SOATO, m, c.want, c.m)
		}
	}
	// The pilot regions' tables are complete: 12 districts and 1 city in
	// Jizzakh, 11 districts and 2 cities in Khorezm.
	count := map[string]int{}
	for _, d := range p.Districts() {
		count[d.Region]++
		if got, m := p.District(d.Region, []byte(d.NameUz)); m != Found || got.SOATO != d.SOATO {
			t.Errorf("District(%s, %q) = %q, %v", d.Region, d.NameUz, got.SOATO, m)
		}
	}
	if count["UZ-JI"] != 13 || count["UZ-XO"] != 13 {
		t.Errorf("districts per region = %v, want 13 in UZ-JI and UZ-XO", count)
	}
}

func TestDistrictTableErrors(t *testing.T) {
	d, _ := region.Load()
	head := "soato,region,name_uz,name_uz_cyrl,name_ru,name_en,aliases\n"
	for _, c := range []struct{ table, want string }{
		{head + "1708209,UZ-XO,Gʻallaorol tumani,,,,\n", "SOATO 1708209 is in"},
		{head + "170820,UZ-JI,Gʻallaorol tumani,,,,\n", "not seven digits"},
		{head + "1708209,UZ-JI,Gʻallaorol,,,,\n", "must end in tumani or shahri"},
		{head + "1708209,UZ-JI,Gʻallaorol tumani,,,,\n1708209,UZ-JI,Zomin tumani,,,,\n", "listed twice"},
		{"code,region\n", "wrong number of fields"},
	} {
		_, err := NewPlacesWith(d, []byte(c.table))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("table %q: err = %v, want %q", c.table, err, c.want)
		}
	}
}

func TestPlacesAllocs(t *testing.T) {
	p := places(t)
	for _, in := range []string{"Toshkent shahri", "г. Ташкент", "1726", "UZ-JI", "Qoraqalpog'iston Respublikasi", "Atlantis"} {
		b := []byte(in)
		if n := testing.AllocsPerRun(100, func() { p.Region(b) }); n != 0 {
			t.Errorf("Region(%q): %v allocations, want 0", in, n)
		}
	}
	for _, in := range []string{"Gʻallaorol tumani", "1708209", "Xiva"} {
		b := []byte(in)
		if n := testing.AllocsPerRun(100, func() { p.District("", b) }); n != 0 {
			t.Errorf("District(%q): %v allocations, want 0", in, n)
		}
	}
}

func benchRegion(b *testing.B, in string) {
	p := places(b)
	src := []byte(in)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := p.Region(src); !ok {
			b.Fatal("not found")
		}
	}
}

func BenchmarkRegionISO(b *testing.B)     { benchRegion(b, "UZ-JI") }
func BenchmarkRegionSOATO(b *testing.B)   { benchRegion(b, "1726") }
func BenchmarkRegionLatin(b *testing.B)   { benchRegion(b, "Qoraqalpog'iston Respublikasi") }
func BenchmarkRegionRussian(b *testing.B) { benchRegion(b, "Джизакская область") }
func BenchmarkRegionShortRu(b *testing.B) { benchRegion(b, "г. Ташкент") }
func BenchmarkDistrictName(b *testing.B) {
	p := places(b)
	src := []byte("G'allaorol tumani")
	b.ReportAllocs()
	for b.Loop() {
		if _, m := p.District("UZ-JI", src); m != Found {
			b.Fatal(m)
		}
	}
}
