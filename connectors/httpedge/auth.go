package httpedge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Errors of authentication. The edge answers both with 401 and never says
// which check failed, so a caller cannot probe keys or token contents.
var (
	ErrNoCredentials = errors.New("httpedge: no credentials")
	ErrInvalid       = errors.New("httpedge: the API key or token is not valid")
)

// ClaimError is a credential whose signature, issuer, audience and expiry
// were all verified but which lacks what the surface needs (a role, a
// doctor id). Saying which claim is missing tells the caller nothing about
// keys or secrets, so the edge passes this error's text on; every other
// refusal stays vague.
type ClaimError struct {
	// Claim is the claim's name in the token; Setting is the configuration
	// key that names it, so an operator knows what to map.
	Claim, Setting, Problem string
}

func (e *ClaimError) Error() string {
	return fmt.Sprintf("the token's %q claim %s (the claim is named by %s)", e.Claim, e.Problem, e.Setting)
}

// Authenticator finds the principal behind a request.
type Authenticator interface {
	Authenticate(r *http.Request) (Principal, error)
}

// Verifier checks one presented credential (an API key or a token) and
// returns its principal, or an error wrapping ErrInvalid. Keys and JWT
// are verifiers; an OIDC verifier can be another.
type Verifier interface {
	Verify(ctx context.Context, credential string) (Principal, error)
}

// Credentials authenticates the credential a request presents in
// X-API-Key or Authorization: Bearer against its verifiers, in order.
type Credentials []Verifier

// Authenticate returns the principal of the first verifier that accepts
// the request's credential.
func (c Credentials) Authenticate(r *http.Request) (Principal, error) {
	cred, err := credential(r)
	if err != nil {
		return Principal{}, err
	}
	var errs []error
	for _, v := range c {
		p, err := v.Verify(r.Context(), cred)
		if err == nil {
			return p.clone(), nil
		}
		errs = append(errs, err)
	}
	return Principal{}, fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
}

// FirstOf tries authenticators in order. The first that finds credentials
// (does not answer ErrNoCredentials) decides, so a request presenting a
// key or token is judged by it alone and never falls through to a session
// cookie it also carries.
type FirstOf []Authenticator

// Authenticate returns the deciding authenticator's answer, or
// ErrNoCredentials when none found any.
func (f FirstOf) Authenticate(r *http.Request) (Principal, error) {
	for _, a := range f {
		if a == nil {
			continue
		}
		p, err := a.Authenticate(r)
		if !errors.Is(err, ErrNoCredentials) {
			return p, err
		}
	}
	return Principal{}, ErrNoCredentials
}

// credential is the X-API-Key header, or else the Authorization bearer
// credential. Another Authorization scheme is refused rather than
// ignored, so a misconfigured client hears why.
func credential(r *http.Request) (string, error) {
	if k := strings.TrimSpace(r.Header.Get("X-API-Key")); k != "" {
		return k, nil
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", ErrNoCredentials
	}
	scheme, rest, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", fmt.Errorf("%w: Authorization must be Bearer", ErrInvalid)
	}
	cred := strings.TrimSpace(rest)
	if cred == "" {
		return "", ErrNoCredentials
	}
	return cred, nil
}
