package workspace_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oqim/oqim/connectors/chromium/chromiumtest"
	"github.com/oqim/oqim/inference/clinical/workspace"
)

// TestPageLoadsAndSwitchesLanguage loads /doctor/ in headless Chromium and
// switches the UI to Russian and Uzbek Cyrillic: the script runs and every
// label follows the chosen language. The whole visit (recording, note,
// differential, signing, delivery) is TestDoctorVisitInBrowser in
// cmd/oqim, over the routes `oqim serve` mounts.
func TestPageLoadsAndSwitchesLanguage(t *testing.T) {
	srv := httptest.NewServer(workspace.Handler())
	defer srv.Close()
	ctx := chromiumtest.Context(t, 1000, 800, 30*time.Second)
	page := chromiumtest.Page{T: t, Ctx: ctx}
	page.Do(
		chromedp.Navigate(srv.URL+"/doctor/"),
		chromedp.WaitVisible(chromedp.CSS(`#key`)),
	)
	for _, c := range []struct{ lang, title string }{{"ru", "Рабочее место врача"}, {"uz-Cyrl", "Шифокор иш жойи"}} {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const s = document.getElementById("lang"); s.value = "`+c.lang+`"; s.dispatchEvent(new Event("change")); return document.querySelector("h1").textContent; })()`))
		if err != nil {
			t.Fatal(err)
		}
		if got != c.title {
			t.Errorf("%s: title %q, want %q", c.lang, got, c.title)
		}
	}
	// OQIM_SCREENSHOT_DIR=docs refreshes the README's picture.
	if dir := os.Getenv("OQIM_SCREENSHOT_DIR"); dir != "" {
		shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "doctor-workspace.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
