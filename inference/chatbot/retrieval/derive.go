package retrieval

import (
	"strings"
	"unicode/utf8"
)

// russianDerivations bring a verb and its noun onto one stem after the
// snowball stemmer, which removes inflection only: citizens ask with the
// verb ("подключить", "зарегистрировать", "восстановить") where service
// titles use the noun ("подключение", "регистрация", "восстановление").
// The stems are in folded Latin (see fold), longest ending first.
var russianDerivations = []struct{ suffix, repl string }{
	{"irova", ""}, // registrirova(t) → registr
	{"vlen", "v"}, // vosstanovlen(ie) → vosstanov
	{"mlen", "m"}, // oformlen(ie) → oform
	{"ats", ""},   // registrats(iya) → registr
	{"en", ""},    // podklyuchen(ie) → podklyuch, poluchen(ie) → poluch
}

// russianDerivation maps a folded Russian stem to the stem it shares with
// its verb or noun. The perfective prefix za- is dropped only before
// "registr": elsewhere it changes the word (заказ, закон), and pere-
// (перерегистрация, re-registration) is a service of its own.
func russianDerivation(stem string) string {
	if rest, ok := strings.CutPrefix(stem, "za"); ok && strings.HasPrefix(rest, "registr") {
		stem = rest
	}
	for _, d := range russianDerivations {
		if strings.HasSuffix(stem, d.suffix) && utf8.RuneCountInString(stem)-len(d.suffix) >= 4 {
			return stem[:len(stem)-len(d.suffix)] + d.repl
		}
	}
	return stem
}

// englishDerivations join a verb and its -ation noun where the Porter2
// stemmer leaves them apart: register/registration, certify/certification,
// verify/verification, apply/application.
var englishDerivations = map[string]string{
	"registr": "regist",
	"certifi": "certif",
	"verifi":  "verif",
	"appli":   "applic",
	"notari":  "notar",
}

func englishDerivation(stem string) string {
	if to, ok := englishDerivations[stem]; ok {
		return to
	}
	return stem
}
