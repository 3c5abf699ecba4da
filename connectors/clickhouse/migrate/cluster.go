package migrate

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Cluster mode. The migration files are written for one server; on a
// cluster the runner rewrites each statement instead of keeping a second
// copy of every migration, so any migration, including future ones, gets
// its cluster form from the same file (and the same checksum):
//
//   - CREATE TABLE t ... ENGINE = XMergeTree(args) becomes t_local, created
//     ON CLUSTER with ReplicatedXMergeTree('/clickhouse/tables/{shard}/db/
//     t_local/NNNN', '{replica}', args), and t becomes a Distributed table
//     over t_local, so every query keeps the name it uses. NNNN is the
//     migration's version: a table dropped and created again by a later
//     migration gets a fresh ZooKeeper path.
//   - The Distributed table shards by cityHash64 of the table's ORDER BY
//     key. Rows that a ReplacingMergeTree, AggregatingMergeTree or
//     SummingMergeTree folds into one have equal sorting keys, so they land
//     on the same shard and each shard's merges (and FINAL, which runs per
//     shard) fold exactly what a single server would. For the event tables
//     the key ends with the event id and holds only fields of the event, so
//     every copy of a replayed event lands on the shard of the original.
//   - CREATE MATERIALIZED VIEW mv TO t AS SELECT ... FROM s is created ON
//     CLUSTER reading s_local and writing t_local: it fires on the replica
//     an insert lands on, and replication copies both tables' parts.
//   - INSERT ... SELECT (back-fills) runs once, through the Distributed
//     tables, with insert_distributed_sync=1: it reads every shard and its
//     rows land by the target's shard key before the migration is recorded.
//   - DROP TABLE t drops t and t_local ON CLUSTER; ALTER TABLE t alters
//     t_local ON CLUSTER and, for column changes, re-creates the
//     Distributed t over it (a Distributed table holds no data; 18.16
//     refuses ALTER ... ON CLUSTER on it when shards are replicated).
//   - CREATE DATABASE and CREATE VIEW run ON CLUSTER unchanged.
//
// Anything else is refused with the statement named, rather than applied
// to one server only.

var (
	reCreateTable = regexp.MustCompile(`(?is)^CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?\{db\}\.([A-Za-z_][A-Za-z0-9_]*)\s*(\(.*)$`)
	reEngine      = regexp.MustCompile(`(?is)\bENGINE\s*=\s*([A-Za-z]+)\s*(\()?`)
	reOrderBy     = regexp.MustCompile(`(?is)\bORDER\s+BY\s+`)
	reCreateView  = regexp.MustCompile(`(?is)^CREATE\s+(MATERIALIZED\s+)?VIEW\s+(IF\s+NOT\s+EXISTS\s+)?\{db\}\.([A-Za-z_][A-Za-z0-9_]*)\s+(.*)$`)
	reInsert      = regexp.MustCompile(`(?is)^INSERT\s+INTO\s+\{db\}\.`)
	reDrop        = regexp.MustCompile(`(?is)^DROP\s+(TABLE|VIEW)\s+(IF\s+EXISTS\s+)?\{db\}\.([A-Za-z_][A-Za-z0-9_]*)\s*$`)
	reAlter       = regexp.MustCompile(`(?is)^ALTER\s+TABLE\s+\{db\}\.([A-Za-z_][A-Za-z0-9_]*)\s+(.*)$`)
	reColumnAlter = regexp.MustCompile(`(?is)\b(ADD|DROP|MODIFY|CLEAR|COMMENT)\s+COLUMN\b`)
	reTableRef    = regexp.MustCompile(`\{db\}\.([A-Za-z_][A-Za-z0-9_]*)`)
)

// replicable lists the engines that have a Replicated form.
var replicable = map[string]bool{
	"MergeTree": true, "ReplacingMergeTree": true, "AggregatingMergeTree": true, "SummingMergeTree": true,
	"CollapsingMergeTree": true, "VersionedCollapsingMergeTree": true, "GraphiteMergeTree": true,
}

// clusterRewriter turns single-server statements into their cluster form.
// tables maps each clustered table (one with a _local twin) to the engine
// clause of its Distributed table.
type clusterRewriter struct {
	db, cluster string
	tables      map[string]string
}

// clusterStatement is one statement to run, and whether it is a data
// statement (INSERT) rather than DDL.
type clusterStatement struct {
	SQL    string
	Insert bool
}

// rewrite returns the cluster form of stmt (still holding {db}) of the
// migration with the given version.
func (r *clusterRewriter) rewrite(stmt string, version int) ([]clusterStatement, error) {
	on := " ON CLUSTER " + r.cluster
	switch {
	case reCreateTable.MatchString(stmt):
		m := reCreateTable.FindStringSubmatch(stmt)
		ifNot, name, rest := m[1], m[2], m[3]
		if strings.HasSuffix(name, "_local") {
			return nil, fmt.Errorf("table %s: names ending in _local are kept for the cluster's local tables", name)
		}
		e := reEngine.FindStringSubmatchIndex(rest)
		if e == nil {
			return nil, fmt.Errorf("table %s has no ENGINE clause", name)
		}
		engine := rest[e[2]:e[3]]
		if !replicable[engine] {
			return nil, fmt.Errorf("table %s: engine %s has no replicated form; use a MergeTree engine for tables that live on a cluster", name, engine)
		}
		var args, after string
		if e[4] >= 0 { // ENGINE = X(...)
			inner, end, ok := balanced(rest, e[4])
			if !ok {
				return nil, fmt.Errorf("table %s: unbalanced parentheses in its ENGINE clause", name)
			}
			args, after = strings.TrimSpace(inner), rest[end:]
		} else {
			after = rest[e[1]:]
		}
		if strings.HasPrefix(engine, "Graphite") || strings.Contains(strings.ToUpper(args), "SETTINGS") {
			return nil, fmt.Errorf("table %s: engine arguments %q are not supported on a cluster", name, args)
		}
		key, err := shardKey(name, after)
		if err != nil {
			return nil, err
		}
		local := name + "_local"
		path := fmt.Sprintf("'/clickhouse/tables/{shard}/%s/%s/%04d', '{replica}'", r.db, local, version)
		if args != "" {
			path += ", " + args
		}
		localSQL := "CREATE TABLE " + ifNot + "{db}." + local + on + " " + rest[:e[0]] +
			"ENGINE = Replicated" + engine + "(" + path + ")" + after
		dist := fmt.Sprintf("Distributed('%s', '%s', '%s', %s)", r.cluster, r.db, local, key)
		r.tables[name] = dist
		return []clusterStatement{
			{SQL: localSQL},
			{SQL: "CREATE TABLE " + ifNot + "{db}." + name + on + " AS {db}." + local + " ENGINE = " + dist},
		}, nil

	case reCreateView.MatchString(stmt):
		m := reCreateView.FindStringSubmatch(stmt)
		mat, ifNot, name, rest := m[1], m[2], m[3], m[4]
		if mat != "" {
			// A materialized view fires on inserts into the table it reads;
			// on a cluster those land in the local tables.
			rest = r.toLocal(rest)
		}
		return []clusterStatement{{SQL: "CREATE " + mat + "VIEW " + ifNot + "{db}." + name + on + " " + rest}}, nil

	case reInsert.MatchString(stmt):
		if !strings.Contains(strings.ToUpper(stmt), "SELECT") {
			return nil, fmt.Errorf("INSERT without SELECT: a migration's literal rows would go to one shard only; insert them through the application instead")
		}
		return []clusterStatement{{SQL: stmt, Insert: true}}, nil

	case reDrop.MatchString(stmt):
		m := reDrop.FindStringSubmatch(stmt)
		name := m[3]
		delete(r.tables, name)
		return []clusterStatement{
			{SQL: "DROP TABLE IF EXISTS {db}." + name + on},
			{SQL: "DROP TABLE IF EXISTS {db}." + name + "_local" + on},
		}, nil

	case reAlter.MatchString(stmt):
		m := reAlter.FindStringSubmatch(stmt)
		name, rest := m[1], m[2]
		dist, ok := r.tables[name]
		if !ok {
			return nil, fmt.Errorf("ALTER TABLE %s: not a table of this cluster's schema (no %s_local)", name, name)
		}
		out := []clusterStatement{{SQL: "ALTER TABLE {db}." + name + "_local" + on + " " + rest}}
		if reColumnAlter.MatchString(rest) {
			out = append(out,
				clusterStatement{SQL: "DROP TABLE IF EXISTS {db}." + name + on},
				clusterStatement{SQL: "CREATE TABLE {db}." + name + on + " AS {db}." + name + "_local ENGINE = " + dist})
		}
		return out, nil

	case regexp.MustCompile(`(?is)^CREATE\s+DATABASE\b`).MatchString(stmt):
		return []clusterStatement{{SQL: strings.TrimSpace(stmt) + on}}, nil
	}
	first := strings.Fields(stmt)
	what := stmt
	if len(first) > 2 {
		what = strings.Join(first[:3], " ") + " …"
	}
	return nil, fmt.Errorf("statement %q has no cluster form; the runner knows CREATE TABLE/VIEW/MATERIALIZED VIEW/DATABASE, INSERT … SELECT, DROP and ALTER TABLE", what)
}

// toLocal points every reference to a clustered table at its local twin.
func (r *clusterRewriter) toLocal(sql string) string {
	return reTableRef.ReplaceAllStringFunc(sql, func(ref string) string {
		if _, ok := r.tables[ref[len("{db}."):]]; ok {
			return ref + "_local"
		}
		return ref
	})
}

// shardKey is cityHash64 of the ORDER BY key found in the clauses after
// the engine.
func shardKey(table, clauses string) (string, error) {
	loc := reOrderBy.FindStringIndex(clauses)
	if loc == nil {
		return "", fmt.Errorf("table %s has no ORDER BY: the cluster shards by the sorting key", table)
	}
	var key string
	if rest := clauses[loc[1]:]; strings.HasPrefix(rest, "(") {
		inner, _, ok := balanced(rest, 0)
		if !ok {
			return "", fmt.Errorf("table %s: unbalanced parentheses in ORDER BY", table)
		}
		key = strings.TrimSpace(inner)
	} else {
		end := strings.IndexFunc(rest, func(c rune) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' })
		if end < 0 {
			end = len(rest)
		}
		key = rest[:end]
	}
	if key == "" || strings.EqualFold(key, "tuple()") {
		return "rand()", nil
	}
	return "cityHash64(" + key + ")", nil
}

// balanced returns what lies between s[open] = '(' and its matching ')'
// and the index just past it, skipping quoted strings.
func balanced(s string, open int) (string, int, bool) {
	depth, quoted := 0, false
	for i := open; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return s[open+1 : i], i + 1, true
			}
		}
	}
	return "", 0, false
}

// clusterTables reads the clustered tables already in db: every
// Distributed table with its engine clause.
func clusterTables(ctx context.Context, conn driver.Conn, db string) (map[string]string, error) {
	rows, err := conn.Query(ctx, "SELECT name, engine_full FROM system.tables WHERE database = ? AND engine = 'Distributed'", db)
	if err != nil {
		return nil, fmt.Errorf("migrations: listing the cluster's tables: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, engine string
		if err := rows.Scan(&name, &engine); err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		out[name] = engine
	}
	return out, rows.Err()
}
