package widget_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oqim/oqim/connectors/chromium/chromiumtest"
)

// TestWidgetFlowOnPhone drives the widget at a phone's width: an empty chat
// offers suggested questions (keyboard reachable), choosing one is
// answered with a citation link that names its decree, asking for an
// operator ends with a ticket number, and nothing scrolls sideways.
func TestWidgetFlowOnPhone(t *testing.T) {
	chat := serveChat(t)

	page := chromiumtest.NewPage(t, 360, 740, 45*time.Second)
	eval := page.EvalString
	page.Open(chat, `oqim-chat .oqc-example`)
	examples := eval(`[...document.querySelectorAll("oqim-chat .oqc-example")].map(b => b.textContent).join("|")`)
	group := eval(`(() => { const g = document.querySelector("oqim-chat .oqc-suggest"); const l = g && document.getElementById(g.getAttribute("aria-labelledby")); return l ? l.textContent : "" })()`)
	if strings.Count(examples, "|") < 2 || strings.TrimSpace(group) == "" {
		t.Fatalf("suggested questions %q in a group labelled %q; want several, labelled", examples, group)
	}
	overflow := eval(`String(document.documentElement.scrollWidth - window.innerWidth)`)
	if overflow != "0" {
		t.Errorf("page is %s px wider than a 360 px screen", overflow)
	}
	// The first suggestion is a button: focus it and press Enter.
	page.Do(
		chromedp.Focus(chromedp.CSS(`oqim-chat .oqc-example`)),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`oqim-chat .oqc-bot[data-kind] .oqc-cites li`)),
	)
	kind := page.Attr(`oqim-chat .oqc-bot[data-kind]`, "data-kind")
	cite := eval(`document.querySelector("oqim-chat .oqc-cites li").textContent`)
	src := eval(`document.querySelector("oqim-chat .oqc-src").getAttribute("title") + " | " + document.querySelector("oqim-chat .oqc-src").textContent`)
	left := eval(`String(document.querySelectorAll("oqim-chat .oqc-example").length)`)
	if kind != "answer" || !strings.Contains(cite, "[pq308-28]") || !strings.Contains(src, "судланганлик") || !strings.Contains(src, "PQ-308") {
		t.Errorf("suggested question: kind %q, citation %q, source %q; want an answer citing pq308-28 with its decree", kind, cite, src)
	}
	if left != "0" {
		t.Errorf("%s suggestions still shown after the first question", left)
	}
	page.Do(
		chromedp.Click(chromedp.CSS(`oqim-chat .oqc-operator`)),
		chromedp.WaitVisible(chromedp.CSS(`oqim-chat .oqc-ticket`)),
	)
	ticket := page.Attr(`oqim-chat .oqc-ticket`, "data-ticket")
	ticketText := eval(`document.querySelector("oqim-chat .oqc-ticket").textContent`)
	if !strings.HasPrefix(ticket, "T-") || !strings.Contains(ticketText, ticket) || !strings.Contains(ticketText, "1242") {
		t.Errorf("handoff ticket %q shown as %q; want the number and 1242", ticket, ticketText)
	}
	if overflow := eval(`String(document.documentElement.scrollWidth - window.innerWidth)`); overflow != "0" {
		t.Errorf("after the conversation the page is %s px wider than the screen", overflow)
	}
}
