package eval

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The targets of PQ-308's chatbot: on questions the retrieval was not
// tuned on, top-1 ≥ 90% and top-3 ≥ 97%; p99 under 20 ms. The latency
// target is measured by `oqim eval chatbot` on a quiet machine; here,
// with other packages' tests sharing the cores, only a regression of
// several times is caught, and not under the race detector, which slows
// everything tenfold.
func TestHeldOutQuestions(t *testing.T) {
	rep, err := Run(context.Background(), Options{Questions: "../testdata/questions_holdout.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	rep.WriteText(&buf)
	t.Logf("held-out:\n%s", buf.String())
	if rep.N < 60 {
		t.Errorf("held-out set has %d questions, want ≥ 60", rep.N)
	}
	if rep.Top1 < 0.90 || rep.Top3 < 0.97 {
		t.Errorf("held-out top-1 %.3f top-3 %.3f; targets 0.90 and 0.97", rep.Top1, rep.Top3)
	}
	if !raceDetector && rep.P99Ms >= 60 {
		t.Errorf("p99 %.2f ms; the target is < 20 ms on a quiet machine, and this is three times that", rep.P99Ms)
	}
}

func TestTuningQuestions(t *testing.T) {
	rep, err := Run(context.Background(), Options{Questions: "../testdata/questions.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.N < 200 {
		t.Errorf("tuning set has %d questions, want ≥ 200", rep.N)
	}
	for _, l := range []string{"uz-Latn", "uz-Cyrl", "ru", "en"} {
		if rep.ByLang[l].N < 40 {
			t.Errorf("%s: %d questions, want ≥ 40", l, rep.ByLang[l].N)
		}
	}
	if rep.Top1 < 0.95 || rep.Top3 < 0.98 {
		t.Errorf("tuning top-1 %.3f top-3 %.3f", rep.Top1, rep.Top3)
	}
}

func TestRunScoresAndRejectsBadInput(t *testing.T) {
	in := `{"question":"QQS qaytarish","expected":["annex4-3"],"lang":"uz-Latn"}
{"question":"QQS qaytarish","expected":["faq-payment"],"lang":"uz-Latn"}
`
	rep, err := Run(context.Background(), Options{Reader: strings.NewReader(in)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.N != 2 || rep.Top1 != 0.5 || len(rep.Misses) != 1 {
		t.Errorf("report %+v; want n=2 top1=0.5 with one miss", rep.Score)
	}
	if _, err := Run(context.Background(), Options{Reader: strings.NewReader(`{"question":"x"}`)}); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("missing expected: err %v, want one naming line 1", err)
	}
}

// The bot's decisions: uncovered questions go to an operator, off-topic
// ones are refused, and a twin under the other decree counts as right.
func TestRunScoresDecisions(t *testing.T) {
	in := `{"question":"Как получить справку о несудимости?","expected":["pq308-28"],"lang":"ru"}
{"question":"sick pay application","expected":["pq308-31"],"lang":"en"}
{"question":"как оформить развод через суд и нотариуса","expected":[],"lang":"ru"}
{"question":"tell me a joke","expected":[],"want":"refuse","lang":"en"}
`
	rep, err := Run(context.Background(), Options{Reader: strings.NewReader(in)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.N != 2 || rep.Top1 != 1 {
		t.Errorf("ranking %+v; want both covered questions right (a twin counts)", rep.Score)
	}
	if rep.Covered.Right != 1 || rep.Uncovered.N != 1 || rep.Uncovered.Handoff != 1 || rep.Adversarial.Refused != 1 || rep.WrongAnswers != 0 {
		t.Errorf("decisions covered %+v uncovered %+v adversarial %+v wrong %.2f", rep.Covered, rep.Uncovered, rep.Adversarial, rep.WrongAnswers)
	}
	if len(rep.Unanswered) != 0 {
		t.Errorf("unanswered %+v; every covered question was answered", rep.Unanswered)
	}
	// A covered question the bot hands to an operator is listed, with
	// what it did.
	rep, err = Run(context.Background(), Options{Reader: strings.NewReader(`{"question":"operator bilan gaplashmoqchiman, QQS qaytarish","expected":["annex4-3"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Unanswered) != 1 || rep.Unanswered[0].Decision != "handoff requested" {
		t.Errorf("unanswered %+v; want the question, handed off as requested", rep.Unanswered)
	}
	if _, err := Run(context.Background(), Options{Reader: strings.NewReader(`{"question":"x","expected":["a"],"want":"refuse"}`)}); err == nil {
		t.Error(`"want": "refuse" with an expected entry was accepted`)
	}
}

// On the project's own questions the worst outcome stays rare.
func TestWrongAnswersAreRare(t *testing.T) {
	for _, f := range []string{"../testdata/questions.jsonl", "../testdata/questions_dev.jsonl"} {
		rep, err := Run(context.Background(), Options{Questions: f})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Covered.Wrong > 0.03 || rep.Uncovered.N == 0 || rep.Adversarial.Refused < 0.7 {
			t.Errorf("%s: covered %+v uncovered %+v adversarial %+v", f, rep.Covered, rep.Uncovered, rep.Adversarial)
		}
	}
}
