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
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
// column whose small values are suppressed.
type dataset struct {
	id          string
	table       *kpi.Table
	granularity kpi.Granularity
	countColumn string // "" when the rows are not counts of people or events
	frequency   string
	title, desc Text
}

var datasets = []dataset{
	{id: "eservices-electronic-share", table: kpi.EServicesElectronic, granularity: kpi.Month, countColumn: "applications", frequency: "monthly",
		title: Text{"Elektron davlat xizmatlari ulushi", "Доля электронных государственных услуг", "Share of electronic public services"},
		desc: Text{"Yagona portalga berilgan arizalar va ularning veb yoki mobil ilova orqali berilgan ulushi, hudud va oy boʻyicha; maqsad 70%.",
			"Заявления на Единый портал и доля поданных через веб или мобильное приложение, по регионам и месяцам; цель 70%.",
			"Single Portal applications and the share submitted on the web or in the mobile app, per region and month; target 70%."}},
	{id: "eservices-processing-time", table: kpi.EServicesProcessing, granularity: kpi.Month, countColumn: "decided", frequency: "monthly",
		title: Text{"Arizalarni koʻrib chiqish muddati", "Сроки рассмотрения заявлений", "Application processing time"},
		desc: Text{"Arizani berishdan qaror qabul qilinguncha boʻlgan vaqt (mediana, 90-persentil) va qonuniy muddatdan kechikkanlar ulushi.",
			"Время от подачи заявления до решения (медиана, 90-й процентиль) и доля решений после законного срока.",
			"Time from submission to decision (median, 90th percentile) and the share decided after the legal deadline."}},
	{id: "telecom-rollout-plan", table: kpi.TelecomPlan, frequency: "monthly",
		title: Text{"Optik tolali aloqa va tayanch stansiyalar: reja va ijro", "Оптоволоконные линии и базовые станции: план и исполнение", "Fibre-optic lines and base stations: plan and progress"},
		desc: Text{"2025 va 2026 yillar rejalari (PQ-286, 1-ilova) bilan qurilgan optik tolali liniyalar (km) va tayanch stansiyalar.",
			"Построенные оптоволоконные линии (км) и базовые станции против планов 2025 и 2026 годов (ПП-286, приложение 1).",
			"Fibre km and base stations built against the 2025 and 2026 plans (PQ-286, Annex 1)."}},
	{id: "decree-projects-status", table: kpi.ProjectsSummary, frequency: "monthly",
		title: Text{"PQ-286 loyihalari ijrosi", "Исполнение проектов ПП-286", "Implementation of the PQ-286 projects"},
		desc: Text{"Hududiy, tarmoq va yoʻl xaritasi loyihalari: oʻz vaqtida, kechikkan va bajarilgan, hudud va ijrochi boʻyicha.",
			"Региональные, отраслевые проекты и пункты дорожной карты: в срок, с опозданием и выполненные, по регионам и исполнителям.",
			"Regional, sector and roadmap projects on time, late and done, by region and executor."}},
	{id: "opendata-compliance", table: kpi.OpenDataCompliance, frequency: "quarterly",
		title: Text{"Ochiq maʼlumotlarni yangilash intizomi", "Соблюдение обновления открытых данных", "Open-data update compliance"},
		desc: Text{"Har chorakda idoralar maʼlumotlar toʻplamlarining yangilangan ulushi.",
			"Доля наборов данных ведомства, обновлённых в квартале.",
			"The share of each agency's datasets updated in each quarter."}},
	{id: "emergency-112-calls", table: kpi.Calls, granularity: kpi.Month, countColumn: "calls", frequency: "monthly",
		title: Text{"112 favqulodda chaqiruvlar", "Экстренные вызовы 112", "112 emergency calls"},
		desc: Text{"112 chaqiruvlari soni va yetib kelish vaqti (mediana, 90-persentil), xizmat, hudud va oy boʻyicha.",
			"Число вызовов 112 и время прибытия (медиана, 90-й процентиль) по службам, регионам и месяцам.",
			"112 calls and response times (median, 90th percentile) per service, region and month."}},
	{id: "e-prescriptions", table: kpi.Prescriptions, granularity: kpi.Month, countColumn: "issued", frequency: "monthly",
		title: Text{"Elektron retseptlar", "Электронные рецепты", "E-prescriptions"},
		desc: Text{"Yozilgan va berilgan elektron retseptlar, hudud va oy boʻyicha.",
			"Выписанные и отпущенные электронные рецепты по регионам и месяцам.",
			"Electronic prescriptions issued and dispensed per region and month."}},
	{id: "mahalla-appeals", table: kpi.Appeals, granularity: kpi.Month, countColumn: "submitted", frequency: "monthly",
		title: Text{"Raqamli mahalla murojaatlari", "Обращения «Цифровой махалли»", "Digital Mahalla appeals"},
		desc: Text{"Murojaatlar va hal qilinganlar ulushi, toifa, hudud va oy boʻyicha.",
			"Обращения и доля решённых по категориям, регионам и месяцам.",
			"Appeals and the share resolved per category, region and month."}},
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
	var all []Metadata
	for _, d := range datasets {
		m, err := write(ctx, store, dir, d, opts, now)
		if err != nil {
			return all, fmt.Errorf("opendata: %s: %w", d.id, err)
		}
		all = append(all, m)
	}
	if err := writeJSON(filepath.Join(dir, "catalog.json"), all); err != nil {
		return all, fmt.Errorf("opendata: catalogue: %w", err)
	}
	return all, nil
}

func write(ctx context.Context, store *kpi.Store, dir string, d dataset, opts Options, now time.Time) (Metadata, error) {
	m := Metadata{ID: d.id, Title: d.title, Description: d.desc, Publisher: "Ministry of Digital Technologies of the Republic of Uzbekistan (Oqim)",
		Licence: opts.Licence, UpdateFrequency: d.frequency, Spatial: "UZ, by region (ISO 3166-2:UZ)", Generated: now,
		Temporal: [2]string{opts.Period.From.UTC().Format(time.DateOnly), opts.Period.To.UTC().Format(time.DateOnly)},
		Files:    []string{d.id + ".csv", d.id + ".json", d.id + ".meta.json"}}
	if d.countColumn != "" {
		m.Suppression = fmt.Sprintf("rows with %s below %d are left out", d.countColumn, opts.MinCount)
		m.SuppressedBy = d.countColumn
	}
	for _, c := range d.table.Columns {
		m.Fields = append(m.Fields, Field{Name: c.Name, Type: [...]string{"string", "integer", "number", "date"}[c.Type], Description: c.Doc})
	}
	files, err := newFiles(dir, d.id)
	if err != nil {
		return m, err
	}
	defer files.abort()
	csvW, _ := encode.New(encode.CSV, files.csv, d.table.Columns)
	jsonW, _ := encode.New(encode.JSON, files.json, d.table.Columns)
	count := -1
	if d.countColumn != "" {
		count = d.table.Index(d.countColumn)
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
	return m, writeJSON(filepath.Join(dir, d.id+".meta.json"), m)
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
