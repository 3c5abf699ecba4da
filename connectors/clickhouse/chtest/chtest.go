// Package chtest gives tests a real ClickHouse: the server `make test`
// started (OQIM_TEST_CLICKHOUSE_DSN), or else a private one this test
// process starts and that dies with it. Each test gets its own database.
// Likewise for the local cluster (OQIM_TEST_CLICKHOUSE_CLUSTER).
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
		if os.Getenv("CI") != "" || os.Getenv(EnvDSN) != "" {
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

// EnvCluster names the variable through which make test shares its local
// cluster: the folder `oqim clickhouse cluster start --dir` was given.
const EnvCluster = "OQIM_TEST_CLICKHOUSE_CLUSTER"

// ClusterServer is the shared test cluster for this process: the one make
// test started, or a private one (ZooKeeper and 2 shards × 2 replicas,
// some seconds to start) that dies with the test process.
type ClusterServer struct {
	once sync.Once
	c    *chserver.Cluster
	err  error
}

// DefaultCluster is the process-wide cluster.
var DefaultCluster = &ClusterServer{}

// Get returns the cluster, starting one if needed. Without one the test
// fails in CI and is skipped elsewhere, naming the command that gives one.
func (s *ClusterServer) Get(t testing.TB) *chserver.Cluster {
	t.Helper()
	s.once.Do(func() {
		if dir := os.Getenv(EnvCluster); dir != "" {
			s.c, s.err = chserver.OpenCluster(dir, nil)
			return
		}
		dir, err := os.MkdirTemp("", "oqim-chtest-cluster-")
		if err != nil {
			s.err = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		s.c, s.err = chserver.StartCluster(ctx, chserver.ClusterOptions{Dir: dir})
	})
	if s.err != nil {
		// make test started one: its absence is a failure, never a skip.
		if os.Getenv("CI") != "" || os.Getenv(EnvCluster) != "" {
			t.Fatalf("no ClickHouse cluster for tests: %v", s.err)
		}
		t.Skipf("no ClickHouse cluster for tests (%v); run `make test`, which starts one", s.err)
	}
	return s.c
}

// ClusterDatabase connects to the first server of the test cluster, as a
// cluster client (clickhouse.OpenCluster), and names a fresh database for
// the test; the test creates it (migrate.UpOn creates it ON CLUSTER), and
// it is dropped on every server when the test ends.
func ClusterDatabase(t testing.TB) (*chserver.Cluster, driver.Conn, string) {
	t.Helper()
	c := DefaultCluster.Get(t)
	conn := ClusterConn(t, c.Nodes[0])
	var b [6]byte
	_, _ = rand.Read(b[:])
	db := "test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		// A test that stopped servers restarts them before it ends; were
		// one still down, ON CLUSTER would wait for it, so say so.
		if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db+" ON CLUSTER "+c.Name); err != nil {
			t.Logf("dropping %s on cluster %s: %v", db, c.Name, err)
		}
	})
	return c, conn, db
}

// ClusterConn connects to one server of the cluster as a cluster client;
// the connection is closed when the test ends.
func ClusterConn(t testing.TB, n *chserver.Node) driver.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := clickhouse.OpenCluster(ctx, n.DSN())
	if err != nil {
		t.Fatalf("connecting to cluster server %s: %v", n.Name(), err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
