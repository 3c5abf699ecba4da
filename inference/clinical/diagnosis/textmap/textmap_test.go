package textmap

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/oqim/oqim/connectors/llm"
	"github.com/oqim/oqim/connectors/llm/llmtest"
	"github.com/oqim/oqim/models/ddxplus"
)

func testKB(t *testing.T) *ddxplus.KB {
	t.Helper()
	kb, err := ddxplus.Default()
	if err != nil {
		t.Fatal(err)
	}
	return kb
}

func testMapper(t *testing.T) *Mapper {
	t.Helper()
	m, err := New(testKB(t))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// find returns the match for code, and whether there is one.
func find(ms []Match, code string) (Match, bool) {
	for _, m := range ms {
		if m.Evidence == code {
			return m, true
		}
	}
	return Match{}, false
}

func TestNegation(t *testing.T) {
	m := testMapper(t)
	for _, tc := range []struct {
		text    string
		code    string
		present bool
	}{
		{"isitma yo'q", "E_91", false},
		{"Isitma yoʻq", "E_91", false},
		{"isitma yo`q", "E_91", false},
		{"isitma yo’q", "E_91", false},
		{"иситма йўқ", "E_91", false},
		{"температуры нет", "E_91", false},
		{"нет температуры", "E_91", false},
		{"Температура не повышена.", "E_91", false},
		{"patient denies fever", "E_91", false},
		{"no fever or cough", "E_201", false},
		{"isitma bor", "E_91", true},
		{"температура 38,5", "E_91", true},
		{"yo'talmayapti", "E_201", false},
		{"yo'taladi", "E_201", true},
		{"isitma yo'q, lekin yo'tal bor", "E_201", true},
		{"температуры нет, но кашель сильный", "E_201", true},
		{"боль не проходит", "E_53", true},
	} {
		got, ok := find(m.Map(tc.text), tc.code)
		if !ok {
			t.Errorf("%q: %s not found", tc.text, tc.code)
			continue
		}
		if got.Present != tc.present {
			t.Errorf("%q: %s present=%v, want %v", tc.text, tc.code, got.Present, tc.present)
		}
	}
}

func TestScriptsAndTypos(t *testing.T) {
	m := testMapper(t)
	for _, tc := range []struct{ text, code string }{
		{"yo'tal", "E_201"},
		{"yotal", "E_201"}, // apostrophe dropped
		{"йўтал", "E_201"}, // Uzbek Cyrillic
		{"isitмa", "E_91"}, // Latin with a Cyrillic м, as OCR leaves it
		{"hansirash bor", "E_66"},
		{"одышка при ходьбе", "E_66"},
		{"shortnes of breath", "E_66"}, // typo
		{"ko‘krak og‘rig‘i", "E_53"},
		{"боль в области груди", "E_53"}, // filler word inside the phrase
	} {
		if _, ok := find(m.Map(tc.text), tc.code); !ok {
			t.Errorf("%q: want %s, got %+v", tc.text, tc.code, m.Map(tc.text))
		}
	}
	ms := m.Map("Жалобы на боль в груди")
	if got, ok := find(ms, "E_55"); !ok || got.Value != "V_101" && got.Value != "V_29" {
		t.Errorf("chest pain location: %+v", ms)
	}
	if _, ok := find(m.Map("ko'krak og'rig'i yo'q"), "E_53"); ok {
		t.Error(`"no chest pain" must not say there is no pain at all`)
	}
	if ms := m.Map("bolshoy"); len(ms) != 0 {
		t.Errorf("short stems must not match long unrelated words: %+v", ms)
	}
}

// The ways Uzbek and Russian doctors write findings of the rarer
// conditions: a dystonic reaction's tongue, neck and eyelids, the drugs
// given in hospital, vaccinations on schedule, weight for height.
func TestEverydayWordingOfRarerFindings(t *testing.T) {
	m := testMapper(t)
	for _, tc := range []struct{ text, code string }{
		{"bemor tilini og'zida ushlab turolmaydi", "E_168"},
		{"bo'yin mushaklari tortishib, boshini yon tomonga bura olmaydi", "E_192"},
		{"shifoxonada mushak orasiga dori yuborilgan", "E_147"},
		{"ko'z qovoqlarini ochish qiyin", "E_172"},
		{"yuz mushaklarida tirishishlar", "E_193"},
		{"emlashlari taqvim bo'yicha qilingan", "E_209"},
		{"vazni bo'yiga nisbatan ancha ko'p", "E_70"},
	} {
		if _, ok := find(m.Map(tc.text), tc.code); !ok {
			t.Errorf("%q: want %s, got %+v", tc.text, tc.code, m.Map(tc.text))
		}
	}
}

func TestNormalizeWord(t *testing.T) {
	for in, want := range map[string]string{
		"Yoʻq": "yo'q", "YO`Q": "yo'q", "йўқ": "yo'q", "ғалла": "g'alla", "Ёш": "yosh", "ер": "yer", "Ҳарорат": "harorat",
	} {
		if got := NormalizeWord(in); got != want {
			t.Errorf("NormalizeWord(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLLMExtractorRejectsInventedCodes(t *testing.T) {
	kb := testKB(t)
	double := llmtest.NewChat(t, llmtest.Answer(`{"findings":[
		{"code":"E_91","present":false},
		{"code":"E_201","present":true},
		{"code":"E_9999","present":true},
		{"code":"E_55","present":true,"values":["V_29","V_777"]},
		{"code":"E_56","present":true,"values":["7"]}]}`))
	x, err := NewLLMExtractor(kb, double.Client(t))
	if err != nil {
		t.Fatal(err)
	}
	ext, err := x.Extract(context.Background(), "Isitma yo'q, yo'tal bor. Tel: +998 90 123 45 67, pasport AA1234567")
	if err != nil {
		t.Fatal(err)
	}
	got := double.Requests()[0]
	if got.Model != llmtest.Model || got.ResponseFormat == nil || got.ResponseFormat.Type != "json_object" || got.Authorization != "Bearer "+llmtest.Key {
		t.Errorf("request: model %q, format %+v, auth %q", got.Model, got.ResponseFormat, got.Authorization)
	}
	user := got.Messages[len(got.Messages)-1].Content
	if strings.Contains(user, "123 45 67") || strings.Contains(user, "AA1234567") {
		t.Errorf("personal identifiers reached the LLM: %q", user)
	}
	if m, ok := find(ext.Matches, "E_91"); !ok || m.Present {
		t.Errorf("E_91 should be absent: %+v", ext.Matches)
	}
	if _, ok := find(ext.Matches, "E_201"); !ok {
		t.Errorf("E_201 missing: %+v", ext.Matches)
	}
	if _, ok := find(ext.Matches, "E_9999"); ok {
		t.Fatal("invented code E_9999 was accepted")
	}
	rejected := map[string]bool{}
	for _, r := range ext.Rejected {
		rejected[r.Evidence+"="+r.Value] = true
	}
	if !rejected["E_9999="] || !rejected["E_55=V_777"] {
		t.Errorf("rejections %+v, want E_9999 and E_55=V_777", ext.Rejected)
	}
	for _, m := range ext.Matches {
		if m.Evidence == "E_55" && m.Value != "V_29" {
			t.Errorf("invented value kept: %+v", m)
		}
	}
}

func TestLLMNotConfigured(t *testing.T) {
	_, err := NewLLMExtractor(testKB(t), nil)
	if !errors.Is(err, ErrLLMNotConfigured) || !errors.Is(err, llm.ErrNotConfigured) {
		t.Fatalf("error %v, want ErrLLMNotConfigured", err)
	}
	for _, want := range []string{"lexicon", "llm.base_url", "llm.model"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestLLMBadJSON(t *testing.T) {
	x, err := NewLLMExtractor(testKB(t), llmtest.NewChat(t, llmtest.Answer("I think the patient has a fever.")).Client(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.Extract(context.Background(), "isitma"); err == nil || !strings.Contains(err.Error(), "not the JSON") {
		t.Errorf("error %v, want a JSON error", err)
	}
}

// A temperature measured within normal is no fever; a raised one, or one
// "up to" a raised value, is one; a word a letter away from another at its
// start is not taken for it.
func TestMeasuredTemperatureAndFirstLetters(t *testing.T) {
	m := testMapper(t)
	for _, c := range []struct {
		text, evidence string
		present, found bool
	}{
		{"bosh og'rig'i, ko'ngil aynishi, harorat 36,6", "E_91", false, true},
		{"головная боль, температура 36.8", "E_91", false, true},
		{"температура: 37,2, кашель", "E_91", false, true},
		{"температура 38,5 второй день", "E_91", true, true},
		{"температура до 38 по вечерам", "E_91", true, true},
		{"harorat ko'tarilgan", "E_91", true, true},
		// Said to be normal, in words: no fever.
		{"Кашель, температура нормальная, по словам пациента.", "E_91", false, true},
		{"yo'tal, harorat me'yorida", "E_91", false, true},
		{"normal temperature, dry cough", "E_91", false, true},
		{"высокая температура, давление в норме", "E_91", true, true},
		{"высокая температура не нормализуется третий день", "E_91", true, true},
		{"fever despite normal white count", "E_91", true, true},
		{"температура в норме", "E_91", false, true},
		// A burning pain said with a verb.
		{"ko'krak qafasida og'riq, achishtiradi", "E_54", true, true},
		{"3 kundan beri bosh og'riydi", "E_219", false, false},
	} {
		got, ok := find(m.Map(c.text), c.evidence)
		if ok != c.found || ok && got.Present != c.present {
			t.Errorf("%q: %s = %+v (found %v), want found %v present %v", c.text, c.evidence, got, ok, c.found, c.present)
		}
	}
}

// A rash's own questions are read in each language: whether it peels,
// whether it is larger than 1 cm, its colour.
func TestRashDetails(t *testing.T) {
	m := testMapper(t)
	for _, c := range []struct{ text, evidence, value string }{
		{"на груди красная сыпь, не шелушится", "E_131", "V_10"},
		{"на груди красная сыпь, не шелушится", "E_130", "V_157"},
		{"bo'yinda pushti toshma, po'st tashlaydi", "E_131", "V_12"},
		{"bo'yinda pushti toshma, po'st tashlaydi", "E_130", "V_156"},
		{"пятна на руках больше 1 см", "E_135", "V_12"},
		{"toshmalar 1 sm dan kichik", "E_135", "V_10"},
		{"a pale rash on the legs, smaller than 1 cm", "E_130", "V_138"},
	} {
		got, ok := find(m.Map(c.text), c.evidence)
		if !ok || got.Value != c.value || !got.Present {
			t.Errorf("%q: %s = %+v (found %v), want %s", c.text, c.evidence, got, ok, c.value)
		}
	}
}

// A measured temperature is no fever only when every value said for it
// is under 37.5: a range whose top is a fever ("37-38", "36,6–38,5",
// "37 to 39"), a morning value before an evening fever, or a count of
// hours ("жар 36 часов", fever for 36 hours) is still a fever; and the
// body's temperature in full ("температура тела 36,6") is measured like
// the short form.
func TestMeasuredTemperatureRangesAndDurations(t *testing.T) {
	m := testMapper(t)
	for _, c := range []struct {
		text    string
		present bool
	}{
		{"температура 37-38", true},
		{"температура 37–38,5 °C третий день", true},
		{"temperature 37 to 39 for three days", true},
		{"harorat 37,2 - 38 gacha", true},
		{"Утром температура 36,8, вечером поднимается до 38,2", true},
		{"жар 36 часов", true},
		{"isitma 36 soatdan beri", true},
		{"температура 37.55", true},
		{"температура тела 36,6–37,0", false},
		{"температура тела 36,6", false},
		{"температура 36,6–37,0", false},
		{"harorat 36,6", false},
	} {
		got, ok := find(m.Map(c.text), "E_91")
		if !ok || got.Present != c.present {
			t.Errorf("%q: fever %+v (found %v), want present %v", c.text, got, ok, c.present)
		}
	}
}

// Uzbek writers mix h and x (ҳ and х: a Russian keyboard has only х) and q
// and k at a word's start as anywhere else; the first-letter rule must not
// lose them ("хансираш" is shortness of breath, "xarorat" temperature).
func TestFirstLetterHXAndQK(t *testing.T) {
	m := testMapper(t)
	for _, c := range []struct{ text, evidence string }{
		{"xarorat 39", "E_91"},
		{"хансираш бор", "E_66"},
		{"xansirash bor", "E_66"},
		{"xolsizlik", "E_89"},
		{"kusish bor", "E_211"},
		{"korin ogrigi", "E_53"},
	} {
		if got, ok := find(m.Map(c.text), c.evidence); !ok || !got.Present {
			t.Errorf("%q: %s %+v (found %v), want present", c.text, c.evidence, got, ok)
		}
	}
}
