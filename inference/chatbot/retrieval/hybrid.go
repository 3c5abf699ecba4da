package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/oqim/oqim/models/portalkb"
)

// Embedder computes embeddings, one vector per input in input order;
// connectors/llm's Client (with llm.embedding_model set) is one.
type Embedder interface {
	Embed(ctx context.Context, in []string) ([][]float32, error)
}

// Hybrid fuses the lexical ranking with cosine similarity of dense
// embeddings by reciprocal rank fusion, which needs no calibration between
// the two kinds of score. Coverage, which decides between answering and
// handing off, stays lexical: it is what makes the bot refuse to guess.
type Hybrid struct {
	lex      *Index
	embedder Embedder
	vectors  [][]float32 // per entry, normalised
}

// rrfK damps the weight of top ranks in reciprocal rank fusion; 60 is
// the value of the original paper and works without tuning.
const rrfK = 60

// NewHybrid embeds every entry once (title, keywords and summary in all
// language forms) and returns the fused searcher.
func NewHybrid(ctx context.Context, lex *Index, embedder Embedder) (*Hybrid, error) {
	if embedder == nil {
		return nil, errors.New("retrieval: hybrid search needs an embeddings client")
	}
	h := &Hybrid{lex: lex, embedder: embedder}
	kb := lex.KB()
	texts := make([]string, len(kb.Entries))
	for i := range kb.Entries {
		var sb strings.Builder
		for _, l := range portalkb.Langs {
			c := kb.Entries[i].In(l)
			sb.WriteString(c.Title + ". " + strings.Join(c.Keywords, ", ") + ".\n")
		}
		texts[i] = sb.String()
	}
	const batch = 32
	for start := 0; start < len(texts); start += batch {
		vs, err := h.embed(ctx, texts[start:min(start+batch, len(texts))])
		if err != nil {
			return nil, err
		}
		h.vectors = append(h.vectors, vs...)
	}
	return h, nil
}

func (h *Hybrid) embed(ctx context.Context, in []string) ([][]float32, error) {
	vs, err := h.embedder.Embed(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("retrieval: embeddings: %w", err)
	}
	if len(vs) != len(in) {
		return nil, fmt.Errorf("retrieval: embeddings: %d vectors for %d inputs", len(vs), len(in))
	}
	for i := range vs {
		vs[i] = normalise(vs[i])
	}
	return vs, nil
}

func normalise(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return v
	}
	inv := float32(1 / math.Sqrt(n))
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = x * inv
	}
	return out
}

// Search fuses both rankings. If the embedding server fails, it answers
// from the lexical ranking alone rather than fail the citizen.
func (h *Hybrid) Search(ctx context.Context, query string, k int) (Result, error) {
	const depth = 20
	lex, err := h.lex.Search(ctx, query, depth)
	if err != nil {
		return Result{}, err
	}
	qv, err := h.embed(ctx, []string{query})
	if err != nil {
		lex.Hits = lex.Hits[:min(k, len(lex.Hits))]
		return lex, nil
	}
	type scored struct {
		i   int
		sim float32
	}
	sims := make([]scored, len(h.vectors))
	for i, v := range h.vectors {
		var dot float32
		for j := range min(len(v), len(qv[0])) {
			dot += v[j] * qv[0][j]
		}
		sims[i] = scored{i, dot}
	}
	sort.Slice(sims, func(a, b int) bool { return sims[a].sim > sims[b].sim })
	fused := map[int32]float64{}
	byEntry := map[int32]Hit{}
	for r, hit := range lex.Hits {
		fused[hit.entry] += 1 / float64(rrfK+r+1)
		byEntry[hit.entry] = hit
	}
	kb := h.lex.KB()
	for r, s := range sims[:min(depth, len(sims))] {
		e := int32(s.i)
		fused[e] += 1 / float64(rrfK+r+1)
		if _, ok := byEntry[e]; !ok {
			byEntry[e] = Hit{Entry: &kb.Entries[e], entry: e}
		}
	}
	hits := make([]Hit, 0, len(fused))
	for e, f := range fused {
		hit := byEntry[e]
		hit.Score = f
		hits = append(hits, hit)
	}
	slices.SortFunc(hits, func(a, b Hit) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Entry.ID, b.Entry.ID)
	})
	lex.Hits = hits[:min(k, len(hits))]
	return lex, nil
}
