package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOIDCFromFileAndEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "oqim.yaml")
	err := os.WriteFile(path, []byte(`oidc:
  issuer: https://id.example.uz/realms/oqim
  client_id: oqim
  public_url: https://bi.example.uz
  surfaces: [bi, doctor]
  doctor_audience: oqim-doctor
  session_ttl: 4h
  claims:
    role: realm_access.oqim_role
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, []string{"OQIM_OIDC_CLIENT_SECRET=from-env", "OQIM_OIDC_CLAIMS_REGIONS=oqim_regions_attr"})
	if err != nil {
		t.Fatal(err)
	}
	o := c.OIDC
	if o.ClientSecret != "from-env" || o.Claims.Regions != "oqim_regions_attr" || o.Claims.Role != "realm_access.oqim_role" || o.SessionTTL.Hours() != 4 {
		t.Fatalf("oidc %+v", o)
	}
	if !o.On(SurfaceBI) || !o.On(SurfaceDoctor) || !o.SignIn(SurfaceBI) || !o.SignIn(SurfaceDoctor) || !c.BIGuarded() || !c.DoctorGuarded() {
		t.Fatalf("surfaces: bi %v doctor %v sign-in %v", o.On(SurfaceBI), o.On(SurfaceDoctor), o.SignIn(SurfaceBI))
	}
	// With the provider for both surfaces, nothing is left open.
	if err := c.RequireAccess(); err != nil {
		t.Fatalf("oidc for bi and doctor, still refused: %v", err)
	}
	if o.audience(SurfaceBI) != "oqim" || o.audience(SurfaceDoctor) != "oqim-doctor" {
		t.Fatalf("audiences %s, %s", o.audience(SurfaceBI), o.audience(SurfaceDoctor))
	}
	lc, err := o.SignInConfig(SurfaceBI, []string{"national"})
	if err != nil || lc.ClientSecret != "from-env" || lc.Prefix != "/auth/bi" || lc.Cookie != "oqim_bi_session" {
		t.Fatalf("sign-in config %+v, %v", lc, err)
	}
	dc, err := o.SignInConfig(SurfaceDoctor, nil)
	if err != nil || dc.Prefix != "/auth/doctor" || dc.Cookie != "oqim_doctor_session" || dc.Landing != "/doctor/" {
		t.Fatalf("doctor sign-in config %+v, %v", dc, err)
	}
	// Without surfaces, only the BI.
	bi, err := Load("", []string{"OQIM_OIDC_ISSUER=https://id.example.uz", "OQIM_OIDC_CLIENT_ID=oqim"})
	if err != nil {
		t.Fatal(err)
	}
	if !bi.OIDC.On(SurfaceBI) || bi.OIDC.On(SurfaceDoctor) || bi.OIDC.SignIn(SurfaceBI) {
		t.Fatalf("default surfaces: bi %v doctor %v sign-in %v", bi.OIDC.On(SurfaceBI), bi.OIDC.On(SurfaceDoctor), bi.OIDC.SignIn(SurfaceBI))
	}
}

func TestOIDCErrorsNameTheSetting(t *testing.T) {
	base := []string{"OQIM_OIDC_ISSUER=https://id.example.uz/realms/oqim", "OQIM_OIDC_CLIENT_ID=oqim"}
	for _, c := range []struct {
		env       []string
		key, want string
	}{
		{[]string{"OQIM_OIDC_CLIENT_ID=oqim"}, "oidc.issuer", "is empty while"},
		{[]string{"OQIM_OIDC_ISSUER=id.example.uz"}, "oidc.issuer", "absolute https URL"},
		{[]string{"OQIM_OIDC_ISSUER=http://id.example.uz"}, "oidc.issuer", "plain http"},
		{[]string{"OQIM_OIDC_ISSUER=https://id.example.uz"}, "oidc.client_id", "must be set"},
		{append(base, "OQIM_OIDC_SURFACES=bi,nurse"), "oidc.surfaces", `"nurse" is not bi or doctor`},
		{append(base, "OQIM_OIDC_SURFACES=bi,bi"), "oidc.surfaces", "twice"},
		{append(base, "OQIM_OIDC_PUBLIC_URL=https://bi.example.uz/dashboard"), "oidc.public_url", "without a path"},
		{append(base, "OQIM_OIDC_ALGORITHMS=RS256,HS256"), "oidc.algorithms", `"HS256" is not an asymmetric`},
		{append(base, "OQIM_OIDC_SESSION_TTL=72h"), "oidc.session_ttl", "between 1m and 24h"},
		{append(base, "OQIM_OIDC_CLAIMS_ROLE=my role"), "oidc.claims.role", "not a claim name"},
		{append(base, "OQIM_OIDC_MAX_SESSIONS=-1"), "oidc.max_sessions", "negative"},
		// A token for the BI must not open the doctor API: both default to
		// client_id, and naming the same audience twice is no better.
		{append(base, "OQIM_OIDC_SURFACES=bi,doctor"), "oidc.doctor_audience", "the BI's audience too"},
		{append(base, "OQIM_OIDC_SURFACES=bi,doctor", "OQIM_OIDC_BI_AUDIENCE=oqim-api", "OQIM_OIDC_DOCTOR_AUDIENCE=oqim-api"), "oidc.doctor_audience", "the BI's audience too"},
		{append(base, "OQIM_OIDC_SURFACES=bi,doctor", "OQIM_OIDC_DOCTOR_AUDIENCE=oqim"), "oidc.doctor_audience", "the BI's audience too"},
	} {
		_, err := Load("", c.env)
		var ce *Error
		if !errors.As(err, &ce) || ce.Key != c.key || !strings.Contains(ce.Problem, c.want) {
			t.Errorf("%v: error %v, want %s: …%s…", c.env, err, c.key, c.want)
		}
	}
	// One surface alone may keep client_id as its audience.
	if _, err := Load("", append(base, "OQIM_OIDC_SURFACES=doctor")); err != nil {
		t.Errorf("doctor alone with the default audience: %v", err)
	}
	// Loopback may use plain http (a provider on the same machine).
	if _, err := Load("", []string{"OQIM_OIDC_ISSUER=http://127.0.0.1:8081", "OQIM_OIDC_CLIENT_ID=oqim"}); err != nil {
		t.Errorf("loopback issuer: %v", err)
	}
}
