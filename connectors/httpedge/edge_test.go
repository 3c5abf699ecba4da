package httpedge

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var secret = strings.Repeat("s", 32)

func mustJWT(t *testing.T, cfg JWTConfig) *JWT {
	t.Helper()
	j, err := NewJWT(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func sign(t *testing.T, tok Token) string {
	t.Helper()
	if tok.IssuedAt.IsZero() {
		tok.IssuedAt = time.Now()
	}
	if tok.TTL == 0 {
		tok.TTL = time.Hour
	}
	s, err := SignJWT(secret, tok)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The BI and the doctor API may share a secret; the audience keeps their
// tokens apart.
func TestJWTRefusesAnotherServicesToken(t *testing.T) {
	doctor := mustJWT(t, JWTConfig{Secret: secret, Issuer: "oqim", Audience: "oqim-doctor", Kind: Doctor})
	bi := sign(t, Token{Issuer: "oqim", Audience: "oqim-bi", Subject: "analyst-1"})
	if p, err := doctor.Verify(context.Background(), bi); err == nil {
		t.Fatalf("the doctor API accepted a BI token: %+v", p)
	}
	own := sign(t, Token{Issuer: "oqim", Audience: "oqim-doctor", Subject: "d-1", Name: "Dr A"})
	p, err := doctor.Verify(context.Background(), own)
	if err != nil || p.ID != "d-1" || p.Name != "Dr A" || p.Kind != Doctor {
		t.Fatalf("own token: %+v, %v", p, err)
	}
	noAud := sign(t, Token{Issuer: "oqim", Subject: "d-1"})
	if _, err := doctor.Verify(context.Background(), noAud); err == nil {
		t.Fatal("a token without aud was accepted")
	}
}

func TestJWTRefusesWrongIssuerExpiredAndEndless(t *testing.T) {
	now := time.Now()
	v := mustJWT(t, JWTConfig{Secret: secret, Issuer: "oqim", Audience: "oqim-bi", Kind: Analyst})
	ctx := context.Background()
	if _, err := v.Verify(ctx, sign(t, Token{Issuer: "elsewhere", Audience: "oqim-bi", Subject: "u"})); err == nil {
		t.Error("wrong issuer accepted")
	}
	if _, err := v.Verify(ctx, sign(t, Token{Issuer: "oqim", Audience: "oqim-bi", Subject: "u", IssuedAt: now.Add(-2 * time.Hour), TTL: time.Hour})); err == nil {
		t.Error("expired token accepted")
	}
	endless, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "oqim", "aud": "oqim-bi", "sub": "u"}).SignedString([]byte(secret))
	if _, err := v.Verify(ctx, endless); err == nil {
		t.Error("token without exp accepted")
	}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": "oqim", "aud": "oqim-bi", "sub": "u", "exp": now.Add(time.Hour).Unix()}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if _, err := v.Verify(ctx, none); err == nil {
		t.Error("unsigned token accepted")
	}
	if _, err := v.Verify(ctx, sign(t, Token{Issuer: "oqim", Audience: "oqim-bi", Subject: "u", IssuedAt: now.Add(time.Hour), TTL: 2 * time.Hour})); err == nil {
		t.Error("token issued an hour from now accepted")
	}
	quoted, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "oqim", "aud": "oqim-bi", "sub": "u",
		"exp": fmt.Sprint(now.Add(time.Hour).Unix())}).SignedString([]byte(secret))
	if _, err := v.Verify(ctx, quoted); err == nil {
		t.Error("token whose exp is a quoted string accepted")
	}
	if _, err := v.Verify(ctx, sign(t, Token{Issuer: "oqim", Audience: "oqim-bi", Subject: "u"})); err != nil {
		t.Errorf("good token refused: %v", err)
	}
}

// A validly signed token that gives a claim twice is refused: Go reads
// the last value, other readers the first.
func TestJWTRefusesDuplicateClaims(t *testing.T) {
	v := mustJWT(t, JWTConfig{Secret: secret, Issuer: "oqim", Audience: "oqim-bi", Kind: Analyst})
	exp := time.Now().Add(time.Hour).Unix()
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	for _, claims := range []string{
		fmt.Sprintf(`{"iss":"oqim","aud":"oqim-bi","sub":"u","exp":%d,"role":"analyst","regions":["tashkent"],"role":"national"}`, exp),
		fmt.Sprintf(`{"iss":"oqim","aud":"oqim-bi","sub":"u","exp":%d,"SUB":"admin"}`, exp),
	} {
		unsigned := header + "." + base64.RawURLEncoding.EncodeToString([]byte(claims))
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(unsigned))
		token := unsigned + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
		if p, err := v.Verify(context.Background(), token); err == nil {
			t.Errorf("%s accepted as %+v", claims, p)
		}
	}
	if _, err := v.Verify(context.Background(), sign(t, Token{Issuer: "oqim", Audience: "oqim-bi", Subject: "u", Role: "analyst"})); err != nil {
		t.Errorf("good token refused: %v", err)
	}
}

func TestJWTConfigNeedsIssuerAudienceAndLongSecret(t *testing.T) {
	for _, cfg := range []JWTConfig{
		{Secret: "short", Issuer: "oqim", Audience: "a"},
		{Secret: secret, Audience: "a"},
		{Secret: secret, Issuer: "oqim"},
	} {
		if _, err := NewJWT(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

func TestKeys(t *testing.T) {
	k, err := NewKeys([]Key{{SHA256: HashKey("k1"), Principal: Principal{Kind: Agency, ID: "a1"}}, {SHA256: HashKey("k2"), Principal: Principal{Kind: Agency, ID: "a2"}}})
	if err != nil {
		t.Fatal(err)
	}
	auth := Credentials{k}
	for _, tc := range []struct {
		h, v, want string
	}{
		{"Authorization", "Bearer k2", "a2"},
		{"Authorization", "bearer k1", "a1"},
		{"X-API-Key", "k1", "a1"},
		{"X-API-Key", "unknown", ""},
		{"Authorization", "Bearer K1", ""},
		{"Authorization", "Basic k1", ""},
		{"", "", ""},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tc.h != "" {
			r.Header.Set(tc.h, tc.v)
		}
		p, err := auth.Authenticate(r)
		if (err == nil) != (tc.want != "") || p.ID != tc.want {
			t.Errorf("%s %s: %+v, %v", tc.h, tc.v, p, err)
		}
	}
	if _, err := NewKeys([]Key{{SHA256: "k1"}}); err == nil {
		t.Error("a plain key as sha256 was accepted")
	}
	if _, err := NewKeys([]Key{{SHA256: HashKey("k")}, {SHA256: HashKey("k")}}); err == nil {
		t.Error("a key shared by two principals was accepted")
	}
}

func decodeError(t *testing.T, body []byte) ErrorBody {
	t.Helper()
	var raw map[string]map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	for k := range raw["error"] {
		if k != "field" && k != "reason" && k != "detail" {
			t.Errorf("error body has %q: %s", k, body)
		}
	}
	var b ErrorBody
	_ = json.Unmarshal(body, &b)
	if b.Error.Reason == "" || b.Error.Detail == "" {
		t.Errorf("error body without reason or detail: %s", body)
	}
	return b
}

func TestErrorBodyShape(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, http.StatusBadRequest, Error{Field: "region", Detail: "not a region"})
	if w.Code != 400 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("%d %s", w.Code, w.Header())
	}
	var exact struct {
		Error struct{ Field, Reason, Detail string }
	}
	_ = json.Unmarshal(w.Body.Bytes(), &exact)
	if exact.Error.Field != "region" || exact.Error.Reason != ReasonInvalid || exact.Error.Detail != "not a region" {
		t.Fatalf("body %s", w.Body)
	}
	decodeError(t, w.Body.Bytes())
	w = httptest.NewRecorder()
	WriteError(w, http.StatusTooManyRequests, Error{Detail: "slow down"})
	if b := decodeError(t, w.Body.Bytes()); b.Error.Reason != ReasonRateLimited || b.Error.Field != "" || strings.Contains(w.Body.String(), `"field"`) {
		t.Fatalf("body %s", w.Body)
	}
}

// server mounts routes behind the access log, as the binary does.
func server(t *testing.T, log *slog.Logger, opts Options, routes ...Route) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	if err := Mount(mux, opts, routes...); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(AccessLog(log, mux))
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, method, url string, body io.Reader, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, body)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func echoBody(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if IsTooLarge(err) {
		WriteError(w, http.StatusRequestEntityTooLarge, Error{Detail: "too large"})
		return
	}
	p, _ := PrincipalFrom(r.Context())
	WriteJSON(w, http.StatusOK, map[string]any{"n": len(b), "who": p.ID})
}

func TestRouteAuthenticatesAndChecksKind(t *testing.T) {
	keys, _ := NewKeys([]Key{{SHA256: HashKey("doc"), Principal: Principal{Kind: Doctor, ID: "d-1"}}, {SHA256: HashKey("ana"), Principal: Principal{Kind: Analyst, ID: "a-1"}}})
	srv := server(t, slog.New(slog.DiscardHandler), Options{Auth: Credentials{keys}, Realm: "oqim-doctor"},
		Route{Method: "POST", Path: "/doc", Need: Doctor, Handler: http.HandlerFunc(echoBody)})
	code, h, body := do(t, "POST", srv.URL+"/doc", nil)
	if code != 401 || !strings.Contains(h.Get("WWW-Authenticate"), "oqim-doctor") {
		t.Fatalf("no key: %d %s", code, body)
	}
	decodeError(t, body)
	if code, _, body = do(t, "POST", srv.URL+"/doc", nil, "X-API-Key", "unknown"); code != 401 {
		t.Fatalf("unknown key: %d %s", code, body)
	}
	if code, _, body = do(t, "POST", srv.URL+"/doc", nil, "X-API-Key", "ana"); code != 403 {
		t.Fatalf("analyst key on a doctor route: %d %s", code, body)
	}
	if code, _, body = do(t, "POST", srv.URL+"/doc", nil, "X-API-Key", "doc"); code != 200 || !strings.Contains(string(body), `"d-1"`) {
		t.Fatalf("doctor key: %d %s", code, body)
	}
}

// An answer streamed by its handler (a CSV export, say) is for its caller
// only, as WriteJSON's are: a shared cache keyed by the URL must not keep
// it, and no browser may sniff it into HTML. A handler that wants caching
// says so and is obeyed.
func TestAnswersAreNotCachedUnlessTheHandlerSaysSo(t *testing.T) {
	keys, _ := NewKeys([]Key{{SHA256: HashKey("ana"), Principal: Principal{Kind: Analyst, ID: "a-1"}}})
	csv := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		_, _ = io.WriteString(w, "region,n\nUZ-JI,1\n")
	})
	asset := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=60")
		_, _ = io.WriteString(w, "body{}")
	})
	srv := server(t, slog.New(slog.DiscardHandler), Options{Auth: Credentials{keys}},
		Route{Method: "GET", Path: "/export", Need: Analyst, Handler: csv},
		Route{Method: "GET", Path: "/asset", Need: Public, Handler: asset})
	code, h, body := do(t, "GET", srv.URL+"/export", nil, "X-API-Key", "ana")
	if code != 200 || h.Get("Cache-Control") != "no-store" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("export: %d, Cache-Control %q, X-Content-Type-Options %q: %s", code, h.Get("Cache-Control"), h.Get("X-Content-Type-Options"), body)
	}
	if code, h, _ = do(t, "GET", srv.URL+"/export", nil); code != 401 || h.Get("Cache-Control") != "no-store" {
		t.Errorf("refusal: %d, Cache-Control %q", code, h.Get("Cache-Control"))
	}
	if _, h, _ = do(t, "GET", srv.URL+"/asset", nil); h.Get("Cache-Control") != "public, max-age=60" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("asset: Cache-Control %q, X-Content-Type-Options %q", h.Get("Cache-Control"), h.Get("X-Content-Type-Options"))
	}
}

// A query Go cannot decode would lose the pair at fault in r.URL.Query,
// and the handler would answer as if that filter had not been given; the
// edge refuses it, naming the query.
func TestMalformedQueryIsRefusedNotDropped(t *testing.T) {
	keys, _ := NewKeys([]Key{{SHA256: HashKey("ana"), Principal: Principal{Kind: Analyst, ID: "a-1"}}})
	region := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "region="+r.URL.Query().Get("region"))
	})
	srv := server(t, slog.New(slog.DiscardHandler), Options{Auth: Credentials{keys}},
		Route{Method: "GET", Path: "/kpi", Need: Analyst, Handler: region})
	if code, _, body := do(t, "GET", srv.URL+"/kpi?region=UZ-SA&level=region", nil, "X-API-Key", "ana"); code != 200 || string(body) != "region=UZ-SA" {
		t.Fatalf("well-formed query: %d %s", code, body)
	}
	for _, q := range []string{"region=UZ-SA%ZZ", "region=UZ-SA;", "level=country&region=UZ-SA%"} {
		code, _, body := do(t, "GET", srv.URL+"/kpi?"+q, nil, "X-API-Key", "ana")
		var e ErrorBody
		if err := json.Unmarshal(body, &e); code != 400 || err != nil || e.Error.Field != "query" {
			t.Errorf("?%s: %d %s; want 400 naming the query", q, code, body)
		}
	}
}

// A path under /api/ that nothing serves, or a method a path does not
// take, gets the one JSON error body like every route's own errors; the
// rest of the site is left to the mux.
func TestMissesUnderAPIAreJSON(t *testing.T) {
	mux := http.NewServeMux()
	if err := Mount(mux, Options{}, Route{Method: "POST", Path: "/api/v1/things", Need: Public, Handler: http.HandlerFunc(echoBody)}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(JSONMisses(mux, "/api/"))
	defer srv.Close()
	code, h, body := do(t, "GET", srv.URL+"/api/v1/nothing", nil)
	if code != 404 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") || !strings.Contains(decodeError(t, body).Error.Detail, "/api/v1/nothing") {
		t.Errorf("unknown path: %d %q %s", code, h.Get("Content-Type"), body)
	}
	code, h, body = do(t, "DELETE", srv.URL+"/api/v1/things", nil)
	if code != 405 || h.Get("Allow") == "" || !strings.Contains(decodeError(t, body).Error.Detail, "DELETE") {
		t.Errorf("wrong method: %d Allow %q %s", code, h.Get("Allow"), body)
	}
	if code, _, body = do(t, "POST", srv.URL+"/api/v1/things", strings.NewReader("abc")); code != 200 {
		t.Errorf("the route itself: %d %s", code, body)
	}
	if code, h, _ = do(t, "GET", srv.URL+"/elsewhere", nil); code != 404 || strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Errorf("outside /api/: %d %q, want the mux's own 404", code, h.Get("Content-Type"))
	}
}

func TestMountRefusesUndeclaredRoutes(t *testing.T) {
	h := http.HandlerFunc(echoBody)
	if err := Mount(http.NewServeMux(), Options{}, Route{Method: "GET", Path: "/x", Handler: h}); err == nil {
		t.Error("a route without Need mounted")
	}
	if err := Mount(http.NewServeMux(), Options{}, Route{Method: "GET", Path: "/x", Need: Analyst, Handler: h}); err == nil {
		t.Error("a non-public route without an authenticator mounted")
	}
}

func TestBodyTooLarge(t *testing.T) {
	srv := server(t, slog.New(slog.DiscardHandler), Options{},
		Route{Method: "POST", Path: "/small", Need: Public, MaxBody: 10, Handler: http.HandlerFunc(echoBody)})
	if code, _, body := do(t, "POST", srv.URL+"/small", strings.NewReader("0123456789")); code != 200 {
		t.Fatalf("10 bytes: %d %s", code, body)
	}
	code, _, body := do(t, "POST", srv.URL+"/small", strings.NewReader("0123456789x"))
	if code != 413 || decodeError(t, body).Error.Reason != ReasonTooLarge {
		t.Fatalf("11 bytes: %d %s", code, body)
	}
	// Chunked: no Content-Length, so the limit bites while reading.
	code, _, body = do(t, "POST", srv.URL+"/small", io.MultiReader(strings.NewReader("0123456789"), strings.NewReader("x")))
	if code != 413 {
		t.Fatalf("11 bytes chunked: %d %s", code, body)
	}
}

func TestRateLimitByAddressAndPrincipal(t *testing.T) {
	now := time.Unix(1e9, 0)
	lim := NewLimiter(LimiterConfig{Limit: Limit{Rate: 1.0 / 60, Burst: 2}, Now: func() time.Time { return now },
		For: func(p Principal) (Limit, bool) { return Limit{Rate: 1.0 / 60, Burst: 3}, p.ID == "generous" }})
	keys, _ := NewKeys([]Key{{SHA256: HashKey("a"), Principal: Principal{Kind: Doctor, ID: "a"}}, {SHA256: HashKey("g"), Principal: Principal{Kind: Doctor, ID: "generous"}}})
	srv := server(t, slog.New(slog.DiscardHandler), Options{Auth: Credentials{keys}},
		Route{Method: "GET", Path: "/pub", Need: Public, RateLimit: lim, Handler: http.HandlerFunc(echoBody)},
		Route{Method: "GET", Path: "/doc", Need: Doctor, RateLimit: lim, Handler: http.HandlerFunc(echoBody)})
	count := func(path string, hdr ...string) int {
		for i := 0; i < 10; i++ {
			code, h, body := do(t, "GET", srv.URL+path, nil, hdr...)
			if code == 429 {
				if h.Get("Retry-After") == "" {
					t.Errorf("429 without Retry-After")
				}
				decodeError(t, body)
				return i
			}
		}
		return 10
	}
	if n := count("/pub"); n != 2 {
		t.Errorf("public route allowed %d requests, want the burst of 2", n)
	}
	// A client cannot pick another bucket with X-Forwarded-For when no
	// proxy is trusted.
	if n := count("/pub", "X-Forwarded-For", "203.0.113.9"); n != 0 {
		t.Errorf("X-Forwarded-For from an untrusted peer opened a new bucket: %d allowed", n)
	}
	if n := count("/doc", "X-API-Key", "a"); n != 2 {
		t.Errorf("doctor a allowed %d, want 2", n)
	}
	if n := count("/doc", "X-API-Key", "g"); n != 3 {
		t.Errorf("generous doctor allowed %d, want 3", n)
	}
	now = now.Add(time.Minute)
	if n := count("/doc", "X-API-Key", "a"); n != 1 {
		t.Errorf("after a minute doctor a allowed %d, want 1", n)
	}
}

// One principal holds at most InFlight's bound of requests running at
// once, across the routes sharing it; another principal is not held back,
// and a finished request frees its place.
func TestInFlightBoundsAPrincipalsRunningRequests(t *testing.T) {
	keys, _ := NewKeys([]Key{{SHA256: HashKey("a"), Principal: Principal{Kind: Analyst, ID: "a"}}, {SHA256: HashKey("b"), Principal: Principal{Kind: Analyst, ID: "b"}}})
	release := make(chan struct{})
	started := make(chan struct{}, 8)
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-release
		w.WriteHeader(http.StatusOK)
	})
	f := NewInFlight(2, 0)
	srv := server(t, slog.New(slog.DiscardHandler), Options{Auth: Credentials{keys}},
		Route{Method: "GET", Path: "/q1", Need: Analyst, InFlight: f, Handler: slow},
		Route{Method: "GET", Path: "/q2", Need: Analyst, InFlight: f, Handler: slow})
	var wg sync.WaitGroup
	for _, path := range []string{"/q1", "/q2"} {
		wg.Go(func() {
			if code, _, _ := do(t, "GET", srv.URL+path, nil, "X-API-Key", "a"); code != http.StatusOK {
				t.Errorf("a's request %s: %d", path, code)
			}
		})
	}
	<-started
	<-started
	code, h, _ := do(t, "GET", srv.URL+"/q1", nil, "X-API-Key", "a")
	if code != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
		t.Errorf("a's third request while two run: %d (Retry-After %q), want 429 with Retry-After", code, h.Get("Retry-After"))
	}
	wg.Go(func() {
		if code, _, _ := do(t, "GET", srv.URL+"/q1", nil, "X-API-Key", "b"); code != http.StatusOK {
			t.Errorf("b's request while a's two run: %d, want 200", code)
		}
	})
	<-started
	close(release)
	wg.Wait()
	if code, _, _ := do(t, "GET", srv.URL+"/q2", nil, "X-API-Key", "a"); code != http.StatusOK {
		t.Errorf("a's request after the others finished: %d, want 200", code)
	}
}

// An IPv6 host owns a /64 and may use any address in it: the rate limit
// buckets it by that /64, or one host would have a fresh burst for every
// address it took.
func TestRateLimitBucketsAnIPv6HostByItsSlash64(t *testing.T) {
	now := time.Unix(1e9, 0)
	lim := NewLimiter(LimiterConfig{Limit: Limit{Rate: 1.0 / 60, Burst: 2}, Now: func() time.Time { return now }})
	proxies, err := ParseProxies([]string{"127.0.0.1", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	srv := server(t, slog.New(slog.DiscardHandler), Options{Proxies: proxies},
		Route{Method: "GET", Path: "/pub", Need: Public, RateLimit: lim, Handler: http.HandlerFunc(echoBody)})
	allowed := func(addrs ...string) int {
		n := 0
		for _, a := range addrs {
			if code, _, _ := do(t, "GET", srv.URL+"/pub", nil, "X-Forwarded-For", a); code == http.StatusOK {
				n++
			}
		}
		return n
	}
	if n := allowed("2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3", "2001:db8:1:2::4"); n != 2 {
		t.Errorf("four addresses of one /64 were allowed %d requests, want the burst of 2", n)
	}
	if n := allowed("2001:db8:1:3::1"); n != 1 {
		t.Errorf("the next /64 was allowed %d, want its own bucket", n)
	}
	if n := allowed("198.51.100.1", "198.51.100.2"); n != 2 {
		t.Errorf("two IPv4 clients were allowed %d, want one each", n)
	}
}

func TestClientAddrTrustsOnlyConfiguredProxies(t *testing.T) {
	proxies, err := ParseProxies([]string{"10.0.0.0/8", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ps     Proxies
		remote string
		xff    string
		want   string
	}{
		{nil, "10.1.1.1:5", "203.0.113.9", "10.1.1.1"},
		{proxies, "192.0.2.1:5", "203.0.113.9", "192.0.2.1"},
		{proxies, "10.1.1.1:5", "203.0.113.9", "203.0.113.9"},
		// The client wrote the left entry itself; the proxy appended the right one.
		{proxies, "10.1.1.1:5", "198.51.100.1, 203.0.113.9", "203.0.113.9"},
		{proxies, "10.1.1.1:5", "203.0.113.9, 10.2.2.2", "203.0.113.9"},
		{proxies, "[::1]:5", "", "::1"},
		// Proxies that write the client's port too.
		{proxies, "10.1.1.1:5", "203.0.113.9:41234", "203.0.113.9"},
		{proxies, "10.1.1.1:5", "[2001:db8::1]:443, 10.2.2.2:80", "2001:db8::1"},
		{proxies, "10.1.1.1:5", "not-an-address", "10.1.1.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := tc.ps.ClientAddr(r); got != tc.want {
			t.Errorf("%s via %s (%d proxies): %s, want %s", tc.xff, tc.remote, len(tc.ps), got, tc.want)
		}
	}
}

type auditLog struct {
	mu sync.Mutex
	as []Audit
}

func (a *auditLog) Audit(_ context.Context, x Audit) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.as = append(a.as, x)
}

func TestAccessLogNeverHasQueryOrBodyAndAuditBoundsQuery(t *testing.T) {
	// The server logs to a file the test reads as it goes (a file, unlike
	// a bytes.Buffer, is safe for a writer and a reader at once).
	logFile, err := os.Create(filepath.Join(t.TempDir(), "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	logged := func() string { b, _ := os.ReadFile(logFile.Name()); return string(b) }
	log := slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelDebug}))
	keys, _ := NewKeys([]Key{{SHA256: HashKey("k"), Principal: Principal{Kind: Doctor, ID: "d-7", Name: "Dr Seven"}}})
	audit := &auditLog{}
	srv := server(t, log, Options{Auth: Credentials{keys}, Auditor: audit},
		Route{Method: "POST", Path: "/api/v1/notes/{id}", Need: Doctor, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			SetRows(r.Context(), 3)
			echoBody(w, r)
		})})
	long := strings.Repeat("q", 2000)
	code, _, _ := do(t, "POST", srv.URL+"/api/v1/notes/n1?patient=PINFL-31234567890123&x="+long, strings.NewReader("secret-body-text"), "X-API-Key", "k")
	if code != 200 {
		t.Fatal(code)
	}
	// The access log line is written after the response; wait for it.
	deadline := time.Now().Add(2 * time.Second)
	for !strings.Contains(logged(), "status=200") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	line := logged()
	for _, leak := range []string{"PINFL", "patient=", "secret-body-text", long[:50]} {
		if strings.Contains(line, leak) {
			t.Errorf("access log has %q: %s", leak, line)
		}
	}
	for _, want := range []string{"route=\"POST /api/v1/notes/{id}\"", "status=200", "principal=\"Dr Seven\""} {
		if !strings.Contains(line, want) {
			t.Errorf("access log lacks %s: %s", want, line)
		}
	}
	audit.mu.Lock()
	defer audit.mu.Unlock()
	if len(audit.as) != 1 {
		t.Fatalf("%d audit records", len(audit.as))
	}
	a := audit.as[0]
	if len(a.Query) > MaxAuditQuery || !strings.HasPrefix(a.Query, "patient=") || a.Principal.ID != "d-7" || a.Status != 200 ||
		a.Route != "/api/v1/notes/{id}" || a.Rows != 3 {
		t.Errorf("audit %+v (query %d bytes)", a, len(a.Query))
	}
}

func TestAuditSeesRefusals(t *testing.T) {
	keys, _ := NewKeys(nil)
	audit := &auditLog{}
	srv := server(t, slog.New(slog.DiscardHandler), Options{Auth: Credentials{keys}, Auditor: audit},
		Route{Method: "GET", Path: "/x", Need: Analyst, Handler: http.HandlerFunc(echoBody)})
	do(t, "GET", srv.URL+"/x", nil, "X-API-Key", "guess")
	audit.mu.Lock()
	defer audit.mu.Unlock()
	if len(audit.as) != 1 || audit.as[0].Status != 401 || audit.as[0].Principal.Label() != "anonymous" {
		t.Fatalf("%+v", audit.as)
	}
}

func TestTimeoutEndsContextAndStreamsOutliveWriteTimeout(t *testing.T) {
	mux := http.NewServeMux()
	err := Mount(mux, Options{},
		Route{Method: "GET", Path: "/slow", Need: Public, Timeout: 50 * time.Millisecond, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
				WriteError(w, http.StatusGatewayTimeout, Error{Detail: "out of time"})
			case <-time.After(5 * time.Second):
				WriteJSON(w, 200, "late")
			}
		})},
		Route{Method: "GET", Path: "/stream", Need: Public, Stream: true, Timeout: NoLimit, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < 4; i++ {
				_, _ = w.Write([]byte("data: x\n\n"))
				_ = http.NewResponseController(w).Flush()
				time.Sleep(100 * time.Millisecond)
			}
		})})
	if err != nil {
		t.Fatal(err)
	}
	// Without a connection (a recorder has no deadlines) only the
	// context can end the request.
	start := time.Now()
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/slow", nil))
	if rec.Code != 504 || time.Since(start) > 2*time.Second {
		t.Fatalf("slow route, recorded: %d after %s", rec.Code, time.Since(start))
	}
	srv := httptest.NewUnstartedServer(AccessLog(slog.New(slog.DiscardHandler), mux))
	srv.Config = NewServer(srv.Config.Handler, Timeouts{Write: 200 * time.Millisecond})
	srv.Start()
	defer srv.Close()
	start = time.Now()
	code, _, body := do(t, "GET", srv.URL+"/slow", nil)
	if code != 504 || time.Since(start) > 2*time.Second {
		t.Fatalf("slow route: %d %s after %s", code, body, time.Since(start))
	}
	code, _, body = do(t, "GET", srv.URL+"/stream", nil)
	if code != 200 || strings.Count(string(body), "data: x") != 4 {
		t.Fatalf("stream cut by the write timeout: %d %q", code, body)
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	l, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, l, http.HandlerFunc(echoBody), Timeouts{}) }()
	if code, _, _ := do(t, "GET", "http://"+l.Addr().String()+"/", nil); code != 200 {
		t.Fatal(code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

type fixedAuth struct {
	p   Principal
	err error
}

func (f fixedAuth) Authenticate(*http.Request) (Principal, error) { return f.p, f.err }

// TestFirstOf: the first authenticator that finds credentials decides;
// a refused key does not fall through to the next one.
func TestFirstOf(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	none := fixedAuth{err: ErrNoCredentials}
	bad := fixedAuth{err: ErrInvalid}
	good := fixedAuth{p: Principal{Kind: Doctor, ID: "d"}}
	if p, err := (FirstOf{none, nil, good}).Authenticate(r); err != nil || p.ID != "d" {
		t.Errorf("none then good: %+v %v", p, err)
	}
	if _, err := (FirstOf{bad, good}).Authenticate(r); !errors.Is(err, ErrInvalid) {
		t.Errorf("a refused credential fell through: %v", err)
	}
	if _, err := (FirstOf{none, none}).Authenticate(r); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("nothing found: %v", err)
	}
}

// A path the mux would clean ("//", "/./", "/../") and then serve nothing
// at is still a miss: a JSON 404, not a 3xx without a Location.
func TestMissesUnderAPIWithAnUncleanPath(t *testing.T) {
	mux := http.NewServeMux()
	if err := Mount(mux, Options{}, Route{Method: "POST", Path: "/api/v1/things", Need: Public, Handler: http.HandlerFunc(echoBody)}); err != nil {
		t.Fatal(err)
	}
	h := JSONMisses(mux, "/api/")
	for _, path := range []string{"/api//v1/nothing", "/api/v1/x/../nothing", "/api/v1/./nothing"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		loc := rec.Header().Get("Location")
		if rec.Code >= 300 && rec.Code < 400 && loc == "" {
			t.Errorf("GET %s: %d with no Location: %s", path, rec.Code, rec.Body)
		}
	}
}

func TestNetworkOfIsTheSlash48OfAnIPv6Key(t *testing.T) {
	for key, want := range map[string]string{
		"net:2001:db8:1:ff00::/64": "net48:2001:db8:1::/48",
		"net:2001:db8:1:1::/64":    "net48:2001:db8:1::/48",
		"addr:192.0.2.7":           "",
		"partner:gw-1":             "",
		"net:not-a-prefix":         "",
	} {
		if got := NetworkOf(key); got != want {
			t.Errorf("NetworkOf(%q) = %q, want %q", key, got, want)
		}
	}
}
