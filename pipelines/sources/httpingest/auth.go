package httpingest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
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

// HashKey returns the value of Agency.KeySHA256 for a plain key.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

type agency struct {
	name  string
	hash  [sha256.Size]byte
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

// keyring maps API keys to agencies.
type keyring struct {
	agencies []agency
}

func newKeyring(cfg []Agency) (*keyring, error) {
	k := &keyring{}
	names := map[string]bool{}
	hashes := map[[sha256.Size]byte]string{}
	for i, c := range cfg {
		if c.Name == "" {
			return nil, fmt.Errorf("agencies[%d]: name is empty", i)
		}
		if names[c.Name] {
			return nil, fmt.Errorf("agencies[%d]: agency %q is listed twice", i, c.Name)
		}
		names[c.Name] = true
		raw, err := hex.DecodeString(strings.TrimSpace(c.KeySHA256))
		if err != nil || len(raw) != sha256.Size {
			return nil, fmt.Errorf("agencies[%d] (%s): key_sha256 must be 64 hex digits (the SHA-256 of the key, not the key)", i, c.Name)
		}
		a := agency{name: c.Name}
		copy(a.hash[:], raw)
		if other, ok := hashes[a.hash]; ok {
			// One key must identify one agency, or source checks mean nothing.
			return nil, fmt.Errorf("agencies[%d] (%s): same key as agency %q", i, c.Name, other)
		}
		hashes[a.hash] = c.Name
		if len(c.Types) == 0 {
			return nil, fmt.Errorf("agencies[%d] (%s): types is empty, so the agency could send nothing", i, c.Name)
		}
		for _, t := range c.Types {
			p, err := parseTypePattern(t)
			if err != nil {
				return nil, fmt.Errorf("agencies[%d] (%s): %w", i, c.Name, err)
			}
			a.types = append(a.types, p)
		}
		k.agencies = append(k.agencies, a)
	}
	return k, nil
}

// lookup returns the agency the key belongs to, or nil. It compares the
// key's hash with every configured hash in constant time and without
// stopping early, so response timing says nothing about which or how many
// bytes matched.
func (k *keyring) lookup(key string) *agency {
	if key == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(key))
	var found *agency
	for i := range k.agencies {
		if subtle.ConstantTimeCompare(sum[:], k.agencies[i].hash[:]) == 1 {
			found = &k.agencies[i]
		}
	}
	return found
}

// apiKey returns the key a request presents: a bearer token, or else the
// X-API-Key header.
func apiKey(r *http.Request) string {
	if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(token)
	}
	return strings.TrimSpace(r.Header.Get("X-API-Key"))
}
