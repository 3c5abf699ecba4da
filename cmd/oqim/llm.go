package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oqim/oqim/connectors/llm"
	"github.com/oqim/oqim/connectors/retry"
	"github.com/oqim/oqim/inference/chatbot"
	"github.com/oqim/oqim/inference/chatbot/retrieval"
)

// client is the one LLM client every assistant shares; nil, without
// error, when llm.base_url is empty (offline).
func (c LLMConfig) client() (*llm.Client, error) {
	lc, err := llm.New(llm.Config{BaseURL: c.BaseURL, Model: c.Model, APIKey: c.APIKey, EmbeddingModel: c.EmbeddingModel,
		Timeout: c.Timeout.Duration, Retry: retry.Policy{Attempts: c.MaxAttempts}})
	if errors.Is(err, llm.ErrNotConfigured) {
		return nil, nil
	}
	return lc, err
}

// hybridSearcher embeds the knowledge base once, at start, with
// llm.embedding_model.
func hybridSearcher(lc *llm.Client) (chatbot.Searcher, error) {
	ix, err := retrieval.NewDefault()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	h, err := retrieval.NewHybrid(ctx, ix, lc)
	if err != nil {
		return nil, fmt.Errorf("chatbot: hybrid retrieval (llm.embedding_model): %w", err)
	}
	return h, nil
}
