// Package migrate manages a ClickHouse schema as numbered SQL files
// applied in order, each once. Each part of a program owns the tables it
// uses and hands its migrations over as an fs.FS; Up merges the sets by
// version, so versions are global and unique across sets. Applied
// versions are recorded with a checksum in <db>.schema_migrations, so an
// edited migration is caught instead of silently skipped.
package migrate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/connectors/clickhouse"
)

// Migration is one numbered schema change.
type Migration struct {
	Version  int
	Name     string
	SQL      string
	Checksum string
}

// State is a migration and whether and when it was applied.
type State struct {
	Migration
	Applied   bool
	AppliedAt time.Time
}

var fileName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// validDB keeps the database name safe to splice into DDL, which cannot
// take bound parameters.
var validDB = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Dir is the directory of a set that holds its migrations, so an owner
// hands over its embed.FS as it is (//go:embed migrations/*.sql).
const Dir = "migrations"

// Load reads the migrations of every set (files Dir/NNNN_name.sql; a file
// with {db} gets the database name) and returns them
// merged in version order. A version used twice, within a set or across
// sets, is an error: versions are global.
func Load(sets ...fs.FS) ([]Migration, error) {
	var ms []Migration
	for _, set := range sets {
		entries, err := fs.ReadDir(set, Dir)
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		for _, e := range entries {
			m := fileName.FindStringSubmatch(e.Name())
			if m == nil {
				return nil, fmt.Errorf("migrations: %s does not match NNNN_name.sql", e.Name())
			}
			b, err := fs.ReadFile(set, Dir+"/"+e.Name())
			if err != nil {
				return nil, fmt.Errorf("migrations: %w", err)
			}
			v, _ := strconv.Atoi(m[1])
			sum := sha256.Sum256(b)
			ms = append(ms, Migration{Version: v, Name: m[2], SQL: string(b), Checksum: hex.EncodeToString(sum[:8])})
		}
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("migrations: version %d is used twice (%s and %s)", ms[i].Version, ms[i-1].Name, ms[i].Name)
		}
	}
	return ms, nil
}

// Up creates the database if needed and applies every migration of sets
// not yet applied, in version order. It is safe to run any number of
// times, with any subset of the sets, and returns the migrations it
// applied now.
func Up(ctx context.Context, conn driver.Conn, db string, sets ...fs.FS) ([]Migration, error) {
	return UpOn(ctx, conn, Target{DB: db}, sets...)
}

// Target is where the schema lives: a database on one server, or, with
// Cluster set, on every server of that cluster (remote_servers), in its
// replicated and sharded form (see cluster.go).
type Target struct {
	DB      string
	Cluster string
}

// UpOn is Up for a database on one server or on a cluster. On a cluster
// conn may be any of its servers; every statement runs ON CLUSTER, so all
// of them must be up.
func UpOn(ctx context.Context, conn driver.Conn, t Target, sets ...fs.FS) ([]Migration, error) {
	states, err := StatusOn(ctx, conn, t, sets...)
	if err != nil {
		return nil, err
	}
	var rw *clusterRewriter
	if t.Cluster != "" {
		ctx = clickhouse.WithSettings(ctx, clickhouse.ClusterSettings())
		tables, err := clusterTables(ctx, conn, t.DB)
		if err != nil {
			return nil, err
		}
		rw = &clusterRewriter{db: t.DB, cluster: t.Cluster, tables: tables}
	}
	var applied []Migration
	for _, s := range states {
		if s.Applied {
			continue
		}
		if rw == nil {
			for i, stmt := range statements(s.SQL, t.DB) {
				if err := conn.Exec(ctx, stmt); err != nil {
					return applied, fmt.Errorf("migration %04d_%s, statement %d: %w", s.Version, s.Name, i+1, err)
				}
			}
		} else if err := applyOnCluster(ctx, conn, rw, t.DB, s.Migration); err != nil {
			return applied, err
		}
		if err := clickhouse.Insert(ctx, conn, t.DB+".schema_migrations", []string{"version", "name", "checksum", "applied_at"},
			[]any{[]uint32{uint32(s.Version)}, []string{s.Name}, []string{s.Checksum}, []time.Time{time.Now().UTC()}}); err != nil {
			return applied, fmt.Errorf("migration %04d_%s: recording it: %w", s.Version, s.Name, err)
		}
		applied = append(applied, s.Migration)
	}
	return applied, nil
}

// applyOnCluster rewrites every statement of m into its cluster form
// first, so a migration with a statement that has none fails before any
// of it runs.
func applyOnCluster(ctx context.Context, conn driver.Conn, rw *clusterRewriter, db string, m Migration) error {
	type step struct {
		n   int
		sql string
	}
	var steps []step
	for i, stmt := range split(m.SQL) {
		out, err := rw.rewrite(stmt, m.Version)
		if err != nil {
			return fmt.Errorf("migration %04d_%s, statement %d: %w", m.Version, m.Name, i+1, err)
		}
		for _, o := range out {
			steps = append(steps, step{i + 1, strings.ReplaceAll(o.SQL, "{db}", db)})
		}
	}
	for _, st := range steps {
		if err := conn.Exec(ctx, st.sql); err != nil {
			return fmt.Errorf("migration %04d_%s, statement %d (on cluster %s: %.200s): %w", m.Version, m.Name, st.n, rw.cluster, st.sql, err)
		}
	}
	return nil
}

// Status lists every migration of sets with whether it is applied. It
// creates the database and the bookkeeping table if they are missing.
// Versions recorded as applied but in none of sets (another part's) are
// left out.
func Status(ctx context.Context, conn driver.Conn, db string, sets ...fs.FS) ([]State, error) {
	return StatusOn(ctx, conn, Target{DB: db}, sets...)
}

// StatusOn is Status for a database on one server or on a cluster.
func StatusOn(ctx context.Context, conn driver.Conn, t Target, sets ...fs.FS) ([]State, error) {
	db := t.DB
	if !validDB.MatchString(db) {
		return nil, fmt.Errorf("migrations: database name %q must be letters, digits and underscores", db)
	}
	if t.Cluster != "" && !validDB.MatchString(t.Cluster) {
		return nil, fmt.Errorf("migrations: cluster name %q must be letters, digits and underscores", t.Cluster)
	}
	all, err := Load(sets...)
	if err != nil {
		return nil, err
	}
	bookkeeping := []string{
		"CREATE DATABASE IF NOT EXISTS " + db,
		"CREATE TABLE IF NOT EXISTS " + db + ".schema_migrations (version UInt32, name String, checksum String, applied_at DateTime('UTC')) ENGINE = TinyLog",
	}
	if t.Cluster != "" {
		// One ledger for the whole cluster: a replicated table whose
		// ZooKeeper path has no {shard}, so every server of every shard
		// holds every record, and a migration is recorded once.
		on := " ON CLUSTER " + t.Cluster
		bookkeeping = []string{
			"CREATE DATABASE IF NOT EXISTS " + db + on,
			"CREATE TABLE IF NOT EXISTS " + db + ".schema_migrations" + on + " (version UInt32, name String, checksum String, applied_at DateTime('UTC'))" +
				" ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/" + db + "/schema_migrations', '{shard}_{replica}') ORDER BY version",
			// Read what other servers recorded, not a lagging copy.
			"SYSTEM SYNC REPLICA " + db + ".schema_migrations",
		}
	}
	for _, stmt := range bookkeeping {
		if err := conn.Exec(ctx, stmt); err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
	}
	rows, err := conn.Query(ctx, "SELECT version, checksum, applied_at FROM "+db+".schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("migrations: reading applied versions: %w", err)
	}
	defer rows.Close()
	type rec struct {
		sum string
		at  time.Time
	}
	done := map[int]rec{}
	for rows.Next() {
		var (
			v   uint32
			sum string
			at  time.Time
		)
		if err := rows.Scan(&v, &sum, &at); err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		done[int(v)] = rec{sum, at}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	states := make([]State, len(all))
	for i, m := range all {
		states[i].Migration = m
		if r, ok := done[m.Version]; ok {
			if r.sum != m.Checksum {
				return nil, fmt.Errorf("migration %04d_%s was applied with checksum %s but the file now has %s: never edit an applied migration, add a new one", m.Version, m.Name, r.sum, m.Checksum)
			}
			states[i].Applied, states[i].AppliedAt = true, r.at
		}
	}
	return states, nil
}

// statements splits a migration file into statements and fills in the
// database name.
func statements(sql, db string) []string {
	out := split(sql)
	for i, st := range out {
		out[i] = strings.ReplaceAll(st, "{db}", db)
	}
	return out
}

// split splits a migration file into statements. It drops comments (-- to
// the end of the line) and splits on ';', both only outside single-quoted
// strings.
func split(sql string) []string {
	var (
		out    []string
		cur    strings.Builder
		quoted bool
	)
	flush := func() {
		if st := strings.TrimSpace(cur.String()); st != "" {
			out = append(out, st)
		}
		cur.Reset()
	}
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case !quoted && c == '-' && strings.HasPrefix(sql[i:], "--"):
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
			c = '\n'
		case !quoted && c == ';':
			flush()
			continue
		}
		cur.WriteByte(c)
	}
	flush()
	return out
}
