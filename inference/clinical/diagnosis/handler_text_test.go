package diagnosis

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// The answer says which findings it read from the text, with their values
// and the words they came from.
func TestHandlerExplainsTextEvidence(t *testing.T) {
	rec := post(t, testHandler(t), `{"age":40,"sex":"male","language":"ru","text":"Давящая боль в левом плече, 6 из 10, отдаёт в челюсть. Температуры нет. За границу не выезжал."}`)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var resp Response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	read := map[string]ResponseEvidence{}
	for _, e := range resp.Evidence {
		if e.Source != "text" || e.Phrase == "" {
			t.Errorf("%s: source %q phrase %q, want source text and the words read", e.ID, e.Source, e.Phrase)
		}
		read[e.ID] = e
	}
	for id, want := range map[string]string{"E_55": "V_195", "E_57": "V_121", "E_56": "6", "E_54": "V_183", "E_204": "V_10"} {
		if e, ok := read[id]; !ok || !slices.Contains(e.Values, want) {
			t.Errorf("%s: want value %s read from the text, got %+v", id, want, read[id])
		}
	}
	if e := read["E_91"]; e.ChoiceID != "absent" {
		t.Errorf("fever: want absent, got %+v", e)
	}
}

// Without a language the answer takes the text's: Russian for Russian,
// Uzbek in Cyrillic for Uzbek Cyrillic, English for English, Uzbek
// otherwise; each value read
// is named in that language beside its code.
func TestHandlerAnswersInTheTextsLanguage(t *testing.T) {
	h := testHandler(t)
	for _, c := range []struct{ body, lang string }{
		{`{"age":40,"sex":"male","text":"Давящая боль в левом плече, отдаёт в челюсть"}`, "ru"},
		{`{"age":40,"sex":"male","text":"Чап елкада босувчи оғриқ, жағга тарқалади"}`, "uz-Cyrl"},
		{`{"age":40,"sex":"male","text":"Chap yelkada bosuvchi og'riq, jag'ga tarqaladi"}`, "uz"},
		{`{"age":40,"sex":"male","text":"Pressing pain in the left shoulder that spreads to the jaw"}`, "en"},
		{`{"age":40,"sex":"male","language":"uz-Latn","text":"Давящая боль в левом плече"}`, "uz-Latn"},
	} {
		rec := post(t, h, c.body)
		var resp Response
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); rec.Code != 200 || err != nil {
			t.Fatalf("%s: status %d: %s", c.body, rec.Code, rec.Body)
		}
		if resp.Language != c.lang {
			t.Errorf("%s: answered in %q, want %q", c.body, resp.Language, c.lang)
		}
		cyr := strings.ContainsAny(resp.Disclaimer, "ҚқЎўҒғҲҳ")
		if cyr != (c.lang == "uz-Cyrl") {
			t.Errorf("%s: disclaimer %q in the wrong script", c.body, resp.Disclaimer)
		}
		for _, e := range resp.Evidence {
			if len(e.ValueNames) != len(e.Values) {
				t.Errorf("%s: %s values %v named %v", c.body, e.ID, e.Values, e.ValueNames)
			}
			for i, v := range e.Values {
				if strings.HasPrefix(v, "V_") && e.ValueNames[i] == v {
					t.Errorf("%s: %s value %s has no name", c.body, e.ID, v)
				}
			}
		}
	}
}

// Text with no finding gets no differential, a warning saying why, and
// the first question to ask.
func TestHandlerNoFindingsNoDifferential(t *testing.T) {
	h := testHandler(t)
	// Nothing read, or only what the patient does not have.
	for _, text := range []string{"всё хорошо, жалоб нет", "температуры нет, кашля нет"} {
		rec := post(t, h, `{"age":45,"sex":"male","text":"`+text+`"}`)
		var resp Response
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); rec.Code != 200 || err != nil {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if len(resp.Conditions) != 0 || resp.Warning == "" || resp.Question == nil || resp.Language != "ru" {
			t.Errorf("%q: %d conditions, warning %q, question %v, language %s", text, len(resp.Conditions), resp.Warning, resp.Question, resp.Language)
		}
	}
}

// A differential from a few findings carries a warning that says how
// little it rests on; a full description does not. A sore throat is pain
// in the pharynx too, as DDXPlus records pharyngitis.
func TestFewFindingsAreWarnedOf(t *testing.T) {
	h := testHandler(t)
	for body, warned := range map[string]bool{
		`{"age":34,"sex":"female","text":"Sore throat for three days, fever 38.9, no cough, swollen neck glands"}`: true,
		`{"age":34,"sex":"female","language":"ru","text":"Боль в горле, температура 38,9, кашля нет."}`:            true,
		`{"age":53,"sex":"male","language":"ru","text":"Давящая боль за грудиной 7 из 10, отдаёт в левое плечо и челюсть, началась внезапно, одышка, потливость, тошнота. Курит, гипертония, сахарный диабет, высокий холестерин."}`: false,
	} {
		rec := post(t, h, body)
		var resp Response
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); rec.Code != 200 || err != nil {
			t.Fatalf("%s: status %d: %s", body, rec.Code, rec.Body)
		}
		if (resp.Warning != "") != warned || len(resp.Conditions) == 0 {
			t.Errorf("%s: warning %q, %d conditions; want warned %v and a differential", body, resp.Warning, len(resp.Conditions), warned)
		}
		if warned && strings.ContainsAny(resp.Warning, "#%") {
			t.Errorf("%s: the count is not in the warning: %q", body, resp.Warning)
		}
	}
	rec := post(t, h, `{"age":34,"sex":"female","language":"en","text":"sore throat"}`)
	var resp Response
	_ = json.Unmarshal(rec.Body.Bytes(), &resp)
	pharynx := false
	for _, e := range resp.Evidence {
		if e.ID == "E_55" && slices.Contains(e.Values, "V_148") {
			pharynx = true
		}
	}
	if !pharynx {
		t.Errorf("a sore throat is not read as pain in the pharynx: %+v", resp.Evidence)
	}
}
