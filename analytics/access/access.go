// Package access is what is particular to the Digital Region BI's
// callers: their roles, and which regions each may read. Credentials are
// checked by the HTTP edge (connectors/httpedge): an API key (configured
// only as its SHA-256), an HS256 JWT bound to the BI's issuer and
// audience, or, through options, the identity provider's tokens and the
// dashboard's signed-in sessions (connectors/httpedge/oidc); each carries
// a role and a region scope. With nothing
// configured every caller is an anonymous national reader, for the demo.
package access

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/oqim/oqim/connectors/httpedge"
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
// and no JWT secret, access control is off; `oqim serve` and `oqim ingest`
// then refuse to start unless InsecureDemo says that is meant.
type Config struct {
	// Keys are the API keys, by the SHA-256 of the key.
	Keys []Key `yaml:"keys"`
	// JWT accepts HS256 tokens signed with the secret.
	JWT JWT `yaml:"jwt"`
	// InsecureDemo lets a process start with surfaces left without
	// credentials (the BI open to anonymous national read). It covers
	// the whole process, not only the BI, and is logged loudly; only a
	// demo on a trusted machine should set it.
	InsecureDemo bool `yaml:"insecure_demo"`
	// AuditMaxPending bounds the kpi_audit entries held in memory while
	// ClickHouse is slow or down (default DefaultMaxPending); the excess
	// is dropped and counted in oqim_bi_audit_dropped_entries.
	AuditMaxPending int `yaml:"audit_max_pending"`
}

// Configured reports whether the BI asks for credentials.
func (c Config) Configured() bool { return len(c.Keys) > 0 || c.JWT.Secret != "" }

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

// JWT configures token authentication. Tokens carry the claims iss, aud,
// sub, role, regions (a list of ISO 3166-2:UZ codes) and exp; the BI's
// audience is DefaultAudience unless configured.
type JWT = httpedge.JWTSettings

// DefaultAudience is the aud tokens for this service carry unless configured.
const DefaultAudience = "oqim-bi"

// IsNational reports whether p reads every region.
func IsNational(p httpedge.Principal) bool { return p.Role == string(National) }

// Anonymous is the principal of every request when access control is off.
var Anonymous = httpedge.Principal{Kind: httpedge.Analyst, Name: "anonymous", Role: string(National)}

// Authenticator authenticates BI callers and checks that each carries a
// valid role and region scope.
type Authenticator struct {
	creds    httpedge.Credentials
	sessions httpedge.Authenticator
	valid    []string
}

// Option adds a way in beside the configured keys and JWT.
type Option func(*Authenticator)

// WithVerifier accepts the bearer tokens v verifies (the identity
// provider's, through connectors/httpedge/oidc), after the keys and the
// JWT secret.
func WithVerifier(v httpedge.Verifier) Option {
	return func(a *Authenticator) { a.creds = append(a.creds, v) }
}

// WithSessions accepts the browser sessions s authenticates (the
// dashboard's sign-in) when a request carries no key or token.
func WithSessions(s httpedge.Authenticator) Option {
	return func(a *Authenticator) { a.sessions = s }
}

// New validates cfg. validRegions are the ISO codes a scope may name.
func New(cfg Config, validRegions []string, opts ...Option) (*Authenticator, error) {
	a := &Authenticator{valid: slices.Clone(validRegions)}
	keys := make([]httpedge.Key, 0, len(cfg.Keys))
	for i, k := range cfg.Keys {
		if k.Name == "" {
			return nil, fmt.Errorf("access: keys[%d]: name is empty; it identifies the caller in the audit log", i)
		}
		p, err := principal(k.Name, string(k.Role), k.Regions, validRegions)
		if err != nil {
			return nil, fmt.Errorf("access: keys[%d] (%s): %w", i, k.Name, err)
		}
		keys = append(keys, httpedge.Key{SHA256: k.SHA256, Principal: p})
	}
	if len(keys) > 0 {
		v, err := httpedge.NewKeys(keys)
		if err != nil {
			return nil, fmt.Errorf("access: %w", err)
		}
		a.creds = append(a.creds, v)
	}
	if cfg.JWT.Secret != "" {
		v, err := cfg.JWT.Verifier(httpedge.Analyst, DefaultAudience, 0, nil)
		if err != nil {
			return nil, fmt.Errorf("access: %w", err)
		}
		a.creds = append(a.creds, v)
	}
	for _, o := range opts {
		o(a)
	}
	return a, nil
}

// principal checks a role and its scope.
func principal(name, role string, regions, valid []string) (httpedge.Principal, error) {
	switch Role(role) {
	case National:
		return httpedge.Principal{Kind: httpedge.Analyst, ID: name, Name: name, Role: role}, nil
	case Analyst, RegionalAdmin:
	default:
		return httpedge.Principal{}, fmt.Errorf("role %q is not analyst, regional_admin or national", role)
	}
	if len(regions) == 0 {
		return httpedge.Principal{}, fmt.Errorf("role %s needs at least one region", role)
	}
	for _, r := range regions {
		if !slices.Contains(valid, r) {
			return httpedge.Principal{}, fmt.Errorf("region %q is not an ISO 3166-2:UZ region code such as UZ-JI", r)
		}
	}
	rs := slices.Clone(regions)
	slices.Sort(rs)
	return httpedge.Principal{Kind: httpedge.Analyst, ID: name, Name: name, Role: role, Regions: slices.Compact(rs)}, nil
}

// Enabled reports whether credentials are required.
func (a *Authenticator) Enabled() bool { return a != nil && (len(a.creds) > 0 || a.sessions != nil) }

// Check is what every principal passes, whatever brought it: a valid
// role, and a scope of known regions unless the role is national. The
// dashboard's sign-in calls it to refuse an account before it gets a
// session.
func (a *Authenticator) Check(p httpedge.Principal) (httpedge.Principal, error) {
	name := p.Name
	if name == "" {
		name = p.ID
	}
	q, err := principal(name, p.Role, p.Regions, a.valid)
	if err != nil {
		return httpedge.Principal{}, err
	}
	q.ID = p.ID
	return q, nil
}

// Authenticate returns the request's principal: Anonymous when access
// control is off, else the holder of the API key or token. A token's role
// and regions are checked like a configured key's.
func (a *Authenticator) Authenticate(r *http.Request) (httpedge.Principal, error) {
	if !a.Enabled() {
		return Anonymous, nil
	}
	// A request without a key or token may still carry a signed-in
	// browser's session; an explicit credential always decides.
	p, err := httpedge.FirstOf{a.creds, a.sessions}.Authenticate(r)
	if err != nil {
		return httpedge.Principal{}, err
	}
	q, err := a.Check(p)
	if err != nil {
		return httpedge.Principal{}, fmt.Errorf("%w: %w", httpedge.ErrInvalid, err)
	}
	return q, nil
}

// Sign issues a token for p under cfg's secret, issuer and audience,
// valid for ttl; for tests and tools that mint tokens for users.
func Sign(cfg JWT, p httpedge.Principal, ttl time.Duration, now time.Time) (string, error) {
	if cfg.Secret == "" {
		return "", errors.New("access: no jwt secret")
	}
	j := cfg.WithDefaults(DefaultAudience)
	return httpedge.SignJWT(j.Secret, httpedge.Token{Issuer: j.Issuer, Audience: j.Audience, Subject: p.Label(),
		Role: p.Role, Regions: p.Regions, IssuedAt: now, TTL: ttl})
}

// HashKey is the hex SHA-256 to put in Key.SHA256 for an API key.
func HashKey(apiKey string) string { return httpedge.HashKey(apiKey) }

// ScopeLabel is how the audit log writes p's scope: "*" for national,
// else the comma-separated regions.
func ScopeLabel(p httpedge.Principal) string {
	if IsNational(p) {
		return "*"
	}
	return strings.Join(p.Regions, ",")
}
