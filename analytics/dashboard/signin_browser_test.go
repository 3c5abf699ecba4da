package dashboard_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oqim/oqim/analytics/access"
	"github.com/oqim/oqim/analytics/api"
	"github.com/oqim/oqim/analytics/dashboard"
	"github.com/oqim/oqim/analytics/kpi/kpitest"
	"github.com/oqim/oqim/connectors/chromium/chromiumtest"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/connectors/httpedge/oidc"
	"github.com/oqim/oqim/connectors/httpedge/oidc/oidctest"
)

// TestDashboardSignInInBrowser signs a Jizzakh analyst in through the
// stand-in identity provider's login page, in headless Chromium, and
// checks that the dashboard then shows Jizzakh's figures and no other
// region's; signing out takes the data away again.
func TestDashboardSignInInBrowser(t *testing.T) {
	e := kpitest.Load(t, kpitest.Options{Applications: 1500})
	regions := e.Ref.RegionIDs()

	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	base := "http://" + srv.Listener.Addr().(*net.TCPAddr).String()
	idp := oidctest.NewStandInProvider(t, oidctest.Options{
		Clients: map[string]oidctest.Client{"oqim-bi": {Secret: "bi-client-secret", RedirectURIs: []string{base + "/auth/bi/callback"}}},
		Users: []oidctest.User{{Username: "dilnoza", Password: "correct horse", Subject: "u-17",
			Claims: map[string]any{"name": "Dilnoza Rashidova", "oqim_role": "analyst", "oqim_regions": []string{"UZ-JI"}}}},
	})
	verifier := func() *oidc.Verifier {
		v, err := oidc.NewVerifier(oidc.VerifierConfig{Issuer: idp.Issuer(), Audience: "oqim-bi", Kind: httpedge.Analyst, UnscopedRoles: []string{"national"}})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var authn *access.Authenticator
	login, err := oidc.NewLogin(oidc.LoginConfig{Verifier: verifier(), ClientID: "oqim-bi", ClientSecret: "bi-client-secret",
		PublicURL: base, Prefix: "/auth/bi", Cookie: "oqim_bi_session", Landing: "/dashboard/",
		Check: func(p httpedge.Principal) (httpedge.Principal, error) { return authn.Check(p) }})
	if err != nil {
		t.Fatal(err)
	}
	if authn, err = access.New(access.Config{}, regions, access.WithVerifier(verifier()), access.WithSessions(login)); err != nil {
		t.Fatal(err)
	}
	// Three queries at a time, for all callers: of the page's dozen panels,
	// those told to wait (429) must ask again, not show an error.
	bi := api.New(api.Options{Store: e.Store, Regions: regions, Access: authn, MaxQueries: 3})
	mux.Handle("/api/v1/kpi/", bi)
	dash := dashboard.Handler()
	if err := httpedge.Mount(mux, httpedge.Options{}, append(login.Routes(),
		httpedge.Route{Method: "GET", Path: "/{$}", Need: httpedge.Public, Handler: dash},
		httpedge.Route{Method: "GET", Path: "/dashboard/", Need: httpedge.Public, Handler: dash})...); err != nil {
		t.Fatal(err)
	}
	srv.Start()
	defer srv.Close()

	page := chromiumtest.NewPage(t, 1400, 1000, 60*time.Second)
	run, attr := page.Do, page.Attr
	eval := page.Eval
	text := page.Text

	// Not signed in: the page offers "Sign in" and says why it shows nothing.
	run(
		chromedp.Navigate(base+"/dashboard/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#account #signin`)),
		chromedp.WaitVisible(chromedp.CSS(`#alert`)),
	)
	if s := text("#signin"); s != "Sign in" {
		t.Errorf("sign-in link reads %q", s)
	}
	if s := text("#alert"); !strings.Contains(s, "Sign in to see the data") {
		t.Errorf("alert before sign-in: %q", s)
	}

	// Through the provider's login page and back.
	run(
		chromedp.Click(chromedp.CSS(`#signin`)),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
	)
	var at string
	eval(`location.origin`, &at)
	if at != idp.Issuer() {
		t.Fatalf("the sign-in went to %s, not the provider %s", at, idp.Issuer())
	}
	run(
		chromedp.SendKeys(chromedp.CSS(`#username`), "dilnoza"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "correct horse"),
		chromedp.Click(chromedp.CSS(`#submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#whoami`)),
		chromedp.WaitReady(chromedp.CSS(`main[data-loads] #tiles [data-tile="applications"]`)),
		chromedp.WaitReady(chromedp.CSS(`#UZ-JI[fill^="#"]`)),
	)
	if s := text("#whoami"); s != "Dilnoza Rashidova: Jizzakh Region" {
		t.Errorf("signed in as %q", s)
	}
	if r := attr("#whoami", "data-regions"); r != "UZ-JI" {
		t.Errorf("signed-in regions %q", r)
	}
	// The overview is titled with the caller's region, not the nation.
	if h := text("#scope-title"); h != "Jizzakh Region" {
		t.Errorf("overview titled %q for a Jizzakh analyst", h)
	}
	// The session is an HttpOnly cookie: the page's scripts cannot read it.
	var cookies string
	eval(`document.cookie`, &cookies)
	if strings.Contains(cookies, "oqim_bi_session") {
		t.Errorf("the page can read the session cookie: %q", cookies)
	}

	// Only Jizzakh has data on the map and in the region table.
	var filled []string
	eval(`[...document.querySelectorAll('svg.map path')].filter(p => (p.getAttribute('fill') || '').startsWith('#')).map(p => p.id)`, &filled)
	if len(filled) != 1 || filled[0] != "UZ-JI" {
		t.Errorf("regions with data on the map: %v, want only UZ-JI", filled)
	}
	var ranked []string
	eval(`[...document.querySelectorAll('#ranking-table tbody tr')].filter(r => r.querySelector('[data-col=applications]').dataset.value !== '').map(r => r.dataset.region)`, &ranked)
	if len(ranked) != 1 || ranked[0] != "UZ-JI" {
		t.Errorf("regions with figures in the table: %v, want only UZ-JI", ranked)
	}

	// The tiles are Jizzakh's, as the API gives them to a Jizzakh token,
	// and not the country's.
	from, to := attr("main", "data-from"), attr("main", "data-to")
	q := url.Values{"from": {from}, "to": {to}, "granularity": {"day"}}
	jizzakhToken := idp.Mint(map[string]any{"sub": "u-17", "aud": "oqim-bi", "oqim_role": "analyst", "oqim_regions": []string{"UZ-JI"}})
	nationalToken := idp.Mint(map[string]any{"sub": "u-1", "aud": "oqim-bi", "oqim_role": "national"})
	jq := url.Values{"region": {"UZ-JI"}}
	for k, v := range q {
		jq[k] = v
	}
	jizzakh := sum(bearerTable(t, base, jizzakhToken, "eservices/electronic", jq, http.StatusOK).Rows, "applications")
	nq := url.Values{"level": {"country"}}
	for k, v := range q {
		nq[k] = v
	}
	national := sum(bearerTable(t, base, nationalToken, "eservices/electronic", nq, http.StatusOK).Rows, "applications")
	var tiles figures
	eval(shown, &tiles)
	if jizzakh == 0 || tiles["applications"] != jizzakh || jizzakh >= national {
		t.Errorf("applications tile %v; Jizzakh %v, country %v", tiles["applications"], jizzakh, national)
	}
	// The Jizzakh token reaches no other region.
	sq := url.Values{"region": {"UZ-SA"}}
	for k, v := range q {
		sq[k] = v
	}
	bearerTable(t, base, jizzakhToken, "eservices/electronic", sq, http.StatusForbidden)
	page.FullScreenshot("dashboard-signed-in.png")

	// Signing out ends the session; the page offers sign-in again.
	run(
		chromedp.Click(chromedp.CSS(`#signout`)),
		chromedp.WaitVisible(chromedp.CSS(`#account #signin`)),
		chromedp.WaitVisible(chromedp.CSS(`#alert`)),
	)
	if s := text("#alert"); !strings.Contains(s, "Sign in to see the data") {
		t.Errorf("alert after sign-out: %q", s)
	}
}

// bearerTable GETs a KPI table with a bearer token and wants status.
func bearerTable(t *testing.T, base, token, path string, q url.Values, status int) table {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/api/v1/kpi/"+path+"?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != status {
		t.Fatalf("%s?%s: %s, want %d", path, q.Encode(), resp.Status, status)
	}
	var tb table
	if status == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&tb); err != nil {
			t.Fatal(err)
		}
	}
	return tb
}
