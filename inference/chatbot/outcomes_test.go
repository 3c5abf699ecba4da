package chatbot

import (
	"net/http"
	"strings"
	"testing"
)

// The three cases of issue 16, and the three honest outcomes: an answer
// citing the decree's own wording, a handoff for a question for the state
// that no entry covers, and a refusal for off-topic text.
func TestThreeOutcomes(t *testing.T) {
	_, srv := newTestService(t, Config{})
	sid := startSession(t, srv.URL)
	// The source is cited in the question's language.
	answers := []struct{ q, entry, sourceTitle, source string }{
		{"Как получить справку о несудимости?", "pq308-28", "судланганлик ҳолатини тасдиқловчи маълумот олиш учун ариза бериш", "Постановление ПП-308"},
		{"pensiya yoshiga yetdim, pensiyani qanday rasmiylashtiraman", "pq308-30", "пенсия ва нафақадаги шахслар учун хизматлар", "PQ-308-son qaror"},
		{"Kam taʼminlangan oilaga bolalar nafaqasi kerak, pasportim AA1234567", "pq308-25b", "", "PQ-308-son qaror"},
	}
	for _, c := range answers {
		m, code := ask(t, srv.URL, sid, c.q)
		if code != http.StatusOK || m.Kind != KindAnswer || len(m.Citations) == 0 {
			t.Errorf("%q: status %d kind %s citations %+v; want an answer", c.q, code, m.Kind, m.Citations)
			continue
		}
		got := m.Citations[0]
		if got.ID != c.entry || !strings.HasPrefix(got.Source, c.source) || got.SourceTitle == "" {
			t.Errorf("%q: cited %+v, want %s with its decree source", c.q, got, c.entry)
		}
		if c.sourceTitle != "" && got.SourceTitle != c.sourceTitle {
			t.Errorf("%q: source_title %q, want the decree's wording %q", c.q, got.SourceTitle, c.sourceTitle)
		}
	}
	for _, q := range []string{"как оформить опеку над ребенком через нотариуса и суд", "fuqarolikdan chiqish uchun hujjatlar"} {
		m, _ := ask(t, srv.URL, sid, q)
		if m.Kind == KindOffTopic || !strings.Contains(m.Text, "1242") {
			t.Errorf("%q: kind %s, want an operator offered (handoff) rather than a refusal:\n%s", q, m.Kind, m.Text)
		}
	}
	for _, q := range []string{"расскажи анекдот", "what is the best football team"} {
		if m, _ := ask(t, srv.URL, sid, q); m.Kind != KindOffTopic {
			t.Errorf("%q: kind %s, want a polite refusal", q, m.Kind)
		}
	}
}
