package httpingest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/oqim/oqim/connectors/httpedge"
)

// Agency is one sender's credentials and permissions, as configuration
// states them. Only the key's hash is configured, so a leaked config file
// does not leak a key.
type Agency struct {
	// Name is the agency; every event it sends must carry it as source.
	Name string `yaml:"name"`
	// KeySHA256 is the SHA-256 of the API key, in hex
	// (printf %s "$KEY" | sha256sum).
	KeySHA256 string `yaml:"key_sha256"`
	// Types are the event types the agency may send: an exact type such as
	// portal.application.submitted, a prefix pattern such as
	// portal.application.* (any type below portal.application), or * for
	// every type.
	Types []string `yaml:"types"`
}

// agency is an authenticated agency's policy: the types it may send.
type agency struct {
	name  string
	types []typePattern
}

// allows reports whether the agency may send events of type typ.
func (a *agency) allows(typ string) bool {
	for _, p := range a.types {
		if p.match(typ) {
			return true
		}
	}
	return false
}

// typePattern is an exact type, or, when prefix is set, every type that
// starts with it.
type typePattern struct {
	value  string
	prefix bool
}

func parseTypePattern(s string) (typePattern, error) {
	switch {
	case s == "*":
		return typePattern{prefix: true}, nil
	case s == "":
		return typePattern{}, errors.New("empty type pattern")
	case strings.HasSuffix(s, ".*"):
		p := strings.TrimSuffix(s, "*")
		if p == "." || strings.Contains(p, "*") {
			return typePattern{}, fmt.Errorf("type pattern %q: only a whole trailing segment may be *", s)
		}
		return typePattern{value: p, prefix: true}, nil
	case strings.Contains(s, "*"):
		return typePattern{}, fmt.Errorf("type pattern %q: only a whole trailing segment may be *", s)
	}
	return typePattern{value: s}, nil
}

func (p typePattern) match(typ string) bool {
	if p.prefix {
		// "portal.application.*" needs something after the dot.
		return len(typ) > len(p.value) && strings.HasPrefix(typ, p.value)
	}
	return typ == p.value
}

// keyring holds the agencies' keys, checked by the HTTP edge, and each
// agency's policy by name.
type keyring struct {
	keys     *httpedge.Keys
	agencies map[string]*agency
}

func newKeyring(cfg []Agency) (*keyring, error) {
	k := &keyring{agencies: map[string]*agency{}}
	keys := make([]httpedge.Key, 0, len(cfg))
	for i, c := range cfg {
		if c.Name == "" {
			return nil, fmt.Errorf("agencies[%d]: name is empty", i)
		}
		if k.agencies[c.Name] != nil {
			return nil, fmt.Errorf("agencies[%d]: agency %q is listed twice", i, c.Name)
		}
		if len(c.Types) == 0 {
			return nil, fmt.Errorf("agencies[%d] (%s): types is empty, so the agency could send nothing", i, c.Name)
		}
		a := &agency{name: c.Name}
		for _, t := range c.Types {
			p, err := parseTypePattern(t)
			if err != nil {
				return nil, fmt.Errorf("agencies[%d] (%s): %w", i, c.Name, err)
			}
			a.types = append(a.types, p)
		}
		k.agencies[c.Name] = a
		keys = append(keys, httpedge.Key{SHA256: c.KeySHA256, Principal: httpedge.Principal{Kind: httpedge.Agency, ID: c.Name, Name: c.Name, EventTypes: c.Types}})
	}
	var err error
	// One key must identify one agency, or source checks mean nothing;
	// the edge refuses a shared key.
	if k.keys, err = httpedge.NewKeys(keys); err != nil {
		return nil, fmt.Errorf("agencies %w", err)
	}
	return k, nil
}

// agencyOf is the agency a request was authenticated as, or nil.
func (k *keyring) agencyOf(ctx context.Context) *agency {
	p, ok := httpedge.PrincipalFrom(ctx)
	if !ok || p.Kind != httpedge.Agency {
		return nil
	}
	return k.agencies[p.ID]
}
