package diagnosis

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func testHandler(t *testing.T) http.Handler {
	t.Helper()
	h, err := NewHandler(HandlerConfig{Engine: testEngine(t), MaxBodyBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func post(t *testing.T, h http.Handler, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/diagnosis", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHandlerRejectsBadInput(t *testing.T) {
	h := testHandler(t)
	for _, tc := range []struct {
		name, body string
		status     int
		field, msg string
	}{
		{"unknown code", `{"evidence":[{"id":"E_91"},{"id":"E_999"}]}`, 400, "evidence[1].id", `unknown evidence code "E_999"`},
		{"bad categorical value", `{"evidence":[{"id":"E_53"},{"id":"E_56","value":11}]}`, 400, "evidence[1].value", `"11" is not a value of categorical evidence E_56`},
		{"bad multi value", `{"evidence":[{"id":"E_55","values":["V_999"]}]}`, 400, "evidence[0].values", `"V_999" is not a value`},
		{"value on binary", `{"evidence":[{"id":"E_91","value":"V_1"}]}`, 400, "evidence[0].value", "not categorical"},
		{"bad choice", `{"evidence":[{"id":"E_91","choice_id":"maybe"}]}`, 400, "evidence[0].choice_id", `unknown choice "maybe"`},
		{"age out of range", `{"age":150}`, 400, "age", "150 is out of range"},
		{"negative age", `{"age":-1}`, 400, "age", "out of range"},
		{"age not a number", `{"age":"forty"}`, 400, "age", "a JSON string cannot be int"},
		{"unknown sex", `{"sex":"x"}`, 400, "sex", `unknown sex "x"`},
		{"unknown language", `{"language":"de"}`, 400, "language", `unsupported language "de"`},
		{"unknown field", `{"agee":40}`, 400, "agee", "not a field of this request"},
		{"duplicate key", `{"age":40,"evidence":[{"id":"E_91","choice_id":"present","choice_id":"absent"}]}`, 400, "evidence[0].choice_id", "given twice"},
		{"top_k", `{"top_k":100}`, 400, "top_k", "out of range"},
		{"llm not configured", `{"text":"isitma","text_mode":"llm"}`, 400, "text_mode", "llm.base_url and llm.model"},
		{"child of absent parent", `{"evidence":[{"id":"E_53","choice_id":"absent"},{"id":"E_56","value":5}]}`, 400, "evidence[1].id", "parent question E_53 is answered absent"},
		{"malformed", `{"age":`, 400, "body", ""},
		{"too large", `{"text":"` + strings.Repeat("a", 5000) + `"}`, 413, "body", "larger than 4096 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := post(t, h, tc.body)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			var e APIError
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
				t.Fatalf("error body %q: %v", rec.Body, err)
			}
			if e.Error.Field != tc.field || !strings.Contains(e.Error.Detail, tc.msg) {
				t.Errorf("error %+v, want field %q and message containing %q", e.Error, tc.field, tc.msg)
			}
		})
	}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/diagnosis", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d", rec.Code)
	}
}

func TestHandlerDifferentialAndQuestion(t *testing.T) {
	h := testHandler(t)
	rec := post(t, h, `{"age":53,"sex":"male","language":"ru","evidence":[{"id":"E_53"},{"id":"E_55","values":["V_55","V_56"]},{"id":"E_66"}],
		"text":"температуры нет, кашель","top_k":3}`)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var r Response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Disclaimer, "не диагноз") {
		t.Errorf("Russian disclaimer missing: %q", r.Disclaimer)
	}
	if len(r.Conditions) < 3 {
		t.Fatalf("got %d conditions, want at least top 3", len(r.Conditions))
	}
	for i, c := range r.Conditions {
		if c.RedFlag && (c.Referral == "" || !strings.Contains(c.Referral, "срочно")) {
			t.Errorf("red flag %s without an urgent referral: %q", c.ID, c.Referral)
		}
		if i > 0 && c.RedFlag && !r.Conditions[i-1].RedFlag {
			t.Errorf("red flag %s after a non-red-flag", c.ID)
		}
		if c.Name == "" || len(c.ICD10) == 0 || c.Severity == 0 {
			t.Errorf("condition %+v incomplete", c)
		}
	}
	var fever, cough bool
	for _, e := range r.Evidence {
		if e.ID == "E_91" {
			fever = e.ChoiceID == "absent" && e.Source == "text"
		}
		if e.ID == "E_201" {
			cough = e.ChoiceID == "present" && e.Source == "text"
		}
	}
	if !fever || !cough {
		t.Errorf("text findings %+v: want E_91 absent and E_201 present from text", r.Evidence)
	}
	if r.Question == nil && !r.ShouldStop {
		t.Error("no question and no stop")
	}
	if r.Question != nil && (r.Question.Text == "" || len(r.Question.Choices) == 0) {
		t.Errorf("question incomplete: %+v", r.Question)
	}
}

func TestHandlerUzbekQuestion(t *testing.T) {
	h := testHandler(t)
	rec := post(t, h, `{"age":30,"sex":"female","language":"uz","text":"isitma yo'q, yo'tal bor"}`)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var r Response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Disclaimer, "tashxis emas") {
		t.Errorf("Uzbek disclaimer missing: %q", r.Disclaimer)
	}
	if r.Question == nil || r.Question.Type != "single" && r.Question.Type != "categorical" && r.Question.Type != "multiple" {
		t.Fatalf("question %+v", r.Question)
	}
	if r.Question.Type == "single" && r.Question.Choices[0].Label != "Ha" {
		t.Errorf("Uzbek yes label %q", r.Question.Choices[0].Label)
	}
}
