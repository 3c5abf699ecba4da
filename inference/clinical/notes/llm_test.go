package notes

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/oqim/oqim/connectors/llm"
	"github.com/oqim/oqim/connectors/llm/llmtest"
	openai "github.com/sashabaranov/go-openai"
)

// newLLMDouble is the LLM engine over a model-server double that answers
// content.
func newLLMDouble(t *testing.T, content string) (*llmtest.Chat, *LLM) {
	t.Helper()
	d := llmtest.NewChat(t, llmtest.Answer(content))
	l, err := NewLLM(d.Client(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	return d, l
}

const llmTranscript = "Жалобы: кашель. Телефон +998 90 123 45 67. Объективно: АД 140/90, пульс 88. Назначено: парацетамол 500 мг 3 раза в день 5 дней."

const validAnswer = `{"sections":{"complaints":"кашель","history":"","objective":"АД 140/90, пульс 88","assessment":"","plan":"парацетамол 500 мг 3 раза в день 5 дней"},
"vitals":{"bp_systolic":140,"bp_diastolic":90,"pulse":88,"temperature_c":null,"spo2":null},
"medications":[{"name":"Paracetamol","dose_value":500,"dose_unit":"mg","times_per_day":3,"duration_days":5}]}`

func TestLLMUsesValidAnswer(t *testing.T) {
	d, l := newLLMDouble(t, validAnswer)
	n, err := l.Structure(context.Background(), llmTranscript)
	if err != nil {
		t.Fatal(err)
	}
	if n.Engine != "llm" || n.Fallback != "" {
		t.Fatalf("engine %q, fallback %q", n.Engine, n.Fallback)
	}
	if n.Vitals.BPSystolic != 140 || n.Vitals.Pulse != 88 || len(n.Medications) != 1 || n.Medications[0].Name != "paracetamol" || n.Medications[0].Dose() != "500 mg" {
		t.Fatalf("note %+v", n)
	}
	req := d.Requests()[0]
	rf, _ := json.Marshal(req.ResponseFormat)
	if !strings.Contains(string(rf), `"type":"json_schema"`) || !strings.Contains(string(rf), `"strict":true`) || !strings.Contains(string(rf), `"bp_systolic"`) {
		t.Fatalf("response_format does not ask for the JSON schema: %s", rf)
	}
	msgs, _ := json.Marshal(req.Messages)
	if strings.Contains(string(msgs), "123 45 67") {
		t.Fatal("the phone number reached the model unredacted")
	}
}

func TestLLMFallsBackOnInvalidOutput(t *testing.T) {
	for name, content := range map[string]string{
		"not JSON":                 "Here is the note: complaints: cough",
		"missing vitals":           `{"sections":{"complaints":"","history":"","objective":"","assessment":"","plan":""},"medications":[]}`,
		"pulse out of range":       strings.Replace(validAnswer, `"pulse":88`, `"pulse":880`, 1),
		"unknown dose unit":        strings.Replace(validAnswer, `"dose_unit":"mg"`, `"dose_unit":"spoon"`, 1),
		"diastolic above systolic": strings.Replace(validAnswer, `"bp_diastolic":90`, `"bp_diastolic":150`, 1),
		"extra property":           strings.Replace(validAnswer, `"medications":[`, `"diagnosis":"pneumonia","medications":[`, 1),
		"drug name only spaces":    strings.Replace(validAnswer, `"name":"Paracetamol"`, `"name":"   "`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			_, l := newLLMDouble(t, content)
			n, err := l.Structure(context.Background(), llmTranscript)
			if err != nil {
				t.Fatal(err)
			}
			if n.Engine != "offline" || !strings.Contains(n.Fallback, "invalid") {
				t.Fatalf("engine %q, fallback %q: want the offline note", n.Engine, n.Fallback)
			}
			// The offline engine's note, not the model's.
			if n.Vitals.BPSystolic != 140 || n.Vitals.Pulse != 88 || len(n.Medications) != 1 || n.Medications[0].TimesPerDay != 3 {
				t.Fatalf("fallback note %+v", n)
			}
			if strings.Contains(n.Fallback, "кашель") || strings.Contains(n.Fallback, "880") {
				t.Fatalf("fallback reason quotes data: %q", n.Fallback)
			}
		})
	}
}

func TestLLMFallsBackWhenCallFails(t *testing.T) {
	d, l := newLLMDouble(t, validAnswer)
	d.SetReply(func(openai.ChatCompletionRequest) llmtest.Reply {
		return llmtest.Reply{Status: http.StatusServiceUnavailable}
	})
	n, err := l.Structure(context.Background(), llmTranscript)
	if err != nil {
		t.Fatal(err)
	}
	if n.Engine != "offline" || !strings.Contains(n.Fallback, "HTTP 503") {
		t.Fatalf("engine %q, fallback %q", n.Engine, n.Fallback)
	}
}

func TestNewStructurerWithoutConfigIsOffline(t *testing.T) {
	if _, ok := NewStructurer(nil, nil).(*Offline); !ok {
		t.Fatal("without an LLM client the structurer must be offline")
	}
	if _, ok := NewStructurer(llmtest.NewChat(t, llmtest.Answer("")).Client(t), nil).(*LLM); !ok {
		t.Fatal("with an LLM client the structurer must be the LLM engine")
	}
	if _, err := NewLLM(nil, nil); !errors.Is(err, llm.ErrNotConfigured) || !strings.Contains(err.Error(), "llm.base_url") {
		t.Fatalf("got %v", err)
	}
}

// The model gets the note through the one redactor (connectors/redact, in
// the LLM client): every identifier format is gone, and the clinical
// numbers a cruder pattern would also take — dates, vitals written with
// spaces, doses, amounts, ICD-10 codes — reach it intact.
func TestLLMGetsIdentifiersRedactedAndClinicalNumbersKept(t *testing.T) {
	d, l := newLLMDouble(t, validAnswer)
	text := "Жалобы с 01-03-2025: кашель. Паспорт АВ 123 45 67, ПИНФЛ 31205\u00a0678901\u00a0234, тел 90.123.45.67, " +
		"e-mail aziza.karimova@mail.uz, карта 8600 1234 5678 9012. АД 140/90, пульс 88, t 37,8, SpO2 97%, J45.0, оплата 1 250 000 сум."
	if _, err := l.Structure(context.Background(), text); err != nil {
		t.Fatal(err)
	}
	msgs, _ := json.Marshal(d.Requests()[0].Messages)
	sent := strings.ReplaceAll(string(msgs), `\u00a0`, "\u00a0")
	for _, secret := range []string{"123 45 67", "678901", "90.123.45.67", "aziza", "mail.uz", "5678 9012"} {
		if strings.Contains(sent, secret) {
			t.Errorf("%q reached the model: %s", secret, msgs)
		}
	}
	for _, keep := range []string{"01-03-2025", "140/90, пульс 88, t 37,8", "J45.0", "1 250 000"} {
		if !strings.Contains(sent, keep) {
			t.Errorf("%q did not reach the model: %s", keep, msgs)
		}
	}
}
