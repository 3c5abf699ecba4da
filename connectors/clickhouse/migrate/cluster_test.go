package migrate

import (
	"strings"
	"testing"
)

func rewriter() *clusterRewriter {
	return &clusterRewriter{db: "oqim", cluster: "c1", tables: map[string]string{}}
}

func TestClusterRewriteTable(t *testing.T) {
	r := rewriter()
	out, err := r.rewrite("CREATE TABLE IF NOT EXISTS {db}.events (id String, region String, v UInt64) ENGINE = ReplacingMergeTree(v) PARTITION BY region ORDER BY (region, id)", 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 {
		t.Fatalf("want a local and a Distributed table, got %d statements", len(out))
	}
	local, dist := out[0].SQL, out[1].SQL
	for _, want := range []string{
		"{db}.events_local ON CLUSTER c1 ",
		"ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/oqim/events_local/0007', '{replica}', v)",
		"PARTITION BY region ORDER BY (region, id)",
	} {
		if !strings.Contains(local, want) {
			t.Errorf("local table %q lacks %q", local, want)
		}
	}
	if want := "CREATE TABLE IF NOT EXISTS {db}.events ON CLUSTER c1 AS {db}.events_local ENGINE = Distributed('c1', 'oqim', 'events_local', cityHash64(region, id))"; dist != want {
		t.Errorf("Distributed table:\n got %s\nwant %s", dist, want)
	}
	// A materialized view over it reads and writes the local tables.
	if _, err := r.rewrite("CREATE TABLE {db}.days (day Date, n UInt64) ENGINE = SummingMergeTree ORDER BY day", 8); err != nil {
		t.Fatal(err)
	}
	mv, err := r.rewrite("CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.days_mv TO {db}.days AS SELECT toDate(now()) AS day, count() AS n FROM {db}.events", 8)
	if err != nil {
		t.Fatal(err)
	}
	if want := "TO {db}.days_local AS SELECT toDate(now()) AS day, count() AS n FROM {db}.events_local"; !strings.HasSuffix(mv[0].SQL, want) || !strings.Contains(mv[0].SQL, " ON CLUSTER c1 ") {
		t.Errorf("materialized view: %s", mv[0].SQL)
	}
	// A column change re-creates the Distributed table over the local one.
	alt, err := r.rewrite("ALTER TABLE {db}.events ADD COLUMN w UInt8", 9)
	if err != nil {
		t.Fatal(err)
	}
	if len(alt) != 3 || !strings.HasPrefix(alt[0].SQL, "ALTER TABLE {db}.events_local ON CLUSTER c1 ADD COLUMN") || !strings.Contains(alt[2].SQL, "ENGINE = Distributed('c1'") {
		t.Errorf("ALTER: %+v", alt)
	}
}

func TestClusterRewriteRefuses(t *testing.T) {
	for _, tc := range []struct{ stmt, reason string }{
		{"CREATE TABLE {db}.m (id String) ENGINE = Memory", "no replicated form"},
		{"CREATE TABLE {db}.x (id String) ENGINE = MergeTree PARTITION BY id", "no ORDER BY"},
		{"CREATE TABLE {db}.x_local (id String) ENGINE = MergeTree ORDER BY id", "_local"},
		{"INSERT INTO {db}.x VALUES ('a')", "one shard only"},
		{"ALTER TABLE {db}.unknown ADD COLUMN a UInt8", "not a table of this cluster"},
		{"RENAME TABLE {db}.a TO {db}.b", "no cluster form"},
	} {
		_, err := rewriter().rewrite(tc.stmt, 1)
		if err == nil || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("%s: got %v, want an error saying %q", tc.stmt, err, tc.reason)
		}
	}
}
