package worker

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations create the doctor's assistant tables: the audit trail of
// every access to patient data and the job state the API and workers
// share (version 0004), and the clinical-note records of
// inference/clinical/lifecycle (0013), of the one version sequence that
// connectors/clickhouse/migrate applies; versions are global across the
// parts that own tables).
func Migrations() fs.FS { return migrations }
