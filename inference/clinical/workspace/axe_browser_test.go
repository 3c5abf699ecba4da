package workspace_test

import (
	"fmt"
	"testing"
	"time"
)

// TestWorkspaceAccessibility runs axe-core's WCAG 2.0/2.1 A and AA rules on
// the workspace in each of its languages, at a desktop and a tablet
// width: every control labelled, contrast, landmarks, names.
func TestWorkspaceAccessibility(t *testing.T) {
	for _, width := range []int{1280, 768} {
		page := openWorkspace(t, width, 900, 60*time.Second)
		for _, lang := range []string{"uz-Latn", "uz-Cyrl", "ru"} {
			chooseLanguage(page, lang)
			page.CheckAxe("", fmt.Sprintf("%d px, %s", width, lang))
		}
	}
}
