package transform

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/oqim/oqim/models/region"
)

// SOATORegions maps the national SOATO (MHOBT) region codes, as kept by
// the State Statistics Committee, to ISO 3166-2:UZ. "17" is the country;
// district codes extend the region code by three digits and settlement
// codes by three more.
var SOATORegions = map[string]string{
	"1703": "UZ-AN", "1706": "UZ-BU", "1708": "UZ-JI", "1710": "UZ-QA",
	"1712": "UZ-NW", "1714": "UZ-NG", "1718": "UZ-SA", "1722": "UZ-SU",
	"1724": "UZ-SI", "1726": "UZ-TK", "1727": "UZ-TO", "1730": "UZ-FA",
	"1733": "UZ-XO", "1735": "UZ-QR",
}

// regionAliases are the names agencies use beyond the four in the region
// data: short forms, Russian nouns and adjectives, other romanisations,
// and each region's administrative centre where its name differs from the
// region's. They are written as people write them; the matcher folds them.
var regionAliases = map[string][]string{
	"UZ-QR": {"Qoraqalpogʻiston", "Karakalpakstan", "Каракалпакстан", "Qaraqalpaqstan", "Қарақалпақстан", "Karakalpakia", "Nukus", "Нукус"},
	"UZ-AN": {"Andijan", "Andijon", "Андижан", "Андижанская"},
	"UZ-BU": {"Bukhara", "Buxoro", "Bukhoro", "Бухара", "Бухарская"},
	"UZ-JI": {"Jizzakh", "Jizzax", "Jizakh", "Jizzak", "Djizak", "Dzhizak", "Jizak", "Джизак", "Джизакская", "Жиззах"},
	"UZ-QA": {"Kashkadarya", "Qashqadaryo", "Qashqadarya", "Кашкадарья", "Кашкадарьинская", "Qarshi", "Karshi", "Карши"},
	"UZ-NW": {"Navoi", "Navoiy", "Навои", "Навоийская"},
	"UZ-NG": {"Namangan", "Наманган", "Наманганская"},
	"UZ-SA": {"Samarkand", "Samarqand", "Самарканд", "Самаркандская"},
	"UZ-SI": {"Syrdarya", "Sirdaryo", "Sirdarya", "Сырдарья", "Сырдарьинская", "Guliston", "Gulistan", "Гулистан"},
	"UZ-SU": {"Surkhandarya", "Surxondaryo", "Surkhondaryo", "Сурхандарья", "Сурхандарьинская", "Termiz", "Termez", "Термез"},
	"UZ-TO": {"Ташкентская", "Toshkent viloyati", "Tashkent oblast", "Nurafshon", "Нурафшан"},
	"UZ-TK": {"Toshkent", "Tashkent", "Ташкент", "Тошкент", "Tashkent city"},
	"UZ-FA": {"Fergana", "Ferghana", "Fargʻona", "Фергана", "Ферганская"},
	"UZ-XO": {"Khorezm", "Xorazm", "Khorazm", "Хорезм", "Хорезмская", "Urganch", "Urgench", "Ургенч"},
}

// Designators: the words around a place name that say what kind of place
// it is, after folding and with modifier letters removed.
type designator uint8

const (
	dNone designator = iota
	dRegion
	dCity
	dDistrict
)

var designators = map[string]designator{
	"viloyati": dRegion, "viloyat": dRegion, "vil": dRegion, "v": dRegion,
	"region": dRegion, "province": dRegion, "oblast": dRegion, "oblasti": dRegion,
	"obl": dRegion, "respublikasi": dRegion, "respublika": dRegion, "resp": dRegion,
	"republic": dRegion, "rep": dRegion, "of": dRegion, "the": dRegion,
	"shahri": dCity, "shahar": dCity, "shaxri": dCity, "shaxar": dCity, "sh": dCity,
	"city": dCity, "gorod": dCity, "g": dCity, "gor": dCity,
	"tumani": dDistrict, "tuman": dDistrict, "tum": dDistrict, "t": dDistrict,
	"rayon": dDistrict, "rayoni": dDistrict, "r": dDistrict, "n": dDistrict, "district": dDistrict,
}

// A name can carry more than one designator ("Republic of ..."); they must agree.
func merge(a, b designator) (designator, bool) {
	if a == dNone || a == b {
		return b, true
	}
	return a, b == dNone
}

type regionStem struct{ plain, region string }

// District is one district or district-level city, keyed by its SOATO code.
type District struct {
	SOATO    string // seven digits, e.g. 1708209
	Region   string // ISO 3166-2:UZ
	NameUz   string
	NameCyrl string
	NameRu   string
	NameEn   string
	City     bool // a city of district rank (shahar), not a tuman
}

// Match says how a district lookup went.
type Match uint8

const (
	// Unknown: no district of that name or code (in that region).
	Unknown Match = iota
	// Found: exactly one district.
	Found
	// Ambiguous: more than one district fits, e.g. "Xiva" is both the city
	// and the tuman; add "shahri" or "tumani", or send the SOATO code.
	Ambiguous
)

func (m Match) String() string {
	return [...]string{"unknown", "found", "ambiguous"}[m]
}

type districtKey struct {
	idx  int32
	kind designator // dCity or dDistrict, from the name it was registered under; dNone if it did not say
}

// Places maps what agencies send to ISO 3166-2:UZ region codes and to
// SOATO district codes. Build it once with NewPlaces; lookups allocate
// nothing and are safe for concurrent use.
type Places struct {
	exact     map[string]string // the ISO codes as written, the common case
	iso       map[string]string
	stems     map[string]regionStem
	districts []District
	distSOATO map[string]int32
	distNames map[string][]districtKey
}

//go:embed districts.csv
var districtsCSV []byte

// NewPlaces builds the matcher from the region reference data and the
// embedded district table.
func NewPlaces(d *region.Data) (*Places, error) {
	return NewPlacesWith(d, districtsCSV)
}

// DefaultPlaces builds the matcher from the embedded region data.
func DefaultPlaces() (*Places, error) {
	d, err := region.Load()
	if err != nil {
		return nil, err
	}
	return NewPlaces(d)
}

// NewPlacesWith is NewPlaces with a district table in the documented CSV
// format (see README.md): soato,region,name_uz,name_uz_cyrl,name_ru,name_en,aliases.
func NewPlacesWith(d *region.Data, districtTable []byte) (*Places, error) {
	p := &Places{
		exact:     map[string]string{},
		iso:       map[string]string{},
		stems:     map[string]regionStem{},
		distSOATO: map[string]int32{},
		distNames: map[string][]districtKey{},
	}
	known := map[string]bool{}
	for _, r := range d.Regions {
		known[r.ID] = true
		p.exact[r.ID] = r.ID
		code := strings.TrimPrefix(r.ID, "UZ-")
		for _, k := range []string{r.ID, code, "UZ" + code} {
			p.iso[string(placeKey(nil, []byte(k)))] = r.ID
		}
		for _, name := range []string{r.NameUz, r.NameCyrl, r.NameRu, r.NameEn} {
			if err := p.addRegionName(r.ID, name); err != nil {
				return nil, err
			}
		}
	}
	for id, names := range regionAliases {
		if !known[id] {
			return nil, fmt.Errorf("region aliases: %s is not in the region data", id)
		}
		for _, name := range names {
			if err := p.addRegionName(id, name); err != nil {
				return nil, err
			}
		}
	}
	for core, s := range p.stems {
		if s.plain == "" {
			s.plain = s.region
		}
		if s.region == "" {
			s.region = s.plain
		}
		p.stems[core] = s
	}
	for soato, id := range SOATORegions {
		if !known[id] {
			return nil, fmt.Errorf("SOATO %s: %s is not in the region data", soato, id)
		}
	}
	if err := p.loadDistricts(districtTable); err != nil {
		return nil, err
	}
	return p, nil
}

// split folds a name into its core words and the designator around them.
func split(name string) (core string, kind designator, err error) {
	key := placeKey(nil, []byte(name))
	var words []string
	for _, w := range strings.Fields(string(key)) {
		if dk, ok := designators[w]; ok {
			var agree bool
			if kind, agree = merge(kind, dk); !agree {
				return "", 0, fmt.Errorf("%q mixes designators", name)
			}
			continue
		}
		words = append(words, w)
	}
	if len(words) == 0 {
		return "", 0, fmt.Errorf("%q has no name besides designators", name)
	}
	return strings.Join(words, " "), kind, nil
}

func (p *Places) addRegionName(id, name string) error {
	core, kind, err := split(name)
	if err != nil {
		return fmt.Errorf("region %s: %w", id, err)
	}
	s := p.stems[core]
	slot := &s.plain
	if kind == dRegion {
		slot = &s.region
	} else if kind == dDistrict {
		return fmt.Errorf("region %s: %q names a district", id, name)
	}
	if *slot != "" && *slot != id {
		return fmt.Errorf("region name %q (%q) is claimed by both %s and %s", name, core, *slot, id)
	}
	*slot = id
	p.stems[core] = s
	return nil
}

func (p *Places) loadDistricts(table []byte) error {
	r := csv.NewReader(bytes.NewReader(table))
	r.FieldsPerRecord = 7
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("district table: %w", err)
	}
	want := []string{"soato", "region", "name_uz", "name_uz_cyrl", "name_ru", "name_en", "aliases"}
	for i := range want {
		if header[i] != want[i] {
			return fmt.Errorf("district table: column %d is %q, want %q", i+1, header[i], want[i])
		}
	}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("district table: %w", err)
		}
		d := District{SOATO: rec[0], Region: rec[1], NameUz: rec[2], NameCyrl: rec[3], NameRu: rec[4], NameEn: rec[5]}
		if len(d.SOATO) != 7 || !allDigits([]byte(d.SOATO)) {
			return fmt.Errorf("district table line %d: SOATO %q is not seven digits", line, d.SOATO)
		}
		if got := SOATORegions[d.SOATO[:4]]; got != d.Region {
			return fmt.Errorf("district table line %d: SOATO %s is in %q, the row says %q", line, d.SOATO, got, d.Region)
		}
		if _, dup := p.distSOATO[d.SOATO]; dup {
			return fmt.Errorf("district table line %d: SOATO %s listed twice", line, d.SOATO)
		}
		_, kind, err := split(d.NameUz)
		if err != nil {
			return fmt.Errorf("district table line %d: %w", line, err)
		}
		if kind != dCity && kind != dDistrict {
			return fmt.Errorf("district table line %d: name_uz %q must end in tumani or shahri", line, d.NameUz)
		}
		d.City = kind == dCity
		idx := int32(len(p.districts))
		p.districts = append(p.districts, d)
		p.distSOATO[d.SOATO] = idx
		names := []string{d.NameUz, d.NameCyrl, d.NameRu, d.NameEn}
		if rec[6] != "" {
			names = append(names, strings.Split(rec[6], ";")...)
		}
		seen := map[string]bool{}
		for _, name := range names {
			if strings.TrimSpace(name) == "" {
				continue
			}
			core, k, err := split(name)
			if err != nil {
				return fmt.Errorf("district table line %d: %w", line, err)
			}
			if k == dRegion {
				return fmt.Errorf("district table line %d: %q names a region", line, name)
			}
			if k != dNone && k != kind {
				return fmt.Errorf("district table line %d: %q says %v, name_uz says %v", line, name, k, kind)
			}
			id := core + "\x00" + string(rune('0'+k))
			if seen[id] {
				continue
			}
			seen[id] = true
			p.distNames[core] = append(p.distNames[core], districtKey{idx: idx, kind: k})
		}
	}
}

// placeKey is the key places are matched on: the search key (AppendFold)
// without the modifier letters ʻ and ʼ, so "Fargʻona", "Farg'ona" and
// "Fargona" meet.
func placeKey(dst, src []byte) []byte {
	start := len(dst)
	dst = AppendFold(dst, src)
	out := dst[:start]
	for i := start; i < len(dst); i++ {
		if dst[i] == 0xCA && i+1 < len(dst) && (dst[i+1] == 0xBB || dst[i+1] == 0xBC) {
			i++
			continue
		}
		out = append(out, dst[i])
	}
	return out
}

func allDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// coreOf splits a place key into the core words (appended to dst) and the
// designator they carry.
func coreOf(dst, key []byte) ([]byte, designator, bool) {
	kind := dNone
	for len(key) > 0 {
		w := key
		if i := bytes.IndexByte(key, ' '); i >= 0 {
			w, key = key[:i], key[i+1:]
		} else {
			key = nil
		}
		if dk, ok := designators[string(w)]; ok {
			var agree bool
			if kind, agree = merge(kind, dk); !agree {
				return dst, kind, false
			}
			continue
		}
		if len(dst) > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, w...)
	}
	return dst, kind, true
}

// Region returns the ISO 3166-2:UZ code of what an agency sent as a
// region: the code itself in any case with or without "UZ-", a SOATO
// region code (or a district or settlement code, whose region it gives),
// or a name in Uzbek Latin or Cyrillic, Russian or English, with or
// without "viloyati", "shahri", "область", "г.", "Region", "City" and the
// like. A bare "Tashkent" is the city (UZ-TK); the region needs its
// designator ("Toshkent viloyati", "Ташкентская область").
func (p *Places) Region(b []byte) (string, bool) {
	// Nearly every agency sends the code itself; that lookup is a tenth
	// of the cost of folding a name.
	if r, ok := p.exact[string(b)]; ok {
		return r, true
	}
	var kb, cb [96]byte
	key := placeKey(kb[:0], b)
	if allDigits(key) {
		switch len(key) {
		case 4, 7, 10:
			id, ok := SOATORegions[string(key[:4])]
			return id, ok
		}
		return "", false
	}
	if id, ok := p.iso[string(key)]; ok {
		return id, true
	}
	core, kind, ok := coreOf(cb[:0], key)
	if !ok || kind == dDistrict {
		return "", false
	}
	s, ok := p.stems[string(core)]
	if !ok {
		return "", false
	}
	if kind == dRegion {
		return s.region, true
	}
	return s.plain, true
}

// RegionString is Region for a string.
func (p *Places) RegionString(s string) (string, bool) {
	var buf [64]byte
	return p.Region(append(buf[:0], s...))
}

// District finds a district by SOATO code or by name (any script, with or
// without "tumani", "shahri", "район", "город", ...). With a region code,
// only that region's districts are considered and a SOATO code from
// another region is Unknown; with region "", all are. Districts outside
// the embedded table are Unknown: the caller decides whether that is an
// error.
func (p *Places) District(region string, b []byte) (District, Match) {
	var kb, cb [96]byte
	key := placeKey(kb[:0], b)
	if allDigits(key) {
		if len(key) == 10 {
			key = key[:7]
		}
		i, ok := p.distSOATO[string(key)]
		if !ok || (region != "" && p.districts[i].Region != region) {
			return District{}, Unknown
		}
		return p.districts[i], Found
	}
	core, kind, ok := coreOf(cb[:0], key)
	if !ok || kind == dRegion {
		return District{}, Unknown
	}
	found, n := int32(-1), 0
	for _, c := range p.distNames[string(core)] {
		d := &p.districts[c.idx]
		if region != "" && d.Region != region {
			continue
		}
		if kind != dNone && (kind == dCity) != d.City {
			continue
		}
		if c.idx != found { // a district's names are adjacent in the list
			found = c.idx
			n++
		}
	}
	switch {
	case n == 0:
		return District{}, Unknown
	case n > 1:
		return District{}, Ambiguous
	}
	return p.districts[found], Found
}

// Districts lists the embedded districts in table order.
func (p *Places) Districts() []District { return append([]District(nil), p.districts...) }
