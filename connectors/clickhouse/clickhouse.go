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
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: invalid DSN %q: %w (expected clickhouse://host:9000/database)", redact(dsn), err)
	}
	if opts.DialTimeout == 0 || opts.DialTimeout > 10*time.Second {
		opts.DialTimeout = 5 * time.Second
	}
	// Inserts and dashboard queries run concurrently; the default of 5
	// open connections starves one or the other.
	opts.MaxOpenConns = 16
	opts.MaxIdleConns = 8
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
