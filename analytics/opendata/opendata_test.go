package opendata_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/analytics/kpi/kpitest"
	"github.com/oqim/oqim/analytics/opendata"
)

func TestExport(t *testing.T) {
	e := kpitest.Load(t, kpitest.Options{Applications: 1500})
	dir := t.TempDir()
	p := kpi.Period{From: e.Now.AddDate(0, -2, 0), To: e.Now.AddDate(0, 0, 1)}
	metas, err := opendata.Export(context.Background(), e.Store, dir, opendata.Options{Period: p, MinCount: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(metas) < 8 {
		t.Fatalf("%d datasets", len(metas))
	}
	for _, m := range metas {
		if m.Title.Uz == "" || m.Title.Ru == "" || m.Title.En == "" || m.Licence == "" || m.UpdateFrequency == "" || len(m.Fields) == 0 {
			t.Errorf("%s: incomplete metadata %+v", m.ID, m)
		}
		f, err := os.Open(filepath.Join(dir, m.ID+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatalf("%s.csv: %v", m.ID, err)
		}
		if len(recs)-1 != int(m.Rows) || (m.Rows == 0 && m.SuppressedBy == "") {
			t.Errorf("%s: %d CSV rows, metadata says %d", m.ID, len(recs)-1, m.Rows)
		}
		for i, fd := range m.Fields {
			if recs[0][i] != fd.Name {
				t.Errorf("%s: CSV column %d is %s, dictionary %s", m.ID, i, recs[0][i], fd.Name)
			}
			if fd.Name == "district" {
				for _, r := range recs[1:] {
					if r[i] != "" {
						t.Errorf("%s: district %q published", m.ID, r[i])
					}
				}
			}
		}
		// Small cells are suppressed.
		if m.Suppression != "" {
			col := -1
			for i, fd := range m.Fields {
				if fd.Name == m.SuppressedBy {
					col = i
				}
			}
			if col < 0 {
				t.Errorf("%s: suppressed by unknown column %q", m.ID, m.SuppressedBy)
			}
			for _, r := range recs[1:] {
				if col >= 0 {
					if n, _ := strconv.Atoi(r[col]); n < 10 {
						t.Errorf("%s: a row with %s = %d was published", m.ID, m.Fields[col].Name, n)
					}
				}
			}
		}
		var rows []map[string]any
		b, err := os.ReadFile(filepath.Join(dir, m.ID+".json"))
		if err != nil || json.Unmarshal(b, &rows) != nil || len(rows) != int(m.Rows) {
			t.Errorf("%s.json: %d rows, err %v", m.ID, len(rows), err)
		}
		if _, err := os.Stat(filepath.Join(dir, m.ID+".meta.json")); err != nil {
			t.Error(err)
		}
	}
	var cat []opendata.Metadata
	b, _ := os.ReadFile(filepath.Join(dir, "catalog.json"))
	if err := json.Unmarshal(b, &cat); err != nil || len(cat) != len(metas) {
		t.Errorf("catalog: %d entries, %v", len(cat), err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}
