package diagnosis

import (
	"net/http"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/oqim/oqim/connectors/llm/llmtest"
)

// When the model server fails, the 502 says so without repeating what
// the server said, which may quote the patient's text.
func TestHandlerHidesModelServerErrorText(t *testing.T) {
	const secret = "patient Alisher Karimov, PINFL 31234567890123, says chest pain"
	chat := llmtest.NewChat(t, func(openai.ChatCompletionRequest) llmtest.Reply {
		return llmtest.Reply{Status: http.StatusBadRequest, Error: "cannot parse: " + secret}
	})
	h, err := NewHandler(HandlerConfig{Engine: testEngine(t), LLM: chat.Client(t)})
	if err != nil {
		t.Fatal(err)
	}
	rec := post(t, h, `{"age":40,"sex":"male","text_mode":"llm","text":"боль в груди"}`)
	if rec.Code != http.StatusBadGateway {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	if strings.Contains(body, "Karimov") || strings.Contains(body, "cannot parse") {
		t.Fatalf("the 502 repeats the model server's message: %s", body)
	}
	if !strings.Contains(body, "HTTP 400") || !strings.Contains(body, `"field":"text"`) {
		t.Fatalf("the 502 does not say what failed: %s", body)
	}
}
