package query

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/bench/procstat"
	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/clickhouse/chserver"
	"github.com/oqim/oqim/connectors/clickhouse/chtest"
	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/decode"
	"github.com/oqim/oqim/pipelines/generate"
	"github.com/oqim/oqim/pipelines/schema"
)

// The fast load lands exactly the events it generates: the same events,
// generated again here shard by shard and decoded independently, give the
// per-table row counts, and ClickHouse holds those rows, each id once.
// Then the benchmark runs every endpoint against the loaded database.
func TestLoadThenBench(t *testing.T) {
	const events = 50000
	conn, db := chtest.Database(t)
	ctx := context.Background()
	now := time.Date(2025, 11, 20, 12, 0, 0, 0, time.UTC)
	var progress bytes.Buffer
	rep, err := Load(ctx, conn, db, Options{Events: events, Seed: 3, Now: now, Workers: 1, AppsPerDay: 4000, BatchRows: 20000, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events != events {
		t.Fatalf("report says %d events, want %d", rep.Events, events)
	}

	// What should have landed: the documented shard scheme, decoded here.
	ref, _ := region.Load()
	reg, _ := schema.Load()
	dec, err := decode.New(decode.Options{Registry: reg, Regions: ref.RegionIDs(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	left := events
	stop := errors.New("stop")
	emit := func(e *generate.Event) error {
		if left == 0 {
			return stop
		}
		left--
		if err := dec.Decode(e.AppendJSON(nil)); err != nil {
			t.Fatalf("generated event rejected: %v", err)
		}
		return nil
	}
	for k := 0; left > 0; k++ {
		fs := lifecycle
		if k == 0 {
			fs = generate.Families
		}
		g := generate.New(ref, generate.Options{Seed: 3 + uint64(k), RunID: "q3d" + strconv.Itoa(k), Window: 24 * time.Hour, Families: fs})
		err := g.Backfill(now.AddDate(0, 0, -k), 4000, emit)
		if err == nil && k > 0 {
			err = g.Advance(now, emit)
		}
		if err != nil && !errors.Is(err, stop) {
			t.Fatal(err)
		}
	}
	var total int64
	for _, tb := range dec.Tables() {
		if tb.Rows() > 0 {
			want[tb.Family.Table] = int64(tb.Rows())
			total += int64(tb.Rows())
		}
	}
	if total != events || len(want) != len(generate.Families) {
		t.Fatalf("independent generation: %d rows over %d tables, want %d over every family: %v", total, len(want), events, want)
	}
	for table, n := range want {
		if rep.Tables[table] != n {
			t.Errorf("report: %s has %d rows, want %d", table, rep.Tables[table], n)
		}
		var rows, ids uint64
		if err := conn.QueryRow(ctx, "SELECT count(), uniqExact(id) FROM "+db+"."+table).Scan(&rows, &ids); err != nil {
			t.Fatal(err)
		}
		if int64(rows) != n || int64(ids) != n {
			t.Errorf("%s: %d rows, %d ids in ClickHouse, want %d", table, rows, ids, n)
		}
	}
	// The rollups were fed by the views: applications that reached
	// "submitted" equal the submitted events.
	var rolled, raw uint64
	if err := conn.QueryRow(ctx, "SELECT uniqExactMerge(applications) FROM "+db+".kpi_application_days WHERE status = 'submitted'").Scan(&rolled); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".portal_applications WHERE status = 'submitted'").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if rolled != raw || raw == 0 {
		t.Errorf("rollup has %d submitted applications, raw table %d", rolled, raw)
	}

	b, err := Run(ctx, conn, RunOptions{Database: db, Warmup: 1, Repeats: 3, MinTime: -1, Runs: 1, Regions: []string{"UZ-TK", "UZ-NW"}})
	if err != nil {
		t.Fatal(err)
	}
	if b.Events != events {
		t.Errorf("bench counted %d events, want %d", b.Events, events)
	}
	seen := map[string]bool{}
	for _, r := range b.Results {
		seen[strings.TrimPrefix(strings.SplitN(r.Path, "?", 2)[0], "/api/v1/kpi/")] = true
		if !(r.P50Ms > 0 && r.P95Ms >= r.P50Ms && r.DirectP95Ms > 0 && r.Ratio > 0) || r.Statements == 0 {
			t.Errorf("%s: implausible figures %+v", r.Endpoint, r)
		}
	}
	for _, name := range append([]string{"applications", "chatbot"}, tableNames()...) {
		if !seen[name] {
			t.Errorf("endpoint %s not measured", name)
		}
	}
	var out bytes.Buffer
	if err := b.WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(b.Results) {
		t.Fatalf("%d JSON lines for %d results", len(lines), len(b.Results))
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"endpoint", "p50_ms", "p95_ms", "direct_p95_ms", "ratio"} {
			if _, ok := m[k]; !ok {
				t.Fatalf("JSON line without %s: %s", k, l)
			}
		}
	}
	out.Reset()
	if err := b.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	t.Logf("load: %s\n%s", strings.TrimSpace(progress.String()), out.String())
}

// With two workers the cut at Events may fall differently, but exactly
// Events land, each once, and the report matches ClickHouse.
func TestLoadParallel(t *testing.T) {
	const events = 30000
	conn, db := chtest.Database(t)
	ctx := context.Background()
	rep, err := Load(ctx, conn, db, Options{Events: events, Seed: 5, Workers: 2, AppsPerDay: 3000, BatchRows: 5000})
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for table, n := range rep.Tables {
		var rows, ids uint64
		if err := conn.QueryRow(ctx, "SELECT count(), uniqExact(id) FROM "+db+"."+table).Scan(&rows, &ids); err != nil {
			t.Fatal(err)
		}
		if int64(rows) != n || int64(ids) != n {
			t.Errorf("%s: %d rows, %d ids in ClickHouse, report says %d", table, rows, ids, n)
		}
		sum += n
	}
	if got, err := Events(ctx, conn, db); err != nil || sum != events || got != events {
		t.Errorf("report sums to %d rows, ClickHouse holds %d (%v), want %d", sum, got, err, events)
	}
}

func tableNames() []string {
	var s []string
	for _, t := range kpi.Tables() {
		s = append(s, t.Name)
	}
	return s
}

// TestLargeLoadAndBench is the measurement at scale, run by hand:
//
//	OQIM_QUERY_BENCH_EVENTS=100000000 go test -run TestLargeLoadAndBench -timeout 0 -v ./bench/query/
//
// It keeps a private ClickHouse under var/bench-query (or
// OQIM_QUERY_BENCH_DIR) and database bench_q<events>, loading it only when
// it holds fewer events, so later runs only measure.
func TestLargeLoadAndBench(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("OQIM_QUERY_BENCH_EVENTS"))
	if n <= 0 {
		t.Skip("set OQIM_QUERY_BENCH_EVENTS to load and measure at scale")
	}
	dir := os.Getenv("OQIM_QUERY_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "var", "bench-query")
	}
	ctx := context.Background()
	bin, err := chserver.FindBinary()
	if err != nil {
		t.Skip(err)
	}
	srv, err := chserver.Start(ctx, chserver.Options{Dir: dir, Binary: bin})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(ctx)
	conn, err := clickhouse.Open(ctx, srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	db := "bench_q" + strconv.Itoa(n)
	have, _ := Events(ctx, conn, db)
	if have < uint64(n) {
		_ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db)
		rep, err := Load(ctx, conn, db, Options{Events: n, Seed: 1, Progress: os.Stderr})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		_ = rep.WriteText(&b)
		js, _ := json.Marshal(rep)
		t.Logf("load:\n%s%s", b.String(), js)
		t.Logf("ClickHouse peak RSS after load: %.0f MiB", float64(procstat.PeakRSSOf(srv.Pid()))/(1<<20))
	}
	if os.Getenv("OQIM_QUERY_BENCH_LOAD_ONLY") != "" {
		return
	}
	o := RunOptions{Database: db, Progress: os.Stderr, Only: os.Getenv("OQIM_QUERY_BENCH_ONLY")}
	o.Runs, _ = strconv.Atoi(os.Getenv("OQIM_QUERY_BENCH_RUNS"))
	o.Repeats, _ = strconv.Atoi(os.Getenv("OQIM_QUERY_BENCH_REPEATS"))
	o.Warmup, _ = strconv.Atoi(os.Getenv("OQIM_QUERY_BENCH_WARMUP"))
	rep, err := Run(ctx, conn, o)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	_ = rep.WriteText(&b)
	t.Logf("\n%s", b.String())
	if f := os.Getenv("OQIM_QUERY_BENCH_JSON"); f != "" {
		var js bytes.Buffer
		_ = rep.WriteJSON(&js)
		_ = os.WriteFile(f, js.Bytes(), 0o644)
	}
}
