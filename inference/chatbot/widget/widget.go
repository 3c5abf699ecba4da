// Package widget serves the chatbot's embeddable web component,
// <oqim-chat>, and a demo page. The component is plain JavaScript (a
// custom element, no build step) embedded in the binary:
//
//	<script src="https://oqim.example/chat/widget.js" defer></script>
//	<oqim-chat api="https://oqim.example/api/v1/chat" lang="uz-Latn"></oqim-chat>
//
// It meets WCAG 2.0 AA: every control has a label and works from the
// keyboard, new messages are announced through an ARIA live region, text
// and controls have at least 4.5:1 contrast, and focus is always visible.
package widget

import (
	"embed"
	"net/http"

	"github.com/oqim/oqim/connectors/httpedge"
)

//go:embed assets
var assets embed.FS

// Handler serves /chat/ (the demo page) and /chat/widget.js.
func Handler() http.Handler {
	return httpedge.Assets(assets, "assets", "/chat", func(name string, h http.Header) {
		h.Set("Cache-Control", "public, max-age=300")
		if name == "/" || name == "/index.html" {
			// The demo page loads only its own script and talks only to
			// its own origin.
			h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		}
	})
}
