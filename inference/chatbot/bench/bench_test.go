package bench

import (
	"context"
	"encoding/json"
	"testing"
)

func TestRun(t *testing.T) {
	sessions := 1000
	if testing.Short() {
		sessions = 100
	}
	rep, err := Run(context.Background(), Options{Sessions: sessions, QuestionsPerSession: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors != 0 || rep.Questions != 2*sessions {
		t.Fatalf("%d errors (first: %s), %d questions answered of %d", rep.Errors, rep.FirstError, rep.Questions, 2*sessions)
	}
	if rep.P50Ms <= 0 || rep.P99Ms < rep.P50Ms || rep.QuestionsPerSec <= 0 {
		t.Fatalf("implausible report %+v", rep)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", b)
}
