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
	if !cfg.OIDC.SignIn(config.SurfaceBI) {
		log.Info("BI accepts the identity provider's tokens; set oidc.public_url for the dashboard's sign-in", "issuer", cfg.OIDC.Issuer)
		a, err := access.New(cfg.Access, regions, opts...)
		return a, nil, err
	}
	lc, err := cfg.OIDC.SignInConfig(config.SurfaceBI, unscoped)
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

// doctorAccess is the doctor API's way in through the provider when
// oidc.surfaces lists doctor: its bearer tokens and, with
// oidc.public_url, the workspace's sign-in (nil without).
func doctorAccess(cfg config.Config, log *slog.Logger) ([]httpedge.Verifier, *oidc.Login, error) {
	if !cfg.OIDC.On(config.SurfaceDoctor) {
		return nil, nil, nil
	}
	v, err := cfg.OIDC.Verifier(config.SurfaceDoctor, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("oidc: %w", err)
	}
	if !cfg.OIDC.SignIn(config.SurfaceDoctor) {
		return []httpedge.Verifier{v}, nil, nil
	}
	lc, err := cfg.OIDC.SignInConfig(config.SurfaceDoctor, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("oidc: %w", err)
	}
	lc.Log = log.With("component", "doctor-sign-in")
	login, err := oidc.NewLogin(lc)
	if err != nil {
		return nil, nil, fmt.Errorf("oidc: %w", err)
	}
	log.Info("doctor workspace sign-in through the identity provider", "issuer", cfg.OIDC.Issuer, "redirect_uri", login.RedirectURL())
	return []httpedge.Verifier{v}, login, nil
}

// sessions is l as an authenticator, or nil without a sign-in (a nil
// *oidc.Login in the interface would not be nil).
func sessions(l *oidc.Login) httpedge.Authenticator {
	if l == nil {
		return nil
	}
	return l
}
