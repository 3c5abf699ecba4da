package chromiumtest

import (
	"os"
	"path/filepath"

	"github.com/chromedp/chromedp"
)

// Screenshot keeps a PNG of the browser's viewport, named name, in a
// directory of the test's and, when OQIM_SCREENSHOT_DIR is set (as when
// docs refresh their pictures), there too.
func (p Page) Screenshot(name string) {
	p.T.Helper()
	p.keepShot(name, chromedp.CaptureScreenshot())
}

// FullScreenshot is Screenshot of the whole page, beyond the viewport.
func (p Page) FullScreenshot(name string) {
	p.T.Helper()
	p.keepShot(name, chromedp.FullScreenshot(100))
}

func (p Page) keepShot(name string, capture chromedp.Action[[]byte]) {
	p.T.Helper()
	shot, err := chromedp.Run(p.Ctx, capture)
	if err != nil {
		p.T.Fatalf("browser: screenshot %s: %v", name, err)
	}
	path := filepath.Join(p.T.TempDir(), name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		p.T.Fatal(err)
	}
	if dir := os.Getenv("OQIM_SCREENSHOT_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), shot, 0o644); err != nil {
			p.T.Fatal(err)
		}
	}
	p.T.Logf("screenshot: %s (%d bytes)", path, len(shot))
}
