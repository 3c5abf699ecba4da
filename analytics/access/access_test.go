package access

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/connectors/httpedge"
)

var regions = []string{"UZ-JI", "UZ-SA"}

func TestConfigErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Keys: []Key{{Name: "a", SHA256: "xyz", Role: Analyst, Regions: regions}}}, "sha256"},
		{Config{Keys: []Key{{Name: "a", SHA256: HashKey("k"), Role: "boss"}}}, "role"},
		{Config{Keys: []Key{{Name: "a", SHA256: HashKey("k"), Role: Analyst}}}, "at least one region"},
		{Config{Keys: []Key{{Name: "a", SHA256: HashKey("k"), Role: Analyst, Regions: []string{"UZ-ZZ"}}}}, "UZ-ZZ"},
		{Config{Keys: []Key{{SHA256: HashKey("k"), Role: National}}}, "name"},
		{Config{JWT: JWT{Secret: "short"}}, "32"},
	} {
		if _, err := New(tc.cfg, regions); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error about %s", tc.cfg, err, tc.want)
		}
	}
}

func TestKeysAndTokens(t *testing.T) {
	secret := strings.Repeat("s", 32)
	a, err := New(Config{Keys: []Key{{Name: "ji", SHA256: HashKey("ji-key"), Role: Analyst, Regions: []string{"UZ-JI"}}}, JWT: JWT{Secret: secret, Issuer: "bi-issuer"}}, regions)
	if err != nil {
		t.Fatal(err)
	}
	req := func(h, v string) *httptestReq { return &httptestReq{h, v} }
	tok, _ := Sign(JWT{Secret: secret}, httpedge.Principal{Name: "u", Role: string(Analyst), Regions: []string{"UZ-SA"}}, time.Hour, time.Now())
	bi, _ := Sign(JWT{Secret: secret, Issuer: "bi-issuer"}, httpedge.Principal{Name: "u", Role: string(Analyst), Regions: []string{"UZ-SA"}}, time.Hour, time.Now())
	doctor, _ := Sign(JWT{Secret: secret, Issuer: "bi-issuer", Audience: "oqim-doctor"}, httpedge.Principal{Name: "u", Role: string(Analyst), Regions: []string{"UZ-SA"}}, time.Hour, time.Now())
	for _, tc := range []struct {
		r    *httptestReq
		name string
		ok   bool
	}{
		{req("Authorization", "Bearer ji-key"), "ji", true},
		{req("X-API-Key", "ji-key"), "ji", true},
		{req("Authorization", "Basic ji-key"), "", false},
		{req("Authorization", "Bearer JI-KEY"), "", false},
		{req("Authorization", "Bearer "+tok), "", false},    // another iss
		{req("Authorization", "Bearer "+doctor), "", false}, // another service's aud
		{req("Authorization", "Bearer "+bi), "u", true},
		{req("", ""), "", false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tc.r.h != "" {
			r.Header.Set(tc.r.h, tc.r.v)
		}
		p, err := a.Authenticate(r)
		if (err == nil) != tc.ok || p.Name != tc.name {
			t.Errorf("%s %.20s: %+v, %v", tc.r.h, tc.r.v, p, err)
		}
	}
}

type httptestReq struct{ h, v string }
