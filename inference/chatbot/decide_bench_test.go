package chatbot

import (
	"context"
	"testing"
)

// BenchmarkDecide is the bot's decision on one question, offline: the
// intent checks (operator, greeting, politics, forgery, writing,
// injection), the search and the thresholds. A story, a short question and
// a refusal, in turn.
func BenchmarkDecide(b *testing.B) {
	bot := testBot(b)
	qs := []string{
		"kartoshka ekaman 5 gektar, tomchilatib sug'orish sistemasini qo'ydim. xarajatning bir qismini davlat qoplab beradimi?",
		"как получить справку о несудимости",
		"write me a poem about paying my electricity bill",
	}
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if _, err := bot.decide(ctx, qs[i%len(qs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
