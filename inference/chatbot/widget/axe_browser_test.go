package widget_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oqim/oqim/connectors/chromium/chromiumtest"
)

// TestWidgetAccessibility runs axe-core's WCAG 2.0/2.1 A and AA rules on
// the widget: empty with its suggested questions, then after an answer
// with citations and feedback buttons and a handoff with its ticket, at a
// desktop and a phone width.
func TestWidgetAccessibility(t *testing.T) {
	chat := serveChat(t)

	for _, width := range []int{1024, 360} {
		page := chromiumtest.NewPage(t, width, 800, 60*time.Second)
		page.Open(chat, `oqim-chat .oqc-example`)
		page.CheckAxe("oqim-chat", fmt.Sprintf("%d px, empty chat", width))
		page.Do(
			chromedp.Click(chromedp.CSS(`oqim-chat .oqc-example`)),
			chromedp.WaitVisible(chromedp.CSS(`oqim-chat .oqc-bot[data-kind] .oqc-cites li`)),
			chromedp.Click(chromedp.CSS(`oqim-chat .oqc-operator`)),
			chromedp.WaitVisible(chromedp.CSS(`oqim-chat .oqc-ticket`)),
		)
		page.CheckAxe("oqim-chat", fmt.Sprintf("%d px, after an answer and a handoff", width))
	}
}
