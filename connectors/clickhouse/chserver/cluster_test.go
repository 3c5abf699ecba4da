package chserver

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/oqim/oqim/connectors/clickhouse"
)

// A cluster takes ON CLUSTER statements the moment StartCluster returns:
// 18.16 used to crash on the first one when its DDL worker had met a
// ZooKeeper that accepted connections but did not yet serve sessions.
// Every server then holds the database, and a stopped server comes back
// on its ports.
func TestClusterTakesDDLAtOnce(t *testing.T) {
	bin := binary(t)
	java, err := InstallZooKeeper(context.Background(), slog.New(slog.DiscardHandler))
	if errors.Is(err, ErrNotInstallable) && os.Getenv("CI") == "" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := StartCluster(ctx, ClusterOptions{Dir: t.TempDir(), Name: "t1", Binary: bin, Java: java})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop(context.Background())
	conn, err := clickhouse.Open(ctx, c.Nodes[0].DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS at_once ON CLUSTER t1"); err != nil {
		t.Fatalf("first ON CLUSTER statement: %v", err)
	}
	for _, n := range c.Nodes {
		nc, err := clickhouse.Open(ctx, n.DSN())
		if err != nil {
			t.Fatalf("%s after the DDL: %v", n.Name(), err)
		}
		var dbs uint64
		err = nc.QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = 'at_once'").Scan(&dbs)
		nc.Close()
		if err != nil || dbs != 1 {
			t.Fatalf("%s: database at_once: %d (%v)", n.Name(), dbs, err)
		}
	}

	n := c.Nodes[1]
	if err := c.StopNode(ctx, n); err != nil {
		t.Fatal(err)
	}
	if nc, err := clickhouse.Open(ctx, n.DSN()); err == nil {
		nc.Close()
		t.Fatalf("%s still answers after StopNode", n.Name())
	}
	if err := c.StartNode(ctx, n); err != nil {
		t.Fatal(err)
	}
	nc, err := clickhouse.Open(ctx, n.DSN())
	if err != nil {
		t.Fatalf("%s after its restart: %v", n.Name(), err)
	}
	nc.Close()
}
