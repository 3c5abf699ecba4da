// Package access authenticates Digital Region BI callers and tells the
// API which regions each may read. Callers present an API key (stored in
// the config only as its SHA-256) or an HS256 JWT; either carries a role
// and a region scope. With nothing configured every caller is an
// anonymous national reader, for the demo.
package access

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Role is what a principal may do.
type Role string

const (
	// Analyst reads the KPIs of their regions.
	Analyst Role = "analyst"
	// RegionalAdmin reads the KPIs of their regions; administration of the
	// region's users comes with the dashboard.
	RegionalAdmin Role = "regional_admin"
	// National reads every region and the national-only KPIs.
	National Role = "national"
)

// Config is the access-control section of the server config. With no keys
// and no JWT secret, access control is off.
type Config struct {
	// Keys are the API keys, by the SHA-256 of the key.
	Keys []Key `yaml:"keys"`
	// JWT accepts HS256 tokens signed with the secret.
	JWT JWT `yaml:"jwt"`
}

// Key is one API key.
type Key struct {
	// Name identifies the key's holder in the audit log.
	Name string `yaml:"name"`
	// SHA256 is the hex SHA-256 of the key (sha256sum of the key, without
	// a newline); the key itself is never stored.
	SHA256  string   `yaml:"sha256"`
	Role    Role     `yaml:"role"`
	Regions []string `yaml:"regions"` // required unless the role is national
}

// JWT configures token authentication. Tokens carry the claims sub, role,
// regions (a list of ISO 3166-2:UZ codes) and exp.
type JWT struct {
	// Secret is the HS256 key; at least 32 bytes. Empty disables JWTs.
	Secret string `yaml:"secret"`
	// Issuer and Audience, when set, must match the token's iss and aud.
	Issuer   string `yaml:"issuer"`
	Audience string `yaml:"audience"`
}

// Principal is an authenticated caller.
type Principal struct {
	// Name is the key name or the token subject; "anonymous" when access
	// control is off.
	Name string
	Role Role
	// Regions are the regions a non-national role may read.
	Regions []string
}

// IsNational reports whether the principal reads every region.
func (p Principal) IsNational() bool { return p.Role == National }

// Errors of Authenticate; the API answers both with 401.
var (
	ErrNoCredentials = errors.New("access: no credentials: send Authorization: Bearer <API key or JWT>")
	ErrInvalid       = errors.New("access: the API key or token is not valid")
)

// Authenticator checks credentials against a Config.
type Authenticator struct {
	keys     []key
	secret   []byte
	issuer   string
	audience string
	valid    []string
	now      func() time.Time
}

type key struct {
	sum [sha256.Size]byte
	p   Principal
}

// New validates cfg. validRegions are the ISO codes a scope may name.
func New(cfg Config, validRegions []string) (*Authenticator, error) {
	a := &Authenticator{issuer: cfg.JWT.Issuer, audience: cfg.JWT.Audience, valid: slices.Clone(validRegions), now: time.Now}
	for i, k := range cfg.Keys {
		b, err := hex.DecodeString(strings.TrimSpace(k.SHA256))
		if err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("access: keys[%d] (%s): sha256 must be 64 hex digits", i, k.Name)
		}
		if k.Name == "" {
			return nil, fmt.Errorf("access: keys[%d]: name is empty; it identifies the caller in the audit log", i)
		}
		p, err := principal(k.Name, k.Role, k.Regions, validRegions)
		if err != nil {
			return nil, fmt.Errorf("access: keys[%d] (%s): %w", i, k.Name, err)
		}
		var kk key
		copy(kk.sum[:], b)
		kk.p = p
		a.keys = append(a.keys, kk)
	}
	if cfg.JWT.Secret != "" {
		if len(cfg.JWT.Secret) < 32 {
			return nil, fmt.Errorf("access: jwt.secret is %d bytes; use at least 32", len(cfg.JWT.Secret))
		}
		a.secret = []byte(cfg.JWT.Secret)
	}
	return a, nil
}

func principal(name string, role Role, regions, valid []string) (Principal, error) {
	switch role {
	case National:
		return Principal{Name: name, Role: role}, nil
	case Analyst, RegionalAdmin:
	default:
		return Principal{}, fmt.Errorf("role %q is not analyst, regional_admin or national", role)
	}
	if len(regions) == 0 {
		return Principal{}, fmt.Errorf("role %s needs at least one region", role)
	}
	for _, r := range regions {
		if !slices.Contains(valid, r) {
			return Principal{}, fmt.Errorf("region %q is not an ISO 3166-2:UZ region code such as UZ-JI", r)
		}
	}
	rs := slices.Clone(regions)
	slices.Sort(rs)
	return Principal{Name: name, Role: role, Regions: slices.Compact(rs)}, nil
}

// Enabled reports whether credentials are required.
func (a *Authenticator) Enabled() bool { return a != nil && (len(a.keys) > 0 || a.secret != nil) }

// Anonymous is the principal of every request when access control is off.
var Anonymous = Principal{Name: "anonymous", Role: National}

// Authenticate returns the request's principal: Anonymous when access
// control is off, else the holder of the API key or token in the
// Authorization header (Bearer) or the X-API-Key header.
func (a *Authenticator) Authenticate(r *http.Request) (Principal, error) {
	if !a.Enabled() {
		return Anonymous, nil
	}
	cred := r.Header.Get("X-API-Key")
	if h := r.Header.Get("Authorization"); cred == "" && h != "" {
		scheme, rest, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return Principal{}, ErrInvalid
		}
		cred = strings.TrimSpace(rest)
	}
	if cred == "" {
		return Principal{}, ErrNoCredentials
	}
	if strings.Count(cred, ".") == 2 && a.secret != nil {
		return a.token(cred)
	}
	sum := sha256.Sum256([]byte(cred))
	var found *Principal
	// Compare against every key in constant time, so the time taken
	// says nothing about which key came close.
	for i := range a.keys {
		if subtle.ConstantTimeCompare(sum[:], a.keys[i].sum[:]) == 1 {
			found = &a.keys[i].p
		}
	}
	if found == nil {
		return Principal{}, ErrInvalid
	}
	return *found, nil
}

// claims are the token's claims.
type claims struct {
	Role    Role     `json:"role"`
	Regions []string `json:"regions"`
	jwt.RegisteredClaims
}

func (a *Authenticator) token(raw string) (Principal, error) {
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithTimeFunc(a.now)}
	if a.issuer != "" {
		opts = append(opts, jwt.WithIssuer(a.issuer))
	}
	if a.audience != "" {
		opts = append(opts, jwt.WithAudience(a.audience))
	}
	var c claims
	if _, err := jwt.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return a.secret, nil }, opts...); err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if c.Subject == "" {
		return Principal{}, fmt.Errorf("%w: the token has no sub", ErrInvalid)
	}
	p, err := principal(c.Subject, c.Role, c.Regions, a.valid)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return p, nil
}

// Sign issues an HS256 token for p, valid for ttl; for tests and tools
// that mint tokens for users.
func Sign(secret string, p Principal, ttl time.Duration, now time.Time) (string, error) {
	c := claims{Role: p.Role, Regions: p.Regions, RegisteredClaims: jwt.RegisteredClaims{
		Subject: p.Name, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
}

// HashKey is the hex SHA-256 to put in Key.SHA256 for an API key.
func HashKey(apiKey string) string {
	s := sha256.Sum256([]byte(apiKey))
	return hex.EncodeToString(s[:])
}
