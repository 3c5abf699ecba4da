package widget_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oqim/oqim/connectors/chromium/chromiumtest"
	"github.com/oqim/oqim/inference/chatbot"
)

// axeScript finds axe-core's browser build: OQIM_AXE_JS, or where
// `make test` installs it from npm (var/test/axe under the module root).
// Without it the test is skipped with the command that installs it.
func axeScript(t *testing.T) []byte {
	t.Helper()
	path := os.Getenv("OQIM_AXE_JS")
	if path == "" {
		dir, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				t.Fatal("go.mod not found above the test directory")
			}
			dir = parent
		}
		path = filepath.Join(dir, "var", "test", "axe", "node_modules", "axe-core", "axe.min.js")
	}
	js, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("axe-core not found (%v); install it with: npm install --prefix var/test/axe axe-core@4.14.1 (make test does)", err)
	}
	return js
}

type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// TestWidgetAccessibility runs axe-core's WCAG 2.0/2.1 A and AA rules on
// the widget: empty with its suggested questions, then after an answer
// with citations and feedback buttons and a handoff with its ticket, at a
// desktop and a phone width.
func TestWidgetAccessibility(t *testing.T) {
	axe := axeScript(t)
	svc, err := chatbot.New(chatbot.Config{RatePerSecond: -1, Publisher: acceptAll{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	defer svc.Close(context.Background())

	for _, width := range []int{1024, 360} {
		ctx := chromiumtest.Context(t, width, 800, 60*time.Second)
		page := chromiumtest.Page{T: t, Ctx: ctx}
		check := func(state string) {
			t.Helper()
			// The script is evaluated as a string, so the page's
			// Content-Security-Policy, which bars other script sources,
			// does not stop it.
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](string(axe))); err != nil {
				t.Fatalf("injecting axe-core: %v", err)
			}
			v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document.querySelector("oqim-chat"), {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("%d px, %s: axe.run: %v", width, state, err)
			}
			var vs []axeViolation
			if err := json.Unmarshal([]byte(v), &vs); err != nil {
				t.Fatalf("axe result %q: %v", v, err)
			}
			for _, x := range vs {
				t.Errorf("%d px, %s: %s (%s) at %v", width, state, x.ID, x.Help, x.Nodes)
			}
		}
		page.Do(
			chromedp.Navigate(srv.URL+"/chat/"),
			chromedp.WaitVisible(chromedp.CSS(`oqim-chat .oqc-example`)),
		)
		check("empty chat")
		page.Do(
			chromedp.Click(chromedp.CSS(`oqim-chat .oqc-example`)),
			chromedp.WaitVisible(chromedp.CSS(`oqim-chat .oqc-bot[data-kind] .oqc-cites a`)),
			chromedp.Click(chromedp.CSS(`oqim-chat .oqc-operator`)),
			chromedp.WaitVisible(chromedp.CSS(`oqim-chat .oqc-ticket`)),
		)
		check("after an answer and a handoff")
	}
}
