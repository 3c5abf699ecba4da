package httpedge

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// JWTConfig verifies HS256 tokens for one service. Issuer and Audience
// are required: with a secret shared between services, the audience is
// what stops a token minted for the BI from opening the doctor API.
type JWTConfig struct {
	// Secret is the HMAC key, at least 32 bytes.
	Secret string
	// Issuer and Audience must equal the token's iss and one of its aud.
	Issuer, Audience string
	// Kind is the kind of every principal the tokens name.
	Kind Kind
	// Leeway tolerates clock skew on exp and nbf.
	Leeway time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// JWTSettings are a surface's configured HS256 token settings (its
// `jwt:` block). Empty Secret disables tokens.
type JWTSettings struct {
	// Secret is the HMAC key, at least 32 bytes.
	Secret string `yaml:"secret"`
	// Issuer and Audience must match the token's iss and aud. Issuer
	// defaults to DefaultJWTIssuer and Audience to the surface's own, so
	// a token minted for another Oqim service is refused even when it
	// shares the secret.
	Issuer   string `yaml:"issuer"`
	Audience string `yaml:"audience"`
}

// DefaultJWTIssuer is the iss tokens carry unless configured otherwise.
const DefaultJWTIssuer = "oqim"

// WithDefaults fills Issuer (DefaultJWTIssuer) and Audience (audience,
// the surface's own) where they are empty.
func (s JWTSettings) WithDefaults(audience string) JWTSettings {
	if s.Issuer == "" {
		s.Issuer = DefaultJWTIssuer
	}
	if s.Audience == "" {
		s.Audience = audience
	}
	return s
}

// Verifier returns the verifier of these settings for a surface whose
// principals are kind and whose default audience is audience.
func (s JWTSettings) Verifier(kind Kind, audience string, leeway time.Duration, now func() time.Time) (*JWT, error) {
	s = s.WithDefaults(audience)
	return NewJWT(JWTConfig{Secret: s.Secret, Issuer: s.Issuer, Audience: s.Audience, Kind: kind, Leeway: leeway, Now: now})
}

// MinSecretBytes is the shortest HS256 secret accepted.
const MinSecretBytes = 32

// JWT verifies HS256 tokens. A token names its principal with sub (the
// id) and optionally name, role and regions; exp is required.
type JWT struct {
	cfg    JWTConfig
	parser *jwt.Parser
}

// NewJWT checks cfg.
func NewJWT(cfg JWTConfig) (*JWT, error) {
	switch {
	case len(cfg.Secret) < MinSecretBytes:
		return nil, fmt.Errorf("jwt.secret is %d bytes; use at least %d", len(cfg.Secret), MinSecretBytes)
	case cfg.Issuer == "":
		return nil, errors.New("jwt.issuer is empty; tokens must name who issued them")
	case cfg.Audience == "":
		return nil, errors.New("jwt.audience is empty; tokens must name the service they are for")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		// A token issued in the future (beyond the leeway) was minted by
		// a clock or a hand that cannot be trusted.
		jwt.WithIssuedAt(),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
	)
	return &JWT{cfg: cfg, parser: p}, nil
}

// tokenClaims are the claims Oqim's tokens carry.
type tokenClaims struct {
	Name    string   `json:"name,omitempty"`
	Role    string   `json:"role,omitempty"`
	Regions []string `json:"regions,omitempty"`
	jwt.RegisteredClaims
}

// Verify parses and checks a token. A credential that is not a JWT is
// refused without parsing, so API keys fall through to the next verifier.
func (j *JWT) Verify(_ context.Context, credential string) (Principal, error) {
	if strings.Count(credential, ".") != 2 {
		return Principal{}, fmt.Errorf("%w: not a JWT", ErrInvalid)
	}
	var c tokenClaims
	if _, err := j.parser.ParseWithClaims(credential, &c, func(*jwt.Token) (any, error) { return []byte(j.cfg.Secret), nil }); err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if c.Subject == "" {
		return Principal{}, fmt.Errorf("%w: the token has no sub", ErrInvalid)
	}
	// A claim given twice ({"role":"analyst",...,"role":"national"}) is
	// read as the last by Go and as the first by other readers; a tool
	// that builds claims from user input could be made to mint one.
	payload, err := base64.RawURLEncoding.DecodeString(credential[strings.IndexByte(credential, '.')+1 : strings.LastIndexByte(credential, '.')])
	if err != nil {
		return Principal{}, fmt.Errorf("%w: the token's claims: %w", ErrInvalid, err)
	}
	if key, err := duplicateKey(payload); key != "" || err != nil {
		return Principal{}, fmt.Errorf("%w: the token gives the claim %q twice", ErrInvalid, key)
	}
	// RFC 7519 dates are JSON numbers; the parser also takes a quoted
	// one ("exp":"99999999999"), which no issuer of ours writes.
	var dates map[string]json.RawMessage
	if err := json.Unmarshal(payload, &dates); err != nil {
		return Principal{}, fmt.Errorf("%w: the token's claims: %w", ErrInvalid, err)
	}
	for _, k := range [...]string{"exp", "nbf", "iat"} {
		if v, ok := dates[k]; ok && (len(v) == 0 || v[0] < '0' || v[0] > '9') {
			return Principal{}, fmt.Errorf("%w: the token's %s is not a number", ErrInvalid, k)
		}
	}
	return Principal{Kind: j.cfg.Kind, ID: c.Subject, Name: c.Name, Role: c.Role, Regions: c.Regions}, nil
}

// Token is what SignJWT puts in a token.
type Token struct {
	Issuer, Audience string
	Subject, Name    string
	Role             string
	Regions          []string
	IssuedAt         time.Time
	TTL              time.Duration
}

// SignJWT issues an HS256 token; for tests and for tools that mint tokens.
func SignJWT(secret string, t Token) (string, error) {
	c := tokenClaims{Name: t.Name, Role: t.Role, Regions: t.Regions, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: t.Issuer, Subject: t.Subject, IssuedAt: jwt.NewNumericDate(t.IssuedAt),
		ExpiresAt: jwt.NewNumericDate(t.IssuedAt.Add(t.TTL)),
	}}
	if t.Audience != "" {
		c.Audience = jwt.ClaimStrings{t.Audience}
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
}
