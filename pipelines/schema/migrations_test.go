package schema_test

import (
	"context"
	"strings"
	"testing"

	"github.com/oqim/oqim/connectors/clickhouse/migrate/migratetest"
	"github.com/oqim/oqim/pipelines/schema"
)

// Every event family's table has exactly the columns, in order and with
// the types, that the decoder produces for it.
func TestTablesMatchSchema(t *testing.T) {
	conn, db := migratetest.Database(t, schema.Migrations())
	ctx := context.Background()
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
