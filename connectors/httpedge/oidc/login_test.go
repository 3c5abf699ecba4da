package oidc_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/connectors/httpedge/oidc"
	"github.com/oqim/oqim/connectors/httpedge/oidc/oidctest"
)

// site is a server with the BI's sign-in and one protected route that
// answers with the caller's principal, in front of a stand-in provider.
type site struct {
	t     *testing.T
	srv   *httptest.Server
	idp   *oidctest.StandInProvider
	login *oidc.Login
	clock *clock
}

type clock struct {
	mu sync.Mutex
	at time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.at = c.at.Add(d)
	c.mu.Unlock()
}

var users = []oidctest.User{
	{Username: "dilnoza", Password: "pw-1", Subject: "u-17", Claims: map[string]any{"name": "Dilnoza", "oqim_role": "analyst", "oqim_regions": []string{"UZ-JI"}}},
	{Username: "norole", Password: "pw-2", Subject: "u-18", Claims: map[string]any{"name": "No Role"}},
	{Username: "badregion", Password: "pw-3", Subject: "u-19", Claims: map[string]any{"oqim_role": "analyst", "oqim_regions": []string{"UZ-XX"}}},
}

// newSite serves a BI sign-in against a stand-in provider; edit, if
// given, changes the login's settings.
func newSite(t *testing.T, edit ...func(*oidc.LoginConfig)) *site {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s := &site{t: t, srv: srv, clock: &clock{at: time.Now()}}
	s.idp = oidctest.NewStandInProvider(t, oidctest.Options{Users: users, Clients: map[string]oidctest.Client{
		"oqim-bi": {Secret: "s3cret", RedirectURIs: []string{srv.URL + "/auth/bi/callback"}},
	}})
	v, err := oidc.NewVerifier(oidc.VerifierConfig{Issuer: s.idp.Issuer(), Audience: "oqim-bi", Kind: httpedge.Analyst,
		ClaimSettings: oidc.Claims{Role: "oidc.claims.role", Regions: "oidc.claims.regions"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := oidc.LoginConfig{Verifier: v, ClientID: "oqim-bi", ClientSecret: "s3cret", PublicURL: srv.URL,
		Prefix: "/auth/bi", Cookie: "oqim_bi_session", Landing: "/dashboard/", SessionTTL: time.Hour, Now: s.clock.Now,
		Check: func(p httpedge.Principal) (httpedge.Principal, error) {
			for _, r := range p.Regions {
				if r != "UZ-JI" && r != "UZ-SA" {
					return p, fmt.Errorf("region %q is not an ISO 3166-2:UZ region code", r)
				}
			}
			return p, nil
		}}
	for _, e := range edit {
		e(&cfg)
	}
	if s.login, err = oidc.NewLogin(cfg); err != nil {
		t.Fatal(err)
	}
	if got, want := s.login.RedirectURL(), srv.URL+"/auth/bi/callback"; got != want {
		t.Fatalf("redirect URL %s, want %s", got, want)
	}
	me := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := httpedge.PrincipalFrom(r.Context())
		httpedge.WriteJSON(w, http.StatusOK, p)
	})
	err = httpedge.Mount(mux, httpedge.Options{Auth: s.login}, append(s.login.Routes(),
		httpedge.Route{Method: "GET", Path: "/api/me", Need: httpedge.Analyst, Handler: me},
		httpedge.Route{Method: "POST", Path: "/api/me", Need: httpedge.Analyst, Handler: me})...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// browser is a cookie jar that does not follow redirects, so each step
// of the flow can be looked at.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (s *site) get(c *http.Client, u string) (*http.Response, string) {
	s.t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// startSignIn opens /auth/bi/login and signs in at the provider's login
// form; it returns the callback URL the provider redirects to, not yet
// followed.
func (s *site) startSignIn(c *http.Client, user, password string) string {
	s.t.Helper()
	resp, body := s.get(c, s.srv.URL+"/auth/bi/login")
	if resp.StatusCode != http.StatusFound {
		s.t.Fatalf("login: %s %s", resp.Status, body)
	}
	auth, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		s.t.Fatal(err)
	}
	q := auth.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		s.t.Fatalf("authorization request lacks PKCE, nonce or state: %s", auth)
	}
	// The stand-in's login page (a browser would fill its form).
	if resp, body := s.get(c, auth.String()); resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="username"`) {
		s.t.Fatalf("provider's login page: %s %s", resp.Status, body)
	}
	form := url.Values{}
	for k := range q {
		form.Set(k, q.Get(k))
	}
	form.Set("username", user)
	form.Set("password", password)
	resp2, err := c.PostForm(s.idp.Issuer()+"/authorize", form)
	if err != nil {
		s.t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusFound {
		s.t.Fatalf("provider's login: %s", resp2.Status)
	}
	return resp2.Header.Get("Location")
}

func (s *site) me(c *http.Client) (int, httpedge.Principal, string) {
	s.t.Helper()
	resp, body := s.get(c, s.srv.URL+"/api/me")
	var p httpedge.Principal
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			s.t.Fatal(err)
		}
	}
	return resp.StatusCode, p, body
}

// refuses gets u with c and wants status and a body holding each of
// texts; what names the request in the failure.
func (s *site) refuses(c *http.Client, u string, status int, what string, texts ...string) {
	s.t.Helper()
	resp, body := s.get(c, u)
	ok := resp.StatusCode == status
	for _, x := range texts {
		ok = ok && strings.Contains(body, x)
	}
	if !ok {
		s.t.Fatalf("%s: %s %s", what, resp.Status, body)
	}
}

// signedOut wants /api/me to refuse c: it holds no session.
func (s *site) signedOut(c *http.Client, what string) {
	s.t.Helper()
	if code, _, _ := s.me(c); code != http.StatusUnauthorized {
		s.t.Fatalf("%s: %d", what, code)
	}
}

func TestSignIn(t *testing.T) {
	s := newSite(t)
	c := browser(t)
	s.signedOut(c, "before sign-in")
	cb := s.startSignIn(c, "dilnoza", "pw-1")
	resp, body := s.get(c, cb)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/dashboard/" {
		t.Fatalf("callback: %s %s", resp.Status, body)
	}
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "oqim_bi_session" {
			cookie = ck
		}
	}
	switch {
	case cookie == nil:
		t.Fatal("no session cookie")
	case !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || cookie.Secure:
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over http", cookie)
	case cookie.MaxAge != 3600:
		t.Fatalf("session cookie lives %d s, want 3600", cookie.MaxAge)
	}
	code, p, body := s.me(c)
	if code != http.StatusOK || p.Kind != httpedge.Analyst || p.ID != "u-17" || p.Role != "analyst" || !slices.Equal(p.Regions, []string{"UZ-JI"}) {
		t.Fatalf("after sign-in: %d %s", code, body)
	}
	if n := s.idp.Exchanges(); n != 1 {
		t.Fatalf("%d code exchanges, want 1", n)
	}
	_, who := s.get(c, s.srv.URL+"/auth/bi/session")
	if !strings.Contains(who, `"signed_in":true`) || !strings.Contains(who, `"UZ-JI"`) {
		t.Fatalf("session: %s", who)
	}

	// Sign-out from another site is refused; from this one it ends the session.
	req, _ := http.NewRequest("POST", s.srv.URL+"/auth/bi/logout", nil)
	req.Header.Set("Origin", "https://evil.example")
	if resp, err := c.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site sign-out: %v %v", resp, err)
	}
	if code, _, _ := s.me(c); code != http.StatusOK {
		t.Fatalf("after a refused sign-out: %d", code)
	}
	req, _ = http.NewRequest("POST", s.srv.URL+"/auth/bi/logout", nil)
	req.Header.Set("Origin", s.srv.URL)
	if resp, err := c.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("sign-out: %v %v", resp, err)
	}
	// The browser could keep the cookie; the server has forgotten it.
	req, _ = http.NewRequest("GET", s.srv.URL+"/api/me", nil)
	req.AddCookie(&http.Cookie{Name: "oqim_bi_session", Value: cookie.Value})
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("old cookie after sign-out: %v %v", resp, err)
	}
}

// TestSessionPostNeedsThisSitesOrigin: a POST that carries the session
// cookie is accepted only when Origin names this site, so another site's
// page cannot use a signed-in browser (cross-site request forgery).
func TestSessionPostNeedsThisSitesOrigin(t *testing.T) {
	s := newSite(t)
	c := browser(t)
	s.get(c, s.startSignIn(c, "dilnoza", "pw-1"))
	for _, tc := range []struct {
		origin string
		status int
	}{
		{"", http.StatusUnauthorized},
		{"https://evil.example", http.StatusUnauthorized},
		// The same host under another scheme is another origin.
		{strings.Replace(s.srv.URL, "http://", "https://", 1), http.StatusUnauthorized},
		{strings.Replace(s.srv.URL, "http://", "ftp://", 1), http.StatusUnauthorized},
		{s.srv.URL, http.StatusOK},
	} {
		req, _ := http.NewRequest("POST", s.srv.URL+"/api/me", strings.NewReader("{}"))
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("POST with Origin %q: %d, want %d", tc.origin, resp.StatusCode, tc.status)
		}
	}
}

func TestSessionExpires(t *testing.T) {
	s := newSite(t)
	c := browser(t)
	s.get(c, s.startSignIn(c, "dilnoza", "pw-1"))
	if code, _, _ := s.me(c); code != http.StatusOK {
		t.Fatalf("signed in: %d", code)
	}
	s.clock.Add(time.Hour + time.Second)
	s.signedOut(c, "after the session's hour")
}

func TestSignInRefuses(t *testing.T) {
	t.Run("replayed callback", func(t *testing.T) {
		s := newSite(t)
		c := browser(t)
		cb := s.startSignIn(c, "dilnoza", "pw-1")
		attempt := cookieOf(t, c, s.srv.URL+"/auth/bi/", "oqim_bi_session_attempt")
		if resp, _ := s.get(c, cb); resp.StatusCode != http.StatusFound {
			t.Fatalf("first callback: %s", resp.Status)
		}
		// An attacker who saw the callback URL and the attempt cookie
		// replays both from a fresh browser.
		c2 := browser(t)
		u, _ := url.Parse(s.srv.URL + "/auth/bi/")
		c2.Jar.SetCookies(u, []*http.Cookie{{Name: "oqim_bi_session_attempt", Value: attempt, Path: "/auth/bi"}})
		s.refuses(c2, cb, http.StatusBadRequest, "replayed callback", "already used or has expired")
		s.signedOut(c2, "the replaying browser is signed in")
	})
	t.Run("altered attempt cookie", func(t *testing.T) {
		s := newSite(t)
		c := browser(t)
		cb := s.startSignIn(c, "dilnoza", "pw-1")
		attempt := []byte(cookieOf(t, c, s.srv.URL+"/auth/bi/", "oqim_bi_session_attempt"))
		attempt[len(attempt)/2] ^= 1
		u, _ := url.Parse(s.srv.URL + "/auth/bi/")
		c.Jar.SetCookies(u, []*http.Cookie{{Name: "oqim_bi_session_attempt", Value: string(attempt), Path: "/auth/bi"}})
		s.refuses(c, cb, http.StatusBadRequest, "altered attempt cookie", "state does not match")
		s.signedOut(c, "signed in with an altered attempt cookie")
	})
	t.Run("provider error with an attacker's text", func(t *testing.T) {
		// A link anyone can craft: the page must not repeat its words.
		s := newSite(t)
		c := browser(t)
		for _, q := range []string{
			"error=access_denied&error_description=Your+account+is+locked.+Call+%2B998-90-000-00-00+to+unlock",
			"error=Your+account+is+locked.+Call+%2B998-90-000-00-00+to+unlock",
		} {
			resp, body := s.get(c, s.srv.URL+"/auth/bi/callback?"+q)
			if resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, "locked") || strings.Contains(body, "998") || !strings.Contains(body, "refused the sign-in") {
				t.Errorf("callback?%s: %s %s", q, resp.Status, body)
			}
		}
		s.signedOut(c, "signed in by a provider error")
	})
	t.Run("another browser's state", func(t *testing.T) {
		// Login CSRF: the attacker signs in at the provider, stops before
		// the callback, and makes the victim's browser open it.
		s := newSite(t)
		attacker, victim := browser(t), browser(t)
		cb := s.startSignIn(attacker, "dilnoza", "pw-1")
		s.startSignIn(victim, "dilnoza", "pw-1") // the victim has an attempt of its own
		s.refuses(victim, cb, http.StatusBadRequest, "foreign callback", "state does not match")
		s.signedOut(victim, "the victim is signed in as the attacker")
	})
	t.Run("altered state", func(t *testing.T) {
		s := newSite(t)
		c := browser(t)
		cb, _ := url.Parse(s.startSignIn(c, "dilnoza", "pw-1"))
		q := cb.Query()
		q.Set("state", q.Get("state")+"x")
		cb.RawQuery = q.Encode()
		s.refuses(c, cb.String(), http.StatusBadRequest, "altered state", "state does not match")
	})
	t.Run("nonce of another sign-in", func(t *testing.T) {
		s := newSite(t)
		c := browser(t)
		s.idp.OverrideNonce("a-nonce-from-elsewhere")
		s.refuses(c, s.startSignIn(c, "dilnoza", "pw-1"), http.StatusUnauthorized, "foreign nonce", "nonce")
		s.signedOut(c, "signed in with a foreign nonce")
	})
	t.Run("missing role claim", func(t *testing.T) {
		s := newSite(t)
		c := browser(t)
		s.refuses(c, s.startSignIn(c, "norole", "pw-2"), http.StatusForbidden, "no role", "oqim_role", "oidc.claims.role")
	})
	t.Run("region the surface refuses", func(t *testing.T) {
		s := newSite(t)
		c := browser(t)
		s.refuses(c, s.startSignIn(c, "badregion", "pw-3"), http.StatusForbidden, "bad region", "UZ-XX")
	})
	t.Run("forged session cookie", func(t *testing.T) {
		s := newSite(t)
		req, _ := http.NewRequest("GET", s.srv.URL+"/api/me", nil)
		req.AddCookie(&http.Cookie{Name: "oqim_bi_session", Value: "guessed"})
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("forged cookie: %v %v", resp, err)
		}
	})
}

func TestLoginCookieSecureOverHTTPS(t *testing.T) {
	idp := oidctest.NewStandInProvider(t, oidctest.Options{Clients: map[string]oidctest.Client{"c": {RedirectURIs: []string{"https://bi.example.uz/auth/bi/callback"}}}})
	v, err := oidc.NewVerifier(oidc.VerifierConfig{Issuer: idp.Issuer(), Audience: "c", Kind: httpedge.Analyst})
	if err != nil {
		t.Fatal(err)
	}
	l, err := oidc.NewLogin(oidc.LoginConfig{Verifier: v, ClientID: "c", PublicURL: "https://bi.example.uz", Prefix: "/auth/bi", Cookie: "s"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	if err := httpedge.Mount(mux, httpedge.Options{}, l.Routes()...); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", "/auth/bi/login", nil))
	if w.Code != http.StatusFound {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	ck := w.Result().Cookies()
	if len(ck) != 1 || !ck[0].Secure || !ck[0].HttpOnly {
		t.Fatalf("attempt cookie over https: %+v", ck)
	}
	if loc := w.Header().Get("Location"); !strings.Contains(loc, url.QueryEscape("https://bi.example.uz/auth/bi/callback")) {
		t.Fatalf("authorization request %s does not carry the redirect URI", loc)
	}
}

func TestNewLoginChecksConfig(t *testing.T) {
	idp := oidctest.NewStandInProvider(t, oidctest.Options{})
	v, _ := oidc.NewVerifier(oidc.VerifierConfig{Issuer: idp.Issuer(), Audience: "c", Kind: httpedge.Analyst})
	for _, c := range []struct {
		cfg  oidc.LoginConfig
		want string
	}{
		{oidc.LoginConfig{ClientID: "c", PublicURL: "https://x", Prefix: "/a", Cookie: "s"}, "needs a Verifier"},
		{oidc.LoginConfig{Verifier: v, ClientID: "other", PublicURL: "https://x", Prefix: "/a", Cookie: "s"}, "not the client id"},
		{oidc.LoginConfig{Verifier: v, ClientID: "c", PublicURL: "x.example", Prefix: "/a", Cookie: "s"}, "public URL"},
		{oidc.LoginConfig{Verifier: v, ClientID: "c", PublicURL: "https://x/bi", Prefix: "/a", Cookie: "s"}, "public URL"},
		{oidc.LoginConfig{Verifier: v, ClientID: "c", PublicURL: "https://x", Prefix: "a/", Cookie: "s"}, "prefix"},
	} {
		if _, err := oidc.NewLogin(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.cfg, err, c.want)
		}
	}
}

func cookieOf(t *testing.T, c *http.Client, u, name string) string {
	t.Helper()
	pu, _ := url.Parse(u)
	for _, ck := range c.Jar.Cookies(pu) {
		if ck.Name == name {
			return ck.Value
		}
	}
	t.Fatalf("no cookie %s for %s", name, u)
	return ""
}

// Anyone may start a sign-in, so an unfinished one costs the server no
// memory and no bound: many thousands started and abandoned leave the
// next person free to sign in.
func TestAbandonedSignInsLockNobodyOut(t *testing.T) {
	s := newSite(t, func(c *oidc.LoginConfig) { c.SignInLimit = httpedge.Limit{Rate: 1e6, Burst: 1e6} })
	flood := browser(t)
	for i := range 10_050 {
		if resp, body := s.get(flood, s.srv.URL+"/auth/bi/login"); resp.StatusCode != http.StatusFound {
			t.Fatalf("sign-in %d: %s %s", i, resp.Status, body)
		}
	}
	c := browser(t)
	if resp, body := s.get(c, s.startSignIn(c, "dilnoza", "pw-1")); resp.StatusCode != http.StatusFound {
		t.Fatalf("sign-in after the flood: %s %s", resp.Status, body)
	}
	if status, p, body := s.me(c); status != http.StatusOK || p.ID != "u-17" {
		t.Fatalf("after the flood: %d %+v %s", status, p, body)
	}
}

// Starting and finishing sign-ins is limited per client address: each
// costs a request to the provider.
func TestSignInIsRateLimitedPerAddress(t *testing.T) {
	s := newSite(t)
	c := browser(t)
	for i := range oidc.DefaultSignInLimit.Burst {
		if resp, body := s.get(c, s.srv.URL+"/auth/bi/login"); resp.StatusCode != http.StatusFound {
			t.Fatalf("sign-in %d: %s %s", i, resp.Status, body)
		}
	}
	for _, path := range []string{"/auth/bi/login", "/auth/bi/callback?state=x&code=y"} {
		resp, body := s.get(c, s.srv.URL+path)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s past the limit: %s %s", path, resp.Status, body)
		}
	}
	s.clock.Add(time.Minute)
	if resp, body := s.get(c, s.srv.URL+"/auth/bi/login"); resp.StatusCode != http.StatusFound {
		t.Errorf("a minute later: %s %s", resp.Status, body)
	}
}
