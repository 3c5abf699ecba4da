package httpedge

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"
)

// Key is one API key as configuration holds it: only its SHA-256, so a
// leaked configuration leaks no key.
type Key struct {
	// SHA256 is the hex SHA-256 of the key (printf %s "$KEY" | sha256sum).
	SHA256    string
	Principal Principal
}

// Keys verifies API keys against their hashes.
type Keys struct {
	keys []storedKey
}

type storedKey struct {
	sum [sha256.Size]byte
	p   Principal
}

// NewKeys checks the hashes. Two principals sharing one key is an error:
// the key would not say who is calling.
func NewKeys(keys []Key) (*Keys, error) {
	k := &Keys{}
	seen := map[[sha256.Size]byte]string{}
	for i, c := range keys {
		b, err := hex.DecodeString(strings.TrimSpace(c.SHA256))
		if err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("keys[%d] (%s): sha256 must be 64 hex digits, the SHA-256 of the key, not the key", i, c.Principal.Label())
		}
		var s storedKey
		copy(s.sum[:], b)
		if other, ok := seen[s.sum]; ok {
			return nil, fmt.Errorf("keys[%d] (%s): same key as %s", i, c.Principal.Label(), other)
		}
		seen[s.sum] = c.Principal.Label()
		s.p = c.Principal.clone()
		k.keys = append(k.keys, s)
	}
	return k, nil
}

// Len is the number of keys.
func (k *Keys) Len() int { return len(k.keys) }

// Verify returns the principal whose key hashes to the credential's hash.
// It compares with every stored hash in constant time and does not stop
// at a match, so timing reveals neither which key matched nor how much of
// one did.
func (k *Keys) Verify(_ context.Context, credential string) (Principal, error) {
	sum := sha256.Sum256([]byte(credential))
	found := -1
	for i := range k.keys {
		if subtle.ConstantTimeCompare(sum[:], k.keys[i].sum[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Principal{}, fmt.Errorf("%w: unknown API key", ErrInvalid)
	}
	return k.keys[found].p.clone(), nil
}

// HashKey is the value of Key.SHA256 for an API key.
func HashKey(apiKey string) string {
	s := sha256.Sum256([]byte(apiKey))
	return hex.EncodeToString(s[:])
}
