// Package chtest gives tests a real ClickHouse: the server `make test`
// started (OQIM_TEST_CLICKHOUSE_DSN), or else a private one this test
// process starts and that dies with it. Each test gets its own database.
package chtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/clickhouse/chserver"
)

// EnvDSN names the variable through which make test shares its server.
const EnvDSN = "OQIM_TEST_CLICKHOUSE_DSN"

// Server is the shared test server for this process; tests start at most
// one, because a ClickHouse start costs a second or two.
type Server struct {
	once sync.Once
	dsn  string
	srv  *chserver.Server
	err  error
}

// Default is the process-wide server; a test binary is one process, so
// sharing it is safe and keeps package tests fast.
var Default = &Server{}

// DSN returns the server's address, starting a server if needed. When no
// ClickHouse can be had, the test fails in CI and is skipped elsewhere
// with the command that provides one.
func (s *Server) DSN(t testing.TB) string {
	t.Helper()
	s.once.Do(func() {
		if s.dsn = os.Getenv(EnvDSN); s.dsn != "" {
			return
		}
		bin, err := chserver.FindBinary()
		if err != nil {
			s.err = err
			return
		}
		dir, err := os.MkdirTemp("", "oqim-chtest-")
		if err != nil {
			s.err = err
			return
		}
		s.srv, s.err = chserver.Start(context.Background(), chserver.Options{Dir: dir, Binary: bin})
		if s.err == nil {
			s.dsn = s.srv.DSN()
		}
	})
	if s.err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no ClickHouse for tests: %v", s.err)
		}
		t.Skipf("no ClickHouse for tests (%v); run `make test`, which starts one", s.err)
	}
	return s.dsn
}

// Database connects to the test server and creates a fresh database that
// is dropped when the test ends.
func Database(t testing.TB) (driver.Conn, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := clickhouse.Open(ctx, Default.DSN(t))
	if err != nil {
		t.Fatalf("connecting to test ClickHouse: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	db := "test_" + hex.EncodeToString(b[:])
	if err := conn.Exec(ctx, "CREATE DATABASE "+db); err != nil {
		t.Fatalf("creating database %s: %v", db, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db)
		conn.Close()
	})
	return conn, db
}
