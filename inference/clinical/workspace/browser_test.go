package workspace_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/oqim/oqim/connectors/chromium/chromiumtest"
	"github.com/oqim/oqim/inference/clinical/workspace"
)

// TestPageLoadsAndSwitchesLanguage loads /doctor/ in headless Chromium and
// switches the UI to Russian and Uzbek Cyrillic: the script runs and every
// label follows the chosen language. The whole visit (recording, note,
// differential, signing, delivery) is TestDoctorVisitInBrowser in
// cmd/oqim, over the routes `oqim serve` mounts.
func TestPageLoadsAndSwitchesLanguage(t *testing.T) {
	page := openWorkspace(t, 1000, 800, 30*time.Second)
	for _, c := range []struct{ lang, title string }{{"ru", "Рабочее место врача"}, {"uz-Cyrl", "Шифокор иш жойи"}} {
		chooseLanguage(page, c.lang)
		if got := page.EvalString(`document.querySelector("h1").textContent`); got != c.title {
			t.Errorf("%s: title %q, want %q", c.lang, got, c.title)
		}
	}
	// OQIM_SCREENSHOT_DIR=docs refreshes the README's picture.
	page.Screenshot("doctor-workspace.png")
}

// openWorkspace serves the workspace until the test ends and opens it in
// a fresh browser of the given size, once its key field shows.
func openWorkspace(t *testing.T, width, height int, timeout time.Duration) chromiumtest.Page {
	t.Helper()
	srv := httptest.NewServer(workspace.Handler())
	t.Cleanup(srv.Close)
	page := chromiumtest.NewPage(t, width, height, timeout)
	page.Open(srv.URL+"/doctor/", `#key`)
	return page
}

// chooseLanguage picks lang in the page's language menu, as a change
// event, the way a doctor choosing it does.
func chooseLanguage(page chromiumtest.Page, lang string) {
	page.T.Helper()
	q, _ := json.Marshal(lang)
	page.Eval(`(() => { const s = document.getElementById("lang"); s.value = `+string(q)+`; s.dispatchEvent(new Event("change")); return null; })()`, new(any))
}
