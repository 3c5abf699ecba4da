// Package oidc lets people sign in to Oqim through the region's OpenID
// Connect identity provider (OneID, Keycloak, any provider with discovery):
//
//   - Verifier is an httpedge.Verifier for bearer tokens the provider
//     signed (RS256 or ES256, keys from its JWKS), bound to an issuer and
//     an audience, and mapped to an httpedge.Principal through configurable
//     claim names (role and regions for analysts, the doctor id for
//     doctors);
//   - Login is the browser sign-in: the authorization-code flow with PKCE,
//     state and nonce, ending in an opaque server-side session behind an
//     HttpOnly cookie, and an httpedge.Authenticator for that cookie.
//
// API keys and Oqim's own HS256 tokens stay for machines; this package is
// for people.
package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/oqim/oqim/connectors/httpedge"
)

// Claims names the token claims Oqim reads. A name may be a dotted path
// into nested objects ("realm_access.oqim_role"). Empty fields take the
// defaults of DefaultClaims.
type Claims struct {
	// Name is the display name for logs and the page (optional in tokens).
	Name string
	// Role is the BI role (analyst, regional_admin, national); Regions the
	// ISO 3166-2:UZ codes an analyst may read, as a list or a
	// comma-separated string.
	Role, Regions string
	// DoctorID is the doctor's id in the clinical systems.
	DoctorID string
}

// DefaultClaims are the claim names used when none are configured. They
// carry an oqim_ prefix so that a generic "role" another application put
// in the token is never read as a BI role by accident.
var DefaultClaims = Claims{Name: "name", Role: "oqim_role", Regions: "oqim_regions", DoctorID: "oqim_doctor_id"}

// DefaultAlgorithms are the signature algorithms accepted when none are
// configured. Only asymmetric ones: a symmetric algorithm would let anyone
// holding the provider's public key forge tokens.
var DefaultAlgorithms = []string{"RS256", "ES256"}

// VerifierConfig configures a Verifier.
type VerifierConfig struct {
	// Issuer is the provider's issuer URL; discovery reads
	// Issuer/.well-known/openid-configuration and the issuer it names
	// must equal this one.
	Issuer string
	// Audience must be one of the token's aud values: the client id for
	// ID tokens, or the audience the provider puts in access tokens for
	// this surface, so a token meant for another service is refused.
	Audience string
	// Kind is the kind of every principal the tokens name (Analyst or
	// Doctor); it decides which claims are required.
	Kind httpedge.Kind
	// Claims names the claims read; zero fields take DefaultClaims.
	Claims Claims
	// ClaimSettings names, for error messages, the configuration keys
	// that set Claims ("oidc.claims.role"); zero fields name the field.
	ClaimSettings Claims
	// UnscopedRoles are the roles that read every region, so their tokens
	// need no regions claim (the BI's national); every other analyst
	// token must list regions.
	UnscopedRoles []string
	// Algorithms are the accepted signature algorithms (default
	// DefaultAlgorithms); HS* and none are refused whatever is listed.
	Algorithms []string
	// HTTPClient fetches discovery and keys (default: 10 s timeout).
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verifier checks tokens signed by the provider. Discovery happens on
// first use, not at construction, so Oqim starts while the provider is
// briefly down; until it is reached every token is refused. Keys come
// from the provider's JWKS (see keySet), fetched again when a token names
// a key id not held, at most every keyRefetch: a provider that rotates
// its keys needs no restart here, and forged tokens cannot make each one
// cost the provider a request.
type Verifier struct {
	cfg VerifierConfig

	mu       sync.Mutex
	verifier *gooidc.IDTokenVerifier
	provider *gooidc.Provider
	failedAt time.Time
	lastErr  error
}

// discoveryRetry is how long a failed discovery is remembered before the
// next token tries again, so a flood of tokens during an outage does not
// become a flood of requests to the provider.
const discoveryRetry = 5 * time.Second

// NewVerifier checks cfg; it does not reach the provider.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("oidc: issuer is empty; it is the provider's URL, e.g. https://id.example.uz/realms/oqim")
	case !strings.HasPrefix(cfg.Issuer, "https://") && !strings.HasPrefix(cfg.Issuer, "http://"):
		return nil, fmt.Errorf("oidc: issuer %q is not an http(s) URL", cfg.Issuer)
	case cfg.Audience == "":
		return nil, errors.New("oidc: audience is empty; tokens must name the client or service they are for")
	case cfg.Kind != httpedge.Analyst && cfg.Kind != httpedge.Doctor:
		return nil, fmt.Errorf("oidc: kind %q: tokens can name analysts or doctors", cfg.Kind)
	}
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = DefaultAlgorithms
	}
	for _, a := range cfg.Algorithms {
		if !slices.Contains([]string{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"}, a) {
			return nil, fmt.Errorf("oidc: algorithm %q is not an asymmetric JWS algorithm such as RS256 or ES256", a)
		}
	}
	cfg.Claims = cfg.Claims.withDefaults(DefaultClaims)
	cfg.ClaimSettings = cfg.ClaimSettings.withDefaults(Claims{Name: "Claims.Name", Role: "Claims.Role", Regions: "Claims.Regions", DoctorID: "Claims.DoctorID"})
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{cfg: cfg}, nil
}

func (c Claims) withDefaults(d Claims) Claims {
	if c.Name == "" {
		c.Name = d.Name
	}
	if c.Role == "" {
		c.Role = d.Role
	}
	if c.Regions == "" {
		c.Regions = d.Regions
	}
	if c.DoctorID == "" {
		c.DoctorID = d.DoctorID
	}
	return c
}

// discover returns the provider and the token verifier, reaching the
// provider the first time.
func (v *Verifier) discover(ctx context.Context) (*gooidc.Provider, *gooidc.IDTokenVerifier, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.verifier != nil {
		return v.provider, v.verifier, nil
	}
	if !v.failedAt.IsZero() && v.cfg.Now().Sub(v.failedAt) < discoveryRetry {
		return nil, nil, v.lastErr
	}
	// The client travels in the context: go-oidc keeps it for the key
	// set's later fetches too.
	cctx := gooidc.ClientContext(ctx, v.cfg.HTTPClient)
	p, err := gooidc.NewProvider(cctx, v.cfg.Issuer)
	if err != nil {
		v.failedAt, v.lastErr = v.cfg.Now(), fmt.Errorf("oidc: discovery at %s: %w", v.cfg.Issuer, err)
		return nil, nil, v.lastErr
	}
	var meta struct {
		JWKS string `json:"jwks_uri"`
	}
	if err := p.Claims(&meta); err != nil || meta.JWKS == "" {
		v.failedAt, v.lastErr = v.cfg.Now(), fmt.Errorf("oidc: discovery at %s names no jwks_uri", v.cfg.Issuer)
		return nil, nil, v.lastErr
	}
	v.provider = p
	keys := newKeySet(meta.JWKS, v.cfg.HTTPClient, v.cfg.Now, v.cfg.Algorithms)
	v.verifier = gooidc.NewVerifier(v.cfg.Issuer, keys, &gooidc.Config{
		ClientID:             v.cfg.Audience,
		SupportedSigningAlgs: v.cfg.Algorithms,
		Now:                  v.cfg.Now,
	})
	return v.provider, v.verifier, nil
}

// Verify checks a bearer token and returns its principal. A credential
// that is not a JWT is refused without reaching the provider, so API keys
// fall through to the next verifier.
func (v *Verifier) Verify(ctx context.Context, credential string) (httpedge.Principal, error) {
	if strings.Count(credential, ".") != 2 {
		return httpedge.Principal{}, fmt.Errorf("%w: not a JWT", httpedge.ErrInvalid)
	}
	tok, err := v.verifyToken(ctx, credential)
	if err != nil {
		return httpedge.Principal{}, fmt.Errorf("%w: %w", httpedge.ErrInvalid, err)
	}
	p, err := v.principal(tok)
	if err != nil {
		return httpedge.Principal{}, fmt.Errorf("%w: %w", httpedge.ErrInvalid, err)
	}
	return p, nil
}

// verifyToken checks signature, algorithm, issuer, audience and expiry.
func (v *Verifier) verifyToken(ctx context.Context, raw string) (*gooidc.IDToken, error) {
	_, tv, err := v.discover(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := tv.Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	if tok.Subject == "" {
		return nil, errors.New("the token has no sub")
	}
	return tok, nil
}

// principal reads the configured claims of a verified token.
func (v *Verifier) principal(tok *gooidc.IDToken) (httpedge.Principal, error) {
	var all map[string]any
	if err := tok.Claims(&all); err != nil {
		return httpedge.Principal{}, fmt.Errorf("the token's claims: %w", err)
	}
	c, set := v.cfg.Claims, v.cfg.ClaimSettings
	p := httpedge.Principal{Kind: v.cfg.Kind, ID: tok.Subject}
	name, _, err := stringClaim(all, c.Name, set.Name)
	if err != nil {
		return httpedge.Principal{}, err
	}
	p.Name = name
	switch v.cfg.Kind {
	case httpedge.Analyst:
		role, ok, err := stringClaim(all, c.Role, set.Role)
		if err != nil {
			return httpedge.Principal{}, err
		}
		if !ok {
			return httpedge.Principal{}, &httpedge.ClaimError{Claim: c.Role, Setting: set.Role, Problem: "is missing; the BI needs the analyst's role (analyst, regional_admin or national)"}
		}
		p.Role = role
		if p.Regions, err = listClaim(all, c.Regions, set.Regions); err != nil {
			return httpedge.Principal{}, err
		}
		if len(p.Regions) == 0 && !slices.Contains(v.cfg.UnscopedRoles, role) {
			return httpedge.Principal{}, &httpedge.ClaimError{Claim: c.Regions, Setting: set.Regions, Problem: fmt.Sprintf("is missing or empty; role %s reads only the regions it lists", role)}
		}
	case httpedge.Doctor:
		id, ok, err := stringClaim(all, c.DoctorID, set.DoctorID)
		if err != nil {
			return httpedge.Principal{}, err
		}
		if !ok {
			return httpedge.Principal{}, &httpedge.ClaimError{Claim: c.DoctorID, Setting: set.DoctorID, Problem: "is missing; the doctor API needs the doctor's id"}
		}
		p.ID = id
	}
	return p, nil
}

// lookup follows a dotted claim path.
func lookup(all map[string]any, path string) (any, bool) {
	var cur any = all
	for part := range strings.SplitSeq(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, cur != nil
}

// stringClaim is a claim holding one string (or a list of exactly one, as
// providers that map multi-valued attributes give it).
func stringClaim(all map[string]any, name, setting string) (string, bool, error) {
	v, ok := lookup(all, name)
	if !ok {
		return "", false, nil
	}
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		return s, s != "", nil
	case []any:
		if len(x) == 1 {
			if s, ok := x[0].(string); ok {
				s = strings.TrimSpace(s)
				return s, s != "", nil
			}
		}
		return "", false, &httpedge.ClaimError{Claim: name, Setting: setting, Problem: fmt.Sprintf("holds %d values; one string is needed", len(x))}
	}
	return "", false, &httpedge.ClaimError{Claim: name, Setting: setting, Problem: fmt.Sprintf("is a %T; a string is needed", v)}
}

// listClaim is a claim holding strings: a JSON list, or one string of
// comma- or space-separated values.
func listClaim(all map[string]any, name, setting string) ([]string, error) {
	v, ok := lookup(all, name)
	if !ok {
		return nil, nil
	}
	var out []string
	switch x := v.(type) {
	case string:
		out = strings.FieldsFunc(x, func(r rune) bool { return r == ',' || r == ' ' })
	case []any:
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, &httpedge.ClaimError{Claim: name, Setting: setting, Problem: fmt.Sprintf("element %d is a %T; strings are needed", i, e)}
			}
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	default:
		return nil, &httpedge.ClaimError{Claim: name, Setting: setting, Problem: fmt.Sprintf("is a %T; a list of strings is needed", v)}
	}
	return out, nil
}
