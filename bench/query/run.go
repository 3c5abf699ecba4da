package query

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	chgo "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/analytics/access"
	"github.com/oqim/oqim/analytics/api"
	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/connectors/clickhouse/migrate"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/schema"
)

// RunOptions configure a query benchmark.
type RunOptions struct {
	// Database holds the loaded events (see Load).
	Database string
	// Regions are queried at region level, each on its own; default the
	// largest, a middle and the smallest region by population.
	Regions []string
	// From and To are the dashboard period; default the 30 days up to the
	// end of the newest day in kpi_application_days.
	From, To time.Time
	// Warmup requests per endpoint and side before timing (default 2).
	Warmup int
	// Repeats timed requests per endpoint and side in a run, at least
	// (default 20).
	Repeats int
	// MinTime: an endpoint is repeated beyond Repeats until its timed API
	// requests of the run add up to MinTime (default 500 ms; at most
	// maxSamples requests), so that the p95 of a 2 ms endpoint rests on
	// hundreds of requests rather than on the slowest of 20. Negative:
	// Repeats only.
	MinTime time.Duration
	// Runs of the whole set; the report gives each figure's median over
	// the runs (default 3).
	Runs int
	// Progress receives one line per run.
	Progress io.Writer
	// Only, if set, keeps the endpoints whose name contains it.
	Only string
}

// Result is one endpoint's figures. API times are one whole HTTP request
// over loopback (body read to the end); direct times are the SQL the API
// handler sent, run again through the same ClickHouse client with every
// row scanned. Endpoints that run several statements (chatbot, telecom,
// projects) are timed as the sum of their statements, back to back.
type Result struct {
	Endpoint    string  `json:"endpoint"`
	Path        string  `json:"path"`
	Level       string  `json:"level"`
	Region      string  `json:"region,omitempty"`
	P50Ms       float64 `json:"p50_ms"`
	P95Ms       float64 `json:"p95_ms"`
	DirectP50Ms float64 `json:"direct_p50_ms"`
	DirectP95Ms float64 `json:"direct_p95_ms"`
	// Ratio is P95Ms ÷ DirectP95Ms.
	Ratio float64 `json:"ratio"`
	// Samples is the most timed requests per side an endpoint got in
	// one run (Repeats, or more for fast endpoints: RunOptions.MinTime).
	Samples    int    `json:"samples"`
	Statements int    `json:"statements"`
	Bytes      int    `json:"response_bytes"`
	Rows       uint64 `json:"sql_rows"`
	// ReadRows and ReadBytes are what ClickHouse read for the statements
	// (its progress packets, summed), from one run.
	ReadRows  uint64 `json:"read_rows"`
	ReadBytes uint64 `json:"read_bytes"`
	// SQL is the first statement, for reading EXPLAIN-like by eye.
	SQL string `json:"sql"`
}

// Report is a benchmark run.
type Report struct {
	Database string    `json:"database"`
	Events   uint64    `json:"events"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Runs     int       `json:"runs"`
	Repeats  int       `json:"repeats"`
	MinTime  float64   `json:"min_time_s"`
	Results  []Result  `json:"results"`
	Seconds  float64   `json:"seconds"`
}

// Targets of the issue.
const (
	TargetP95Ms = 150.0
	TargetRatio = 1.5
)

// endpoint is one request of the benchmark.
type endpoint struct {
	name, path, level, region string
	query                     url.Values
}

// Endpoints lists what Run measures: every table of kpi.Tables() at
// region level for each region and at country level (national tables at
// country level only), plus /api/v1/kpi/applications per region and for
// the country, and /api/v1/kpi/chatbot.
func endpoints(regions []string, from, to time.Time) []endpoint {
	period := func(v url.Values) url.Values {
		v.Set("from", from.UTC().Format(time.RFC3339))
		v.Set("to", to.UTC().Format(time.RFC3339))
		return v
	}
	var out []endpoint
	add := func(name, level, region string, v url.Values) {
		label := name
		switch {
		case region != "":
			label += "?region=" + region
		case level == "country":
			label += "?level=country"
		}
		out = append(out, endpoint{name: label, path: "/api/v1/kpi/" + name, level: level, region: region, query: period(v)})
	}
	for _, r := range regions {
		add("applications", "region", r, url.Values{"region": {r}})
	}
	add("applications", "country", "", url.Values{})
	add("chatbot", "country", "", url.Values{})
	for _, t := range kpi.Tables() {
		if !t.National {
			for _, r := range regions {
				add(t.Name, "region", r, url.Values{"region": {r}})
			}
		}
		if t.National {
			add(t.Name, "country", "", url.Values{}) // national: no level to ask for
			continue
		}
		add(t.Name, "country", "", url.Values{"level": {"country"}})
	}
	return out
}

// Run measures every dashboard endpoint against database o.Database,
// through the real API handler (analytics/api with a kpi.Store and the
// ClickHouse auditor, as `oqim server` wires them) on a loopback port,
// and the same SQL directly.
func Run(ctx context.Context, conn driver.Conn, o RunOptions) (*Report, error) {
	if o.Database == "" {
		return nil, errors.New("bench query: Database is required")
	}
	// A setting of zero or less takes its default.
	o.Warmup = cmp.Or(max(o.Warmup, 0), 2)
	o.Repeats = cmp.Or(max(o.Repeats, 0), 20)
	if o.MinTime == 0 {
		o.MinTime = 500 * time.Millisecond
	}
	if o.Runs <= 0 {
		o.Runs = 3
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	// A database loaded by an older schema gets the newer migrations,
	// back-fills included, as a deployment would.
	t0 := time.Now()
	applied, err := migrate.Up(ctx, conn, o.Database, schemaSets()...)
	if err != nil {
		return nil, fmt.Errorf("bench query: migrating %s: %w", o.Database, err)
	}
	for _, m := range applied {
		fmt.Fprintf(o.Progress, "bench query: applied migration %04d_%s\n", m.Version, m.Name)
	}
	if len(applied) > 0 {
		fmt.Fprintf(o.Progress, "bench query: migrations took %.1f s\n", time.Since(t0).Seconds())
	}
	// A running deployment's sealing job keeps every closed day sealed;
	// seal what it would have (nothing is being inserted, so no settle
	// time), so the bench measures that steady state.
	sealer := kpi.NewSealer(conn, o.Database)
	sealer.Settle = 0
	st, err := sealer.Seal(ctx)
	if err != nil {
		return nil, fmt.Errorf("bench query: %w", err)
	}
	if st.Total() > 0 || st.Snapshot.Months > 0 {
		fmt.Fprintf(o.Progress, "bench query: sealed %d closed days (%v) and %d months of the application snapshot (%d applications) in %.1f s\n",
			st.Total(), st.Days, st.Snapshot.Months, st.Snapshot.Apps, st.Took.Seconds())
	}
	ref, err := region.Load()
	if err != nil {
		return nil, err
	}
	if len(o.Regions) == 0 {
		o.Regions = defaultRegions(ref)
	}
	if o.To.IsZero() {
		var last time.Time
		if err := conn.QueryRow(ctx, "SELECT toDateTime(max(day), 'UTC') FROM "+o.Database+".kpi_application_days").Scan(&last); err != nil {
			return nil, fmt.Errorf("bench query: finding the newest day: %w", err)
		}
		if last.Year() < 2000 {
			return nil, fmt.Errorf("bench query: database %s has no applications; load it first", o.Database)
		}
		o.To = last.UTC().AddDate(0, 0, 1)
	}
	if o.From.IsZero() {
		o.From = o.To.AddDate(0, 0, -30)
	}
	rep := &Report{Database: o.Database, From: o.From, To: o.To, Runs: o.Runs, Repeats: o.Repeats, MinTime: o.MinTime.Seconds()}
	if rep.Events, err = Events(ctx, conn, o.Database); err != nil {
		return nil, err
	}

	cc := &captureConn{Conn: conn}
	audit := access.NewClickHouseAuditor(conn, o.Database, nil)
	defer audit.Close(context.Background())
	handler := api.New(api.Options{Store: kpi.NewStoreWithReference(cc, o.Database, ref), Regions: ref.RegionIDs(), Audit: audit})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := httpedge.NewServer(handler, httpedge.Timeouts{}) // as oqim serve runs it
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}

	eps := endpoints(o.Regions, o.From, o.To)
	if o.Only != "" {
		eps = slices.DeleteFunc(eps, func(e endpoint) bool { return !strings.Contains(e.name, o.Only) })
	}
	type acc struct {
		res           Result
		stmts         []stmt
		p50, p95      []float64
		dp50, dp95    []float64
		apiT, directT []float64
	}
	accs := make([]*acc, len(eps))
	start := time.Now()

	// Capture each endpoint's SQL from one request through the API.
	for i, e := range eps {
		cc.begin()
		n, err := get(ctx, client, base+e.path+"?"+e.query.Encode())
		stmts := cc.end()
		if err != nil {
			return nil, fmt.Errorf("bench query: %s: %w", e.name, err)
		}
		if len(stmts) == 0 {
			return nil, fmt.Errorf("bench query: %s ran no SQL", e.name)
		}
		a := &acc{stmts: stmts, res: Result{Endpoint: e.name, Path: e.path + "?" + e.query.Encode(), Level: e.level, Region: e.region,
			Statements: len(stmts), Bytes: n, SQL: stmts[0].sql}}
		var mu sync.Mutex
		pctx := chgo.Context(ctx, chgo.WithProgress(func(p *chgo.Progress) {
			mu.Lock()
			a.res.ReadRows += p.Rows
			a.res.ReadBytes += p.Bytes
			mu.Unlock()
		}))
		if _, err := direct(pctx, conn, stmts); err != nil {
			return nil, fmt.Errorf("bench query: %s direct: %w", e.name, err)
		}
		accs[i] = a
	}

	for run := 0; run < o.Runs; run++ {
		for _, a := range accs {
			url := base + a.res.Path
			a.apiT, a.directT = a.apiT[:0], a.directT[:0]
			var spent time.Duration
			for i := 0; i < o.Warmup+o.Repeats || (spent < o.MinTime && i < o.Warmup+maxSamples); i++ {
				// Alternate the two sides so both see the same server state.
				t0 := time.Now()
				if _, err := get(ctx, client, url); err != nil {
					return nil, fmt.Errorf("bench query: %s: %w", a.res.Endpoint, err)
				}
				t1 := time.Now()
				rows, err := direct(ctx, conn, a.stmts)
				if err != nil {
					return nil, fmt.Errorf("bench query: %s direct: %w", a.res.Endpoint, err)
				}
				t2 := time.Now()
				if i >= o.Warmup {
					spent += t1.Sub(t0)
					a.apiT = append(a.apiT, ms(t1.Sub(t0)))
					a.directT = append(a.directT, ms(t2.Sub(t1)))
				}
				a.res.Rows = rows
			}
			a.res.Samples = max(a.res.Samples, len(a.apiT))
			a.p50 = append(a.p50, quantile(a.apiT, 0.5))
			a.p95 = append(a.p95, quantile(a.apiT, 0.95))
			a.dp50 = append(a.dp50, quantile(a.directT, 0.5))
			a.dp95 = append(a.dp95, quantile(a.directT, 0.95))
		}
		fmt.Fprintf(o.Progress, "bench query: run %d/%d done after %.1f s\n", run+1, o.Runs, time.Since(start).Seconds())
	}
	for _, a := range accs {
		r := a.res
		r.P50Ms, r.P95Ms = median(a.p50), median(a.p95)
		r.DirectP50Ms, r.DirectP95Ms = median(a.dp50), median(a.dp95)
		r.Ratio = r.P95Ms / r.DirectP95Ms
		rep.Results = append(rep.Results, r)
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// defaultRegions: the most populous region, the median one and the least
// populous.
func defaultRegions(ref *region.Data) []string {
	rs := slices.Clone(ref.Regions)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Population > rs[j].Population })
	return []string{rs[0].ID, rs[len(rs)/2].ID, rs[len(rs)-1].ID}
}

func get(ctx context.Context, c *http.Client, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return int(n), err
	}
	if resp.StatusCode != http.StatusOK {
		return int(n), fmt.Errorf("status %d", resp.StatusCode)
	}
	return int(n), nil
}

// direct runs the statements one after the other and scans every row into
// values of the column types the server reports.
func direct(ctx context.Context, conn driver.Conn, stmts []stmt) (uint64, error) {
	var n uint64
	for _, s := range stmts {
		rows, err := conn.Query(ctx, s.sql, s.args...)
		if err != nil {
			return n, err
		}
		cts := rows.ColumnTypes()
		dest := make([]any, len(cts))
		for i, ct := range cts {
			dest[i] = reflect.New(ct.ScanType()).Interface()
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return n, err
			}
			n++
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// stmt is one captured query.
type stmt struct {
	sql  string
	args []any
}

// captureConn records the queries the store sends while capturing is on;
// otherwise it only passes them through.
type captureConn struct {
	driver.Conn
	mu  sync.Mutex
	on  bool
	got []stmt
}

func (c *captureConn) begin() {
	c.mu.Lock()
	c.on, c.got = true, nil
	c.mu.Unlock()
}

func (c *captureConn) end() []stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = false
	return c.got
}

func (c *captureConn) record(q string, args []any) {
	c.mu.Lock()
	if c.on {
		c.got = append(c.got, stmt{sql: q, args: slices.Clone(args)})
	}
	c.mu.Unlock()
}

func (c *captureConn) Query(ctx context.Context, q string, args ...any) (driver.Rows, error) {
	c.record(q, args)
	return c.Conn.Query(ctx, q, args...)
}

func (c *captureConn) QueryRow(ctx context.Context, q string, args ...any) driver.Row {
	c.record(q, args)
	return c.Conn.QueryRow(ctx, q, args...)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// maxSamples bounds the timed requests of an endpoint per run and side.
const maxSamples = 500

// quantile is the nearest-rank quantile: the p95 of 20 samples is the
// 19th smallest.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(i, 0)]
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s) == 0 {
		return math.NaN()
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Met reports whether r meets both targets.
func (r *Result) Met() bool { return r.P95Ms < TargetP95Ms && r.Ratio <= TargetRatio }

// WriteText prints a table, slowest p95 last within the input order.
func (rep *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "database %s: %d events; period %s to %s; %d runs × at least %d requests (and %.1f s) per endpoint and side (medians of runs)\n",
		rep.Database, rep.Events, rep.From.Format(time.RFC3339), rep.To.Format(time.RFC3339), rep.Runs, rep.Repeats, rep.MinTime)
	fmt.Fprintf(w, "%-44s %9s %9s %11s %11s %6s %4s %5s %10s %9s  %s\n", "endpoint", "p50 ms", "p95 ms", "direct p50", "direct p95", "ratio", "sql", "reqs", "read rows", "read MB", "targets")
	met := 0
	for _, r := range rep.Results {
		mark := "ok"
		switch {
		case r.P95Ms >= TargetP95Ms && r.Ratio > TargetRatio:
			mark = "MISS p95, ratio"
		case r.P95Ms >= TargetP95Ms:
			mark = "MISS p95"
		case r.Ratio > TargetRatio:
			mark = "MISS ratio"
		default:
			met++
		}
		if _, err := fmt.Fprintf(w, "%-44s %9.1f %9.1f %11.1f %11.1f %6.2f %4d %5d %10d %9.1f  %s\n", r.Endpoint, r.P50Ms, r.P95Ms, r.DirectP50Ms, r.DirectP95Ms, r.Ratio, r.Statements, r.Samples, r.ReadRows, float64(r.ReadBytes)/1e6, mark); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d of %d endpoints meet p95 < %.0f ms and ratio ≤ %.1f (%.0f s)\n", met, len(rep.Results), TargetP95Ms, TargetRatio, rep.Seconds)
	return err
}

// WriteJSON prints one JSON object per endpoint, one a line.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, r := range rep.Results {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// Events counts the rows of the raw event tables of database db (from
// the active parts, so it is cheap at any size; a replay not yet merged
// away would count twice).
func Events(ctx context.Context, conn driver.Conn, db string) (uint64, error) {
	reg, err := schema.Load()
	if err != nil {
		return 0, err
	}
	q := "SELECT sum(rows) FROM system.parts WHERE active AND database = ? AND table IN ("
	args := []any{db}
	for i, f := range reg.Families {
		if i > 0 {
			q += ", "
		}
		q += "?"
		args = append(args, f.Table)
	}
	var n uint64
	if err := conn.QueryRow(ctx, q+")", args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("bench query: counting events: %w", err)
	}
	return n, nil
}
