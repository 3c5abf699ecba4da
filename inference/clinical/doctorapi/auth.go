package doctorapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Doctor is the authenticated caller.
type Doctor struct {
	ID   string
	Name string
}

type doctorKey struct{}

func withDoctor(ctx context.Context, d Doctor) context.Context {
	return context.WithValue(ctx, doctorKey{}, d)
}

// DoctorFrom returns the doctor a request was authenticated as.
func DoctorFrom(ctx context.Context) (Doctor, bool) {
	d, ok := ctx.Value(doctorKey{}).(Doctor)
	return d, ok
}

// HashKey returns the value of APIKey.KeySHA256 for a plain key.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

type keyEntry struct {
	doctor Doctor
	hash   [sha256.Size]byte
}

type authenticator struct {
	keys      []keyEntry
	jwtSecret []byte
	issuer    string
	now       func() time.Time
}

func newAuthenticator(cfg Config, now func() time.Time) (*authenticator, error) {
	a := &authenticator{now: now, issuer: cfg.JWT.Issuer}
	for i, k := range cfg.APIKeys {
		b, err := hex.DecodeString(k.KeySHA256)
		if err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("doctorapi: api_keys[%d].key_sha256 must be 64 hex digits (printf %%s \"$KEY\" | sha256sum)", i)
		}
		if k.DoctorID == "" {
			return nil, fmt.Errorf("doctorapi: api_keys[%d].doctor_id is empty", i)
		}
		e := keyEntry{doctor: Doctor{ID: k.DoctorID, Name: k.Name}}
		copy(e.hash[:], b)
		a.keys = append(a.keys, e)
	}
	if s := cfg.JWT.Secret; s != "" {
		if len(s) < 32 {
			return nil, errors.New("doctorapi: jwt.secret must be at least 32 bytes")
		}
		a.jwtSecret = []byte(s)
	}
	if len(a.keys) == 0 && a.jwtSecret == nil {
		return nil, errors.New("doctorapi: no credentials configured: set doctor api_keys or jwt.secret")
	}
	return a, nil
}

var errNoCredentials = errors.New("send an API key (Authorization: Bearer <key> or X-API-Key) or a JWT (Authorization: Bearer <token>)")

// authenticate returns the doctor behind the request's credentials.
func (a *authenticator) authenticate(r *http.Request) (Doctor, error) {
	cred := r.Header.Get("X-API-Key")
	if cred == "" {
		h := r.Header.Get("Authorization")
		if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			cred = strings.TrimSpace(h[7:])
		}
	}
	if cred == "" {
		return Doctor{}, errNoCredentials
	}
	if a.jwtSecret != nil && strings.Count(cred, ".") == 2 {
		return a.parseJWT(cred)
	}
	return a.lookupKey(cred)
}

// lookupKey compares the key's hash with every configured hash in
// constant time, without stopping at a match, so timing reveals neither
// which key matched nor how much of one did.
func (a *authenticator) lookupKey(key string) (Doctor, error) {
	sum := sha256.Sum256([]byte(key))
	var found Doctor
	match := 0
	for _, k := range a.keys {
		if subtle.ConstantTimeCompare(sum[:], k.hash[:]) == 1 {
			found, match = k.doctor, 1
		}
	}
	if match == 0 {
		return Doctor{}, errors.New("unknown API key")
	}
	return found, nil
}

func (a *authenticator) parseJWT(s string) (Doctor, error) {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(a.now),
		jwt.WithLeeway(30 * time.Second),
	}
	if a.issuer != "" {
		opts = append(opts, jwt.WithIssuer(a.issuer))
	}
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(s, claims, func(*jwt.Token) (any, error) { return a.jwtSecret, nil }, opts...); err != nil {
		return Doctor{}, fmt.Errorf("invalid token: %w", err)
	}
	sub, err := claims.GetSubject()
	if err != nil || sub == "" {
		return Doctor{}, errors.New("invalid token: no sub (the doctor id)")
	}
	name, _ := claims["name"].(string)
	return Doctor{ID: sub, Name: name}, nil
}
