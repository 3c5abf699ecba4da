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

	// The differential is asked for in the page's language and script:
	// the API is stood in for by a fetch that records what is sent.
	chooseLanguage(page, "uz-Cyrl")
	page.Eval(`(() => {
		window.sent = [];
		window.fetch = (u, o) => {
			window.sent.push({ path: String(u), body: o && o.body ? JSON.parse(o.body) : null });
			const body = String(u).includes("/api/v1/notes") ? { note: { sections: { complaints: "йўтал" } } } : { conditions: [], evidence: [] };
			return Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } }));
		};
		document.getElementById("text").value = "Шикоятлари: йўтал.";
		document.getElementById("submit").click();
		return null;
	})()`, new(any))
	var lang string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if lang = page.EvalString(`(() => { const d = window.sent.find((s) => s.path.includes("/api/v1/diagnosis")); return d ? d.body.language : ""; })()`); lang != "" {
			break
		}
	}
	if lang != "uz-Cyrl" {
		t.Errorf("the differential was asked for in %q on an Uzbek Cyrillic page, want uz-Cyrl", lang)
	}
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
