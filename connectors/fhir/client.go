// Package fhir sends FHIR R4 Bundles to a FHIR server: POST [base]/Bundle
// as application/fhir+json, with a bearer token, retries with backoff on
// 429, 5xx and network errors, and a conditional create on the Bundle's
// identifier so that a retried or repeated send stores the note once.
//
// Bundles are personal health data: nothing here logs them, and errors
// carry the server's OperationOutcome codes and element paths, never the
// request body.
package fhir

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oqim/oqim/connectors/retry"
)

// ContentType is the FHIR JSON media type.
const ContentType = "application/fhir+json"

// Config configures a Client.
type Config struct {
	// BaseURL is the FHIR server's base, such as https://fhir.example.uz/r4.
	BaseURL string
	// Token is sent as "Authorization: Bearer <token>" when not empty,
	// or, when AuthHeader names another header (such as X-API-Key), as
	// that header's value.
	Token      string
	AuthHeader string
	// Timeout bounds each attempt. Default 30 s.
	Timeout time.Duration
	// MaxAttempts is the number of tries, the first included. Default 5.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the wait between attempts, which
	// doubles from MinBackoff with jitter (see connectors/retry). Defaults
	// 500 ms and 30 s. A longer Retry-After from the server is honoured up
	// to MaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// HTTPClient sends the requests; nil means a client without timeout
	// (Timeout applies per attempt through the context).
	HTTPClient *http.Client
}

// Client posts Bundles. It is safe for concurrent use.
type Client struct {
	cfg    Config
	bundle string // [base]/Bundle
	shown  string // bundle with any password redacted, for errors
	http   *http.Client
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("fhir: base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	for _, r := range cfg.AuthHeader {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return nil, fmt.Errorf("fhir: auth header %q is not a header name (letters, digits and -)", cfg.AuthHeader)
		}
	}
	// A setting of zero or less takes its default.
	cfg.Timeout = cmp.Or(max(cfg.Timeout, 0), 30*time.Second)
	cfg.MaxAttempts = cmp.Or(max(cfg.MaxAttempts, 0), 5)
	cfg.MinBackoff = cmp.Or(max(cfg.MinBackoff, 0), 500*time.Millisecond)
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(30*time.Second, cfg.MinBackoff)
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	}
	// A redirect is answered, not followed: Go would turn the POST into
	// a GET whose 200 reads as "stored" (301-303), or repeat the Bundle
	// and the credential at another origin (307, 308; a custom header
	// such as X-API-Key is never stripped).
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{cfg: cfg, bundle: strings.TrimSuffix(cfg.BaseURL, "/") + "/Bundle", shown: strings.TrimSuffix(u.Redacted(), "/") + "/Bundle", http: hc}, nil
}

// Result is the server's answer to a successful send.
type Result struct {
	Status int // 201 when created, 200 when the server already had the Bundle
	// Location is the Location header: [base]/Bundle/[id]/_history/[vid].
	Location string
	Attempts int
}

// OutcomeIssue is one issue of an OperationOutcome.
type OutcomeIssue struct {
	Severity    string   `json:"severity"`
	Code        string   `json:"code"`
	Diagnostics string   `json:"diagnostics,omitempty"`
	Expression  []string `json:"expression,omitempty"`
}

// ServerError is an error status from the FHIR server with its
// OperationOutcome, when it sent one.
type ServerError struct {
	Status   int
	Issues   []OutcomeIssue
	Attempts int
}

// Error names the status and the issues' codes and element paths. The
// diagnostics text is left out because servers may quote the submitted
// data in it; it is available in Issues.
func (e *ServerError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fhir: server answered %d %s after %d attempt(s)", e.Status, http.StatusText(e.Status), e.Attempts)
	for _, is := range e.Issues {
		fmt.Fprintf(&b, "; %s %s", is.Severity, is.Code)
		if len(is.Expression) > 0 {
			fmt.Fprintf(&b, " at %s", strings.Join(is.Expression, ", "))
		}
	}
	return b.String()
}

// Retryable reports whether the status is worth retrying.
func (e *ServerError) Retryable() bool { return retryable(e.Status) }

func retryable(status int) bool { return retry.RetryableStatus(status) }

// ErrNoIdentifier is returned for a Bundle without identifier.system and
// identifier.value: without them a retry could store the note twice.
var ErrNoIdentifier = errors.New("fhir: the Bundle has no identifier (system and value), needed for idempotent sends")

// Attempt is one POST of a send, as SendObserved reports it.
type Attempt struct {
	N      int   // from 1
	Status int   // the server's status; 0 when it did not answer
	Err    error // nil when the server stored the Bundle
}

// Send posts a Bundle (its FHIR JSON) to [base]/Bundle. The request
// carries If-None-Exist: identifier=system|value, so a server that
// already stored this Bundle answers 200 instead of storing it again.
func (c *Client) Send(ctx context.Context, bundle []byte) (*Result, error) {
	return c.SendObserved(ctx, bundle, nil)
}

// SendObserved is Send that reports each attempt to observe (when not
// nil) as it ends, for a caller that records every attempt.
func (c *Client) SendObserved(ctx context.Context, bundle []byte, observe func(Attempt)) (*Result, error) {
	head, err := ReadHead(bundle)
	if err != nil {
		return nil, fmt.Errorf("fhir: the bundle is not JSON: %w", err)
	}
	if head.ResourceType != "Bundle" {
		return nil, fmt.Errorf("fhir: resourceType %q, want Bundle", head.ResourceType)
	}
	token := head.IdentifierToken()
	if token == "" {
		return nil, ErrNoIdentifier
	}
	cond := "identifier=" + url.QueryEscape(token)

	var res *Result
	policy := retry.Policy{Attempts: c.cfg.MaxAttempts, Min: c.cfg.MinBackoff, Max: c.cfg.MaxBackoff}
	n := 0
	attempts, err := policy.Do(ctx, func(ctx context.Context) error {
		n++
		var (
			err    error
			status int
		)
		res, status, err = c.try(ctx, bundle, cond)
		if observe != nil {
			observe(Attempt{N: n, Status: status, Err: err})
		}
		return err
	})
	var se *ServerError
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, fmt.Errorf("fhir: sending the bundle: %w", err)
	case errors.As(err, &se):
		se.Attempts = attempts
		return nil, se
	case err != nil:
		return nil, fmt.Errorf("fhir: sending the bundle failed after %d attempt(s): %w", attempts, err)
	}
	res.Attempts = attempts
	return res, nil
}

// try makes one attempt. Failures worth another are marked retry.Again,
// with the server's Retry-After.
func (c *Client) try(ctx context.Context, bundle []byte, cond string) (*Result, int, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.bundle, bytes.NewReader(bundle))
	if err != nil {
		return nil, 0, fmt.Errorf("fhir: request: %w", err)
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("Accept", ContentType)
	req.Header.Set("If-None-Exist", cond)
	switch {
	case c.cfg.Token == "":
	case c.cfg.AuthHeader == "" || strings.EqualFold(c.cfg.AuthHeader, "Authorization"):
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	default:
		req.Header.Set(c.cfg.AuthHeader, c.cfg.Token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// No answer at all (network error, attempt timeout): the send is
		// conditional, so trying again cannot store the Bundle twice.
		return nil, 0, retry.Again(fmt.Errorf("fhir: POST %s: %w", c.shown, err), 0)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, resp.StatusCode, retry.Again(fmt.Errorf("fhir: reading the answer: %w", err), 0)
	}
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated {
		return &Result{Status: resp.StatusCode, Location: resp.Header.Get("Location")}, resp.StatusCode, nil
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, resp.StatusCode, fmt.Errorf("fhir: the server answered %d with a redirect; redirects are not followed (set the base URL to where the server is)", resp.StatusCode)
	}
	se := &ServerError{Status: resp.StatusCode, Issues: outcomeIssues(body)}
	if se.Retryable() {
		return nil, resp.StatusCode, retry.Again(se, retry.RetryAfter(resp.Header.Get("Retry-After"), time.Now()))
	}
	return nil, resp.StatusCode, se
}

func outcomeIssues(body []byte) []OutcomeIssue {
	var oo struct {
		ResourceType string         `json:"resourceType"`
		Issue        []OutcomeIssue `json:"issue"`
	}
	if json.Unmarshal(body, &oo) != nil || oo.ResourceType != "OperationOutcome" {
		return nil
	}
	return oo.Issue
}

// Head is what both ends of a send read of a resource before anything
// else: its type and its business identifier, the key of a conditional
// create.
type Head struct {
	ResourceType string `json:"resourceType"`
	Identifier   struct {
		System string `json:"system"`
		Value  string `json:"value"`
	} `json:"identifier"`
}

// ReadHead reads the Head of a JSON resource.
func ReadHead(resource []byte) (Head, error) {
	var h Head
	err := json.Unmarshal(resource, &h)
	return h, err
}

// IdentifierToken is the identifier as a FHIR token search writes it,
// system|value, or "" when either part is missing.
func (h Head) IdentifierToken() string {
	if h.Identifier.System == "" || h.Identifier.Value == "" {
		return ""
	}
	return h.Identifier.System + "|" + h.Identifier.Value
}
