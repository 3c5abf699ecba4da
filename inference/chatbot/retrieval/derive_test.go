package retrieval

import (
	"slices"
	"testing"
)

func shareTerm(a, b string) bool {
	ta, tb := Terms(nil, a), Terms(nil, b)
	return slices.ContainsFunc(ta, func(t string) bool { return slices.Contains(tb, t) })
}

// Citizens ask with the verb, titles use the noun; Uzbek voice endings
// change the verb's form. Both must meet, without merging services that
// differ only by a prefix (registration and re-registration).
func TestDerivationsMeet(t *testing.T) {
	for _, p := range [][2]string{
		{"зарегистрировать", "регистрация"},
		{"подключиться", "подключение"},
		{"восстановить", "восстановление"},
		{"ulatmoqchiman", "ulash"},
		{"ulanish", "ulash"},
		{"уланиш", "ulash"},
	} {
		if !shareTerm(p[0], p[1]) {
			t.Errorf("%q and %q share no term: %v / %v", p[0], p[1], Terms(nil, p[0]), Terms(nil, p[1]))
		}
	}
	for _, p := range [][2]string{
		{"перерегистрация", "регистрация"},
		{"заказ", "каз"},
		{"pasport", "paspo"},
	} {
		if shareTerm(p[0], p[1]) {
			t.Errorf("%q and %q share a term: %v / %v", p[0], p[1], Terms(nil, p[0]), Terms(nil, p[1]))
		}
	}
}

func TestEnglishDerivationsMeet(t *testing.T) {
	for _, p := range [][2]string{{"register", "registration"}, {"certify", "certification"}, {"apply", "application"}, {"verify", "verification"}} {
		if !shareTerm(p[0], p[1]) {
			t.Errorf("%q and %q share no term: %v / %v", p[0], p[1], Terms(nil, p[0]), Terms(nil, p[1]))
		}
	}
}

// Russian typed in Latin letters meets the Cyrillic text through the
// Russian stem of the word written back in Cyrillic.
func TestRussianInLatinLetters(t *testing.T) {
	ix, err := NewDefault()
	if err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(t.Context(), "kak poluchit spravku o nesudimosti", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 || res.Hits[0].Entry.ID != "pq308-28" || res.Unknown != 0 || res.Hits[0].Coverage < 0.38 {
		t.Errorf("hits %v, unknown words %d; want pq308-28 first with the question covered", res.Hits, res.Unknown)
	}
}
