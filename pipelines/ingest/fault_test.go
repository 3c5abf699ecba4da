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

	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/clickhouse/chserver"
	"github.com/oqim/oqim/connectors/clickhouse/migrate"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/pipelines/ingest"
	"github.com/oqim/oqim/pipelines/ingest/ingesttest"
	"github.com/oqim/oqim/pipelines/schema"
)

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
	bin, err := chserver.FindBinary()
	if err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	srv, err := chserver.Start(ctx, chserver.Options{Dir: dir, Binary: bin})
	if err != nil {
		t.Fatal(err)
	}
	port := srv.TCPPort
	defer func() { _ = srv.Stop(ctx) }()
	conn, err := clickhouse.Open(ctx, srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const db = "outage"
	if _, err := migrate.Up(ctx, conn, db, schema.Migrations()); err != nil {
		t.Fatal(err)
	}

	env := ingesttest.NewBroker(t)
	env.Conn, env.DB = conn, db
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
