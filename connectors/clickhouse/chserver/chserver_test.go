package chserver

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

func binary(t *testing.T) string {
	t.Helper()
	bin, err := FindBinary()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return bin
}

func query(t *testing.T, s *Server, q string) uint64 {
	t.Helper()
	opts, err := ch.ParseDSN(s.DSN())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ch.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n uint64
	if err := conn.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// A restarted server on the same directory keeps its data, and Stop
// leaves no process behind.
func TestStartKeepsDataAcrossRestarts(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Start(ctx, Options{Dir: dir, Binary: bin})
	if err != nil {
		t.Fatal(err)
	}
	opts, _ := ch.ParseDSN(s.DSN())
	conn, err := ch.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE TABLE default.kept (n UInt64) ENGINE = MergeTree ORDER BY n",
		"INSERT INTO default.kept SELECT number FROM system.numbers LIMIT 1000",
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	conn.Close()
	pid := s.Pid()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if isOurServer(pid, dir) {
		t.Fatal("server still running after Stop")
	}

	s2, err := Start(ctx, Options{Dir: dir, Binary: bin})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Stop(ctx)
	if n := query(t, s2, "SELECT count() FROM default.kept"); n != 1000 {
		t.Fatalf("after restart, %d rows; want 1000", n)
	}
}

func TestPortInUse(t *testing.T) {
	bin := binary(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	_, err = Start(context.Background(), Options{Dir: t.TempDir(), Binary: bin, TCPPort: port})
	var pe *PortInUseError
	if !errors.As(err, &pe) || pe.Port != port || pe.Role != "tcp" {
		t.Fatalf("err = %v, want PortInUseError for tcp port %d", err, port)
	}
}

// A server left behind by a killed parent (Detached) is stopped by the
// next Start on the same directory instead of clashing with it.
func TestStartReplacesLeftoverServer(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	ctx := context.Background()
	old, err := Start(ctx, Options{Dir: dir, Binary: bin, Detached: true})
	if err != nil {
		t.Fatal(err)
	}
	oldPid := old.Pid()
	s, err := Start(ctx, Options{Dir: dir, Binary: bin})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop(ctx)
	select {
	case <-old.Exited():
	case <-time.After(30 * time.Second):
		t.Fatalf("leftover server %d still running", oldPid)
	}
	if n := query(t, s, "SELECT toUInt64(1)"); n != 1 {
		t.Fatal("new server does not answer")
	}
}

func TestStopDirWithoutServer(t *testing.T) {
	if err := StopDir(context.Background(), t.TempDir(), nil); err != nil {
		t.Fatal(err)
	}
}
