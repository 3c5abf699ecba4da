package redact

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	r := New()
	cases := []struct {
		in, want string
		c        Counts
	}{
		{"pasportim AA1234567 yo'qoldi", "pasportim [PASSPORT] yo'qoldi", Counts{Passport: 1}},
		{"паспорт АВ 7654321, ПИНФЛ 12345678901234", "паспорт [PASSPORT], ПИНФЛ [PINFL]", Counts{Passport: 1, PINFL: 1}},
		{"JSHSHIR: 3120 5678 9012 34", "JSHSHIR: [PINFL]", Counts{PINFL: 1}},
		{"call me on +998 90 123-45-67 please", "call me on [PHONE] please", Counts{Phone: 1}},
		{"nomerim 998901234567", "nomerim [PHONE]", Counts{Phone: 1}},
		{"tel (93) 123-45-67", "tel [PHONE]", Counts{Phone: 1}},
		{"tel 901234567.", "tel [PHONE].", Counts{Phone: 1}},
		{"ariza 2026 yilda, 086 spravka, 1242", "ariza 2026 yilda, 086 spravka, 1242", Counts{}},
	}
	for _, c := range cases {
		got, n := r.Redact(c.in)
		if got != c.want || n != c.c {
			t.Errorf("Redact(%q) = %q %+v, want %q %+v", c.in, got, n, c.want, c.c)
		}
	}
}

func TestRedactLeavesNoDigitsOfIdentifiers(t *testing.T) {
	r := New()
	in := strings.Repeat("AB1234567 +998911112233 12345678901234 ", 50)
	got, n := r.Redact(in)
	if strings.ContainsAny(got, "0123456789") {
		t.Fatalf("digits left: %q", got[:80])
	}
	if n.Total() != 150 {
		t.Fatalf("removed %d identifiers, want 150", n.Total())
	}
}
