package httpedge

import (
	"context"
	"slices"
)

// Kind is what sort of caller a principal is. Each surface accepts the
// kinds its routes name, so a doctor's key never opens the BI.
type Kind string

const (
	// Anonymous is a caller without credentials, on public routes.
	Anonymous Kind = ""
	// Agency sends events (pipelines/sources/httpingest).
	Agency Kind = "agency"
	// Analyst reads the Digital Region BI.
	Analyst Kind = "analyst"
	// Doctor uses the clinical assistant.
	Doctor Kind = "doctor"
	// Partner is a known client of a public surface (the chatbot), rate
	// limited by its key instead of its address.
	Partner Kind = "partner"
)

// Principal is who a request is from.
type Principal struct {
	Kind Kind
	// ID is the stable identifier (a doctor id, a key name, a token's
	// sub); Name is for people and the access log, and falls back to ID.
	ID, Name string
	// Role is the surface-specific role (analyst, regional_admin,
	// national for the BI); the surface interprets it.
	Role string
	// Regions are the ISO 3166-2:UZ regions the principal is scoped to;
	// empty means no regional restriction only when Role says so.
	Regions []string
	// EventTypes are the event type patterns an agency may send; the
	// surface interprets them.
	EventTypes []string
}

// Label is what logs and audit records call the principal.
func (p Principal) Label() string {
	switch {
	case p.Name != "":
		return p.Name
	case p.ID != "":
		return p.ID
	case p.Kind == Anonymous:
		return "anonymous"
	}
	return string(p.Kind)
}

// clone copies the slices, so a principal taken from the configuration
// cannot be changed through a request's copy.
func (p Principal) clone() Principal {
	p.Regions = slices.Clone(p.Regions)
	p.EventTypes = slices.Clone(p.EventTypes)
	return p
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal a request was authenticated as;
// false on a request the edge did not authenticate.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
