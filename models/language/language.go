// Package language tells which of the project's language forms a text is
// written in: Uzbek in Latin or Cyrillic script, Russian or English. The
// chatbot answers in it, the diagnosis text mode names conditions in it,
// and a clinical note records it, so all three read a text the same way.
package language

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/oqim/oqim/models/portalkb/uztranslit"
)

// Tag names a language form as a BCP 47 tag.
type Tag string

const (
	UzLatn Tag = "uz-Latn"
	UzCyrl Tag = "uz-Cyrl"
	Ru     Tag = "ru"
	En     Tag = "en"
)

// Marker words that tell the languages apart when the script does not:
// Uzbek and Russian share Cyrillic, Uzbek and English share Latin.
var (
	uzCyrlMarkers = wordSet("қандай керак учун мен менга қаерда қаерга нима бўлади мумкин ва билан олиш қилиш ариза ҳужжат салом ассалому рахмат раҳмат қандай қанча йўқ бор эмас " +
		// typed on a Russian keyboard, without қ ғ ў ҳ
		"кандай канча каерда каерга булади олинади берилади керакми")
	ruMarkers     = wordSet("как где что мне нужно можно для на не это я и в с по получить здравствуйте спасибо хочу какие сколько")
	uzLatnMarkers = wordSet("qanday kerak uchun men menga qayerda qaerda nima boladi mumkin va bilan olish qilish ariza hujjat salom assalomu rahmat qancha yoq bor emas qilsam olsam kerakmi bormi " +
		"isitma harorat ogriq ogriydi yotal bosh qorin kokrak kuniga kun marta hafta oy pul bemor shikoyat")
	// Russian typed in Latin letters ("kak poluchit spravku"): its
	// function words and the commonest words of a question for the state.
	ruLatnMarkers = wordSet("kak kakoy kakie kakaya gde mne menya nuzhno nado mozhno chto chtoby skolko pochemu kogda dlya ili eto " +
		"poluchit oformit podat uznat sdelat spravku spravka posobie dokumenty zayavlenie pasporta uslugu zaregistrirovat postavit")
	enMarkers = wordSet("how what where when the a an i my me to do does is are can could for of and with get need want please hello hi thanks which " +
		"no not pain fever sore throat nose cough chest headache rash since days weeks swollen vomiting nausea")
)

// uzCyrlSuffixes are Uzbek endings no Russian word has: the verbal noun
// (-лаш, -лиш), plural with a case (-ларни, -ларга, -ларига), genitive
// (-нинг), -даги, the present continuous (-япман, -япти), a possessive
// before the accusative (-имни "my ...", -ингни, -имизни), "your" (-ингиз),
// the perfect (-ганман, -ганмиз), the intention (-мокчи, written
// without қ) and the endings below. Uzbek typed on a Russian keyboard often lacks ў, қ, ғ and ҳ
// ("Паролимни унутдим"); these still tell it.
var uzCyrlSuffixes = []string{"лаш", "лиш", "ларни", "ларга", "ларига", "нинг", "даги", "япман", "япти", "япмиз", "япсиз",
	"имни", "ингни", "имизни", "ингиз", "ганман", "ганмиз", "мокчи", "мокчиман",
	// the verbal noun (-иш: "алмаштириш"), the accusative after a
	// possessive (-ини), the plural possessive (-лари) and "-нома"
	// (a document: "ишончнома", "маълумотнома")
	"иш", "ини", "лари", "нома"}

func uzCyrlSuffixed(w string) bool {
	for _, suf := range uzCyrlSuffixes {
		if !strings.HasSuffix(w, suf) || utf8.RuneCountInString(w) < utf8.RuneCountInString(suf)+3 {
			continue
		}
		// Russian loanwords in -инг ("скрининг", "тренинг", "клининг")
		// end in -нинг after и or е; the Uzbek genitive rarely does.
		if suf == "нинг" {
			if r, _ := utf8.DecodeLastRuneInString(strings.TrimSuffix(w, suf)); r == 'и' || r == 'е' {
				continue
			}
		}
		return true
	}
	return false
}

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// Letters counts a text's letters by script; UzCyrl counts those of the
// Cyrillic ones only Uzbek has (ў қ ғ ҳ).
type Letters struct {
	Cyrillic, Latin, UzCyrl int
}

// Count counts the letters of text by script.
func Count(text string) Letters {
	var n Letters
	for _, r := range text {
		switch {
		case uztranslit.IsCyrillic(r):
			n.Cyrillic++
			switch unicode.ToLower(r) {
			case 'ў', 'қ', 'ғ', 'ҳ':
				n.UzCyrl++
			}
		case r < 0x250 && unicode.IsLetter(r):
			n.Latin++
		}
	}
	return n
}

// Mixed reports whether both scripts hold more than a fifth of the
// letters, as in a dictation that switches between Uzbek in Latin and
// Russian in Cyrillic.
func (n Letters) Mixed() bool {
	total := n.Cyrillic + n.Latin
	return n.Cyrillic*5 > total && n.Latin*5 > total
}

// Detect returns the language form of text: Cyrillic text is Uzbek when
// it has Uzbek-only letters or more Uzbek than Russian marker words,
// Latin text is English when it has more English than Uzbek marker words.
// Latin ties go to Uzbek, the portal's first language; Cyrillic ties
// without Uzbek-only letters go to Russian. Text with no letters is
// uz-Latn.
func Detect(text string) Tag { return Count(text).Detect(text) }

// Detect is Detect for text whose letters n counts, for a caller that
// has counted them already.
func (n Letters) Detect(text string) Tag {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !uztranslit.IsApostrophe(r)
	})
	if n.Cyrillic > n.Latin {
		uz, ru := 2*n.UzCyrl, 0
		for _, w := range words {
			if uzCyrlMarkers[w] || uzCyrlSuffixed(w) {
				uz++
			}
			if ruMarkers[w] {
				ru++
			}
		}
		// Nearly every Uzbek sentence has ў, қ, ғ or ҳ; without them and
		// without marker words, Russian is the likelier reading.
		if uz > ru {
			return UzCyrl
		}
		return Ru
	}
	uz, en, ru := 0, 0, 0
	foreign := false
	for _, w := range words {
		plain := strings.Map(func(r rune) rune {
			if uztranslit.IsApostrophe(r) {
				return -1
			}
			return r
		}, w)
		if ruLatnMarkers[plain] {
			ru++
		}
		if uzLatnMarkers[plain] {
			uz++
		}
		if enMarkers[plain] {
			en++
		}
		// oʻ, gʻ and sh/ch with q or x are Uzbek spellings.
		if strings.ContainsAny(w, "ʻʼ'`’") && (strings.Contains(w, "o") || strings.Contains(w, "g")) {
			uz++
		}
		if strings.ContainsRune(plain, 'q') && !strings.Contains(plain, "qu") {
			uz++
		}
		if uzLatnSuffixed(plain) {
			uz++
		}
		// The Uzbek Latin alphabet has no w, and c only in ch, and
		// Uzbek has no th: a word with one ("throat", "cough", "swollen")
		// leans English. Brands and drug names have them too ("Uzcard",
		// "Click", "ciprofloxacin"), so such words count once in all.
		if utf8.RuneCountInString(plain) >= 4 && (strings.ContainsRune(plain, 'w') || strings.Contains(plain, "th") ||
			strings.Contains(strings.ReplaceAll(plain, "ch", ""), "c")) {
			foreign = true
		}
	}
	if foreign {
		en++
	}
	// Russian in Latin letters is answered in Russian: its words are
	// Russian whatever the script.
	if ru >= 2 && ru > uz && ru > en {
		return Ru
	}
	if en > uz {
		return En
	}
	return UzLatn
}

// uzLatnSuffixes are Uzbek endings that English words do not have: the
// genitive, plural with a case, the dative and ablative, the present
// continuous, the negative past, intention and the possessive -si.
var uzLatnSuffixes = []string{"ning", "larni", "lari", "larga", "yapti", "yapman", "yapmiz", "madi", "moqchi", "moqchiman", "ga", "dan", "ni", "si"}

func uzLatnSuffixed(w string) bool {
	for _, suf := range uzLatnSuffixes {
		// Short endings only on longer words: "saga", "and", "mini" are
		// not Uzbek.
		if strings.HasSuffix(w, suf) && utf8.RuneCountInString(w) >= len(suf)+4 {
			return true
		}
	}
	return false
}
