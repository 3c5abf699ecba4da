package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	kafkago "github.com/segmentio/kafka-go"

	benchingest "github.com/oqim/oqim/bench/ingest"
	"github.com/oqim/oqim/connectors/clickhouse/chtest"
	"github.com/oqim/oqim/connectors/clickhouse/migrate"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/kafka/embedded"
	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/generate"
)

// runAsOqim, set in a child's environment, makes the test binary run
// oqim's main with the child's arguments instead of the tests: the child
// is then a real `oqim ingest` process (configuration from OQIM_*
// variables, signals, exit), without building a second binary.
const runAsOqim = "OQIM_TEST_RUN_AS_OQIM"

func TestMain(m *testing.M) {
	if os.Getenv(runAsOqim) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startOqim runs `oqim args...` as a child process with env and none of
// the parent's OQIM_* settings: what a deployment sets is all it sees.
func startOqim(t *testing.T, name string, env []string, args ...string) *benchingest.Process {
	t.Helper()
	var base []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OQIM_") {
			base = append(base, kv)
		}
	}
	p, err := benchingest.StartProcess(os.Args[0], name, filepath.Join(t.TempDir(), name+".log"), args, append(base, append([]string{runAsOqim + "=1", "OQIM_LOG_LEVEL=warn"}, env...)...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("output of %s:\n%s", name, p.Output())
		}
	})
	return p
}

// rows is what p's agency-events pipeline has landed.
func rows(t *testing.T, p *benchingest.Process) int64 {
	t.Helper()
	n, err := p.Rows(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", p.Name(), err)
	}
	return n
}

// assignment is who owns which partitions of topic in group, by client
// id; nil while the group forms or rebalances.
func assignment(ctx context.Context, c *kafka.Cluster, group, topic string) map[string][]int {
	members, err := c.GroupMembers(ctx, group, topic)
	if err != nil {
		return nil
	}
	owners := map[string][]int{}
	for _, m := range members {
		owners[m.ClientID] = append(owners[m.ClientID], m.Partitions...)
	}
	return owners
}

// waitFor polls cond every 50 ms until it holds, failing with what() after
// limit.
func waitFor(t *testing.T, limit time.Duration, cond func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", limit, what())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Two `oqim ingest` processes share one consumer group on a three-broker
// cluster; one is SIGKILLed while events stream in. The survivor takes
// over the dead one's partitions (group membership and committed offsets
// say so), and every event lands exactly once: no id missing, none twice
// after FINAL. The raw row count may exceed the events by what the killed
// process inserted but had not committed: those records are redelivered
// to the survivor and their rows, carrying the same id and version,
// collapse in the ReplacingMergeTree (FINAL, or a background merge).
//
// It runs on one ClickHouse server and on the local cluster (2 shards × 2
// replicas, schema ON CLUSTER), the two processes writing through servers
// of different shards.
func TestIngestScaleOutSurvivesKill(t *testing.T) {
	t.Run("OneServer", func(t *testing.T) {
		dsn := chtest.Default.DSN(t)
		conn, db := chtest.Database(t)
		survivesKill(t, conn, migrate.Target{DB: db}, dsn, dsn)
	})
	t.Run("Cluster", func(t *testing.T) {
		c, conn, db := chtest.ClusterDatabase(t)
		survivesKill(t, conn, migrate.Target{DB: db, Cluster: c.Name}, c.Nodes[0].DSN(), c.Nodes[len(c.Nodes)-1].DSN())
	})
}

// survivesKill runs the test on target, process a writing through dsnA
// and b through dsnB.
func survivesKill(t *testing.T, conn driver.Conn, target migrate.Target, dsnA, dsnB string) {
	db := target.DB
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := migrate.UpOn(ctx, conn, target, schemaSets()...); err != nil {
		t.Fatal(err)
	}
	const (
		topic      = "scaleout.applications"
		group      = "scaleout"
		partitions = 6
		apps       = 6000
	)
	b, err := embedded.Start(embedded.Options{Brokers: 3, Topics: []string{topic, topic + ".dlq"}, Partitions: partitions})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	brokers := strings.Join(b.Addrs(), ",")

	env := func(clientID, dsn string) []string {
		return []string{
			"OQIM_KAFKA_BROKERS=" + brokers, "OQIM_KAFKA_TOPIC=" + topic, "OQIM_KAFKA_GROUP=" + group,
			"OQIM_KAFKA_PARTITIONS=" + strconv.Itoa(partitions), "OQIM_KAFKA_CLIENT_ID=" + clientID,
			"OQIM_CLICKHOUSE_DSN=" + dsn, "OQIM_CLICKHOUSE_DATABASE=" + db, "OQIM_CLICKHOUSE_CLUSTER=" + target.Cluster,
			"OQIM_PIPELINE_BATCH_SIZE=500", "OQIM_PIPELINE_BATCH_INTERVAL=50ms",
			// The killed process's partitions move after this, not 30 s.
			"OQIM_PIPELINE_SESSION_TIMEOUT=6s",
		}
	}
	procA := startOqim(t, "ingest-a", env("ingest-a", dsnA), "ingest", "--insecure-demo")
	procB := startOqim(t, "ingest-b", env("ingest-b", dsnB), "ingest", "--insecure-demo")

	cl := kafka.Plain(b.Addrs()...)
	admin := &kafkago.Client{Addr: kafkago.TCP(b.Addrs()...), Timeout: 5 * time.Second}
	var owners map[string][]int
	waitFor(t, 30*time.Second, func() bool {
		owners = assignment(ctx, cl, group, topic)
		return len(owners["ingest-a"]) > 0 && len(owners["ingest-b"]) > 0
	}, func() string { return fmt.Sprintf("partitions not shared by both processes: %v", owners) })
	t.Logf("before the kill: %v", owners)

	// Events stream in while the processes run, so the kill falls among
	// batches in flight.
	ref, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	g := generate.New(ref, generate.Options{Seed: 17, RunID: t.Name(), Families: []generate.Family{generate.PortalApplication}})
	var msgs []kafkago.Message
	sent := map[string]bool{}
	if err := g.Backfill(time.Now(), apps, func(e *generate.Event) error {
		msgs = append(msgs, kafkago.Message{Key: []byte(e.ApplicationID), Value: e.AppendJSON(nil)})
		sent[e.ID] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(sent) != len(msgs) {
		t.Fatalf("%d events generated with %d distinct ids", len(msgs), len(sent))
	}
	w := cl.NewWriter(topic)
	defer w.Close()
	produced := make(chan error, 1)
	go func() {
		for chunk := range slices.Chunk(msgs, 500) {
			if err := w.WriteMessages(ctx, chunk...); err != nil {
				produced <- err
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		produced <- nil
	}()

	var rowsA, rowsB int64
	waitFor(t, 30*time.Second, func() bool {
		rowsA, rowsB = rows(t, procA), rows(t, procB)
		return rowsA > 0 && rowsB > 0
	}, func() string { return fmt.Sprintf("rows landed: a %d, b %d", rowsA, rowsB) })
	procA.Kill() // SIGKILL: no shutdown, no leaving the group
	killedAt := rows(t, procB)
	t.Logf("SIGKILLed ingest-a after it reported %d rows landed (ingest-b %d)", rowsA, killedAt)
	if err := <-produced; err != nil {
		t.Fatal(err)
	}

	total := uint64(len(msgs))
	var raw, unique, final uint64
	waitFor(t, 45*time.Second, func() bool {
		if err := conn.QueryRow(ctx, "SELECT count(), uniqExact(id) FROM "+db+".portal_applications").Scan(&raw, &unique); err != nil {
			t.Fatal(err)
		}
		return unique >= total
	}, func() string { return fmt.Sprintf("%d of %d events landed", unique, total) })
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".portal_applications FINAL").Scan(&final); err != nil {
		t.Fatal(err)
	}
	if unique != total || final != total || raw < total {
		t.Fatalf("%d events sent: %d distinct ids, %d rows under FINAL, %d raw rows", total, unique, final, raw)
	}
	// Every id sent is there (the counts could agree with a lost id and a
	// stray one).
	ids, err := conn.Query(ctx, "SELECT DISTINCT id FROM "+db+".portal_applications")
	if err != nil {
		t.Fatal(err)
	}
	for ids.Next() {
		var id string
		if err := ids.Scan(&id); err != nil {
			t.Fatal(err)
		}
		if !sent[id] {
			t.Fatalf("id %s landed but was never sent", id)
		}
		delete(sent, id)
	}
	ids.Close()
	if len(sent) != 0 {
		t.Fatalf("%d ids sent never landed", len(sent))
	}

	// The survivor owns every partition and has committed each to its end.
	waitFor(t, 20*time.Second, func() bool {
		owners = assignment(ctx, cl, group, topic)
		return len(owners) == 1 && len(owners["ingest-b"]) == partitions
	}, func() string { return fmt.Sprintf("after the kill the partitions are owned by %v", owners) })
	after := rows(t, procB)
	if after <= killedAt {
		t.Fatalf("ingest-b landed nothing after the kill (%d rows before, %d after)", killedAt, after)
	}
	parts := make([]int, partitions)
	ends := map[string][]kafkago.OffsetRequest{topic: nil}
	for p := range parts {
		parts[p] = p
		ends[topic] = append(ends[topic], kafkago.LastOffsetOf(p))
	}
	waitFor(t, 10*time.Second, func() bool {
		committed, err := admin.OffsetFetch(ctx, &kafkago.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
		if err != nil {
			return false
		}
		last, err := admin.ListOffsets(ctx, &kafkago.ListOffsetsRequest{Topics: ends})
		if err != nil {
			return false
		}
		end := map[int]int64{}
		for _, po := range last.Topics[topic] {
			end[po.Partition] = po.LastOffset
		}
		for _, c := range committed.Topics[topic] {
			if c.CommittedOffset != end[c.Partition] {
				return false
			}
		}
		return len(committed.Topics[topic]) == partitions
	}, func() string { return "the group's committed offsets do not reach the end of every partition" })
	t.Logf("%d events: %d distinct ids, %d under FINAL, %d raw rows (%d replayed after the kill); ingest-b landed %d rows after it",
		total, unique, final, raw, raw-total, after-killedAt)
}
