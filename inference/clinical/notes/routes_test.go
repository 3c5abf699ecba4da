package notes

import "testing"

func TestRoutes(t *testing.T) {
	for _, c := range []struct{ text, drug, route string }{
		{"Лечение: кеторолак 30 мг в/м однократно.", "ketorolac", "intramuscular"},
		{"Назначено: цефтриаксон 1 г в/в 1 раз в день 5 дней.", "ceftriaxone", "intravenous"},
		{"Tavsiya: Nazoneks burunning har bir yo'liga 2 purkash.", "mometasone", "nasal"},
		{"Назначено: каптоприл 25 мг под язык.", "captopril", "sublingual"},
		{"Plan: salbutamol via nebuliser 2.5 mg.", "salbutamol", "inhaled"},
		{"Назначено: парацетамол 500 мг 3 раза в день.", "paracetamol", ""},
	} {
		n := structure(t, c.text)
		if len(n.Medications) != 1 || n.Medications[0].Name != c.drug || n.Medications[0].Route != c.route {
			t.Errorf("%q: want %s by route %q, got %+v", c.text, c.drug, c.route, n.Medications)
		}
	}
}
