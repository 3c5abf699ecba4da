package kpi_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/analytics/kpi/kpitest"
	"github.com/oqim/oqim/connectors/clickhouse/chserver"
	"github.com/oqim/oqim/connectors/clickhouse/chtest"
	"github.com/oqim/oqim/pipelines/generate"
)

// TestClusterKPIs loads the same events into one server and into the
// local 2 shards × 2 replicas cluster (schema ON CLUSTER, inserts through
// the Distributed tables) and checks that the BI sees the same thing on
// both: before and after a replay, and with one replica of each shard
// stopped, while inserts go on; the stopped replicas catch up when they
// return.
func TestClusterKPIs(t *testing.T) {
	if testing.Short() {
		t.Skip("the cluster test loads two databases and stops servers (a minute); not in -short")
	}
	o := kpitest.Options{Applications: 1500, Now: time.Now()}
	c, cl := kpitest.LoadCluster(t, o)
	single := kpitest.Load(t, o)
	if len(single.Records) != len(cl.Records) || !bytes.Equal(single.Records[0], cl.Records[0]) || !bytes.Equal(single.Records[len(cl.Records)-1], cl.Records[len(cl.Records)-1]) {
		t.Fatalf("the two loads generated different events (%d and %d records); the comparison would mean nothing", len(single.Records), len(cl.Records))
	}
	// Two event tables and a rollup a materialized view fills.
	tables := []string{"portal_applications", "emergency_calls", "kpi_application_days"}

	t.Run("EveryShardHoldsItsPart", func(t *testing.T) {
		for _, tb := range tables[:2] {
			total := rawInt(t, cl.Conn, "SELECT toInt64(count()) FROM "+cl.DB+"."+tb)
			var sum int64
			for _, n := range c.Nodes {
				if n.Replica != 1 {
					continue
				}
				k := localRows(t, n, cl.DB, tb)
				if k == 0 || k == total {
					t.Errorf("%s: shard %d holds %d of %d rows; want a part of them on every shard", tb, n.Shard, k, total)
				}
				sum += k
			}
			if sum != total {
				t.Errorf("%s: the shards hold %d rows, the Distributed table counts %d", tb, sum, total)
			}
		}
	})

	t.Run("KPIsEqualOneServer", func(t *testing.T) {
		s := snapshot(t, single)
		if len(s) < 10000 {
			t.Fatalf("snapshot suspiciously small: %d bytes", len(s))
		}
		sameSnapshot(t, "server", s, "cluster", snapshot(t, cl))
	})

	t.Run("ReplayDoesNotDoubleCountAcrossShards", func(t *testing.T) {
		replayLeavesEveryKPIUnchanged(t, cl)
		// Every copy of an event went to its original's shard: a shard's
		// FINAL folds them, so the cluster's distinct ids equal the events.
		single.Replay(t)
		sameSnapshot(t, "server", snapshot(t, single), "cluster", snapshot(t, cl))
	})

	t.Run("OneReplicaOfEachShardDown", func(t *testing.T) {
		ctx := context.Background()
		var down, up []*chserver.Node
		for _, n := range c.Nodes {
			if n.Replica == 1 {
				down = append(down, n)
			} else {
				up = append(up, n)
			}
		}
		// Through a server that stays up.
		live := *cl
		live.Conn = chtest.ClusterConn(t, up[0])
		live.Store = kpi.NewStoreWithReference(live.Conn, cl.DB, cl.Ref)
		before := snapshot(t, &live)
		rowsBefore := rawInt(t, live.Conn, "SELECT toInt64(count()) FROM "+cl.DB+".portal_applications")

		for _, n := range down {
			if err := c.StopNode(ctx, n); err != nil {
				t.Fatalf("stopping %s: %v", n.Name(), err)
			}
		}
		restarted := false
		restart := func() {
			if restarted {
				return
			}
			restarted = true
			for _, n := range down {
				if err := c.StartNode(context.Background(), n); err != nil {
					t.Errorf("restarting %s: %v", n.Name(), err)
				}
			}
		}
		t.Cleanup(restart)

		sameSnapshot(t, "all up", before, "replicas down", snapshot(t, &live))

		// Inserts land while the replicas are down: new events, through the
		// Distributed tables of the live server.
		more := live
		more.Records = nil
		g := generate.New(cl.Ref, generate.Options{Seed: 99, RunID: "down"})
		if err := g.Backfill(cl.Now, 300, func(ev *generate.Event) error {
			more.Records = append(more.Records, ev.AppendJSON(nil))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		more.Replay(t)
		added := rawInt(t, live.Conn, "SELECT toInt64(count()) FROM "+cl.DB+".portal_applications") - rowsBefore
		want := rawInt(t, live.Conn, "SELECT toInt64(count()) FROM "+cl.DB+".portal_applications WHERE id LIKE 'down-%'")
		if added == 0 || added != want {
			t.Fatalf("with a replica of each shard down, %d application rows landed; the new events hold %d", added, want)
		}
		withNew := snapshot(t, &live)
		if withNew == before {
			t.Fatal("the new events changed no KPI")
		}

		restart()
		// Each returning replica fetches the parts it missed from its peer.
		for _, n := range down {
			peer := up[n.Shard-1]
			for _, tb := range tables {
				waitCaughtUp(t, n, peer, cl.DB, tb)
			}
		}
		back := *cl
		back.Conn = chtest.ClusterConn(t, down[0])
		back.Store = kpi.NewStoreWithReference(back.Conn, cl.DB, cl.Ref)
		sameSnapshot(t, "while down", withNew, "after the return", snapshot(t, &back))
	})
}

// localRows counts the rows of table's local (replicated) twin on one
// server.
func localRows(t *testing.T, n *chserver.Node, db, table string) int64 {
	t.Helper()
	return rawInt(t, chtest.ClusterConn(t, n), fmt.Sprintf("SELECT toInt64(count()) FROM %s.%s_local", db, table))
}

// waitCaughtUp waits until n's replica of table holds as many rows as its
// peer's.
func waitCaughtUp(t *testing.T, n, peer *chserver.Node, db, table string) {
	t.Helper()
	nc, pc := chtest.ClusterConn(t, n), chtest.ClusterConn(t, peer)
	q := fmt.Sprintf("SELECT toInt64(count()) FROM %s.%s_local", db, table)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got, want := rawInt(t, nc, q), rawInt(t, pc, q)
		if got == want && want > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's replica of %s holds %d rows two minutes after its return; %s holds %d", n.Name(), table, got, peer.Name(), want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
