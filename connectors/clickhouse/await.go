package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"

	"github.com/oqim/oqim/connectors/retry"
)

// Await calls open until it connects, for up to wait while the server
// does not answer, logging each failed attempt. Processes and their
// database are started together (compose, Kubernetes, a host's boot), so
// a server that is still starting is a moment to wait for, not a reason
// to exit. A server that answers with an error (a wrong password, a
// missing database, a cluster profile that does not hold) fails at once:
// waiting cannot fix it. A wait of 0 tries once.
func Await(ctx context.Context, wait time.Duration, log *slog.Logger, open func(context.Context) (driver.Conn, error)) (driver.Conn, error) {
	if wait <= 0 {
		return open(ctx)
	}
	wctx, cancel := context.WithTimeoutCause(ctx, wait, fmt.Errorf("ClickHouse did not answer within %v", wait))
	defer cancel()
	start := time.Now()
	var conn driver.Conn
	_, err := retry.Policy{Attempts: 1 << 30, Min: 250 * time.Millisecond, Max: 5 * time.Second}.Do(wctx, func(ctx context.Context) error {
		c, err := open(ctx)
		if err == nil {
			conn = c
			return nil
		}
		if final(err) {
			return err
		}
		log.Warn("waiting for ClickHouse", "error", err, "waited", time.Since(start).Round(time.Millisecond), "wait", wait)
		return retry.Again(err, 0)
	})
	if err != nil && ctx.Err() == nil && wctx.Err() != nil {
		return nil, fmt.Errorf("%w (waited %v; clickhouse.connect_wait sets how long)", err, wait)
	}
	return conn, err
}

// settled marks an error of a server that answered, or of a setting,
// that no wait fixes: a DSN that does not parse, a cluster profile that
// does not hold.
type settled struct{ error }

func (s settled) Unwrap() error { return s.error }

// final reports whether err is the server's own answer (an exception) or
// settled, as opposed to a connection that failed or timed out.
func final(err error) bool {
	var ex *proto.Exception
	var s settled
	return errors.As(err, &ex) || errors.As(err, &s)
}
