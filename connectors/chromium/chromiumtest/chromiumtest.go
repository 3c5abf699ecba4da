// Package chromiumtest starts Debian's headless Chromium for browser tests,
// with the flags a machine without internet needs, and fails with the
// command that installs it when it is missing (or skips, when
// OQIM_SKIP_BROWSER=1).
package chromiumtest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Context is a chromedp context on a fresh browser with a window of the
// given size; it ends after timeout or when the test does. extra adds
// flags, such as a fake microphone.
func Context(t testing.TB, width, height int, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(binary(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		// Without these Chromium keeps trying the network, which here is
		// closed, and a test may wait on it.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(width, height),
	}
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancelBrowser()
		cancelAlloc()
	})
	return ctx
}

func binary(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("OQIM_SKIP_BROWSER") == "1" {
		t.Skip("chromium not installed and OQIM_SKIP_BROWSER=1: skipping the browser test")
	}
	t.Fatal("chromium is not installed: run `make test` (which installs it), or `apt-get install -y chromium`; set OQIM_SKIP_BROWSER=1 to skip this test")
	return ""
}

// Page runs browser steps for a test and fails it, naming the step, on
// the first error.
type Page struct {
	T   testing.TB
	Ctx context.Context
}

// NewPage is a Page on a fresh browser, as Context starts it.
func NewPage(t testing.TB, width, height int, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) Page {
	t.Helper()
	return Page{T: t, Ctx: Context(t, width, height, timeout, extra...)}
}

// Open navigates to url and waits until an element matching each CSS
// selector in visible is shown.
func (p Page) Open(url string, visible ...string) {
	p.T.Helper()
	steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(url)}
	for _, sel := range visible {
		steps = append(steps, chromedp.WaitVisible(chromedp.CSS(sel)))
	}
	p.Do(steps...)
}

// Do runs steps in order.
func (p Page) Do(steps ...chromedp.Action[chromedp.Void]) {
	p.T.Helper()
	if err := chromedp.Do(p.Ctx, steps...); err != nil {
		p.T.Fatalf("browser: %v", err)
	}
}

// Attr is attribute name of the first element matching the CSS selector.
func (p Page) Attr(sel, name string) string {
	p.T.Helper()
	v, err := chromedp.Run(p.Ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		p.T.Fatalf("browser: %s[%s]: %v", sel, name, err)
	}
	return v.Value
}

// Text is the text content of the first element matching the CSS
// selector, without surrounding space.
func (p Page) Text(sel string) string {
	p.T.Helper()
	v, err := chromedp.Run(p.Ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		p.T.Fatalf("browser: text of %s: %v", sel, err)
	}
	return strings.TrimSpace(v)
}

// Eval runs js in the page and decodes its JSON result into v.
func (p Page) Eval(js string, v any) {
	p.T.Helper()
	raw, err := chromedp.Run(p.Ctx, chromedp.Evaluate[json.RawMessage](js))
	if err != nil {
		p.T.Fatalf("browser: %s: %v", js, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		p.T.Fatalf("browser: %s: %v", raw, err)
	}
}

// EvalString runs js in the page, which must give a string.
func (p Page) EvalString(js string) string {
	p.T.Helper()
	var v string
	p.Eval(js, &v)
	return v
}
