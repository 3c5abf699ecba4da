// Package oidctest starts StandInProvider, a stand-in for the region's
// real OpenID Connect identity provider (OneID, Keycloak), which cannot
// run inside a test. It is a real HTTP server speaking the parts of the
// protocol Oqim uses: discovery, JWKS, the authorization endpoint with a
// login page, and the token endpoint (authorization code with PKCE S256).
// Tests can rotate its keys, mint tokens directly and make it misbehave.
package oidctest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Client is an OAuth client registered at the stand-in.
type Client struct {
	// Secret is the client secret; empty makes a public client, which
	// then must use PKCE alone.
	Secret string
	// RedirectURIs are the exact redirect URIs the client may use.
	RedirectURIs []string
}

// User is a person who can sign in at the stand-in's login page.
type User struct {
	Username, Password string
	// Subject is the token's sub; Claims are added to every ID token.
	Subject string
	Claims  map[string]any
}

// Options configure the stand-in.
type Options struct {
	Clients map[string]Client
	Users   []User
	// Alg signs tokens: RS256 (default) or ES256.
	Alg string
	// TokenTTL is the ID tokens' lifetime (default 5 min).
	TokenTTL time.Duration
}

type key struct {
	kid    string
	alg    jose.SignatureAlgorithm
	signer crypto.Signer
}

type grant struct {
	client, redirect, challenge, nonce string
	user                               User
	expires                            time.Time
	used                               bool
}

// StandInProvider is a stand-in for the real identity provider.
type StandInProvider struct {
	t    testing.TB
	srv  *httptest.Server
	opts Options

	mu          sync.Mutex
	keys        []key // keys[0] signs; all are published
	grants      map[string]*grant
	jwksFetches int
	jwksDown    bool
	serial      int
	// NonceOverride, when set, replaces the nonce the relying party sent
	// in the ID tokens issued from then on (a misbehaving or replayed
	// response).
	nonceOverride string
	// exchanges counts successful code exchanges (each proved PKCE).
	exchanges int
}

// NewStandInProvider starts the stand-in; it stops when the test ends.
func NewStandInProvider(t testing.TB, opts Options) *StandInProvider {
	t.Helper()
	if opts.Alg == "" {
		opts.Alg = "RS256"
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = 5 * time.Minute
	}
	p := &StandInProvider{t: t, opts: opts, grants: map[string]*grant{}}
	p.Rotate(opts.Alg, true)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorizePage)
	mux.HandleFunc("POST /authorize", p.authorizeSubmit)
	mux.HandleFunc("POST /token", p.token)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// Issuer is the stand-in's issuer URL.
func (p *StandInProvider) Issuer() string { return p.srv.URL }

// Rotate makes a new signing key of alg (RS256 or ES256) and returns its
// key id. With keepOld the previous keys stay published (a provider's
// overlap period); without, only the new key is.
func (p *StandInProvider) Rotate(alg string, keepOld bool) string {
	p.t.Helper()
	var (
		s   crypto.Signer
		err error
	)
	switch alg {
	case "RS256":
		s, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ES256":
		s, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		p.t.Fatalf("stand-in provider: algorithm %q: use RS256 or ES256", alg)
	}
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.serial++
	k := key{kid: fmt.Sprintf("standin-%s-%d", alg, p.serial), alg: jose.SignatureAlgorithm(alg), signer: s}
	if keepOld {
		p.keys = append([]key{k}, p.keys...)
	} else {
		p.keys = []key{k}
	}
	return k.kid
}

// PublicKeyPEM is the current signing key's public key, PEM-encoded:
// what anyone can have, for key-confusion tests.
func (p *StandInProvider) PublicKeyPEM() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	der, err := x509.MarshalPKIXPublicKey(p.keys[0].signer.Public())
	if err != nil {
		p.t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// CurrentKID is the id of the key that signs now.
func (p *StandInProvider) CurrentKID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keys[0].kid
}

// JWKSFetches is how often the key set was fetched.
func (p *StandInProvider) JWKSFetches() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.jwksFetches
}

// FailJWKS makes the key set answer 503 (down true) or serve again.
func (p *StandInProvider) FailJWKS(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.jwksDown = down
}

// Exchanges is how many codes were exchanged for tokens; the token
// endpoint exchanges none without the PKCE verifier.
func (p *StandInProvider) Exchanges() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exchanges
}

// OverrideNonce makes the ID tokens issued from now on carry nonce
// instead of the one the relying party asked for.
func (p *StandInProvider) OverrideNonce(nonce string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nonceOverride = nonce
}

// Mint signs claims with the current key. iss, iat and exp are filled in
// when absent (exp: now + TokenTTL).
func (p *StandInProvider) Mint(claims map[string]any) string {
	p.mu.Lock()
	k := p.keys[0]
	p.mu.Unlock()
	return p.MintWith(k.kid, claims)
}

// MintWith signs claims with the key kid (published or not).
func (p *StandInProvider) MintWith(kid string, claims map[string]any) string {
	p.t.Helper()
	p.mu.Lock()
	i := slices.IndexFunc(p.keys, func(k key) bool { return k.kid == kid })
	if i < 0 {
		p.mu.Unlock()
		p.t.Fatalf("stand-in provider: no key %q", kid)
	}
	k := p.keys[i]
	p.mu.Unlock()
	c := map[string]any{"iss": p.Issuer(), "iat": time.Now().Unix(), "exp": time.Now().Add(p.opts.TokenTTL).Unix()}
	for n, v := range claims {
		c[n] = v
	}
	return sign(p.t, k, c)
}

// SignWithUnpublishedKey signs with a key that is never published (an
// attacker's key carrying a plausible kid).
func (p *StandInProvider) SignWithUnpublishedKey(kid string, claims map[string]any) string {
	p.t.Helper()
	s, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		p.t.Fatal(err)
	}
	c := map[string]any{"iss": p.Issuer(), "iat": time.Now().Unix(), "exp": time.Now().Add(p.opts.TokenTTL).Unix()}
	for n, v := range claims {
		c[n] = v
	}
	return sign(p.t, key{kid: kid, alg: jose.RS256, signer: s}, c)
}

func sign(t testing.TB, k key, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: jose.JSONWebKey{Key: k.signer, KeyID: k.kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (p *StandInProvider) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.Issuer(),
		"authorization_endpoint":                p.Issuer() + "/authorize",
		"token_endpoint":                        p.Issuer() + "/token",
		"jwks_uri":                              p.Issuer() + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "profile"},
	})
}

func (p *StandInProvider) jwks(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	p.jwksFetches++
	if p.jwksDown {
		p.mu.Unlock()
		http.Error(w, "key set unavailable", http.StatusServiceUnavailable)
		return
	}
	var set jose.JSONWebKeySet
	for _, k := range p.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.signer.Public(), KeyID: k.kid, Algorithm: string(k.alg), Use: "sig"})
	}
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, set)
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stand-in identity provider</title></head>
<body><h1>Stand-in identity provider (test double)</h1>
<form method="post" action="/authorize">
{{range $k, $v := .}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<label>Username <input id="username" name="username" autocomplete="off"></label>
<label>Password <input id="password" name="password" type="password"></label>
<button id="submit" type="submit">Sign in</button>
</form></body></html>`))

// authorizePage checks the request like a real provider (known client,
// registered redirect URI, PKCE S256) and shows the login form.
func (p *StandInProvider) authorizePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if msg := p.checkAuthorize(q); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	params := map[string]string{}
	for _, n := range []string{"client_id", "redirect_uri", "state", "nonce", "code_challenge", "code_challenge_method", "scope"} {
		params[n] = q.Get(n)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = loginPage.Execute(w, params)
}

func (p *StandInProvider) checkAuthorize(q url.Values) string {
	c, ok := p.opts.Clients[q.Get("client_id")]
	switch {
	case !ok:
		return "unknown client_id"
	case !slices.Contains(c.RedirectURIs, q.Get("redirect_uri")):
		return "redirect_uri is not registered for this client"
	case q.Get("response_type") != "" && q.Get("response_type") != "code":
		return "response_type must be code"
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		return "PKCE with S256 is required"
	case q.Get("state") == "":
		return "state is required"
	}
	return ""
}

func (p *StandInProvider) authorizeSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f := r.PostForm
	if msg := p.checkAuthorize(f); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	i := slices.IndexFunc(p.opts.Users, func(u User) bool {
		return u.Username == f.Get("username") && subtle.ConstantTimeCompare([]byte(u.Password), []byte(f.Get("password"))) == 1
	})
	if i < 0 {
		http.Error(w, "wrong username or password", http.StatusUnauthorized)
		return
	}
	code := random()
	p.mu.Lock()
	p.grants[code] = &grant{client: f.Get("client_id"), redirect: f.Get("redirect_uri"), challenge: f.Get("code_challenge"),
		nonce: f.Get("nonce"), user: p.opts.Users[i], expires: time.Now().Add(time.Minute)}
	p.mu.Unlock()
	to, _ := url.Parse(f.Get("redirect_uri"))
	v := to.Query()
	v.Set("code", code)
	v.Set("state", f.Get("state"))
	to.RawQuery = v.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

// token exchanges a code once, for its client and redirect URI, with the
// PKCE verifier whose S256 hash was the challenge.
func (p *StandInProvider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request", err.Error())
		return
	}
	f := r.PostForm
	id, secret, basic := r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = f.Get("client_id"), f.Get("client_secret")
	}
	c, ok := p.opts.Clients[id]
	if !ok || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		tokenError(w, "invalid_client", "unknown client or wrong secret")
		return
	}
	if f.Get("grant_type") != "authorization_code" {
		tokenError(w, "unsupported_grant_type", "only authorization_code")
		return
	}
	p.mu.Lock()
	g, ok := p.grants[f.Get("code")]
	var reused bool
	if ok {
		reused = g.used
		g.used = true
	}
	nonce := ""
	if ok {
		nonce = g.nonce
		if p.nonceOverride != "" {
			nonce = p.nonceOverride
		}
	}
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(f.Get("code_verifier")))
	switch {
	case !ok:
		tokenError(w, "invalid_grant", "unknown code")
		return
	case reused:
		tokenError(w, "invalid_grant", "the code was already used")
		return
	case time.Now().After(g.expires):
		tokenError(w, "invalid_grant", "the code expired")
		return
	case g.client != id || g.redirect != f.Get("redirect_uri"):
		tokenError(w, "invalid_grant", "the code was issued to another client or redirect_uri")
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		tokenError(w, "invalid_grant", "code_verifier does not match the code_challenge")
		return
	}
	claims := map[string]any{"sub": g.user.Subject, "aud": id}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	for n, v := range g.user.Claims {
		claims[n] = v
	}
	idToken := p.Mint(claims)
	p.mu.Lock()
	p.exchanges++
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": random(), "token_type": "Bearer",
		"expires_in": int(p.opts.TokenTTL.Seconds()), "id_token": idToken})
}

func tokenError(w http.ResponseWriter, code, desc string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
