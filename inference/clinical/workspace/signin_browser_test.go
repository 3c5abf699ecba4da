package workspace_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oqim/oqim/connectors/chromium/chromiumtest"
	"github.com/oqim/oqim/connectors/clickhouse/migrate/migratetest"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/connectors/httpedge/oidc"
	"github.com/oqim/oqim/connectors/httpedge/oidc/oidctest"
	"github.com/oqim/oqim/inference/clinical/doctorapi"
	"github.com/oqim/oqim/inference/clinical/worker"
	"github.com/oqim/oqim/inference/clinical/workspace"
)

// TestWorkspaceSignInInBrowser: a doctor signs in to the workspace
// through the stand-in identity provider's login page, with no key typed,
// and the doctor API then serves the page's requests as that doctor (the
// audit names the doctor id from the token). Before sign-in the same
// request is refused.
func TestWorkspaceSignInInBrowser(t *testing.T) {
	conn, db := migratetest.Database(t, worker.Migrations())
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	base := "http://" + srv.Listener.Addr().(*net.TCPAddr).String()
	idp := oidctest.NewStandInProvider(t, oidctest.Options{
		Clients: map[string]oidctest.Client{"oqim": {Secret: "client-secret", RedirectURIs: []string{base + "/auth/doctor/callback"}}},
		Users: []oidctest.User{{Username: "karimov", Password: "stethoscope", Subject: "u-9",
			Claims: map[string]any{"name": "Dr Karimov", "oqim_doctor_id": "D-0042"}}},
	})
	verifier := func() *oidc.Verifier {
		v, err := oidc.NewVerifier(oidc.VerifierConfig{Issuer: idp.Issuer(), Audience: "oqim", Kind: httpedge.Doctor})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	login, err := oidc.NewLogin(oidc.LoginConfig{Verifier: verifier(), ClientID: "oqim", ClientSecret: "client-secret",
		PublicURL: base, Prefix: "/auth/doctor", Cookie: "oqim_doctor_session", Landing: "/doctor/"})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := doctorapi.New(doctorapi.Config{Jobs: worker.Config{BlobDir: t.TempDir()}},
		doctorapi.Deps{ClickHouse: conn, Database: db, Verifiers: []httpedge.Verifier{verifier()}, Sessions: login})
	if err != nil {
		t.Fatal(err)
	}
	defer doc.Close()
	if err := doc.Mount(mux, httpedge.Options{}); err != nil {
		t.Fatal(err)
	}
	ws := workspace.Handler()
	if err := httpedge.Mount(mux, httpedge.Options{}, append(login.Routes(),
		httpedge.Route{Method: "GET", Path: "/doctor/", Need: httpedge.Public, Handler: ws})...); err != nil {
		t.Fatal(err)
	}
	srv.Start()
	defer srv.Close()

	page := chromiumtest.NewPage(t, 1000, 900, 60*time.Second)
	ctx := page.Ctx
	text := page.Text
	waitStatus := func(prefix string) string {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const s = document.getElementById("status").textContent; return s.startsWith(`+"`"+prefix+"`"+`); })()`,
			chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("status never began with %q; it reads %q: %v", prefix, text("#status"), err)
		}
		return text("#status")
	}
	const dictation = "Bemor 3 kundan beri isitma va yoʻtaldan shikoyat qiladi."

	// Not signed in and no key: the page offers sign-in; the API refuses.
	page.Open(base+"/doctor/", `#idp-signin`)
	page.Do(
		chromedp.SendKeys(chromedp.CSS(`#text`), dictation),
		chromedp.Click(chromedp.CSS(`#submit`)),
	)
	waitStatus("Xato: ")

	// Through the provider's login page and back to the workspace.
	page.Do(
		chromedp.Click(chromedp.CSS(`#idp-signin`)),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), "karimov"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "stethoscope"),
		chromedp.Click(chromedp.CSS(`#submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#signout`)),
	)
	if s := text("#whoami"); s != "Dr Karimov (D-0042)" {
		t.Errorf("signed in as %q", s)
	}
	// The same dictation now goes through, as D-0042, by the session alone.
	page.Do(
		chromedp.SendKeys(chromedp.CSS(`#text`), dictation),
		chromedp.Click(chromedp.CSS(`#submit`)),
	)
	if s := waitStatus("Tayyor"); s != "Tayyor" {
		t.Errorf("status %q", s)
	}
	if text("#note") == "" {
		t.Error("no note shown")
	}
	var n uint64
	if err := conn.QueryRow(context.Background(), "SELECT count() FROM "+db+".doctor_audit WHERE doctor_id = 'D-0042' AND outcome = 'ok'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("no audit row names the signed-in doctor D-0042")
	}

	// Signing out ends it: the page offers sign-in again.
	page.Do(
		chromedp.Click(chromedp.CSS(`#signout`)),
		chromedp.WaitVisible(chromedp.CSS(`#idp-signin`)),
	)
}
