// Package opendata writes the Digital Region's aggregated, anonymised KPI
// datasets for the national open-data portal: each dataset as CSV and
// JSON with a metadata file (titles and descriptions in Uzbek, Russian
// and English, licence, update frequency, data dictionary), and a
// catalogue of them all.
//
// Anonymisation: the datasets are region-level aggregates (no districts,
// no identifiers, no free text), and a row whose count is below
// Options.MinCount is left out, so no published figure describes a
// handful of people.
package opendata

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/analytics/kpi/encode"
)

// Options configure an export.
type Options struct {
	// Period covered; default the twelve months before Now.
	Period kpi.Period
	// Now stamps the metadata; default time.Now.
	Now func() time.Time
	// MinCount suppresses rows whose count is below it; default 10.
	MinCount int64
	// Licence of the data; default CC-BY-4.0.
	Licence string
}

// Text is a string in the portal's three languages.
type Text struct {
	Uz string `json:"uz"`
	Ru string `json:"ru"`
	En string `json:"en"`
}

// Field is one column of the data dictionary.
type Field struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description"`
}

// Metadata describes one dataset.
type Metadata struct {
	ID              string    `json:"id"`
	Title           Text      `json:"title"`
	Description     Text      `json:"description"`
	Publisher       string    `json:"publisher"`
	Licence         string    `json:"licence"`
	UpdateFrequency string    `json:"update_frequency"`
	Temporal        [2]string `json:"temporal_coverage"`
	Spatial         string    `json:"spatial_coverage"`
	Generated       time.Time `json:"generated_at"`
	Suppression     string    `json:"suppression,omitempty"`
	// SuppressedBy is the column whose small values drop a row.
	SuppressedBy string   `json:"suppressed_by,omitempty"`
	Rows         uint64   `json:"rows"`
	Files        []string `json:"files"`
	Fields       []Field  `json:"data_dictionary"`
}

// dataset is one published table: a KPI table at region level, with the
// column whose small values are suppressed. The list, with its titles and
// descriptions in three languages, is data (datasets.json), so a
// translator edits it without touching code.
type dataset struct {
	ID          string `json:"id"`
	TableName   string `json:"table"`
	Granularity string `json:"granularity"`  // a kpi.Granularities spelling; empty: day
	CountColumn string `json:"count_column"` // "" when the rows are not counts of people or events
	Frequency   string `json:"frequency"`
	Title       Text   `json:"title"`
	Description Text   `json:"description"`

	table       *kpi.Table
	granularity kpi.Granularity
}

//go:embed datasets.json
var catalogJSON []byte

// catalog parses datasets.json and resolves each entry's table,
// granularity and count column, so a typo fails the export (and the
// tests) instead of publishing an empty file.
func catalog() ([]dataset, error) {
	var ds []dataset
	if err := json.Unmarshal(catalogJSON, &ds); err != nil {
		return nil, fmt.Errorf("datasets.json: %w", err)
	}
	tables := map[string]*kpi.Table{}
	for _, t := range kpi.Tables() {
		tables[t.Name] = t
	}
	for i := range ds {
		d := &ds[i]
		if d.table = tables[d.TableName]; d.table == nil {
			return nil, fmt.Errorf("datasets.json: %s: no KPI table %q", d.ID, d.TableName)
		}
		if d.Granularity != "" {
			g := slices.Index(kpi.Granularities, d.Granularity)
			if g < 0 {
				return nil, fmt.Errorf("datasets.json: %s: granularity %q is not one of %v", d.ID, d.Granularity, kpi.Granularities)
			}
			d.granularity = kpi.Granularity(g)
		}
		if d.CountColumn != "" && d.table.Index(d.CountColumn) < 0 {
			return nil, fmt.Errorf("datasets.json: %s: table %s has no column %q", d.ID, d.TableName, d.CountColumn)
		}
	}
	return ds, nil
}

// Export writes every dataset to dir (created if needed) and returns
// their metadata; it also writes catalog.json listing them. Files are
// written under temporary names and renamed, so a reader never sees half
// a file.
func Export(ctx context.Context, store *kpi.Store, dir string, opts Options) ([]Metadata, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	now := opts.Now().UTC()
	if opts.Period.To.IsZero() {
		opts.Period.To = now
	}
	if opts.Period.From.IsZero() {
		opts.Period.From = opts.Period.To.AddDate(-1, 0, 0)
	}
	if opts.MinCount <= 0 {
		opts.MinCount = 10
	}
	if opts.Licence == "" {
		opts.Licence = "CC-BY-4.0"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("opendata: %w", err)
	}
	datasets, err := catalog()
	if err != nil {
		return nil, fmt.Errorf("opendata: %w", err)
	}
	var all []Metadata
	for _, d := range datasets {
		m, err := write(ctx, store, dir, d, opts, now)
		if err != nil {
			return all, fmt.Errorf("opendata: %s: %w", d.ID, err)
		}
		all = append(all, m)
	}
	if err := writeJSON(filepath.Join(dir, "catalog.json"), all); err != nil {
		return all, fmt.Errorf("opendata: catalogue: %w", err)
	}
	return all, nil
}

func write(ctx context.Context, store *kpi.Store, dir string, d dataset, opts Options, now time.Time) (Metadata, error) {
	m := Metadata{ID: d.ID, Title: d.Title, Description: d.Description, Publisher: "Ministry of Digital Technologies of the Republic of Uzbekistan (Oqim)",
		Licence: opts.Licence, UpdateFrequency: d.Frequency, Spatial: "UZ, by region (ISO 3166-2:UZ)", Generated: now,
		Temporal: [2]string{opts.Period.From.UTC().Format(time.DateOnly), opts.Period.To.UTC().Format(time.DateOnly)},
		Files:    []string{d.ID + ".csv", d.ID + ".json", d.ID + ".meta.json"}}
	if d.CountColumn != "" {
		m.Suppression = fmt.Sprintf("rows with %s below %d are left out", d.CountColumn, opts.MinCount)
		m.SuppressedBy = d.CountColumn
	}
	for _, c := range d.table.Columns {
		m.Fields = append(m.Fields, Field{Name: c.Name, Type: [...]string{"string", "integer", "number", "date"}[c.Type], Description: c.Doc})
	}
	files, err := newFiles(dir, d.ID)
	if err != nil {
		return m, err
	}
	defer files.abort()
	csvW, _ := encode.New(encode.CSV, files.csv, d.table.Columns)
	jsonW, _ := encode.New(encode.JSON, files.json, d.table.Columns)
	count := -1
	if d.CountColumn != "" {
		count = d.table.Index(d.CountColumn)
	}
	f := kpi.Filter{Scope: kpi.NationalScope(), Period: opts.Period, Granularity: d.granularity, Level: kpi.LevelRegion}
	err = store.Stream(ctx, d.table, f, func(r *kpi.Row) error {
		if count >= 0 && r.Int(count) < opts.MinCount {
			return nil
		}
		if err := csvW.Write(r); err != nil {
			return err
		}
		return jsonW.Write(r)
	})
	if err != nil {
		return m, err
	}
	if err := csvW.Close(); err != nil {
		return m, err
	}
	if err := jsonW.Close(); err != nil {
		return m, err
	}
	m.Rows = csvW.Rows()
	if err := files.commit(); err != nil {
		return m, err
	}
	return m, writeJSON(filepath.Join(dir, d.ID+".meta.json"), m)
}

// files are a dataset's CSV and JSON, written under temporary names.
type files struct {
	dir, id   string
	csv, json *os.File
}

func newFiles(dir, id string) (*files, error) {
	c, err := os.CreateTemp(dir, "."+id+".csv.*")
	if err != nil {
		return nil, err
	}
	j, err := os.CreateTemp(dir, "."+id+".json.*")
	if err != nil {
		c.Close()
		os.Remove(c.Name())
		return nil, err
	}
	return &files{dir: dir, id: id, csv: c, json: j}, nil
}

func (f *files) commit() error {
	for _, p := range []struct {
		file *os.File
		ext  string
	}{{f.csv, ".csv"}, {f.json, ".json"}} {
		if err := p.file.Close(); err != nil {
			return err
		}
		if err := os.Chmod(p.file.Name(), 0o644); err != nil {
			return err
		}
		if err := os.Rename(p.file.Name(), filepath.Join(f.dir, f.id+p.ext)); err != nil {
			return err
		}
	}
	f.csv, f.json = nil, nil
	return nil
}

// abort removes the temporary files unless commit renamed them.
func (f *files) abort() {
	for _, file := range []*os.File{f.csv, f.json} {
		if file != nil {
			file.Close()
			os.Remove(file.Name())
		}
	}
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
