package widget_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oqim/oqim/connectors/chromium/chromiumtest"
	"github.com/oqim/oqim/connectors/kafka/kafkatest"
	"github.com/oqim/oqim/inference/chatbot"
)

// TestWidgetInBrowser types a question into the widget with the keyboard
// in headless Chromium and checks that the answer arrives with a citation
// link, in the live region, and that focus returns to the input.
func TestWidgetInBrowser(t *testing.T) {
	chat := serveChat(t)

	page := chromiumtest.NewPage(t, 900, 900, 45*time.Second)
	ctx := page.Ctx
	run, attr := page.Do, page.Attr
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("browser: text of %s: %v", sel, err)
		}
		return v
	}
	page.Open(chat, `oqim-chat textarea`)
	run(
		chromedp.Focus(chromedp.CSS(`oqim-chat textarea`)),
		// Typed, then sent with the Enter key: no mouse needed.
		chromedp.SendKeys(chromedp.CSS(`oqim-chat textarea`), "QQSni qanday qaytarib olsam boʻladi?\r"),
		chromedp.WaitVisible(chromedp.CSS(`oqim-chat .oqc-bot[data-kind] .oqc-cites li`)),
	)
	answer := text(`oqim-chat .oqc-bot[data-kind] .oqc-text`)
	kind := attr(`oqim-chat .oqc-bot[data-kind]`, "data-kind")
	citeText := text(`oqim-chat .oqc-cites li`)
	links, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("oqim-chat .oqc-cites a").length`))
	if err != nil {
		t.Fatal(err)
	}
	live := attr(`oqim-chat .oqc-log`, "aria-live")
	label := text(`oqim-chat label`)
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.className : ""`))
	if err != nil {
		t.Fatal(err)
	}
	page.Screenshot("widget.png")
	if kind != "answer" || !strings.Contains(answer, "Qoʻshilgan qiymat soligʻi") {
		t.Errorf("answer (kind %q):\n%s", kind, answer)
	}
	// The citation names the entry and the decree item it rests on, and
	// links nowhere: no address on the portal is known.
	if !strings.Contains(citeText, "[annex4-3]") || !strings.Contains(citeText, "PQ-286") || links != 0 {
		t.Errorf("citation %q with %d links, want [annex4-3] and its decree, unlinked", citeText, links)
	}
	if live != "polite" || strings.TrimSpace(label) == "" {
		t.Errorf("accessibility: aria-live %q, label %q", live, label)
	}
	if focused != "oqc-input" {
		t.Errorf("focus after answer is on %q, want the input", focused)
	}
}

// serveChat serves the chatbot, with its widget, until the test ends and
// gives the widget's page. Tickets and events are taken without Kafka, so
// a handoff gets a ticket number as it does in the demo.
func serveChat(t *testing.T) string {
	t.Helper()
	svc, err := chatbot.New(chatbot.Config{RatePerSecond: -1, Events: &kafkatest.Recorder{}, Handoff: &kafkatest.Recorder{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { svc.Close(context.Background()) })
	return srv.URL + "/chat/"
}
