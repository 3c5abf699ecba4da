package migrations

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/clickhouse/chtest"
	"github.com/oqim/oqim/pipelines/schema"
)

func TestUpIsIdempotent(t *testing.T) {
	conn, db := chtest.Database(t)
	ctx := context.Background()
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	applied, err := Up(ctx, conn, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(all) {
		t.Fatalf("applied %d of %d", len(applied), len(all))
	}
	again, err := Up(ctx, conn, db)
	if err != nil || len(again) != 0 {
		t.Fatalf("second Up applied %d (err %v), want 0", len(again), err)
	}
	states, err := Status(ctx, conn, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if !s.Applied || s.AppliedAt.IsZero() {
			t.Errorf("%04d_%s not applied", s.Version, s.Name)
		}
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".portal_applications").Scan(&n); err != nil {
		t.Fatalf("portal_applications missing: %v", err)
	}
}

func TestEditedMigrationIsCaught(t *testing.T) {
	conn, db := chtest.Database(t)
	ctx := context.Background()
	if _, err := Up(ctx, conn, db); err != nil {
		t.Fatal(err)
	}
	// Simulate a file edited after it was applied: its recorded checksum no
	// longer matches.
	// (Exec of INSERT ... VALUES hangs against 18.16, so go through a batch.)
	if err := clickhouse.Insert(ctx, conn, db+".schema_migrations", []string{"version", "name", "checksum", "applied_at"},
		[]any{[]uint32{1}, []string{"portal_applications"}, []string{"deadbeef"}, []time.Time{time.Now()}}); err != nil {
		t.Fatal(err)
	}
	_, err := Status(ctx, conn, db)
	if err == nil || !strings.Contains(err.Error(), "never edit an applied migration") {
		t.Fatalf("err = %v", err)
	}
}

func TestStatementsFillDatabase(t *testing.T) {
	got := statements("-- comment; with a semicolon\nCREATE TABLE {db}.a (x UInt8, -- who; what\n s String DEFAULT '--;') ENGINE = Memory;\n\nCREATE TABLE {db}.b (y UInt8) ENGINE = Memory;\n", "oqim")
	if len(got) != 2 || !strings.HasPrefix(got[0], "CREATE TABLE oqim.a") || !strings.Contains(got[0], "DEFAULT '--;'") || !strings.HasPrefix(got[1], "CREATE TABLE oqim.b") {
		t.Fatalf("statements = %q", got)
	}
}

func TestRejectsUnsafeDatabaseName(t *testing.T) {
	if _, err := Status(context.Background(), nil, "x; DROP DATABASE y"); err == nil {
		t.Fatal("unsafe name accepted")
	}
}

// Every event family's table has exactly the columns, in order and with
// the types, that the decoder produces for it.
func TestTablesMatchSchema(t *testing.T) {
	conn, db := chtest.Database(t)
	ctx := context.Background()
	if _, err := Up(ctx, conn, db); err != nil {
		t.Fatal(err)
	}
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	chType := map[schema.Kind]string{schema.String: "String", schema.Enum: "String", schema.Int: "Int64",
		schema.Float: "Float64", schema.Bool: "UInt8", schema.Time: "DateTime('UTC')"}
	for _, f := range reg.Families {
		want := map[string]string{"id": "String", "source": "String", "time": "DateTime('UTC')", "region": "String", "district": "String", f.EventColumn: "String"}
		for _, fd := range f.Fields {
			want[fd.Name] = chType[fd.Kind]
			if fd.Normalize {
				want[fd.Name+"_key"] = "String"
			}
		}
		// DESCRIBE keeps column order on every server version; its
		// trailing columns differ between versions, so scan them as strings.
		rows, err := conn.Query(ctx, "DESCRIBE TABLE "+db+"."+f.Table)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			dest := make([]string, len(rows.ColumnTypes()))
			ptrs := make([]any, len(dest))
			for i := range dest {
				ptrs[i] = &dest[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			name, typ := dest[0], dest[1]
			if name == "ingested_at" {
				continue
			}
			got = append(got, name)
			if want[name] != typ {
				t.Errorf("%s.%s is %s, schema wants %q", f.Table, name, typ, want[name])
			}
		}
		rows.Close()
		if strings.Join(got, ",") != strings.Join(f.Columns(), ",") {
			t.Errorf("%s columns\n got %v\nwant %v", f.Table, got, f.Columns())
		}
	}
}
