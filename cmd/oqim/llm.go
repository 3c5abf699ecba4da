package main

import (
	"context"
	"fmt"
	"time"

	"github.com/oqim/oqim/connectors/llm"
	"github.com/oqim/oqim/inference/chatbot"
	"github.com/oqim/oqim/inference/chatbot/retrieval"
)

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
