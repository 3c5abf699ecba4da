package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/connectors/httpedge/oidc"
)

// OIDCConfig lets people sign in through the region's OpenID Connect
// provider (OneID, Keycloak, any provider with discovery): analysts at the
// BI and its dashboard, doctors at the doctor API. API keys and the HS256
// JWT secrets stay for machines. Empty issuer: off.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL (for Keycloak
	// https://host/realms/REALM); discovery is read from
	// Issuer/.well-known/openid-configuration. https, except on loopback.
	Issuer string `yaml:"issuer"`
	// ClientID is Oqim's client at the provider: the ID tokens of the
	// dashboard's sign-in carry it as their audience.
	ClientID string `yaml:"client_id"`
	// ClientSecret is that client's secret; set it through
	// OQIM_OIDC_CLIENT_SECRET rather than in the file. Empty: a public
	// client, protected by PKCE alone.
	ClientSecret string `yaml:"client_secret"`
	// PublicURL is where browsers reach Oqim (https://bi.example.uz);
	// it turns on "Sign in" on the dashboard (bi) and the doctor
	// workspace (doctor). The redirect URIs to register at the provider
	// are PublicURL + /auth/bi/callback and /auth/doctor/callback.
	PublicURL string `yaml:"public_url"`
	// Surfaces are where the provider's people are accepted: bi, doctor
	// (default: bi).
	Surfaces []string `yaml:"surfaces"`
	// BIAudience and DoctorAudience are the aud a bearer token must carry
	// at each API (default: client_id). With both surfaces on they must
	// differ, so a token the provider issued for one service is refused
	// by the other.
	BIAudience     string `yaml:"bi_audience"`
	DoctorAudience string `yaml:"doctor_audience"`
	// Algorithms are the accepted signature algorithms (default RS256,
	// ES256); symmetric ones are refused.
	Algorithms []string `yaml:"algorithms"`
	// Scopes asked for at sign-in besides openid (default profile).
	Scopes []string `yaml:"scopes"`
	// SessionTTL is how long a dashboard sign-in lasts (default 8h, at
	// most 24h): a person disabled at the provider keeps access that long.
	SessionTTL Duration `yaml:"session_ttl"`
	// MaxSessions bounds the signed-in sessions held (default 10,000).
	MaxSessions int `yaml:"max_sessions"`
	// Claims names the token claims read (dotted paths reach into
	// objects, e.g. realm_access.oqim_role).
	Claims OIDCClaims `yaml:"claims"`
}

// OIDCClaims are the claim names; empty takes the default.
type OIDCClaims struct {
	Name     string `yaml:"name"`      // display name; default name
	Role     string `yaml:"role"`      // BI role; default oqim_role
	Regions  string `yaml:"regions"`   // BI regions (list or comma-separated); default oqim_regions
	DoctorID string `yaml:"doctor_id"` // doctor id; default oqim_doctor_id
}

// OIDC surfaces.
const (
	SurfaceBI     = "bi"
	SurfaceDoctor = "doctor"
)

// On reports whether the provider's people are accepted at surface.
func (c OIDCConfig) On(surface string) bool {
	if c.Issuer == "" {
		return false
	}
	if len(c.Surfaces) == 0 {
		return surface == SurfaceBI
	}
	return slices.Contains(c.Surfaces, surface)
}

// BIGuarded reports whether the BI asks for credentials: keys, the JWT
// secret or the provider's people.
func (c *Config) BIGuarded() bool { return c.Access.Configured() || c.OIDC.On(SurfaceBI) }

// DoctorGuarded reports whether the doctor API has credentials to check.
func (c *Config) DoctorGuarded() bool {
	return len(c.Doctor.APIKeys) > 0 || c.Doctor.JWT.Secret != "" || c.OIDC.On(SurfaceDoctor)
}

// SignIn reports whether surface's page offers browser sign-in (the
// dashboard for bi, the workspace for doctor).
func (c OIDCConfig) SignIn(surface string) bool { return c.On(surface) && c.PublicURL != "" }

func (c OIDCConfig) claims() oidc.Claims {
	return oidc.Claims{Name: c.Claims.Name, Role: c.Claims.Role, Regions: c.Claims.Regions, DoctorID: c.Claims.DoctorID}
}

var claimSettings = oidc.Claims{Name: "oidc.claims.name", Role: "oidc.claims.role", Regions: "oidc.claims.regions", DoctorID: "oidc.claims.doctor_id"}

// Verifier is the bearer-token verifier of surface (bi or doctor).
func (c OIDCConfig) Verifier(surface string, unscopedRoles []string) (*oidc.Verifier, error) {
	cfg := oidc.VerifierConfig{Issuer: c.Issuer, Claims: c.claims(), ClaimSettings: claimSettings,
		Algorithms: c.Algorithms, UnscopedRoles: unscopedRoles}
	cfg.Audience = c.audience(surface)
	switch surface {
	case SurfaceBI:
		cfg.Kind = httpedge.Analyst
	case SurfaceDoctor:
		cfg.Kind = httpedge.Doctor
	default:
		return nil, fmt.Errorf("oidc: no surface %q", surface)
	}
	return oidc.NewVerifier(cfg)
}

// SignInConfig is the browser sign-in of surface: the dashboard's at
// /auth/bi (landing on /dashboard/), the doctor workspace's at
// /auth/doctor (landing on /doctor/), each with its own session cookie.
// The surface's Check and the logger are the command's to add. ID tokens
// are checked against client_id whatever the surface audiences say: the
// provider issues ID tokens to the client.
func (c OIDCConfig) SignInConfig(surface string, unscopedRoles []string) (oidc.LoginConfig, error) {
	cfg := oidc.VerifierConfig{Issuer: c.Issuer, Audience: c.ClientID, Claims: c.claims(),
		ClaimSettings: claimSettings, Algorithms: c.Algorithms, UnscopedRoles: unscopedRoles}
	var prefix, landing string
	switch surface {
	case SurfaceBI:
		cfg.Kind, prefix, landing = httpedge.Analyst, "/auth/bi", "/dashboard/"
	case SurfaceDoctor:
		cfg.Kind, prefix, landing = httpedge.Doctor, "/auth/doctor", "/doctor/"
	default:
		return oidc.LoginConfig{}, fmt.Errorf("oidc: no surface %q", surface)
	}
	v, err := oidc.NewVerifier(cfg)
	if err != nil {
		return oidc.LoginConfig{}, err
	}
	return oidc.LoginConfig{Verifier: v, ClientID: c.ClientID, ClientSecret: c.ClientSecret, PublicURL: c.PublicURL,
		Prefix: prefix, Cookie: "oqim_" + surface + "_session", Landing: landing, Scopes: c.Scopes,
		SessionTTL: c.SessionTTL.Duration, MaxSessions: c.MaxSessions}, nil
}

// audience is what a bearer token must carry at surface.
func (c OIDCConfig) audience(surface string) string {
	switch {
	case surface == SurfaceBI && c.BIAudience != "":
		return c.BIAudience
	case surface == SurfaceDoctor && c.DoctorAudience != "":
		return c.DoctorAudience
	}
	return c.ClientID
}

var claimName = regexp.MustCompile(`^[A-Za-z0-9_:/\-]+(\.[A-Za-z0-9_:/\-]+)*$`)

// validate names the first oidc setting at fault.
func (c OIDCConfig) validate(bad func(key, problem string) error) error {
	if c.Issuer == "" {
		if c.ClientID != "" || c.PublicURL != "" || len(c.Surfaces) > 0 {
			return bad("oidc.issuer", "is empty while other oidc settings are set; give the provider's issuer URL (e.g. https://id.example.uz/realms/oqim) or remove the oidc section")
		}
		return nil
	}
	if err := checkURL(c.Issuer, true); err != nil {
		return bad("oidc.issuer", err.Error())
	}
	if c.ClientID == "" {
		return bad("oidc.client_id", "must be set: the client registered for Oqim at the provider")
	}
	seen := map[string]bool{}
	for _, s := range c.Surfaces {
		if s != SurfaceBI && s != SurfaceDoctor {
			return bad("oidc.surfaces", fmt.Sprintf("%q is not bi or doctor", s))
		}
		if seen[s] {
			return bad("oidc.surfaces", fmt.Sprintf("%q is listed twice", s))
		}
		seen[s] = true
	}
	// One audience for both APIs would let a token the provider issued
	// for the BI open the doctor API, and the other way round.
	if c.On(SurfaceBI) && c.On(SurfaceDoctor) && c.audience(SurfaceBI) == c.audience(SurfaceDoctor) {
		return bad("oidc.doctor_audience", fmt.Sprintf("is %q, the BI's audience too; with surfaces bi and doctor give each API its own audience (e.g. doctor_audience: oqim-doctor) so a token meant for one is refused by the other", c.audience(SurfaceDoctor)))
	}
	if c.PublicURL != "" {
		if err := checkURL(c.PublicURL, false); err != nil {
			return bad("oidc.public_url", err.Error())
		}
	}
	for _, a := range c.Algorithms {
		if !slices.Contains([]string{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"}, a) {
			return bad("oidc.algorithms", fmt.Sprintf("%q is not an asymmetric signature algorithm such as RS256 or ES256 (HS* and none are never accepted)", a))
		}
	}
	for _, s := range c.Scopes {
		if s == "" || strings.ContainsAny(s, " \t") {
			return bad("oidc.scopes", fmt.Sprintf("%q is not one scope name", s))
		}
	}
	if d := c.SessionTTL.Duration; d < 0 || (d > 0 && d < time.Minute) || d > 24*time.Hour {
		return bad("oidc.session_ttl", fmt.Sprintf("%s must be between 1m and 24h (0 takes 8h)", d))
	}
	if c.MaxSessions < 0 {
		return bad("oidc.max_sessions", "must not be negative (0 takes 10000)")
	}
	for key, n := range map[string]string{"oidc.claims.name": c.Claims.Name, "oidc.claims.role": c.Claims.Role,
		"oidc.claims.regions": c.Claims.Regions, "oidc.claims.doctor_id": c.Claims.DoctorID} {
		if n != "" && !claimName.MatchString(n) {
			return bad(key, fmt.Sprintf("%q is not a claim name or a dotted path such as realm_access.oqim_role", n))
		}
	}
	return nil
}

// checkURL wants an absolute http(s) URL; plain http only on loopback,
// where nothing crosses a network.
func checkURL(s string, pathOK bool) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q must be an absolute https URL", s)
	}
	if u.Scheme == "http" {
		h := u.Hostname()
		ip := net.ParseIP(h)
		if h != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("%q uses plain http; only https is accepted except on loopback", s)
		}
	}
	if !pathOK && u.Path != "" && u.Path != "/" {
		return fmt.Errorf("%q must be scheme://host[:port] without a path", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must not have a query or fragment", s)
	}
	return nil
}
