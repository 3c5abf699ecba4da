package chromiumtest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/connectors/chromium/chromiumtest"
)

// errorsOf is a test that keeps the errors reported to it instead of
// failing.
type errorsOf struct {
	testing.TB
	errs []string
}

func (e *errorsOf) Errorf(format string, args ...any) {
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

// TestPageHelpers opens a page with an image that has no text
// alternative: Open waits for it, CheckAxe reports the missing alt under
// the name it is given, and the screenshots land in OQIM_SCREENSHOT_DIR.
func TestPageHelpers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><title>Helpers</title></head><body><main>
<h1>Helpers</h1><p id="late" hidden>shown</p><img id="pic" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<script>setTimeout(() => { document.getElementById("late").hidden = false }, 200)</script></main></body></html>`)
	}))
	t.Cleanup(srv.Close)
	shots := t.TempDir()
	t.Setenv("OQIM_SCREENSHOT_DIR", shots)

	rec := &errorsOf{TB: t}
	page := chromiumtest.NewPage(rec, 800, 600, 30*time.Second)
	page.Open(srv.URL, `#late`)
	if h := page.EvalString(`String(document.getElementById("late").hidden)`); h != "false" {
		t.Errorf("after Open #late is hidden: %s", h)
	}
	page.Screenshot("view.png")
	page.FullScreenshot("full.png")
	for _, name := range []string{"view.png", "full.png"} {
		if fi, err := os.Stat(filepath.Join(shots, name)); err != nil || fi.Size() == 0 {
			t.Errorf("screenshot %s in OQIM_SCREENSHOT_DIR: %v", name, err)
		}
	}

	page.CheckAxe("main", "800 px, helpers")
	if len(rec.errs) != 1 || !strings.HasPrefix(rec.errs[0], "800 px, helpers: image-alt ") {
		t.Errorf("CheckAxe reported %q; want the image-alt rule, named", rec.errs)
	}
}
