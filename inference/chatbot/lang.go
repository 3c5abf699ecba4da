package chatbot

import (
	"strings"
	"unicode"

	"github.com/oqim/oqim/models/portalkb"
	"github.com/oqim/oqim/models/portalkb/uztranslit"
)

// Marker words that tell the languages apart when the script does not:
// Uzbek and Russian share Cyrillic, Uzbek and English share Latin.
var (
	uzCyrlMarkers = wordSet("қандай керак учун мен менга қаерда қаерга нима бўлади мумкин ва билан олиш қилиш ариза ҳужжат салом ассалому рахмат раҳмат қандай қанча йўқ бор эмас")
	ruMarkers     = wordSet("как где что мне нужно можно для на не это я и в с по получить здравствуйте спасибо хочу какие сколько")
	uzLatnMarkers = wordSet("qanday kerak uchun men menga qayerda qaerda nima boladi mumkin va bilan olish qilish ariza hujjat salom assalomu rahmat qancha yoq bor emas qilsam olsam kerakmi bormi")
	enMarkers     = wordSet("how what where when the a an i my me to do does is are can could for of and with get need want please hello hi thanks which")
)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// DetectLang returns the language form of text: Cyrillic text is Uzbek
// when it has Uzbek-only letters or more Uzbek than Russian marker words,
// Latin text is English when it has more English than Uzbek marker words.
// Latin ties go to Uzbek, the portal's first language; Cyrillic ties
// without Uzbek-only letters go to Russian. Empty text is uz-Latn.
func DetectLang(text string) portalkb.Lang {
	var cyr, lat, uzLetters int
	for _, r := range text {
		switch {
		case uztranslit.IsCyrillic(r):
			cyr++
			switch unicode.ToLower(r) {
			case 'ў', 'қ', 'ғ', 'ҳ':
				uzLetters++
			}
		case r < 0x250 && unicode.IsLetter(r):
			lat++
		}
	}
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !uztranslit.IsApostrophe(r)
	})
	if cyr > lat {
		uz, ru := 2*uzLetters, 0
		for _, w := range words {
			if uzCyrlMarkers[w] {
				uz++
			}
			if ruMarkers[w] {
				ru++
			}
		}
		if uz > ru {
			return portalkb.UzCyrl
		}
		if ru > uz {
			return portalkb.Ru
		}
		// Nearly every Uzbek sentence has ў, қ, ғ or ҳ; without them and
		// without marker words, Russian is the likelier reading.
		return portalkb.Ru
	}
	uz, en := 0, 0
	for _, w := range words {
		plain := strings.Map(func(r rune) rune {
			if uztranslit.IsApostrophe(r) {
				return -1
			}
			return r
		}, w)
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
	}
	if en > uz {
		return portalkb.En
	}
	return portalkb.UzLatn
}
