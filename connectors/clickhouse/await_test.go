package clickhouse_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"

	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/clickhouse/chtest"
)

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// withHost is dsn pointing at addr instead.
func withHost(t *testing.T, dsn, addr string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = addr
	return u.String()
}

// forward relays connections to addr on to target, from when it is
// called until the test ends: a server that comes up late.
func forward(t *testing.T, addr, target string) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				s, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer s.Close()
				go io.Copy(s, c)
				io.Copy(c, s)
			}()
		}
	}()
}

func open(dsn string) func(context.Context) (driver.Conn, error) {
	return func(ctx context.Context) (driver.Conn, error) { return clickhouse.Open(ctx, dsn) }
}

func TestAwaitWaitsForAServerThatStartsLate(t *testing.T) {
	real := chtest.Default.DSN(t)
	u, err := url.Parse(real)
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	time.AfterFunc(1500*time.Millisecond, func() { forward(t, addr, u.Host) })
	start := time.Now()
	conn, err := clickhouse.Await(context.Background(), 30*time.Second, slog.New(slog.DiscardHandler), open(withHost(t, real, addr)))
	if err != nil {
		t.Fatalf("a server that came up after 1.5 s was not waited for: %v", err)
	}
	defer conn.Close()
	if took := time.Since(start); took < time.Second {
		t.Fatalf("connected after %v, before the server was up", took)
	}
}

func TestAwaitFailsAtOnceOnTheServersAnswer(t *testing.T) {
	dsn := chtest.Default.DSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("no_such_user", "wrong")
	start := time.Now()
	_, err = clickhouse.Await(context.Background(), 30*time.Second, slog.New(slog.DiscardHandler), open(u.String()))
	var ex *proto.Exception
	if !errors.As(err, &ex) {
		t.Fatalf("a refused login: got %v, want the server's exception", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("a refused login was retried for %v; waiting cannot fix it", took)
	}
}

func TestAwaitGivesUpAfterItsWait(t *testing.T) {
	dsn := "clickhouse://" + freeAddr(t) + "/default"
	start := time.Now()
	_, err := clickhouse.Await(context.Background(), 1500*time.Millisecond, slog.New(slog.DiscardHandler), open(dsn))
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "clickhouse.connect_wait") {
		t.Fatalf("got %v, want an error naming clickhouse.connect_wait", err)
	}
	if took < time.Second || took > 15*time.Second {
		t.Fatalf("gave up after %v, want about 1.5 s", took)
	}
}
