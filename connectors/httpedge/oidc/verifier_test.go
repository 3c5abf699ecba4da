package oidc_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/connectors/httpedge/oidc"
	"github.com/oqim/oqim/connectors/httpedge/oidc/oidctest"
)

func analystVerifier(t *testing.T, p *oidctest.StandInProvider, audience string) *oidc.Verifier {
	t.Helper()
	v, err := oidc.NewVerifier(oidc.VerifierConfig{Issuer: p.Issuer(), Audience: audience, Kind: httpedge.Analyst,
		UnscopedRoles: []string{"national"},
		ClaimSettings: oidc.Claims{Role: "oidc.claims.role", Regions: "oidc.claims.regions", DoctorID: "oidc.claims.doctor_id"}})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func analystClaims(aud string) map[string]any {
	return map[string]any{"sub": "u-17", "aud": aud, "name": "Dilnoza", "oqim_role": "analyst", "oqim_regions": []string{"UZ-JI"}}
}

func mustRefuse(t *testing.T, v httpedge.Verifier, token, why string) error {
	t.Helper()
	p, err := v.Verify(context.Background(), token)
	if err == nil {
		t.Fatalf("%s: accepted as %+v", why, p)
	}
	if !errors.Is(err, httpedge.ErrInvalid) {
		t.Fatalf("%s: error %v does not wrap httpedge.ErrInvalid", why, err)
	}
	return err
}

func TestVerifierAcceptsProviderTokens(t *testing.T) {
	for _, alg := range []string{"RS256", "ES256"} {
		t.Run(alg, func(t *testing.T) {
			p := oidctest.NewStandInProvider(t, oidctest.Options{Alg: alg})
			v := analystVerifier(t, p, "oqim-bi")
			got, err := v.Verify(context.Background(), p.Mint(analystClaims("oqim-bi")))
			if err != nil {
				t.Fatal(err)
			}
			want := httpedge.Principal{Kind: httpedge.Analyst, ID: "u-17", Name: "Dilnoza", Role: "analyst", Regions: []string{"UZ-JI"}}
			if got.Kind != want.Kind || got.ID != want.ID || got.Name != want.Name || got.Role != want.Role || !slices.Equal(got.Regions, want.Regions) {
				t.Fatalf("principal %+v, want %+v", got, want)
			}
		})
	}
}

func TestVerifierClaimShapes(t *testing.T) {
	p := oidctest.NewStandInProvider(t, oidctest.Options{})
	v, err := oidc.NewVerifier(oidc.VerifierConfig{Issuer: p.Issuer(), Audience: "oqim-bi", Kind: httpedge.Analyst,
		Claims: oidc.Claims{Role: "realm_access.oqim_role", Regions: "attrs.regions"}})
	if err != nil {
		t.Fatal(err)
	}
	// Nested claims, a one-element role list and a comma-separated
	// regions string, as Keycloak mappers can produce them.
	tok := p.Mint(map[string]any{"sub": "u-1", "aud": "oqim-bi", "realm_access": map[string]any{"oqim_role": []string{"regional_admin"}},
		"attrs": map[string]any{"regions": "UZ-JI, UZ-SA"}})
	got, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if got.Role != "regional_admin" || !slices.Equal(got.Regions, []string{"UZ-JI", "UZ-SA"}) {
		t.Fatalf("principal %+v", got)
	}
}

func TestVerifierDoctor(t *testing.T) {
	p := oidctest.NewStandInProvider(t, oidctest.Options{})
	v, err := oidc.NewVerifier(oidc.VerifierConfig{Issuer: p.Issuer(), Audience: "oqim-doctor", Kind: httpedge.Doctor,
		ClaimSettings: oidc.Claims{DoctorID: "oidc.claims.doctor_id"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Verify(context.Background(), p.Mint(map[string]any{"sub": "u-9", "aud": "oqim-doctor", "oqim_doctor_id": "D-0042", "name": "Dr Karimov"}))
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != httpedge.Doctor || got.ID != "D-0042" || got.Name != "Dr Karimov" {
		t.Fatalf("principal %+v", got)
	}
	err = mustRefuse(t, v, p.Mint(map[string]any{"sub": "u-9", "aud": "oqim-doctor"}), "no doctor id")
	var ce *httpedge.ClaimError
	if !errors.As(err, &ce) || ce.Claim != "oqim_doctor_id" || ce.Setting != "oidc.claims.doctor_id" {
		t.Fatalf("error %v does not name the missing claim and its setting", err)
	}
}

// TestVerifierRefuses: every check of a token is needed; each case names
// the defence it exercises.
func TestVerifierRefuses(t *testing.T) {
	p := oidctest.NewStandInProvider(t, oidctest.Options{})
	v := analystVerifier(t, p, "oqim-bi")
	claims := func(edit func(map[string]any)) map[string]any {
		c := analystClaims("oqim-bi")
		edit(c)
		return c
	}
	t.Run("wrong issuer", func(t *testing.T) {
		err := mustRefuse(t, v, p.Mint(claims(func(c map[string]any) { c["iss"] = "https://elsewhere.example" })), "issuer")
		if !strings.Contains(err.Error(), "different provider") {
			t.Fatalf("refused for another reason: %v", err)
		}
	})
	t.Run("token for another service", func(t *testing.T) {
		err := mustRefuse(t, v, p.Mint(analystClaims("oqim-doctor")), "audience")
		if !strings.Contains(err.Error(), "audience") {
			t.Fatalf("refused for another reason: %v", err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		err := mustRefuse(t, v, p.Mint(claims(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() })), "expiry")
		if !strings.Contains(err.Error(), "expired") {
			t.Fatalf("refused for another reason: %v", err)
		}
	})
	t.Run("bad signature", func(t *testing.T) {
		tok := p.Mint(analystClaims("oqim-bi"))
		// Change the payload, keep the header and signature.
		parts := strings.Split(tok, ".")
		body, _ := base64.RawURLEncoding.DecodeString(parts[1])
		body = []byte(strings.Replace(string(body), `"UZ-JI"`, `"UZ-TK"`, 1))
		parts[1] = base64.RawURLEncoding.EncodeToString(body)
		mustRefuse(t, v, strings.Join(parts, "."), "tampered payload")
		// A key the provider never published, under its current kid.
		mustRefuse(t, v, p.SignWithUnpublishedKey(p.CurrentKID(), analystClaims("oqim-bi")), "unpublished key")
	})
	t.Run("alg none", func(t *testing.T) {
		mustRefuse(t, v, unsigned(t, map[string]any{"alg": "none", "typ": "JWT"}, withIssuer(p, analystClaims("oqim-bi"))), "alg none")
	})
	t.Run("HS256 with the public key", func(t *testing.T) {
		// The classic confusion: HMAC keyed with the provider's public key,
		// which anyone can fetch.
		header := map[string]any{"alg": "HS256", "typ": "JWT", "kid": p.CurrentKID()}
		tok := unsigned(t, header, withIssuer(p, analystClaims("oqim-bi")))
		mac := hmac.New(sha256.New, p.PublicKeyPEM())
		mac.Write([]byte(strings.TrimSuffix(tok, ".")))
		tok += base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
		mustRefuse(t, v, tok, "HS256 key confusion")
	})
	t.Run("algorithm not configured", func(t *testing.T) {
		// The provider signs RS256 and advertises it, but this deployment
		// accepts ES256 only.
		only, err := oidc.NewVerifier(oidc.VerifierConfig{Issuer: p.Issuer(), Audience: "oqim-bi", Kind: httpedge.Analyst, Algorithms: []string{"ES256"}})
		if err != nil {
			t.Fatal(err)
		}
		err = mustRefuse(t, only, p.Mint(analystClaims("oqim-bi")), "RS256 when only ES256 is accepted")
		if !strings.Contains(err.Error(), "RS256") {
			t.Fatalf("refused for another reason: %v", err)
		}
	})
	t.Run("missing role", func(t *testing.T) {
		err := mustRefuse(t, v, p.Mint(claims(func(c map[string]any) { delete(c, "oqim_role") })), "role")
		var ce *httpedge.ClaimError
		if !errors.As(err, &ce) || ce.Claim != "oqim_role" || ce.Setting != "oidc.claims.role" {
			t.Fatalf("error %v does not name the missing claim and its setting", err)
		}
	})
	t.Run("missing regions", func(t *testing.T) {
		err := mustRefuse(t, v, p.Mint(claims(func(c map[string]any) { delete(c, "oqim_regions") })), "regions")
		var ce *httpedge.ClaimError
		if !errors.As(err, &ce) || ce.Claim != "oqim_regions" {
			t.Fatalf("error %v does not name the missing claim", err)
		}
		// A national reader needs none.
		if _, err := v.Verify(context.Background(), p.Mint(map[string]any{"sub": "n", "aud": "oqim-bi", "oqim_role": "national"})); err != nil {
			t.Fatalf("national without regions: %v", err)
		}
	})
	t.Run("role list of two", func(t *testing.T) {
		err := mustRefuse(t, v, p.Mint(claims(func(c map[string]any) { c["oqim_role"] = []string{"analyst", "national"} })), "two roles")
		if !strings.Contains(err.Error(), "holds 2 values") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("not a JWT", func(t *testing.T) {
		mustRefuse(t, v, "an-api-key", "API key")
	})
}

// verifiedOnce is a provider and an analyst verifier, on a clock the test
// moves, that has verified one token and so holds the provider's keys.
func verifiedOnce(t *testing.T) (*oidctest.StandInProvider, *oidc.Verifier, *clock) {
	t.Helper()
	p := oidctest.NewStandInProvider(t, oidctest.Options{})
	clk := &clock{at: time.Now()}
	v, err := oidc.NewVerifier(oidc.VerifierConfig{Issuer: p.Issuer(), Audience: "oqim-bi", Kind: httpedge.Analyst, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), p.Mint(analystClaims("oqim-bi"))); err != nil {
		t.Fatal(err)
	}
	return p, v, clk
}

// TestVerifierFollowsKeyRotation: after the provider rotates to a key the
// verifier has not seen, the first token signed with it makes the
// verifier fetch the key set again and is accepted, without a restart.
func TestVerifierFollowsKeyRotation(t *testing.T) {
	p, v, clk := verifiedOnce(t)
	before := p.JWKSFetches()
	// The same key again: served from the cache.
	if _, err := v.Verify(context.Background(), p.Mint(analystClaims("oqim-bi"))); err != nil {
		t.Fatal(err)
	}
	if n := p.JWKSFetches(); n != before {
		t.Fatalf("a known key fetched the key set again (%d → %d fetches)", before, n)
	}
	// Rotate to an ES256 key and drop the old one. The key set was
	// fetched a moment ago, so it is fetched again only once the refetch
	// interval has passed.
	kid := p.Rotate("ES256", false)
	mustRefuse(t, v, p.Mint(analystClaims("oqim-bi")), "a new key within the refetch interval")
	clk.Add(20 * time.Second)
	got, err := v.Verify(context.Background(), p.Mint(analystClaims("oqim-bi")))
	if err != nil {
		t.Fatalf("token under the rotated key %s: %v", kid, err)
	}
	if got.ID != "u-17" {
		t.Fatalf("principal %+v", got)
	}
	if n := p.JWKSFetches(); n != before+1 {
		t.Fatalf("%d key set fetches after rotation; want %d", n, before+1)
	}
}

// Tokens signed with keys the provider never published, each naming a
// new key id, are refused and cost the provider one key set fetch per
// refetch interval, not one each.
func TestForgedTokensDoNotFloodTheProvider(t *testing.T) {
	p, v, clk := verifiedOnce(t)
	before := p.JWKSFetches()
	for i := range 50 {
		mustRefuse(t, v, p.SignWithUnpublishedKey(fmt.Sprintf("forged-%d", i), analystClaims("oqim-bi")), "forged token")
	}
	if n := p.JWKSFetches(); n != before {
		t.Fatalf("50 forged tokens within the refetch interval fetched the key set %d times", n-before)
	}
	clk.Add(20 * time.Second)
	for i := range 50 {
		mustRefuse(t, v, p.SignWithUnpublishedKey(fmt.Sprintf("forged-late-%d", i), analystClaims("oqim-bi")), "forged token")
	}
	if n := p.JWKSFetches(); n != before+1 {
		t.Fatalf("50 forged tokens after the interval fetched the key set %d times, want 1", n-before)
	}
	// The genuine key still verifies throughout.
	if _, err := v.Verify(context.Background(), p.Mint(analystClaims("oqim-bi"))); err != nil {
		t.Fatal(err)
	}
}

// While the key set cannot be fetched, tokens are refused with that
// reason, not as signed by an unknown key, and the verifier tries again
// only after the refetch interval.
func TestKeySetOutageIsSaidAndNotHammered(t *testing.T) {
	p := oidctest.NewStandInProvider(t, oidctest.Options{})
	clk := &clock{at: time.Now()}
	v, err := oidc.NewVerifier(oidc.VerifierConfig{Issuer: p.Issuer(), Audience: "oqim-bi", Kind: httpedge.Analyst, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	p.FailJWKS(true)
	mustRefuse(t, v, p.Mint(analystClaims("oqim-bi")), "key set down")
	before := p.JWKSFetches()
	err = mustRefuse(t, v, p.Mint(analystClaims("oqim-bi")), "key set down, again")
	if !strings.Contains(err.Error(), "could not be fetched") || !strings.Contains(err.Error(), "503") {
		t.Errorf("error %q does not say the keys could not be fetched", err)
	}
	if n := p.JWKSFetches(); n != before {
		t.Errorf("a second token within the interval fetched the key set again (%d fetches)", n-before)
	}
	p.FailJWKS(false)
	clk.Add(20 * time.Second)
	if _, err := v.Verify(context.Background(), p.Mint(analystClaims("oqim-bi"))); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
}

func TestVerifierProviderDown(t *testing.T) {
	v, err := oidc.NewVerifier(oidc.VerifierConfig{Issuer: "http://127.0.0.1:1", Audience: "oqim-bi", Kind: httpedge.Analyst})
	if err != nil {
		t.Fatal(err)
	}
	err = mustRefuse(t, v, "a.b.c", "provider unreachable")
	if !strings.Contains(err.Error(), "discovery") {
		t.Fatalf("error %v does not say discovery failed", err)
	}
}

func TestNewVerifierChecksConfig(t *testing.T) {
	for _, c := range []struct {
		cfg  oidc.VerifierConfig
		want string
	}{
		{oidc.VerifierConfig{Audience: "a", Kind: httpedge.Analyst}, "issuer is empty"},
		{oidc.VerifierConfig{Issuer: "id.example", Audience: "a", Kind: httpedge.Analyst}, "not an http(s) URL"},
		{oidc.VerifierConfig{Issuer: "https://id.example", Kind: httpedge.Analyst}, "audience is empty"},
		{oidc.VerifierConfig{Issuer: "https://id.example", Audience: "a", Kind: httpedge.Agency}, "analysts or doctors"},
		{oidc.VerifierConfig{Issuer: "https://id.example", Audience: "a", Kind: httpedge.Analyst, Algorithms: []string{"HS256"}}, "not an asymmetric"},
	} {
		_, err := oidc.NewVerifier(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.cfg, err, c.want)
		}
	}
}

func withIssuer(p *oidctest.StandInProvider, c map[string]any) map[string]any {
	c["iss"] = p.Issuer()
	c["exp"] = time.Now().Add(time.Minute).Unix()
	return c
}

// unsigned is header.payload. with an empty signature.
func unsigned(t *testing.T, header, claims map[string]any) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + "."
}
