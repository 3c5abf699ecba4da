package schema

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations create the event families' tables, which ingest writes:
// versions 0001–0003 of the one version sequence that
// connectors/clickhouse/migrate applies. Versions are global across the
// parts that own tables; never edit an applied file, add a new version.
func Migrations() fs.FS { return migrations }
