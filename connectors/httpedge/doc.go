// Package httpedge is the one HTTP edge every Oqim surface stands behind:
// authentication (API keys by SHA-256, HS256 JWTs bound to an issuer and
// an audience), the Principal in the request context, the one JSON error
// body, per-route body and time limits, rate limiting, the access log, an
// audit hook, and the server with its timeouts and graceful shutdown.
//
// A surface declares its routes and what principal each needs:
//
//	httpedge.Mount(mux, opts,
//		httpedge.Route{Method: "GET", Path: "/api/v1/kpi/calls", Need: httpedge.Analyst, Handler: h},
//		httpedge.Route{Method: "GET", Path: "/healthz", Need: httpedge.Public, Handler: live},
//	)
//
// It imports nothing of Oqim's products: what a principal may read (a BI
// region scope, an agency's event types) stays with the product.
package httpedge
