package redact

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRedactFormats(t *testing.T) {
	r := New()
	cases := []struct {
		in, want string
		c        Counts
	}{
		// Passports and ID cards.
		{"pasportim AA1234567 yo'qoldi", "pasportim [PASSPORT] yo'qoldi", Counts{Passport: 1}},
		{"паспорт АВ 7654321, ПИНФЛ 12345678901234", "паспорт [PASSPORT], ПИНФЛ [PINFL]", Counts{Passport: 1, PINFL: 1}},
		{"pasport AA 123 45 67 bilan", "pasport [PASSPORT] bilan", Counts{Passport: 1}},
		// Groups set apart with " - ", as people type them.
		{"tel 90 - 123 - 45 - 67", "tel [PHONE]", Counts{Phone: 1}},
		{"карта 8600 - 1234 - 5678 - 9012", "карта [CARD]", Counts{Card: 1}},
		{"серия АА1234567", "серия [PASSPORT]", Counts{Passport: 1}},
		{"ID-karta AD-1234567", "ID-karta [PASSPORT]", Counts{Passport: 1}},
		{"паспорт АС №1234567", "паспорт [PASSPORT]", Counts{Passport: 1}},
		{"aa1234567", "[PASSPORT]", Counts{Passport: 1}},
		// A number sign, a dash or a word for "number" apart from both.
		{"паспорт серии АА № 1234567", "паспорт серии [PASSPORT]", Counts{Passport: 1}},
		{"passport AA - 1234567", "passport [PASSPORT]", Counts{Passport: 1}},
		{"passport AA N 1234567", "passport [PASSPORT]", Counts{Passport: 1}},
		{"паспорт серия АА номер 1234567", "паспорт серия [PASSPORT]", Counts{Passport: 1}},
		{"pasport seriyasi AA raqami 1234567", "pasport seriyasi [PASSPORT]", Counts{Passport: 1}},
		// A small word before a reference number is not a series.
		{"Ответ на № 1234567 от 12.03", "Ответ на № 1234567 от 12.03", Counts{}},
		{"ariza va № 1234567", "ariza va № 1234567", Counts{}},
		{"позвонил на номер 1234567", "позвонил на номер 1234567", Counts{}},
		{"Is No. 1234567 valid?", "Is No. 1234567 valid?", Counts{}},
		// Invisible characters pasted inside a number.
		{"pasport AA\u200b1234567", "pasport [PASSPORT]", Counts{Passport: 1}},
		{"karta 8600 1234\u00ad5678 9012", "karta [CARD]", Counts{Card: 1}},
		// PINFL.
		{"JSHSHIR: 3120 5678 9012 34", "JSHSHIR: [PINFL]", Counts{PINFL: 1}},
		{"ПИНФЛ 31205\u00a0678\u00a090123\u00a04", "ПИНФЛ [PINFL]", Counts{PINFL: 1}},
		// Phones.
		{"call me on +998 90 123-45-67 please", "call me on [PHONE] please", Counts{Phone: 1}},
		{"+998 90 12 345 67", "[PHONE]", Counts{Phone: 1}},
		{"nomerim 998901234567", "nomerim [PHONE]", Counts{Phone: 1}},
		{"tel (93) 123-45-67", "tel [PHONE]", Counts{Phone: 1}},
		{"tel 901234567.", "tel [PHONE].", Counts{Phone: 1}},
		{"90.123.45.67 ga", "[PHONE] ga", Counts{Phone: 1}},
		{"тел\u00a090\u00a0123\u00a045\u00a067", "тел\u00a0[PHONE]", Counts{Phone: 1}},
		{"+998\u202f90\u202f123\u202f45\u202f67", "[PHONE]", Counts{Phone: 1}},
		{"Moskvada: +7 915 123 45 67", "Moskvada: [PHONE]", Counts{Phone: 1}},
		// Cards.
		{"karta 8600 1234 5678 9012", "karta [CARD]", Counts{Card: 1}},
		{"humo 9860123412341234", "humo [CARD]", Counts{Card: 1}},
		{"raqam 1234567812345678", "raqam 1234567812345678", Counts{}}, // fails Luhn, not grouped, no card prefix
		{"visa 4111111111111111", "visa [CARD]", Counts{Card: 1}},
		{"4111-1111-1111-1111", "[CARD]", Counts{Card: 1}},
		// E-mail.
		{"pochta: ali.valiyev+gov@mail.uz", "pochta: [EMAIL]", Counts{Email: 1}},
		{"почта иван@почта.рф", "почта [EMAIL]", Counts{Email: 1}},
		// Uzbek glues case endings to a number; other separators people
		// type; digits of other scripts.
		{"Pasport AA1234567ni yo'qotdim", "Pasport [PASSPORT]ni yo'qotdim", Counts{Passport: 1}},
		{"JShShIR 30101901234567dan foydalanib", "JShShIR [PINFL]dan foydalanib", Counts{PINFL: 1}},
		{"998901234567ga qo'ng'iroq qiling", "[PHONE]ga qo'ng'iroq qiling", Counts{Phone: 1}},
		{"паспорт АА1234567ни", "паспорт [PASSPORT]ни", Counts{Passport: 1}},
		{"pasport AA/1234567", "pasport [PASSPORT]", Counts{Passport: 1}},
		{"+998_90_123_45_67", "[PHONE]", Counts{Phone: 1}},
		{"tel ９０１２３４５６７", "tel [PHONE]", Counts{Phone: 1}},
		{"pasport AA١٢٣٤٥٦٧", "pasport [PASSPORT]", Counts{Passport: 1}},
		// Several in a row.
		{"AA1234567 901234567", "[PASSPORT] [PHONE]", Counts{Passport: 1, Phone: 1}},
		{"12345678901234 +998901234567", "[PINFL] [PHONE]", Counts{PINFL: 1, Phone: 1}},
		{"tel 90 123 45 67 93 765 43 21", "tel [PHONE] [PHONE]", Counts{Phone: 2}},
	}
	for _, c := range cases {
		got, n := r.Redact(c.in)
		if got != c.want || n != c.c {
			t.Errorf("Redact(%q) = %q %+v, want %q %+v", c.in, got, n, c.want, c.c)
		}
	}
}

// What is not personal stays: dates, amounts, years, service numbers,
// the call centre's number, ICD-10 codes, vitals.
func TestRedactKeepsOrdinaryNumbers(t *testing.T) {
	r := New()
	for _, s := range []string{
		"ariza 2026 yilda, 086 spravka, 1242",
		"jarima 1 500 000 so'm, 150 000 000 so'm",
		"muddati 12.03.2026 gacha",
		"АД 130/85, ЧСС 72, SpO2 98%, t 38.5",
		"J45.9, I10, E11.9",
		"PQ-286 qarori, 16.09.2025",
		"ariza raqami 2026-000123",
		"2023 - 2024 o'quv yili, 10 - 12 kun",
		// Two-letter words before an amount are not a passport series.
		"12.03.2025 da 1 250 000 so'm to'ladim",
		"narxi 2 500 000 va 1.250.000 so'm",
		"оплатил 12.03.2025 на 1 250 000 сум",
		// A code with letters glued after its digits is not a suffix.
		"buyurtma 1234567AB",
		"2026yilda 3ta ariza",
	} {
		if got, n := r.Redact(s); got != s || n.Total() != 0 {
			t.Errorf("Redact(%q) = %q %+v, want it unchanged", s, got, n)
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

// A long run of separated digits costs linear time, not quadratic.
func TestRedactLongRunIsBounded(t *testing.T) {
	in := strings.Repeat("1 ", 500000)
	got, _ := New().Redact(in)
	if len(got) == 0 {
		t.Fatal("empty output")
	}
}

// identifier draws a personal identifier in one of the layouts people type.
func identifier(rng *rand.Rand) string {
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		return string(b)
	}
	seps := []string{" ", "\u00a0", "\u202f", "-", ".", ""}
	sep := seps[rng.IntN(len(seps))]
	switch rng.IntN(5) {
	case 0:
		series := []string{"AA", "AB", "АА", "АС", "ad", "FA"}[rng.IntN(6)]
		d := digits(7)
		if rng.IntN(2) == 0 {
			d = d[:3] + sep + d[3:5] + sep + d[5:]
		}
		return series + []string{"", " ", "-", "№"}[rng.IntN(4)] + d
	case 1:
		d := digits(14)
		return d[:4] + sep + d[4:8] + sep + d[8:12] + sep + d[12:]
	case 2:
		d := digits(9)
		prefix := []string{"", "+998 ", "998", "+998"}[rng.IntN(4)]
		return prefix + d[:2] + sep + d[2:5] + sep + d[5:7] + sep + d[7:]
	case 3:
		d := "8600" + digits(12)
		return d[:4] + sep + d[4:8] + sep + d[8:12] + sep + d[12:]
	default:
		return "user" + digits(3) + "@example.uz"
	}
}

// FuzzRedact checks the properties that must hold for any text: no
// panic, valid UTF-8 stays valid, redacting twice changes nothing more,
// and an identifier planted in the text never survives.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{"", "AA1234567", "+998 90 123 45 67", "1 2 3 4 5 6 7 8 9", "a@b.c", "8600 1234 5678 9012", "АА\u00a01234567", "((((9"} {
		f.Add(s, uint64(1))
	}
	r := New()
	f.Fuzz(func(t *testing.T, text string, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		id := identifier(rng)
		in := text + " " + id + " " + text
		out, _ := r.Redact(in)
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("Redact(%q) produced invalid UTF-8 %q", in, out)
		}
		again, _ := r.Redact(out)
		if again != out {
			t.Fatalf("not idempotent: %q → %q → %q", in, out, again)
		}
		// The planted identifier, set apart by spaces, must be gone,
		// unless the surrounding text glued itself onto it.
		clean, _ := r.Redact(" " + id + " ")
		if strings.Contains(clean, id) {
			t.Fatalf("identifier %q survived: %q", id, clean)
		}
	})
}
