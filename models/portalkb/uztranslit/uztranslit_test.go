package uztranslit

import "testing"

func TestToCyrillic(t *testing.T) {
	cases := map[string]string{
		"Koʻchma savdo obyektlarini roʻyxatdan oʻtkazish": "Кўчма савдо объектларини рўйхатдан ўтказиш",
		"Qoʻshilgan qiymat soligʻi":                       "Қўшилган қиймат солиғи",
		"O'zbekiston":                                     "Ўзбекистон",
		"g`alla":                                          "ғалла",
		"maʼlumotnoma":                                    "маълумотнома",
		"Elektr tarmoqlariga ulanish":                     "Электр тармоқларига уланиш",
		"registratsiya ketsa":                             "регистрация кетса",
		"yoshlar yer choy":                                "ёшлар ер чой",
		"ID-karta":                                        "ИД-карта",
		"SHAXS":                                           "ШАХС",
		"1242 call-markazi":                               "1242 колл-маркази",
	}
	for in, want := range cases {
		if got := ToCyrillic(in); got != want {
			t.Errorf("ToCyrillic(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestToLatin(t *testing.T) {
	cases := map[string]string{
		"Кўчма савдо":   "Koʻchma savdo",
		"солиғи":        "soligʻi",
		"ер":            "yer",
		"Ҳужжат":        "Hujjat",
		"маълумотнома":  "maʼlumotnoma",
		"шахс ва ёшлар": "shaxs va yoshlar",
	}
	for in, want := range cases {
		if got := ToLatin(in); got != want {
			t.Errorf("ToLatin(%q) = %q, want %q", in, got, want)
		}
	}
}
