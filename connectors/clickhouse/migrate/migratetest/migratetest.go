// Package migratetest gives tests a fresh ClickHouse database with
// migrations applied. It is for tests only. (chtest cannot do this itself:
// migrate's own tests import chtest.)
package migratetest

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/connectors/clickhouse/chserver"
	"github.com/oqim/oqim/connectors/clickhouse/chtest"
	"github.com/oqim/oqim/connectors/clickhouse/migrate"
)

// Database is a fresh test database (chtest.Database) with every
// migration of sets applied (within 2 minutes: a loaded CI machine is slow).
func Database(t testing.TB, sets ...fs.FS) (driver.Conn, string) {
	t.Helper()
	conn, db := chtest.Database(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := migrate.Up(ctx, conn, db, sets...); err != nil {
		t.Fatal(err)
	}
	return conn, db
}

// ClusterDatabase is a fresh database on the test cluster
// (chtest.ClusterDatabase) with every migration of sets applied in their
// cluster form, ON CLUSTER.
func ClusterDatabase(t testing.TB, sets ...fs.FS) (*chserver.Cluster, driver.Conn, string) {
	t.Helper()
	c, conn, db := chtest.ClusterDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := migrate.UpOn(ctx, conn, migrate.Target{DB: db, Cluster: c.Name}, sets...); err != nil {
		t.Fatal(err)
	}
	return c, conn, db
}
