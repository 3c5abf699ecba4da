package oidc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// keyRefetch is how often, at most, a token naming a key the verifier
// does not hold makes it fetch the provider's key set again. go-oidc's
// RemoteKeySet fetches on every such token, so anyone could make each
// forged token they send cost the provider a request; here a flood of
// them costs one request per keyRefetch. A real rotation is followed
// within keyRefetch of the previous fetch.
const keyRefetch = 15 * time.Second

// maxKeySetBytes bounds the key set read from the provider.
const maxKeySetBytes = 1 << 20

// keySet is the provider's published signing keys (its JWKS), a
// go-oidc KeySet.
type keySet struct {
	url    string
	client *http.Client
	now    func() time.Time
	algs   []jose.SignatureAlgorithm

	fetching sync.Mutex // held for a fetch, so there is one at a time

	mu        sync.Mutex
	keys      []jose.JSONWebKey
	fetchedAt time.Time // last fetch, failed or not
	fetchErr  error     // why the last fetch failed, or nil
}

func newKeySet(url string, client *http.Client, now func() time.Time, algs []string) *keySet {
	ks := &keySet{url: url, client: client, now: now}
	for _, a := range algs {
		ks.algs = append(ks.algs, jose.SignatureAlgorithm(a))
	}
	return ks
}

// VerifySignature returns the payload of a token signed by one of the
// provider's keys: those already held, or else those fetched again if
// keyRefetch has passed since the last fetch.
func (ks *keySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSigned(raw, ks.algs)
	if err != nil {
		return nil, fmt.Errorf("malformed JWT: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, fmt.Errorf("the token carries %d signatures; one is needed", len(jws.Signatures))
	}
	kid := jws.Signatures[0].Header.KeyID
	ks.mu.Lock()
	keys, seen := ks.keys, ks.fetchedAt
	ks.mu.Unlock()
	if payload, ok := verifyWith(jws, kid, keys); ok {
		return payload, nil
	}
	keys, err = ks.refresh(ctx, seen, kid)
	if err != nil {
		return nil, err
	}
	if payload, ok := verifyWith(jws, kid, keys); ok {
		return payload, nil
	}
	return nil, fmt.Errorf("the token is not signed by a key the provider publishes (key id %q)", kid)
}

// verifyWith tries the keys with the token's key id (all of them when it
// names none).
func verifyWith(jws *jose.JSONWebSignature, kid string, keys []jose.JSONWebKey) ([]byte, bool) {
	for i := range keys {
		if kid == "" || keys[i].KeyID == kid {
			if payload, err := jws.Verify(&keys[i]); err == nil {
				return payload, true
			}
		}
	}
	return nil, false
}

// refresh fetches the key set unless another caller has since seen, or
// keyRefetch has not passed since the last fetch.
func (ks *keySet) refresh(ctx context.Context, seen time.Time, kid string) ([]jose.JSONWebKey, error) {
	ks.fetching.Lock()
	defer ks.fetching.Unlock()
	ks.mu.Lock()
	keys, at, lastErr := ks.keys, ks.fetchedAt, ks.fetchErr
	ks.mu.Unlock()
	if !at.Equal(seen) {
		return keys, nil // fetched while this caller waited
	}
	if since := ks.now().Sub(at); !at.IsZero() && since < keyRefetch {
		if lastErr != nil {
			return nil, fmt.Errorf("the provider's keys could not be fetched %s ago (%w); they are fetched again at most every %s",
				since.Round(time.Second), lastErr, keyRefetch)
		}
		return nil, fmt.Errorf("the token names key id %q, which the provider did not publish when its keys were fetched %s ago; they are fetched again at most every %s",
			kid, since.Round(time.Second), keyRefetch)
	}
	// Not the request's own context: a caller that hangs up must not turn
	// the fetch into a failure that holds the next one back.
	keys, err := ks.fetch(context.WithoutCancel(ctx))
	ks.mu.Lock()
	ks.fetchedAt, ks.fetchErr = ks.now(), err
	if err == nil {
		ks.keys = keys
	}
	ks.mu.Unlock()
	return keys, err
}

func (ks *keySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ks.url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetching the provider's keys: %w", err)
	}
	resp, err := ks.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching the provider's keys: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeySetBytes+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("fetching the provider's keys from %s: %w", ks.url, err)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("fetching the provider's keys from %s: %s", ks.url, resp.Status)
	case len(body) > maxKeySetBytes:
		return nil, fmt.Errorf("the provider's key set at %s is over %d bytes", ks.url, maxKeySetBytes)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("the provider's key set at %s: %w", ks.url, err)
	}
	if len(set.Keys) == 0 {
		return nil, fmt.Errorf("the provider's key set at %s holds no keys", ks.url)
	}
	return set.Keys, nil
}
