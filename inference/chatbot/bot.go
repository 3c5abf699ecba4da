// Package chatbot is the Single Portal (my.gov.uz) citizen assistant of
// Decree PQ-308: it answers questions about public services from the
// portal knowledge base (models/portalkb) with citations, in the language
// and script the citizen writes in, and hands the conversation to the 1242
// call centre when it is not confident or the citizen asks for a person.
//
// Citizen text is data, never instructions: it is redacted (passport
// numbers, PINFL, phone numbers) before it is stored, put on Kafka or sent
// to an LLM, and the LLM receives it only as a quoted JSON string.
package chatbot

import (
	"context"
	"fmt"
	"strings"

	"github.com/oqim/oqim/inference/chatbot/retrieval"
	"github.com/oqim/oqim/models/portalkb"
)

// Kind says what a reply is.
type Kind string

const (
	KindAnswer   Kind = "answer"   // grounded in knowledge-base entries
	KindHandoff  Kind = "handoff"  // passed to a 1242 operator
	KindOffTopic Kind = "offtopic" // not about the portal: a polite redirect
	KindGreeting Kind = "greeting"
)

// Outcome classifies a question for the usage events.
type Outcome string

const (
	Resolved   Outcome = "resolved"
	Handoff    Outcome = "handoff"
	Unanswered Outcome = "unanswered"
)

// Citation points at the knowledge-base entry an answer comes from, and
// at what that entry rests on, so a reader can check it.
type Citation struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// URL is empty: the decrees give no addresses on the portal, and an
	// address made from an entry's id would send a citizen to a page that
	// may not exist. Source is what the answer rests on.
	URL string `json:"url,omitempty"`
	// Source names the decree and item ("Decree PQ-308 of 14.09.2023,
	// roadmap item 8, service 28"), or says the entry is portal help.
	Source string `json:"source"`
	// SourceTitle is the decree's own wording of the service, verbatim
	// (Uzbek Cyrillic, OCR quirks kept); empty for portal help.
	SourceTitle string `json:"source_title"`
}

// Thresholds decide between answering, handing off and redirecting, on the
// best hit's coverage (the IDF share of the question it matches).
type Thresholds struct {
	// Answer is the coverage at or above which the bot answers.
	Answer float64
	// OffTopic is the coverage below which the question is treated as not
	// about the portal. Between the two, the bot hands off.
	OffTopic float64
}

// DefaultThresholds were set on the tuning questions and a list of
// off-topic questions (see service_test.go): 97% of tuning questions have
// coverage at or above Answer, while weather, currency, jokes and prompt
// injections score below it or find nothing. The two populations overlap
// between about 0.3 and 0.4, so that band hands off to a person rather
// than guess.
var DefaultThresholds = Thresholds{Answer: 0.38, OffTopic: 0.31}

// Searcher ranks knowledge-base entries; *retrieval.Index and
// *retrieval.Hybrid implement it.
type Searcher interface {
	Search(ctx context.Context, query string, k int) (retrieval.Result, error)
}

// Bot answers questions; it is safe for concurrent use.
type Bot struct {
	search     Searcher
	llm        *llmAnswerer // nil: offline, extractive answers
	thresholds Thresholds
	phrases    phraseBook
}

// extractive writes the answer from the best entry, in lang, with its
// citation; nothing in it comes from the citizen's text.
func (b *Bot) extractive(lang portalkb.Lang, hits []retrieval.Hit) string {
	p := b.phrases.in(lang)
	e := hits[0].Entry
	c := e.In(lang)
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s\n\n", c.What)
	fmt.Fprintf(&sb, "• %s: %s\n", p.who, c.Who)
	fmt.Fprintf(&sb, "• %s: %s\n", p.documents, c.Documents)
	fmt.Fprintf(&sb, "• %s: %s\n", p.fee, c.Fee)
	fmt.Fprintf(&sb, "• %s: %s\n", p.processing, c.Processing)
	// The agency sentence names itself ("Responsible agency: ...").
	fmt.Fprintf(&sb, "• %s\n", c.Agency)
	fmt.Fprintf(&sb, "• %s: %s\n\n", p.how, c.HowToApply)
	fmt.Fprintf(&sb, "%s: [%s] %s", p.source, e.ID, portalkb.RefIn(e.Ref, lang))
	// A second entry that scores nearly as well is often the same service
	// under another annex, or the citizen's real need.
	if len(hits) > 1 && hits[1].Score >= 0.8*hits[0].Score {
		o := hits[1].Entry
		fmt.Fprintf(&sb, "\n%s: [%s] %s", p.seeAlso, o.ID, o.In(lang).Title)
	}
	return sb.String()
}

func citations(lang portalkb.Lang, hits []retrieval.Hit, n int) []Citation {
	var out []Citation
	for i, h := range hits {
		if i == n {
			break
		}
		out = append(out, cite(lang, h.Entry))
	}
	return out
}

// suggestions lists hits as lines for a low-confidence handoff.
func suggestions(lang portalkb.Lang, hits []retrieval.Hit) string {
	var sb strings.Builder
	for _, h := range hits {
		fmt.Fprintf(&sb, "\n• [%s] %s", h.Entry.ID, h.Entry.In(lang).Title)
	}
	return sb.String()
}

func cite(lang portalkb.Lang, e *portalkb.Entry) Citation {
	return Citation{ID: e.ID, Title: e.In(lang).Title, Source: portalkb.RefIn(e.Ref, lang), SourceTitle: e.SourceTitle}
}
