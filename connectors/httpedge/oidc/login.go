package oidc

import (
	"cmp"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/oqim/oqim/connectors/httpedge"
)

// Browser sign-in keeps the tokens on the server. The alternative, giving
// the ID token to the page to send as a bearer token, would put it where
// any script on the page (an injected one included) can read it and carry
// it off, and where nothing can revoke it before it expires. Here the page
// only holds an opaque random session id in an HttpOnly cookie that
// scripts cannot read, the client secret never leaves the server, and
// signing out ends the session at once. The cookie is SameSite=Lax, so
// another site's page cannot make the browser send it with a POST (or any
// request from a script); Lax rather than Strict because the provider's
// redirect back to the callback is a cross-site navigation that must carry
// the sign-in attempt's cookie.

// LoginConfig configures a Login.
type LoginConfig struct {
	// Verifier checks the ID token; its Audience must be ClientID.
	Verifier *Verifier
	// ClientID and ClientSecret are this server's client at the provider.
	// An empty secret makes a public client (PKCE alone).
	ClientID, ClientSecret string
	// PublicURL is where browsers reach this server (https://bi.example.uz);
	// the redirect URI registered at the provider is PublicURL + Prefix +
	// "/callback". The cookie is Secure when it is https.
	PublicURL string
	// Prefix is where the sign-in paths live ("/auth/bi").
	Prefix string
	// Cookie names the session cookie ("oqim_bi_session").
	Cookie string
	// Landing is where a signed-in browser goes ("/dashboard/").
	Landing string
	// Scopes asked for besides openid (default profile).
	Scopes []string
	// SessionTTL is a session's lifetime (default 8h). A person disabled at
	// the provider keeps access for at most this long.
	SessionTTL time.Duration
	// MaxSessions bounds the live sessions (default 10,000); past it the
	// one closest to expiry goes.
	MaxSessions int
	// SignInLimit bounds how often one client address may start or finish
	// a sign-in (default DefaultSignInLimit): each costs a request to the
	// provider, which the open sign-in paths must not let anyone multiply.
	SignInLimit httpedge.Limit
	// Check lets the surface refuse or normalise a principal at sign-in
	// (the BI checks the role and the region codes).
	Check func(httpedge.Principal) (httpedge.Principal, error)
	// Log receives refused sign-ins with their reason.
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Defaults of LoginConfig.
const (
	DefaultSessionTTL  = 8 * time.Hour
	DefaultMaxSessions = 10_000
	// attemptTTL bounds how long a sign-in may take at the provider.
	attemptTTL = 10 * time.Minute
	// maxUsed bounds the finished sign-ins remembered to refuse a replayed
	// callback. Past it the oldest is forgotten, which only weakens that
	// refusal for the forgotten one: the provider takes a code once.
	maxUsed = 10_000
)

// DefaultSignInLimit lets one address start or finish 60 sign-ins at
// once and two a second after: a regional office behind one NAT signs a
// hundred people in at nine without a refusal, while one address cannot
// make the provider take more than two code exchanges a second.
var DefaultSignInLimit = httpedge.Limit{Rate: 2, Burst: 60}

// Login serves the browser sign-in of one surface and authenticates its
// session cookie. Sessions live in this process's memory: a restart signs
// everyone out, and several replicas need sticky sessions.
type Login struct {
	cfg      LoginConfig
	secure   bool
	redirect string

	seal  cipher.AEAD // seals sign-in attempts into their cookie
	limit *httpedge.Limiter

	mu       sync.Mutex
	used     map[string]time.Time // finished attempts' states, until they expire
	sessions map[[32]byte]session // by SHA-256 of the cookie value
	oauth    *oauth2.Config       // set after discovery
}

// An attempt is a sign-in under way. It lives in the browser's attempt
// cookie, sealed with a key only this process holds, not in the server's
// memory: anyone may start a sign-in, and attempts held here would let
// anyone fill the memory, or any bound on it, and lock everyone else out.
// The cookie is HttpOnly and bound to this browser, and the seal keeps
// the nonce and PKCE verifier secret and unalterable.
type attempt struct {
	state, nonce, verifier string
	expires                time.Time
}

type session struct {
	p       httpedge.Principal
	expires time.Time
}

// NewLogin checks cfg; it does not reach the provider.
func NewLogin(cfg LoginConfig) (*Login, error) {
	switch {
	case cfg.Verifier == nil:
		return nil, errors.New("oidc: login needs a Verifier")
	case cfg.ClientID == "":
		return nil, errors.New("oidc: client_id is empty")
	case cfg.Verifier.cfg.Audience != cfg.ClientID:
		return nil, fmt.Errorf("oidc: the ID token verifier checks audience %q, not the client id %q", cfg.Verifier.cfg.Audience, cfg.ClientID)
	case !strings.HasPrefix(cfg.Prefix, "/") || strings.HasSuffix(cfg.Prefix, "/"):
		return nil, fmt.Errorf("oidc: prefix %q must start and not end with /", cfg.Prefix)
	case cfg.Cookie == "":
		return nil, errors.New("oidc: the session cookie needs a name")
	}
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("oidc: public URL %q must be http(s)://host[:port], where browsers reach this server", cfg.PublicURL)
	}
	if cfg.Landing == "" {
		cfg.Landing = "/"
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{"profile"}
	}
	// A setting of zero or less takes its default.
	cfg.SessionTTL = cmp.Or(max(cfg.SessionTTL, 0), DefaultSessionTTL)
	cfg.MaxSessions = cmp.Or(max(cfg.MaxSessions, 0), DefaultMaxSessions)
	if cfg.Check == nil {
		cfg.Check = func(p httpedge.Principal) (httpedge.Principal, error) { return p, nil }
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.SignInLimit.Rate <= 0 || cfg.SignInLimit.Burst <= 0 {
		cfg.SignInLimit = DefaultSignInLimit
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("oidc: sealing key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("oidc: sealing key: %w", err)
	}
	seal, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("oidc: sealing key: %w", err)
	}
	return &Login{cfg: cfg, secure: u.Scheme == "https", redirect: strings.TrimSuffix(cfg.PublicURL, "/") + cfg.Prefix + "/callback",
		seal: seal, limit: httpedge.NewLimiter(httpedge.LimiterConfig{Limit: cfg.SignInLimit, Now: cfg.Now}),
		used: map[string]time.Time{}, sessions: map[[32]byte]session{}}, nil
}

// RedirectURL is the redirect URI to register at the provider.
func (l *Login) RedirectURL() string { return l.redirect }

// Routes are the sign-in paths, all public: Prefix/login starts a
// sign-in, Prefix/callback ends it (both limited per client address, see
// SignInLimit), Prefix/session tells the page who is signed in, and POST
// Prefix/logout ends the session.
func (l *Login) Routes() []httpedge.Route {
	return []httpedge.Route{
		{Method: "GET", Path: l.cfg.Prefix + "/login", Need: httpedge.Public, RateLimit: l.limit, Handler: http.HandlerFunc(l.login)},
		{Method: "GET", Path: l.cfg.Prefix + "/callback", Need: httpedge.Public, RateLimit: l.limit, Handler: http.HandlerFunc(l.callback)},
		{Method: "GET", Path: l.cfg.Prefix + "/session", Need: httpedge.Public, Handler: http.HandlerFunc(l.whoami)},
		{Method: "POST", Path: l.cfg.Prefix + "/logout", Need: httpedge.Public, Handler: http.HandlerFunc(l.logout)},
	}
}

// oauthConfig reaches the provider on first use.
func (l *Login) oauthConfig(ctx context.Context) (*oauth2.Config, error) {
	l.mu.Lock()
	oc := l.oauth
	l.mu.Unlock()
	if oc != nil {
		return oc, nil
	}
	p, _, err := l.cfg.Verifier.discover(ctx)
	if err != nil {
		return nil, err
	}
	oc = &oauth2.Config{ClientID: l.cfg.ClientID, ClientSecret: l.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: l.redirect, Scopes: append([]string{gooidc.ScopeOpenID}, l.cfg.Scopes...)}
	l.mu.Lock()
	l.oauth = oc
	l.mu.Unlock()
	return oc, nil
}

func (l *Login) attemptCookie() string { return l.cfg.Cookie + "_attempt" }

// login sends the browser to the provider with a fresh state, nonce and
// PKCE verifier. The state is also set in a cookie only this browser
// holds, so a callback is accepted only in the browser that started it.
func (l *Login) login(w http.ResponseWriter, r *http.Request) {
	oc, err := l.oauthConfig(r.Context())
	if err != nil {
		l.cfg.Log.Warn("sign-in: identity provider unreachable", "err", err)
		l.page(w, http.StatusServiceUnavailable, "The identity provider cannot be reached now; try again in a minute.")
		return
	}
	a := attempt{state: random(), nonce: random(), verifier: oauth2.GenerateVerifier(), expires: l.cfg.Now().Add(attemptTTL)}
	http.SetCookie(w, &http.Cookie{Name: l.attemptCookie(), Value: l.sealAttempt(a), Path: l.cfg.Prefix, MaxAge: int(attemptTTL.Seconds()),
		HttpOnly: true, Secure: l.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, oc.AuthCodeURL(a.state, gooidc.Nonce(a.nonce), oauth2.S256ChallengeOption(a.verifier)), http.StatusFound)
}

// sealAttempt is the attempt cookie's value: the attempt's fields, sealed
// with AES-GCM under this Login's key and its cookie name, so a cookie
// cannot be altered, read, or taken to another surface.
func (l *Login) sealAttempt(a attempt) string {
	plain := strings.Join([]string{a.state, a.nonce, a.verifier, strconv.FormatInt(a.expires.Unix(), 10)}, ".")
	nonce := make([]byte, l.seal.NonceSize(), l.seal.NonceSize()+len(plain)+l.seal.Overhead())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(l.seal.Seal(nonce, nonce, []byte(plain), []byte(l.attemptCookie())))
}

// openAttempt reads an attempt cookie's value; ok is false for anything
// this Login did not seal.
func (l *Login) openAttempt(v string) (attempt, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(raw) < l.seal.NonceSize() {
		return attempt{}, false
	}
	plain, err := l.seal.Open(nil, raw[:l.seal.NonceSize()], raw[l.seal.NonceSize():], []byte(l.attemptCookie()))
	if err != nil {
		return attempt{}, false
	}
	f := strings.Split(string(plain), ".")
	if len(f) != 4 {
		return attempt{}, false
	}
	exp, err := strconv.ParseInt(f[3], 10, 64)
	if err != nil {
		return attempt{}, false
	}
	return attempt{state: f[0], nonce: f[1], verifier: f[2], expires: time.Unix(exp, 0)}, true
}

// use marks an attempt finished, and reports false if it already was: a
// replayed callback finds it used.
func (l *Login) use(a attempt) bool {
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, done := l.used[a.state]; done {
		return false
	}
	makeRoom(l.used, maxUsed, now, func(exp time.Time) time.Time { return exp })
	l.used[a.state] = a.expires
	return true
}

// callback ends a sign-in: the state must be this browser's and unused,
// the code is exchanged with the PKCE verifier, the ID token verified with
// its nonce, and the claims turned into a principal the surface accepts.
func (l *Login) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// The attempt cookie has served its purpose whatever happens next.
	http.SetCookie(w, &http.Cookie{Name: l.attemptCookie(), Value: "", Path: l.cfg.Prefix, MaxAge: -1,
		HttpOnly: true, Secure: l.secure, SameSite: http.SameSiteLaxMode})
	if e := q.Get("error"); e != "" {
		// Anyone can send a browser to this URL with any text in it, so
		// the page names only a standard error code and never the
		// description: shown on this site, it would be the attacker's
		// words in Oqim's voice ("call this number to unlock ...").
		l.cfg.Log.Warn("sign-in refused by the identity provider", "error", truncate(e, 64), "description", truncate(q.Get("error_description"), 256))
		why := "the identity provider refused the sign-in"
		if oauthErrors[e] {
			why += " (" + e + ")"
		}
		l.page(w, http.StatusUnauthorized, "Sign-in failed: "+why+".")
		return
	}
	state, code := q.Get("state"), q.Get("code")
	var a attempt
	c, err := r.Cookie(l.attemptCookie())
	ok := err == nil
	if ok {
		a, ok = l.openAttempt(c.Value)
	}
	if !ok || state == "" || subtle.ConstantTimeCompare([]byte(a.state), []byte(state)) != 1 {
		// Another browser's state, or none: a forged callback that would
		// sign this browser in as someone else.
		l.refuse(w, r, http.StatusBadRequest, "the sign-in's state does not match the one this browser started")
		return
	}
	// Single use, marked before the exchange so that two replays racing
	// cannot both get there.
	if l.cfg.Now().After(a.expires) || !l.use(a) {
		l.refuse(w, r, http.StatusBadRequest, "this sign-in attempt was already used or has expired")
		return
	}
	if code == "" {
		l.refuse(w, r, http.StatusBadRequest, "the identity provider sent no code")
		return
	}
	oc, err := l.oauthConfig(r.Context())
	if err != nil {
		l.refuse(w, r, http.StatusServiceUnavailable, "the identity provider cannot be reached")
		return
	}
	ctx := gooidc.ClientContext(r.Context(), l.cfg.Verifier.cfg.HTTPClient)
	tok, err := oc.Exchange(ctx, code, oauth2.VerifierOption(a.verifier))
	if err != nil {
		l.refuse(w, r, http.StatusUnauthorized, "the identity provider did not exchange the code: "+err.Error())
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		l.refuse(w, r, http.StatusUnauthorized, "the identity provider sent no ID token")
		return
	}
	idt, err := l.cfg.Verifier.verifyToken(r.Context(), raw)
	if err != nil {
		l.refuse(w, r, http.StatusUnauthorized, "the ID token is not valid: "+err.Error())
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(a.nonce)) != 1 {
		// An ID token minted for another sign-in, replayed into this one.
		l.refuse(w, r, http.StatusUnauthorized, "the ID token's nonce is not this sign-in's")
		return
	}
	p, err := l.cfg.Verifier.principal(idt)
	if err == nil {
		p, err = l.cfg.Check(p)
	}
	if err != nil {
		l.refuse(w, r, http.StatusForbidden, "you are signed in at the identity provider, but your account cannot use this service: "+err.Error())
		return
	}
	id := random()
	l.store(id, p)
	http.SetCookie(w, &http.Cookie{Name: l.cfg.Cookie, Value: id, Path: "/", MaxAge: int(l.cfg.SessionTTL.Seconds()),
		HttpOnly: true, Secure: l.secure, SameSite: http.SameSiteLaxMode})
	l.cfg.Log.Info("signed in", "principal", p.Label(), "kind", string(p.Kind), "role", p.Role, "regions", strings.Join(p.Regions, ","))
	http.Redirect(w, r, l.cfg.Landing, http.StatusFound)
}

func (l *Login) store(id string, p httpedge.Principal) {
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	makeRoom(l.sessions, l.cfg.MaxSessions, now, func(s session) time.Time { return s.expires })
	l.sessions[sha256.Sum256([]byte(id))] = session{p: p, expires: now.Add(l.cfg.SessionTTL)}
}

// makeRoom readies m, bounded to limit entries, for one more: when full,
// the expired entries go, and if none had, the one closest to expiry.
func makeRoom[K comparable, V any](m map[K]V, limit int, now time.Time, expires func(V) time.Time) {
	if len(m) < limit {
		return
	}
	var first K
	var firstExp time.Time
	for k, v := range m {
		if exp := expires(v); now.After(exp) {
			delete(m, k)
		} else if firstExp.IsZero() || exp.Before(firstExp) {
			first, firstExp = k, exp
		}
	}
	if len(m) >= limit {
		delete(m, first)
	}
}

// Authenticate returns the principal of the request's session cookie;
// httpedge.ErrNoCredentials without one, so other ways in can be tried.
//
// A request that changes something (any method but GET, HEAD, OPTIONS)
// must also name this site in its Origin header. The browser sets Origin
// and a page cannot forge it, so another site cannot make a signed-in
// browser post to the API with its cookie (cross-site request forgery),
// even in a browser that ignores SameSite.
func (l *Login) Authenticate(r *http.Request) (httpedge.Principal, error) {
	c, err := r.Cookie(l.cfg.Cookie)
	if err != nil || c.Value == "" {
		return httpedge.Principal{}, httpedge.ErrNoCredentials
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		if o := r.Header.Get("Origin"); o == "" || !l.sameOrigin(o, r) {
			return httpedge.Principal{}, fmt.Errorf("%w: a %s with the session cookie must come from this site's pages (Origin %q)", httpedge.ErrInvalid, r.Method, o)
		}
	}
	key := sha256.Sum256([]byte(c.Value))
	l.mu.Lock()
	s, ok := l.sessions[key]
	if ok && l.cfg.Now().After(s.expires) {
		delete(l.sessions, key)
		ok = false
	}
	l.mu.Unlock()
	if !ok {
		return httpedge.Principal{}, fmt.Errorf("%w: the session has ended; sign in again", httpedge.ErrInvalid)
	}
	p := s.p
	p.Regions = slices.Clone(p.Regions)
	return p, nil
}

// whoami tells the page whether it is signed in, as whom, and where to
// sign in.
func (l *Login) whoami(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	out := map[string]any{"signed_in": false, "login": l.cfg.Prefix + "/login", "logout": l.cfg.Prefix + "/logout"}
	if p, err := l.Authenticate(r); err == nil {
		out["signed_in"] = true
		out["id"], out["name"], out["role"], out["regions"] = p.ID, p.Label(), p.Role, p.Regions
	}
	httpedge.WriteJSON(w, http.StatusOK, out)
}

// logout ends the session. It is a POST, and a request another site
// sends (its Origin names that site) is refused, so a foreign page cannot
// sign a user out.
func (l *Login) logout(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" && !l.sameOrigin(o, r) {
		httpedge.WriteError(w, http.StatusForbidden, httpedge.Error{Detail: "sign-out is accepted only from this site's pages"})
		return
	}
	if c, err := r.Cookie(l.cfg.Cookie); err == nil {
		l.mu.Lock()
		delete(l.sessions, sha256.Sum256([]byte(c.Value)))
		l.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: l.cfg.Cookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: l.secure, SameSite: http.SameSiteLaxMode})
	w.WriteHeader(http.StatusNoContent)
}

// sameOrigin reports whether origin is this site: the public URL, or the
// host the request was sent to under the public URL's scheme. An origin
// is scheme and host together: "http://bi.example.uz" (a network
// attacker's plain-HTTP page) is not the https site of the same host.
func (l *Login) sameOrigin(origin string, r *http.Request) bool {
	if strings.EqualFold(origin, strings.TrimSuffix(l.cfg.PublicURL, "/")) {
		return true
	}
	u, err := url.Parse(origin)
	want := "http"
	if l.secure {
		want = "https"
	}
	return err == nil && strings.EqualFold(u.Scheme, want) && strings.EqualFold(u.Host, r.Host)
}

// refuse logs why a sign-in failed and tells the person, with a way to
// try again.
func (l *Login) refuse(w http.ResponseWriter, r *http.Request, status int, why string) {
	l.cfg.Log.Warn("sign-in refused", "reason", why, "path", r.URL.Path)
	l.page(w, status, "Sign-in failed: "+why+".")
}

func (l *Login) page(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in</title></head><body><p id="signin-error">%s</p><p><a href="%s">Try again</a> · <a href="%s">Back</a></p></body></html>`,
		html.EscapeString(msg), html.EscapeString(l.cfg.Prefix+"/login"), html.EscapeString(l.cfg.Landing))
}

// oauthErrors are the error codes of RFC 6749 §4.1.2.1 and OpenID
// Connect Core §3.1.2.6, the only provider errors a page repeats.
var oauthErrors = map[string]bool{
	"invalid_request": true, "unauthorized_client": true, "access_denied": true, "unsupported_response_type": true,
	"invalid_scope": true, "server_error": true, "temporarily_unavailable": true, "interaction_required": true,
	"login_required": true, "account_selection_required": true, "consent_required": true, "invalid_request_uri": true,
	"invalid_request_object": true, "request_not_supported": true, "request_uri_not_supported": true, "registration_not_supported": true,
}

// truncate cuts s to at most n bytes for a log line.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
