package main

import (
	"fmt"
	"log/slog"

	"github.com/oqim/oqim/analytics/access"
	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/connectors/httpedge/oidc"
	"github.com/oqim/oqim/models/region"
)

// biAccess builds the BI's authenticator once, so the API, the operator
// check and the dashboard's sign-in share its sessions: the keys and JWT
// secret of access.*, and with oidc the provider's bearer tokens and,
// when oidc.public_url is set, the browser sign-in, whose routes are
// returned for mounting.
func biAccess(cfg config.Config, ref *region.Data, log *slog.Logger) (*access.Authenticator, []httpedge.Route, error) {
	regions := ref.RegionIDs()
	if !cfg.OIDC.On(config.SurfaceBI) {
		a, err := access.New(cfg.Access, regions)
		return a, nil, err
	}
	unscoped := []string{string(access.National)}
	v, err := cfg.OIDC.Verifier(config.SurfaceBI, unscoped)
	if err != nil {
		return nil, nil, err
	}
	opts := []access.Option{access.WithVerifier(v)}
	if !cfg.OIDC.SignIn() {
		log.Info("BI accepts the identity provider's tokens; set oidc.public_url for the dashboard's sign-in", "issuer", cfg.OIDC.Issuer)
		a, err := access.New(cfg.Access, regions, opts...)
		return a, nil, err
	}
	lc, err := cfg.OIDC.BISignIn(unscoped)
	if err != nil {
		return nil, nil, err
	}
	// The sign-in refuses, before any session exists, an account whose
	// role or regions the BI would refuse on every request.
	var a *access.Authenticator
	lc.Check = func(p httpedge.Principal) (httpedge.Principal, error) { return a.Check(p) }
	lc.Log = log.With("component", "bi-sign-in")
	login, err := oidc.NewLogin(lc)
	if err != nil {
		return nil, nil, err
	}
	if a, err = access.New(cfg.Access, regions, append(opts, access.WithSessions(login))...); err != nil {
		return nil, nil, err
	}
	log.Info("dashboard sign-in through the identity provider", "issuer", cfg.OIDC.Issuer, "redirect_uri", login.RedirectURL())
	return a, login.Routes(), nil
}

// doctorVerifiers are the doctor API's extra verifiers: the provider's
// tokens when oidc.surfaces lists doctor.
func doctorVerifiers(cfg config.Config) ([]httpedge.Verifier, error) {
	if !cfg.OIDC.On(config.SurfaceDoctor) {
		return nil, nil
	}
	v, err := cfg.OIDC.Verifier(config.SurfaceDoctor, nil)
	if err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	return []httpedge.Verifier{v}, nil
}
