package widget_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oqim/oqim/connectors/chromium/chromiumtest"
	"github.com/oqim/oqim/inference/chatbot"
)

// TestWidgetAccessibility runs axe-core's WCAG 2.0/2.1 A and AA rules on
// the widget: empty with its suggested questions, then after an answer
// with citations and feedback buttons and a handoff with its ticket, at a
// desktop and a phone width.
func TestWidgetAccessibility(t *testing.T) {
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
			for _, v := range page.Axe("oqim-chat") {
				t.Errorf("%d px, %s: %s", width, state, v)
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
