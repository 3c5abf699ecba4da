package notes

import "testing"

func TestVitalsUzbekAbbreviationsAndSpokenForms(t *testing.T) {
	for _, c := range []struct {
		text string
		want Vitals
	}{
		{"Ko'rik: AQB 145/95, YuQS 90.", Vitals{BPSystolic: 145, BPDiastolic: 95, Pulse: 90}},
		{"Кўрик: АҚБ 100/60, ЮҚС 58.", Vitals{BPSystolic: 100, BPDiastolic: 60, Pulse: 58}},
		{"Объективно: давление 150 на 95, ЧСС 76.", Vitals{BPSystolic: 150, BPDiastolic: 95, Pulse: 76}},
		{"korikda qon bosimi bir yuz on besh ga yetmish puls yetmish ikki", Vitals{BPSystolic: 115, BPDiastolic: 70, Pulse: 72}},
	} {
		if got := structure(t, c.text).Vitals; got != c.want {
			t.Errorf("%q: got %+v, want %+v", c.text, got, c.want)
		}
	}
}
