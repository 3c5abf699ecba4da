package httpedge

import (
	"cmp"
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Timeouts of a server; zero fields take the defaults. Routes move the
// read and write deadlines for their own requests (see Route).
type Timeouts struct {
	// ReadHeader bounds reading a request's headers: slow-loris clients
	// hold a connection no longer than this.
	ReadHeader time.Duration
	// Read bounds reading a whole request, Write writing its response,
	// unless the route says otherwise.
	Read, Write time.Duration
	// Idle bounds a kept-alive connection between requests.
	Idle time.Duration
	// Drain is how long shutdown waits for requests in flight.
	Drain time.Duration
}

// Defaults of Timeouts.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultDrain             = 10 * time.Second
)

func (t Timeouts) withDefaults() Timeouts {
	// A setting of zero or less takes its default.
	t.ReadHeader = cmp.Or(max(t.ReadHeader, 0), DefaultReadHeaderTimeout)
	t.Read = cmp.Or(max(t.Read, 0), DefaultReadTimeout)
	t.Write = cmp.Or(max(t.Write, 0), DefaultWriteTimeout)
	t.Idle = cmp.Or(max(t.Idle, 0), DefaultIdleTimeout)
	t.Drain = cmp.Or(max(t.Drain, 0), DefaultDrain)
	return t
}

// NewServer returns a server for h with the timeouts set.
func NewServer(h http.Handler, t Timeouts) *http.Server {
	t = t.withDefaults()
	return &http.Server{Handler: h, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read,
		WriteTimeout: t.Write, IdleTimeout: t.Idle}
}

// Serve serves h on l until ctx ends, then stops accepting and waits up
// to t.Drain for requests in flight.
func Serve(ctx context.Context, l net.Listener, h http.Handler, t Timeouts) error {
	t = t.withDefaults()
	srv := NewServer(h, t)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.Drain)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
