package chromiumtest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/oqim/oqim/models/sharedtest"
)

// AxeVersion is the axe-core release `make test` installs from npm.
const AxeVersion = "4.14.1"

// AxeViolation is one failed axe-core rule with the elements it failed on.
type AxeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

func (v AxeViolation) String() string { return fmt.Sprintf("%s (%s) at %v", v.ID, v.Help, v.Nodes) }

// Axe runs axe-core's WCAG 2.0/2.1 A and AA rules on the element matching
// root (a CSS selector; "" for the whole document) and returns what
// fails. axe-core's browser build is OQIM_AXE_JS, or where `make test`
// installs it (var/test/axe under the module root); without it the test
// is skipped with the command that installs it.
func (p Page) Axe(root string) []AxeViolation {
	p.T.Helper()
	js := axeScript(p.T)
	// The script is evaluated as a string, so a page's
	// Content-Security-Policy, which bars other script sources, does not
	// stop it.
	if _, err := chromedp.Run(p.Ctx, chromedp.Evaluate[any](string(js))); err != nil {
		p.T.Fatalf("injecting axe-core: %v", err)
	}
	ctx := "document"
	if root != "" {
		q, _ := json.Marshal(root)
		ctx = "document.querySelector(" + string(q) + ")"
	}
	v, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](`axe.run(`+ctx+`, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	if err != nil {
		p.T.Fatalf("axe.run: %v", err)
	}
	var vs []AxeViolation
	if err := json.Unmarshal([]byte(v), &vs); err != nil {
		p.T.Fatalf("axe result %q: %v", v, err)
	}
	return vs
}

// CheckAxe fails the test, without stopping it, on each violation Axe
// finds under root, naming where (such as the width and the page's
// state) it was.
func (p Page) CheckAxe(root, where string) {
	p.T.Helper()
	for _, v := range p.Axe(root) {
		p.T.Errorf("%s: %s", where, v)
	}
}

func axeScript(t testing.TB) []byte {
	t.Helper()
	path := os.Getenv("OQIM_AXE_JS")
	if path == "" {
		path = filepath.Join(sharedtest.ModuleRoot(t), "var", "test", "axe", "node_modules", "axe-core", "axe.min.js")
	}
	js, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("axe-core not found (%v); install it with: npm install --prefix var/test/axe axe-core@%s (make test does)", err, AxeVersion)
	}
	return js
}
