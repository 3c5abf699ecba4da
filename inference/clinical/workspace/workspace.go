// Package workspace serves the doctor's web workspace at /doctor/: sign in
// with a doctor key, dictate (typed, or recorded as 16-bit mono WAV captured
// in the page, because the server decodes WAV and no well-kept pure-Go
// WebM/Opus decoder exists), review the structured note and differential,
// and answer the next best question. Plain JavaScript, no build step, no
// external resources, so the demo works offline.
package workspace

import (
	"embed"
	"net/http"

	"github.com/oqim/oqim/connectors/httpedge"
)

//go:embed assets
var assets embed.FS

// Handler serves /doctor/ and its assets.
func Handler() http.Handler {
	return httpedge.Assets(assets, "assets", "/doctor", func(_ string, h http.Header) {
		h.Set("Cache-Control", "no-cache")
		// The page loads only its own files, talks only to its own origin
		// and may use the microphone.
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
	})
}
