package diagnosis

import (
	"encoding/json"
	"slices"
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
