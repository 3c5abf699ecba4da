package retrieval

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/oqim/oqim/connectors/llm"
	"github.com/oqim/oqim/connectors/retry"
)

// embeddingsProtocolDouble is a stand-in for an OpenAI-compatible
// embeddings server: it speaks the /v1/embeddings protocol and returns a
// bag-of-terms vector (terms hashed into 1,024 dimensions), so similar texts
// get similar vectors without a model.
type embeddingsProtocolDouble struct {
	calls atomic.Int64
	down  atomic.Bool
}

func (d *embeddingsProtocolDouble) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.calls.Add(1)
	if r.URL.Path != "/v1/embeddings" || d.down.Load() {
		http.Error(w, `{"error":{"message":"unavailable"}}`, http.StatusServiceUnavailable)
		return
	}
	var req struct {
		Input []string `json:"input"`
		Model string   `json:"model"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	resp := openai.EmbeddingResponse{Object: "list", Model: openai.EmbeddingModel(req.Model)}
	for i, text := range req.Input {
		v := make([]float32, 1024)
		for _, t := range Terms(nil, text) {
			h := fnv.New32a()
			h.Write([]byte(t))
			v[h.Sum32()%1024]++
		}
		resp.Data = append(resp.Data, openai.Embedding{Object: "embedding", Index: i, Embedding: v})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

func TestHybrid(t *testing.T) {
	double := &embeddingsProtocolDouble{}
	srv := httptest.NewServer(double)
	defer srv.Close()
	ix, err := NewDefault()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	h, err := NewHybrid(ctx, ix, testEmbedder(t, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.vectors) != ix.Len() {
		t.Fatalf("%d vectors for %d entries", len(h.vectors), ix.Len())
	}
	// The double's vectors are crude, so ask with the title, where both
	// rankings agree.
	res, err := h.Search(ctx, "Возмещение суммы налога на добавленную стоимость", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 3 || res.Hits[0].Entry.ID != "annex4-3" || res.Hits[0].Coverage == 0 {
		t.Fatalf("hybrid hits %+v", res.Hits)
	}
	before := double.calls.Load()
	double.down.Store(true)
	res, err = h.Search(ctx, "VAT refund", 3)
	if err != nil || len(res.Hits) == 0 || res.Hits[0].Entry.ID != "annex4-3" {
		t.Fatalf("with the embedding server down: %v %+v", err, res.Hits)
	}
	if double.calls.Load() != before+1 {
		t.Errorf("expected one failed embeddings call")
	}
	if _, err := NewHybrid(ctx, ix, testEmbedder(t, srv.URL)); err == nil || !strings.Contains(err.Error(), "embeddings") {
		t.Errorf("down server at build: err %v", err)
	}
}

// testEmbedder is the shared client pointed at the double, with one
// attempt per call so the test can count them.
func testEmbedder(t *testing.T, url string) *llm.Client {
	t.Helper()
	c, err := llm.New(llm.Config{BaseURL: url + "/v1", Model: "test-chat", EmbeddingModel: "test-embed", APIKey: "x", Retry: retry.Policy{Attempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
