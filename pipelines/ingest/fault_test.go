package ingest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/clickhouse/chserver"
	"github.com/oqim/oqim/connectors/clickhouse/migrate"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/pipelines/generate"
	"github.com/oqim/oqim/pipelines/ingest"
	"github.com/oqim/oqim/pipelines/ingest/ingesttest"
	"github.com/oqim/oqim/pipelines/schema"
)

// ownClickHouse starts a ClickHouse server of the test's own in dir, which
// the test may stop, freeze or start again, with database db migrated,
// and a broker beside it; both are gone when the test ends.
func ownClickHouse(t *testing.T, dir, db string) (*chserver.Server, *ingesttest.Env) {
	t.Helper()
	bin, err := chserver.FindBinary()
	if err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	srv, err := chserver.Start(ctx, chserver.Options{Dir: dir, Binary: bin})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(ctx) })
	conn, err := clickhouse.Open(ctx, srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := migrate.Up(ctx, conn, db, schema.Migrations()); err != nil {
		t.Fatal(err)
	}
	env := ingesttest.NewBroker(t)
	env.Conn, env.DB = conn, db
	return srv, env
}

// counts returns all rows and distinct event ids in portal_applications.
func counts(t *testing.T, dsn, db string) (rows, unique uint64) {
	t.Helper()
	conn, err := clickhouse.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.QueryRow(context.Background(), "SELECT count(), uniqExact(id) FROM "+db+".portal_applications").Scan(&rows, &unique); err != nil {
		t.Fatal(err)
	}
	return rows, unique
}

// ClickHouse stops mid-stream: the pipeline pauses, retries with backoff,
// and once the same server is back everything lands exactly once.
func TestClickHouseOutage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, env := ownClickHouse(t, dir, "outage")
	port := srv.TCPPort
	defer func() { _ = srv.Stop(ctx) }() // the server started again below
	msgs, want := generated(t, env, 3000)
	half := len(msgs) / 2
	env.Produce(t, msgs[:half])
	p := env.Start(t, "outage")
	p.WaitRows(t, uint64(half), 0)

	if err := srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	env.Produce(t, msgs[half:])
	deadline := time.Now().Add(30 * time.Second)
	for p.Metrics.Errors["insert"].Get() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no insert failed while ClickHouse was down")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := p.Metrics.Rows.Get(); got != uint64(half) {
		t.Fatalf("%d rows reported landed while ClickHouse was down, want %d", got, half)
	}

	bin, err := chserver.FindBinary()
	if err != nil {
		t.Fatal(err)
	}
	srv, err = chserver.Start(ctx, chserver.Options{Dir: dir, Binary: bin, TCPPort: port})
	if err != nil {
		t.Fatal(err)
	}
	p.WaitRows(t, uint64(len(msgs)), 0)
	got, total := landed(t, env)
	equal(t, got, want)
	if total != uint64(len(msgs)) {
		t.Fatalf("%d rows after the outage, want %d", total, len(msgs))
	}
}

// The pipeline process is killed (SIGKILL) mid-stream and started again:
// nothing is lost, and anything inserted but not committed before the kill
// is absorbed by dedup on id.
func TestKillMidBatch(t *testing.T) {
	env := ingesttest.New(t)
	msgs, want := generated(t, env, 6000)
	env.Produce(t, msgs)
	dsn := env.DSN

	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPipelineChild$")
		cmd.Env = append(os.Environ(), "OQIM_PIPELINE_CHILD=1", "OQIM_CHILD_BROKERS="+strings.Join(env.Brokers, ","),
			"OQIM_CHILD_DSN="+dsn, "OQIM_CHILD_DB="+env.DB)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	child := start()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if rows, _ := counts(t, dsn, env.DB); rows > 0 {
			break
		}
		if time.Now().After(deadline) {
			_ = child.Process.Kill()
			t.Fatal("the child landed nothing")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	before, _ := counts(t, dsn, env.DB)
	if before >= uint64(len(msgs)) {
		t.Logf("the child landed all %d rows before the kill; the restart then has nothing to do", before)
	}

	child = start()
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	deadline = time.Now().Add(60 * time.Second)
	for {
		_, unique := counts(t, dsn, env.DB)
		if unique == uint64(len(msgs)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events after restart", unique, len(msgs))
		}
		time.Sleep(50 * time.Millisecond)
	}
	got, total := landed(t, env)
	equal(t, got, want)
	if total != uint64(len(msgs)) {
		t.Fatalf("KPI view has %d rows, want %d", total, len(msgs))
	}
	rows, _ := counts(t, dsn, env.DB)
	t.Logf("killed after %d rows had landed; %d raw rows for %d events (replayed duplicates collapse under FINAL)", before, rows, len(msgs))
}

// TestPipelineChild is the process TestKillMidBatch kills; it does nothing
// when run on its own.
func TestPipelineChild(t *testing.T) {
	if os.Getenv("OQIM_PIPELINE_CHILD") == "" {
		t.Skip("helper process for TestKillMidBatch")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	conn, err := clickhouse.Open(ctx, os.Getenv("OQIM_CHILD_DSN"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ingest.NewPipeline(context.Background(), ingest.Config{
		Name: "killed", Topics: []string{ingesttest.Topic}, Group: "killed", BatchSize: 500, BatchInterval: 50 * time.Millisecond,
		// The killed member's partitions move on after this, not 30 s.
		SessionTimeout: 6 * time.Second,
	}, ingest.Deps{Kafka: kafka.Plain(strings.Split(os.Getenv("OQIM_CHILD_BROKERS"), ",")...), Conn: conn, Database: os.Getenv("OQIM_CHILD_DB")})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}

// A stop while one batch cannot land (its table is away) and a later
// batch, for another table, is queued behind it: the later batch must not
// be committed, for its offsets would carry the partitions past the batch
// that did not land, which would then never be redelivered. After the
// table is back and the pipeline restarts, every event lands.
func TestStopWhileABatchStallsLosesNothing(t *testing.T) {
	env := ingesttest.New(t)
	ctx := context.Background()
	rename := func(from, to string) {
		t.Helper()
		if err := env.Conn.Exec(ctx, "RENAME TABLE "+env.DB+"."+from+" TO "+env.DB+"."+to); err != nil {
			t.Fatal(err)
		}
	}
	count := func(table string) uint64 {
		t.Helper()
		var n uint64
		if err := env.Conn.QueryRow(ctx, "SELECT count() FROM "+env.DB+"."+table+" FINAL").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var apps, appeals []kafkago.Message
	for i := range 20 {
		apps = append(apps, application(fmt.Sprintf("stalled-%d", i), "Tax Committee"))
	}
	g := generate.New(env.Ref, generate.Options{Seed: 7, RunID: t.Name(), Families: []generate.Family{generate.MahallaAppeal}})
	if err := g.Backfill(time.Now(), 20, func(e *generate.Event) error {
		appeals = append(appeals, kafkago.Message{Key: []byte(e.ID), Value: e.AppendJSON(nil)})
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	rename("portal_applications", "portal_applications_away")
	env.Produce(t, apps)
	cfg := ingest.Config{Name: "stall-stop", Topics: []string{ingesttest.Topic}, Group: "stall-stop",
		BatchSize: len(apps), BatchInterval: 100 * time.Millisecond}
	p := env.StartConfig(t, cfg)
	deadline := time.Now().Add(30 * time.Second)
	for p.Metrics.Errors["insert"].Get() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no insert failed while the table was away")
		}
		time.Sleep(20 * time.Millisecond)
	}
	env.Produce(t, appeals)
	time.Sleep(time.Second) // the appeals' batch is cut and queued behind the stalled one
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if n := count("mahalla_appeals"); n != 0 {
		t.Logf("%d appeals landed before the stop", n)
	}

	rename("portal_applications_away", "portal_applications")
	cfg.BatchSize = 1000
	p = env.StartConfig(t, cfg)
	deadline = time.Now().Add(60 * time.Second)
	for count("portal_applications") != uint64(len(apps)) || count("mahalla_appeals") != uint64(len(appeals)) {
		if time.Now().After(deadline) {
			t.Fatalf("after the restart %d of %d applications and %d of %d appeals landed; lag %d",
				count("portal_applications"), len(apps), count("mahalla_appeals"), len(appeals), p.Metrics.Lag())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
