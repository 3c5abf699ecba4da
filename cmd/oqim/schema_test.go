package main

import (
	"fmt"
	"testing"

	"github.com/oqim/oqim/connectors/clickhouse/migrate"
)

// The migrations moved from analytics to the parts that own their
// tables; databases migrated before must see the same versions, names
// and checksums, or `migrate up` would refuse them.
func TestSchemaSetsKeepVersionsAndChecksums(t *testing.T) {
	want := []string{
		"0001_portal_applications cd6f220ba9f3d460",
		"0002_event_families 3dd47bf9c204eff0",
		"0003_chatbot_events 3aa042ef157c083d",
		"0004_doctor_audit a779481523d2d4bb",
		"0005_kpi_rollups a131136b06cd2a30",
		"0006_kpi_audit 439192889b88fa7f",
		"0007_small_granules a50024b797a11ce1",
		"0008_application_facts 00cadc5ebde0c12b",
		"0009_application_days 2be41bdd0223b11f",
		"0010_drop_superseded_rollups a13f937575ccb26f",
		"0011_sealed_days 6361b43f98bcfd15",
		"0012_application_snapshot 42d739af7a90e6d3",
		"0013_clinical_notes e2af89e97d7d951e",
	}
	ms, err := migrate.Load(schemaSets()...)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < len(want) {
		t.Fatalf("%d migrations, want at least %d", len(ms), len(want))
	}
	for i, w := range want {
		if got := fmt.Sprintf("%04d_%s %s", ms[i].Version, ms[i].Name, ms[i].Checksum); got != w {
			t.Errorf("migration %d is %s, want %s", i, got, w)
		}
	}
}
