// Package query loads a ClickHouse database with many generated events
// quickly (Load, behind `oqim generate --fast`) and measures the dashboard
// endpoints against it (Run, behind `oqim bench query`): every KPI table
// through the real HTTP API on loopback, beside the same SQL sent
// straight through the ClickHouse client.
package query

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/bench/procstat"
	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/clickhouse/migrate"
	"github.com/oqim/oqim/inference/clinical/worker"
	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/decode"
	"github.com/oqim/oqim/pipelines/generate"
	"github.com/oqim/oqim/pipelines/ingest"
	"github.com/oqim/oqim/pipelines/schema"
)

// Options size a Load.
type Options struct {
	// Events is exactly how many events land, over all families.
	Events int
	// Seed makes the events repeatable (with Workers 1 the load is
	// identical run to run; with more workers the last day may differ in
	// which of its events fall under the Events cut).
	Seed uint64
	// Progress receives a line every few seconds and a summary.
	Progress io.Writer
	// Now is the end of the history; default the current time.
	Now time.Time
	// AppsPerDay is the number of Single Portal applications started per
	// day; the other lifecycle families follow generate.DefaultVolume.
	// Default 55,000, the national daily volume the generator models, so
	// that the history grows backwards from Now one realistic day at a
	// time: 100 million events are about half a year.
	AppsPerDay int
	// BatchRows is the number of decoded rows per insert round (default
	// 250,000); each round inserts one block per table.
	BatchRows int
	// Workers generate, decode and insert in parallel (default 2).
	Workers int
}

// LoadReport is what a Load wrote.
type LoadReport struct {
	Database string    `json:"database"`
	Events   int64     `json:"events"`
	Days     int       `json:"days"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	// Families counts the generated events per family, Tables the rows
	// inserted per raw table (after decoding).
	Families     map[string]int64 `json:"families"`
	Tables       map[string]int64 `json:"tables"`
	Seconds      float64          `json:"seconds"`
	RowsPerS     float64          `json:"rows_per_s"`
	Bytes        int64            `json:"json_bytes"`
	CPUSeconds   float64          `json:"cpu_seconds"`
	PeakRSSBytes int64            `json:"peak_rss_bytes"`
	Inserts      int              `json:"inserts"`
}

// lifecycle families: generated per day shard. The calendar families
// (open data, telecom, projects) have their own schedules and are
// generated once, in shard 0.
var lifecycle = []generate.Family{generate.PortalApplication, generate.PortalPayment,
	generate.EmergencyCall, generate.HealthPrescription, generate.MahallaAppeal}

var errEnough = errors.New("enough events")

// Load generates o.Events events of every family and inserts them into
// the raw tables of database db (created and migrated if needed) through
// the production path: JSON envelope → decode (validation, Arrow) →
// clickhouse.RecordWriter, so the rollups' materialized views fire as in
// the pipeline.
//
// The history is cut into UTC days going back from Now. Day shard k is
// one generator (seed Seed+k, ids prefixed "q<seed>d<k>-") that starts a
// day's applications, calls, prescriptions and appeals inside that day
// and then runs every lifecycle to Now; shard 0 also emits the calendar
// families. Memory is bounded by one day's entities and one batch per
// worker, whatever Events is.
func Load(ctx context.Context, conn driver.Conn, db string, o Options) (*LoadReport, error) {
	if o.Events <= 0 {
		return nil, errors.New("fastload: Events must be positive")
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Second)
	// A setting of zero or less takes its default.
	o.AppsPerDay = cmp.Or(max(o.AppsPerDay, 0), 55000)
	o.BatchRows = cmp.Or(max(o.BatchRows, 0), 250000)
	o.Workers = cmp.Or(max(o.Workers, 0), 2)
	ref, err := region.Load()
	if err != nil {
		return nil, err
	}
	reg, err := schema.Load()
	if err != nil {
		return nil, err
	}
	if _, err := migrate.Up(ctx, conn, db, schemaSets()...); err != nil {
		return nil, err
	}

	var (
		left     atomic.Int64 // events still to emit
		nextDay  atomic.Int64
		maxDay   atomic.Int64
		done     atomic.Int64 // events inserted
		bytes    atomic.Int64
		inserts  atomic.Int64
		mu       sync.Mutex
		families = map[string]int64{}
		tables   = map[string]int64{}
	)
	left.Store(int64(o.Events))
	start := time.Now()
	cpu0 := procstat.CPUSeconds()

	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-t.C:
				n := done.Load()
				el := time.Since(start).Seconds()
				fmt.Fprintf(o.Progress, "fastload: %d/%d events (%.1f%%), %.0f events/s, %d days, RSS %.0f MiB\n",
					n, o.Events, 100*float64(n)/float64(o.Events), float64(n)/el, maxDay.Load()+1, float64(procstat.RSS())/(1<<20))
			}
		}
	}()

	worker := func(ctx context.Context) error {
		// The ingest pipeline's decoder and allocator; only the clock is
		// the load's, so history up to Now validates whatever Now is.
		dopts, err := ingest.DecodeOptions(ingest.Config{}, reg)
		if err != nil {
			return err
		}
		dopts.Now = func() time.Time { return o.Now }
		dec, err := decode.New(dopts)
		if err != nil {
			return err
		}
		var (
			w       clickhouse.RecordWriter
			buf     []byte
			fams    [16]int64
			counted = map[string]int64{}
		)
		flush := func() error {
			var n int64
			for _, t := range dec.Tables() {
				if t.Rows() == 0 {
					continue
				}
				rec := t.NewRecord()
				rows := rec.NumRows()
				err := w.Insert(ctx, conn, db+"."+t.Family.Table, rec)
				rec.Release()
				if err != nil {
					return fmt.Errorf("fastload: inserting into %s: %w", t.Family.Table, err)
				}
				counted[t.Family.Table] += rows
				n += rows
				inserts.Add(1)
			}
			done.Add(n)
			return nil
		}
		emit := func(e *generate.Event) error {
			if left.Add(-1) < 0 {
				return errEnough
			}
			buf = e.AppendJSON(buf[:0])
			bytes.Add(int64(len(buf)))
			if err := dec.Decode(buf); err != nil {
				return fmt.Errorf("fastload: generated %s event rejected: %w", e.Type(), err)
			}
			fams[e.Family]++
			if dec.Rows() >= o.BatchRows {
				if err := ctx.Err(); err != nil {
					return err
				}
				return flush()
			}
			return nil
		}
		var genErr error
		for genErr == nil && left.Load() > 0 {
			k := nextDay.Add(1) - 1
			if k > maxDay.Load() {
				maxDay.Store(k)
			}
			fs := lifecycle
			if k == 0 {
				fs = generate.Families
			}
			g := generate.New(ref, generate.Options{Seed: o.Seed + uint64(k), RunID: "q" + strconv.FormatUint(o.Seed, 10) + "d" + strconv.FormatInt(k, 10),
				Window: 24 * time.Hour, Families: fs})
			dayEnd := o.Now.Add(-time.Duration(k) * 24 * time.Hour)
			genErr = g.Backfill(dayEnd, o.AppsPerDay, emit)
			if genErr == nil && k > 0 {
				genErr = g.Advance(o.Now, emit)
			}
		}
		if genErr != nil && !errors.Is(genErr, errEnough) {
			return genErr
		}
		if err := flush(); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for f, n := range fams {
			if n > 0 {
				families[generate.Family(f).String()] += n
			}
		}
		for t, n := range counted {
			tables[t] += n
		}
		return nil
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, o.Workers)
	for i := 0; i < o.Workers; i++ {
		go func() {
			err := worker(ctx)
			if err != nil {
				cancel()
			}
			errs <- err
		}()
	}
	var first error
	for i := 0; i < o.Workers; i++ {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	close(stopProgress)
	<-progressDone
	if first != nil {
		return nil, first
	}
	r := &LoadReport{Database: db, Events: done.Load(), Days: int(maxDay.Load()) + 1, To: o.Now,
		Families: families, Tables: tables, Bytes: bytes.Load(), Inserts: int(inserts.Load())}
	r.From = o.Now.Add(-time.Duration(r.Days) * 24 * time.Hour)
	r.Seconds = time.Since(start).Seconds()
	r.RowsPerS = float64(r.Events) / r.Seconds
	r.CPUSeconds = procstat.CPUSeconds() - cpu0
	r.PeakRSSBytes = procstat.PeakRSS()
	fmt.Fprintf(o.Progress, "fastload: %d events in %.1f s (%.0f events/s, %.1f MB JSON), %d days, %d inserts, peak RSS %.0f MiB\n",
		r.Events, r.Seconds, r.RowsPerS, float64(r.Bytes)/1e6, r.Days, r.Inserts, float64(r.PeakRSSBytes)/(1<<20))
	return r, nil
}

// WriteText prints the report for a terminal.
func (r *LoadReport) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "database   %s\nevents     %d over %d days (%s to %s)\nrate       %.0f events/s (%.1f s, %.1f MB JSON, %d inserts)\ncpu        %.1f s this process\npeak RSS   %.0f MiB\n",
		r.Database, r.Events, r.Days, r.From.Format(time.DateOnly), r.To.Format(time.DateOnly),
		r.RowsPerS, r.Seconds, float64(r.Bytes)/1e6, r.Inserts, r.CPUSeconds, float64(r.PeakRSSBytes)/(1<<20))
	if err != nil {
		return err
	}
	names := make([]string, 0, len(r.Tables))
	for t := range r.Tables {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		if _, err := fmt.Fprintf(w, "  %-22s %d rows\n", t, r.Tables[t]); err != nil {
			return err
		}
	}
	return nil
}

// schemaSets are the tables of a production database: the event tables,
// the doctor's assistant's (the BI's rollups read its jobs) and the BI's
// rollups, whose materialized views every insert feeds.
func schemaSets() []fs.FS {
	return []fs.FS{schema.Migrations(), worker.Migrations(), kpi.Migrations()}
}
