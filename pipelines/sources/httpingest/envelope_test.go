package httpingest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/connectors/kafka/kafkatest"
	"github.com/oqim/oqim/pipelines/decode"
	"github.com/oqim/oqim/pipelines/events"
	"github.com/oqim/oqim/pipelines/schema"
)

const (
	mahallaKey  = "mahalla-secret-key"
	wildcardKey = "demo-secret-key"
	chatbotKey  = "chatbot-secret-key"
)

// productionish is the handler as cmd/oqim wires it (the schema registry
// validates), with three agencies: one allowed only mahalla.appeal.*, one
// allowed *, and the chatbot service.
func productionish(t testing.TB) (*Handler, *kafkatest.Recorder, decode.Options) {
	t.Helper()
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	opts := decode.Options{Registry: reg, Now: func() time.Time { return testNow }}
	v, err := decode.NewValidator(opts)
	if err != nil {
		t.Fatal(err)
	}
	w := &kafkatest.Recorder{}
	h, err := NewHandler(Config{Agencies: []Agency{
		{Name: "mahalla-agency", KeySHA256: httpedge.HashKey(mahallaKey), Types: []string{"mahalla.appeal.*"}},
		{Name: "demo-agency", KeySHA256: httpedge.HashKey(wildcardKey), Types: []string{"*"}},
		{Name: ChatbotAgency, KeySHA256: httpedge.HashKey(chatbotKey), Types: []string{"chatbot.*"}},
	}}, w, v)
	if err != nil {
		t.Fatal(err)
	}
	return h, w, opts
}

func serve(h http.Handler, key, body string) (int, []byte) {
	req := httptest.NewRequest(http.MethodPost, Path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+key)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

const (
	appealLine = `{"id":"m-1","source":"mahalla-agency","type":"mahalla.appeal.submitted","time":"2025-11-03T09:00:00+05:00","region":"UZ-XO",` +
		`"data":{"appeal_id":"m-1","mahalla":"Gullanbog'","category":"roads"}}`
	// smuggledLine is the attack: type and source given twice, the second
	// pair naming a type and agency the key may not use, with data that is
	// valid for both types.
	smuggledLine = `{"id":"m-2","source":"mahalla-agency","type":"mahalla.appeal.submitted","time":"2025-11-03T09:00:00+05:00","region":"UZ-XO",` +
		`"type":"portal.application.issued","source":"tax-committee",` +
		`"data":{"appeal_id":"m-2","mahalla":"Gullanbog'","category":"roads",` +
		`"application_id":"a-2","service_id":"annex4-12","agency":"Tax Committee","channel":"web","deadline":"2025-11-13T08:30:00Z"}}`
	chatbotLine = `{"id":"c-1","source":"demo-agency","type":"chatbot.question","time":"2025-11-03T09:00:00+05:00",` +
		`"data":{"session_id":"s-1","outcome":"answered"}}`
)

func TestSmuggledTypeAndSourceRefused(t *testing.T) {
	h, w, _ := productionish(t)
	status, body := serve(h, mahallaKey, appealLine+"\n"+smuggledLine+"\n")
	if status != http.StatusBadRequest {
		t.Fatalf("status %d %s, want 400", status, body)
	}
	wantErrors(t, body, LineError{Line: 2, Field: events.FieldType, Reason: string(events.ReasonDuplicateKey), Detail: `key "type" occurs more than once`})
	if msgs := w.Take(); len(msgs) != 0 {
		t.Fatalf("%d messages reached the writer", len(msgs))
	}

	// Each envelope key, repeated alone, is named.
	for _, key := range []string{"id", "source", "type", "time", "region", "district", "data"} {
		extra := `"` + key + `":"x",`
		if key == "district" { // the line has none of its own
			extra = `"district":"Xonqa","district":"Urganch",`
		}
		line := strings.Replace(appealLine, `"id":"m-1",`, `"id":"m-1",`+extra, 1)
		status, body := serve(h, mahallaKey, line)
		if status != http.StatusBadRequest {
			t.Errorf("%s twice: status %d %s, want 400", key, status, body)
			continue
		}
		wantErrors(t, body, LineError{Line: 1, Field: key, Reason: string(events.ReasonDuplicateKey), Detail: `"` + key + `"`})
	}
	if msgs := w.Take(); len(msgs) != 0 {
		t.Fatalf("%d messages reached the writer", len(msgs))
	}

	// The line alone, once, is fine.
	if status, body := serve(h, mahallaKey, appealLine); status != http.StatusAccepted {
		t.Fatalf("valid line: status %d %s", status, body)
	}
}

// The chatbot family is written by the chatbot service only: a * grant
// does not reach it, and neither does a chatbot pattern on another agency.
func TestChatbotFamilyReserved(t *testing.T) {
	h, w, _ := productionish(t)
	status, body := serve(h, wildcardKey, chatbotLine)
	if status != http.StatusForbidden {
		t.Fatalf("* agency, chatbot type: status %d %s, want 403", status, body)
	}
	wantErrors(t, body, LineError{Line: 1, Field: events.FieldType, Reason: ReasonForbiddenType, Detail: "only the chatbot service"})
	// The * agency still sends everything else.
	other := strings.NewReplacer(`"mahalla-agency"`, `"demo-agency"`).Replace(appealLine)
	if status, body := serve(h, wildcardKey, other); status != http.StatusAccepted {
		t.Fatalf("* agency, mahalla type: status %d %s, want 202", status, body)
	}
	own := strings.Replace(chatbotLine, `"demo-agency"`, `"chatbot"`, 1)
	if status, body := serve(h, chatbotKey, own); status != http.StatusAccepted {
		t.Fatalf("chatbot service: status %d %s, want 202", status, body)
	}
	if n := len(w.Take()); n != 2 {
		t.Fatalf("%d messages written, want 2", n)
	}

	for _, tt := range []struct {
		name, agency string
		types        []string
		typ          string
		want         bool
	}{
		{"star", "demo", []string{"*"}, "chatbot.question", false},
		{"star, chatbot's own name", ChatbotAgency, []string{"*"}, "chatbot.question", false},
		{"family", ChatbotAgency, []string{"chatbot.*"}, "chatbot.feedback", true},
		{"exact", ChatbotAgency, []string{"chatbot.feedback"}, "chatbot.feedback", true},
		{"exact, other event", ChatbotAgency, []string{"chatbot.feedback"}, "chatbot.question", false},
		{"bare family name", ChatbotAgency, []string{"*", "chatbot.*"}, "chatbot", false},
		{"not the family", "demo", []string{"*"}, "chatbots.question", true},
	} {
		k, err := newKeyring([]Agency{{Name: tt.agency, KeySHA256: httpedge.HashKey("k"), Types: tt.types}})
		if err != nil {
			t.Fatal(err)
		}
		if got := mayWrite(k.agencies[tt.agency], tt.typ); got != tt.want {
			t.Errorf("%s: %s with %v may write %s = %v, want %v", tt.name, tt.agency, tt.types, tt.typ, got, tt.want)
		}
	}

	// Granting the family by name to anyone else is a configuration error.
	_, err := NewHandler(Config{Agencies: []Agency{{Name: "portal", KeySHA256: httpedge.HashKey("k"), Types: []string{"portal.*", "chatbot.*"}}}}, w, testValidator(t))
	if err == nil || !strings.Contains(err.Error(), `"chatbot.*" names the chatbot family`) {
		t.Fatalf("err = %v, want the chatbot grant refused", err)
	}
}

// FuzzAcceptedIsStoredAsAuthorised: whatever the HTTP endpoint accepts,
// the Kafka ingest decoder stores, and with the type and source the
// endpoint authorised: the agency's own name, and a type its key may send
// (never the chatbot family for a * key).
func FuzzAcceptedIsStoredAsAuthorised(f *testing.F) {
	for _, s := range []string{
		appealLine,
		smuggledLine,
		chatbotLine,
		strings.Replace(appealLine, `"type":"mahalla.appeal.submitted",`, `"type":"mahalla.appeal.submitted","typ\u0065":"portal.application.issued",`, 1),
		strings.Replace(appealLine, `"source":"mahalla-agency",`, `"source":"mahalla-agency","\u0073ource":"tax-committee",`, 1),
		strings.Replace(appealLine, `"type":"mahalla.appeal.submitted",`, `"Type":"portal.application.issued","type":"mahalla.appeal.submitted",`, 1),
		strings.Replace(appealLine, `"data":{`, `"data":{"type":"portal.application.issued","source":"tax-committee",`, 1),
		strings.Replace(appealLine, `"category":"roads"`, `"category":"roads","category":"land"`, 1),
		strings.Replace(appealLine, `"id":"m-1",`, `"id":"m-1","x":{"type":"a","type":"b"},`, 1),
		appealLine + "\n" + strings.Replace(appealLine, `"m-1"`, `"m-3"`, 2),
		"\ufeff" + appealLine,
		`{"id":"m-1","source":"mahalla-agency","type":"mahalla.appeal.submitted","time":"2025-11-03T09:00:00+05:00","region":"Xorazm viloyati","district":"Xonqa","data":{"appeal_id":"m-1","mahalla":"G'","category":"other","resolved":false}}`,
	} {
		f.Add(s)
	}
	h, w, opts := productionish(f)
	d, err := decode.New(opts)
	if err != nil {
		f.Fatal(err)
	}
	var p events.Parser
	f.Fuzz(func(t *testing.T, body string) {
		for _, ag := range []struct{ key, name string }{{mahallaKey, "mahalla-agency"}, {wildcardKey, "demo-agency"}} {
			// The line as the agency would send it, with its own source.
			body := strings.ReplaceAll(body, `"mahalla-agency"`, `"`+ag.name+`"`)
			status, resp := serve(h, ag.key, body)
			msgs := w.Take()
			if status != http.StatusAccepted {
				if len(msgs) != 0 {
					t.Fatalf("status %d, yet %d messages written", status, len(msgs))
				}
				continue
			}
			var accepted struct{ Accepted int }
			if err := json.Unmarshal(resp, &accepted); err != nil || accepted.Accepted != len(msgs) {
				t.Fatalf("202 %s for %d messages", resp, len(msgs))
			}
			k := h.keys.agencies[ag.name]
			for _, m := range msgs {
				if err := d.Decode(m.Value); err != nil {
					t.Fatalf("accepted %q, but the decoder refuses it: %v", m.Value, err)
				}
				env, err := p.Parse(m.Value)
				if err != nil {
					t.Fatal(err)
				}
				if string(m.Key) != string(env.ID.GetStringBytes()) {
					t.Fatalf("message key %q for id %s", m.Key, env.ID)
				}
			}
			// Every stored row carries the agency as source and a type
			// the agency may send.
			rows := 0
			for _, tb := range d.Tables() {
				rec := tb.NewRecord()
				src, ev := rec.Column(1).(*array.String), rec.Column(5).(*array.String)
				for i := 0; i < int(rec.NumRows()); i++ {
					typ := tb.Family.Name + "." + ev.Value(i)
					if src.Value(i) != ag.name || !mayWrite(k, typ) {
						t.Errorf("%s's key got %q stored as source %q type %q", ag.name, body, src.Value(i), typ)
					}
					rows++
				}
				rec.Release()
			}
			if rows != len(msgs) {
				t.Fatalf("%d messages stored as %d rows", len(msgs), rows)
			}
		}
	})
}
