// Package clickhouse connects to ClickHouse over the native protocol and
// writes columnar batches.
package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Open parses dsn (clickhouse://host:port/database?...) and checks that
// the server answers.
func Open(ctx context.Context, dsn string) (driver.Conn, error) {
	return open(ctx, dsn, nil)
}

// ClusterSettings are the per-query settings a client of a cluster's
// Distributed tables runs with (OpenCluster sets them on every query).
// insert_distributed_sync=1: an insert returns only once every shard's
// rows are written (to one replica each; replication copies them on), so
// acknowledging it, and committing Kafka offsets after it, means the rows
// are stored. 18.16's default queues them on the receiving server's disk
// and sends them later, so an acknowledged insert could still be missing
// from queries, or stuck on a dead server.
func ClusterSettings() map[string]any {
	return map[string]any{"insert_distributed_sync": 1}
}

// ClusterProfile are the settings the user profile of a cluster's servers
// must hold. They are strings, which ClickHouse 18.16's native protocol
// cannot take per query, so they live in the profile (users.xml), and
// OpenCluster checks them:
//   - distributed_product_mode=global: an IN or JOIN subquery over a
//     Distributed table inside a query over another is run once and its
//     result shipped to every shard (GLOBAL IN), exact whatever the
//     sharding; the default refuses such queries.
//   - load_balancing=in_order: reads and writes go to the first live
//     replica of each shard, so a client reads what it just wrote while
//     that replica is up (replicas copy each other asynchronously).
func ClusterProfile() map[string]string {
	return map[string]string{"distributed_product_mode": "global", "load_balancing": "in_order"}
}

// OpenCluster is Open for a server of a cluster: every query runs with
// ClusterSettings (settings named in the DSN take precedence), and the
// server's profile must hold ClusterProfile.
func OpenCluster(ctx context.Context, dsn string) (driver.Conn, error) {
	conn, err := open(ctx, dsn, ClusterSettings())
	if err != nil {
		return nil, err
	}
	want := ClusterProfile()
	rows, err := conn.Query(ctx, "SELECT name, value FROM system.settings WHERE name IN ('distributed_product_mode', 'load_balancing')")
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("clickhouse: %s: reading the profile's settings: %w", redact(dsn), err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			conn.Close()
			return nil, fmt.Errorf("clickhouse: %w", err)
		}
		if value != want[name] {
			conn.Close()
			return nil, settled{fmt.Errorf("clickhouse: %s: setting %s is %q; a cluster's queries need %q: set <%s>%s</%s> in the profile of the user oqim connects as (users.xml)",
				redact(dsn), name, value, want[name], name, want[name], name)}
		}
	}
	return conn, rows.Err()
}

// WithSettings returns ctx carrying ClickHouse settings for the queries
// run with it.
func WithSettings(ctx context.Context, settings map[string]any) context.Context {
	return ch.Context(ctx, ch.WithSettings(ch.Settings(settings)))
}

func open(ctx context.Context, dsn string, settings map[string]any) (driver.Conn, error) {
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		return nil, settled{fmt.Errorf("clickhouse: invalid DSN %q: %w (expected clickhouse://host:9000/database)", redact(dsn), err)}
	}
	if opts.DialTimeout == 0 || opts.DialTimeout > 10*time.Second {
		opts.DialTimeout = 5 * time.Second
	}
	// Inserts and dashboard queries run concurrently; the default of 5
	// open connections starves one or the other.
	opts.MaxOpenConns = 16
	opts.MaxIdleConns = 8
	for k, v := range settings {
		if opts.Settings == nil {
			opts.Settings = ch.Settings{}
		}
		if _, set := opts.Settings[k]; !set {
			opts.Settings[k] = v
		}
	}
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %s: %w", redact(dsn), err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("clickhouse: %s does not answer: %w", redact(dsn), err)
	}
	return conn, nil
}

// Insert appends cols (one slice per column, in the order of columns) to
// table in a single native-protocol block. The column list is always
// spelled out: ClickHouse 18.16 rejects a bare INSERT INTO t.
func Insert(ctx context.Context, conn driver.Conn, table string, columns []string, cols []any) error {
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+table+" ("+strings.Join(columns, ", ")+")")
	if err != nil {
		return fmt.Errorf("clickhouse: preparing insert into %s: %w", table, err)
	}
	for i, col := range cols {
		if err := batch.Column(i).Append(col); err != nil {
			_ = batch.Abort()
			return fmt.Errorf("clickhouse: column %s of %s: %w", columns[i], table, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("clickhouse: insert into %s: %w", table, err)
	}
	return nil
}

// InList returns the placeholders and arguments of "col IN (marks)" for
// values: one bound argument each, so no value is ever spliced into SQL.
func InList(values []string) (marks string, args []any) {
	args = make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", "), args
}

// redact hides a password in a DSN before it is logged.
func redact(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return dsn
	}
	cred := dsn[scheme+3 : at]
	if user, _, ok := strings.Cut(cred, ":"); ok {
		return dsn[:scheme+3] + user + ":***" + dsn[at:]
	}
	return dsn
}
