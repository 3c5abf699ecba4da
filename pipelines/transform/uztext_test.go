package transform

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFoldSameKey(t *testing.T) {
	groups := [][]string{
		{"Gʻallaorol", "G'allaorol", "Ғаллаорол", "G`allaorol", "G‘allaorol", "GʼALLAOROL", "  g’allaorol. "},
		// Four different apostrophes.
		{"Qoʻshilgan qiymat soligʻi", "Qo'shilgan qiymat solig`i", "Qo’shilgan  qiymat soligʼi", "Қўшилган қиймат солиғи"},
		{"Toshkent shahri", "Тошкент шаҳри", "TOSHKENT SHAHRI", "Toshkent\u00a0shahri", "Тoшкент шаҳри" /* Latin o */},
		{"Oʻzbekiston Respublikasi", "Ўзбекистон Республикаси", "O'zbekiston respublikasi", "ЎЗБЕКИСТОН РЕСПУБЛИКАСИ"},
		{"Samarqand", "Самарқанд", "Самаpқанд" /* Latin p */, "Самарқанд"},
		{"Jizzax viloyati", "Жиззах вилояти", "Jizzax viloуati" /* Cyrillic у */, "Жиззах  вилояти,"},
		{"Fargʻona", "Фарғона", "Farg'ona"},
		// Decomposed ў (у + combining breve).
		{"Ўрта", "У\u0306рта", "Oʻrta"},
	}
	for _, g := range groups {
		want := Fold(g[0])
		for _, s := range g[1:] {
			if got := Fold(s); got != want {
				t.Errorf("Fold(%q) = %q, Fold(%q) = %q; want the same key", s, got, g[0], want)
			}
		}
	}
}

func TestFold(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Ғаллаорол", "gʻallaorol"},
		{"  Toshkent   sh. ", "toshkent sh"},
		{"г. Ташкент", "g tashkent"},
		{"«Yangi Oʻzbekiston»!", "yangi oʻzbekiston"},
		{"'Toshkent'", "toshkent"},
		{"tog' va bog'", "togʻ va bogʻ"},
		{"Maʼlumot", "maʼlumot"},
		{"Ma'lumot", "maʼlumot"},
		{"2025-11-03, 1.5 km", "2025-11-03 1.5 km"},
		{"Кашкадарьинская область", "kashkadarinskaya oblast"},
		{"Сырдарья", "sirdarya"},
		{"ЧОРВАЧИЛИК", "chorvachilik"},
		{"Straße", "straße"},
		{"", ""},
		{" \t\n", ""},
	} {
		if got := Fold(c.in); got != c.want {
			t.Errorf("Fold(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestLatin(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// е: ye at word start, after vowels and after ъ/ь; e after consonants.
		{"ер", "yer"}, {"Ер", "Yer"}, {"поезд", "poyezd"}, {"келди", "keldi"}, {"объект", "obyekt"}, {"премьер", "premyer"},
		// ё ю я: always yo yu ya.
		{"ёз", "yoz"}, {"юз", "yuz"}, {"ярим", "yarim"}, {"дарё", "daryo"},
		// ц: s at word start and after consonants, ts after vowels.
		{"цех", "sex"}, {"концерт", "konsert"}, {"милиция", "militsiya"}, {"лицей", "litsey"},
		// Digraphs and Uzbek letters.
		{"шаҳар", "shahar"}, {"чой", "choy"}, {"ғалла", "gʻalla"}, {"ўғил", "oʻgʻil"}, {"қишлоқ", "qishloq"},
		// ъ: tutuq ʼ, dropped before е ё ю я; ь dropped, ьо → yo.
		{"маъно", "maʼno"}, {"таъсир", "taʼsir"}, {"съезд", "syezd"}, {"область", "oblast"}, {"бульон", "bulyon"},
		// Case: capitalised and all-capitals words.
		{"Шаҳар", "Shahar"}, {"ШАҲАР", "SHAHAR"}, {"Ўзбекистон", "Oʻzbekiston"}, {"ЎЗБЕКИСТОН", "OʻZBEKISTON"}, {"ТОШ", "TOSH"}, {"Ш", "Sh"},
		// Latin passes through; apostrophes unified.
		{"G'allaorol tumani", "Gʻallaorol tumani"}, {"Qoʻqon", "Qoʻqon"}, {"ma’no", "maʼno"},
		// OCR: look-alikes take the word's script.
		{"Тoшкент", "Toshkent"}, {"Toshkеnt", "Toshkent"}, {"Самаpқанд", "Samarqand"}, {"viloуati", "viloyati"},
		// Punctuation and spacing kept.
		{"Тошкент ш.,  2025", "Toshkent sh.,  2025"},
		// Quotes that are not inside words are kept.
		{"'Тошкент'", "'Toshkent'"},
	} {
		if got := Latin(c.in); got != c.want {
			t.Errorf("Latin(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestApostrophes(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"O'zbekiston", "Oʻzbekiston"},
		{"G`ALLA", "GʻALLA"},
		{"ta'lim", "taʼlim"},
		{"taʻlim", "taʼlim"},   // wrong mark after a consonant
		{"moʼjiza", "moʻjiza"}, // after o it is always ʻ
		{"Тошкент o'", "Тошкент oʻ"},
		{"'quoted'", "'quoted'"},
	} {
		if got := string(AppendApostrophes(nil, []byte(c.in))); got != c.want {
			t.Errorf("AppendApostrophes(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDetectAndNormalizeUz(t *testing.T) {
	for _, c := range []struct {
		in   string
		lang Lang
		norm string
	}{
		{"Тошкент шаҳри", LangUzbek, "Toshkent shahri"},
		{"Жиззах вилояти", LangUzbek, "Jizzax viloyati"},
		{"Бухоро ва Самарқанд", LangUzbek, "Buxoro va Samarqand"},
		{"Джизакская область", LangRussian, "Джизакская область"},
		{"г. Ташкент", LangRussian, "г. Ташкент"},
		{"город  Ташкент\n", LangRussian, "город Ташкент"},
		{"Сырдарья", LangRussian, "Сырдарья"},
		{"  Qo'qon  shahri ", LangLatin, "Qoʻqon shahri"},
		{"Ташкент", LangUzbek, "Tashkent"}, // no evidence either way: Uzbek
	} {
		if got := Detect([]byte(c.in)); got != c.lang {
			t.Errorf("Detect(%q) = %v, want %v", c.in, got, c.lang)
		}
		if got := NormalizeUz(c.in); got != c.norm {
			t.Errorf("NormalizeUz(%q) = %q, want %q", c.in, got, c.norm)
		}
	}
}

// Every output is valid UTF-8 and Fold is idempotent, whatever the input.
func FuzzFold(f *testing.F) {
	for _, s := range []string{"Ғаллаорол", "G'allaorol", "Тoшкент", "a'", "'", "ъ", "Ь", "у\u0306", "\xff\xfe", "1.2-3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := Fold(s)
		if !utf8.ValidString(k) && utf8.ValidString(s) {
			t.Fatalf("Fold(%q) = %q is not UTF-8", s, k)
		}
		if strings.HasPrefix(k, " ") || strings.HasSuffix(k, " ") || strings.Contains(k, "  ") {
			t.Fatalf("Fold(%q) = %q has stray spaces", s, k)
		}
		if utf8.ValidString(s) {
			if k2 := Fold(k); k2 != k {
				t.Fatalf("Fold not idempotent: %q → %q → %q", s, k, k2)
			}
		}
		_ = Latin(s)
		_ = NormalizeUz(s)
	})
}

var textSamples = []string{
	"Qoʻshilgan qiymat soligʻi summasi oʻrnini qoplash",
	"Қўшилган қиймат солиғи сўммаси ўрнини қоплаш",
	"Возмещение суммы налога на добавленную стоимость",
	"Toshkent shahri, Yunusobod tumani",
}

func TestTextAllocs(t *testing.T) {
	buf := make([]byte, 0, 512)
	for _, s := range textSamples {
		b := []byte(s)
		for name, fn := range map[string]func([]byte, []byte) []byte{
			"AppendFold": AppendFold, "AppendLatin": AppendLatin, "AppendNormalizeUz": AppendNormalizeUz, "AppendApostrophes": AppendApostrophes,
		} {
			if n := testing.AllocsPerRun(100, func() { buf = fn(buf[:0], b) }); n != 0 {
				t.Errorf("%s(%q): %v allocations per call, want 0", name, s, n)
			}
		}
		if n := testing.AllocsPerRun(100, func() { _ = Detect(b) }); n != 0 {
			t.Errorf("Detect(%q): %v allocations per call, want 0", s, n)
		}
	}
}

func benchText(b *testing.B, fn func([]byte, []byte) []byte, s string) {
	src := []byte(s)
	buf := make([]byte, 0, 4*len(src))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		buf = fn(buf[:0], src)
	}
}

func BenchmarkFoldLatin(b *testing.B)     { benchText(b, AppendFold, textSamples[0]) }
func BenchmarkFoldCyrillic(b *testing.B)  { benchText(b, AppendFold, textSamples[1]) }
func BenchmarkFoldRussian(b *testing.B)   { benchText(b, AppendFold, textSamples[2]) }
func BenchmarkLatinCyrillic(b *testing.B) { benchText(b, AppendLatin, textSamples[1]) }
func BenchmarkNormalizeUzCyrillic(b *testing.B) {
	benchText(b, AppendNormalizeUz, textSamples[1])
}
func BenchmarkNormalizeUzRussian(b *testing.B) { benchText(b, AppendNormalizeUz, textSamples[2]) }
