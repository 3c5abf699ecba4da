package kpi

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations create the Digital Region BI's tables: the KPI rollups and
// their materialized views, the KPI audit, the application facts and
// days, the sealed days and the application snapshot (versions 0005 on
// of the one version sequence that connectors/clickhouse/migrate
// applies). The rollups read the event tables (schema.Migrations) and
// the doctor's jobs (worker.Migrations), so apply those sets with it.
func Migrations() fs.FS { return migrations }
