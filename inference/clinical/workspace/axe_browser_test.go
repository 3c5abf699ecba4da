package workspace_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oqim/oqim/connectors/chromium/chromiumtest"
	"github.com/oqim/oqim/inference/clinical/workspace"
)

// TestWorkspaceAccessibility runs axe-core's WCAG 2.0/2.1 A and AA rules on
// the workspace in each of its languages, at a desktop and a tablet
// width: every control labelled, contrast, landmarks, names.
func TestWorkspaceAccessibility(t *testing.T) {
	srv := httptest.NewServer(workspace.Handler())
	defer srv.Close()
	for _, width := range []int{1280, 768} {
		ctx := chromiumtest.Context(t, width, 900, 60*time.Second)
		page := chromiumtest.Page{T: t, Ctx: ctx}
		page.Do(
			chromedp.Navigate(srv.URL+"/doctor/"),
			chromedp.WaitVisible(chromedp.CSS(`#key`)),
		)
		for _, lang := range []string{"uz-Latn", "uz-Cyrl", "ru"} {
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`(() => { const s = document.getElementById("lang"); s.value = "`+lang+`"; s.dispatchEvent(new Event("change")); })()`)); err != nil {
				t.Fatal(err)
			}
			for _, v := range page.Axe("") {
				t.Errorf("%d px, %s: %s", width, lang, v)
			}
		}
	}
}
