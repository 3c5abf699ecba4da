package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/analytics/kpi/encode"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/models/region"
)

// param is a query parameter of the KPI tables: its OpenAPI schema and
// description. Parsing is in filter; the two are kept side by side.
type param struct {
	name, typ, doc string
	enum           []string
	min, max       int
}

var (
	paramRegion   = param{name: "region", typ: "string", doc: "ISO 3166-2:UZ region code such as UZ-JI; omit for every region of your scope. Given once."}
	paramDistrict = param{name: "district", typ: "string", doc: "district name as the agencies report it; only for tables with a district breakdown"}
	paramFrom     = param{name: "from", typ: "string", doc: "start of the period, RFC 3339 time or YYYY-MM-DD (UTC); default 30 days before `to`. Daily rollups take it at day precision."}
	paramTo       = param{name: "to", typ: "string", doc: "end of the period (exclusive), RFC 3339 time or YYYY-MM-DD (UTC); default now. Daily rollups round it up to the next midnight."}
	paramLevel    = param{name: "level", typ: "string", enum: kpi.Levels, doc: "geographic grain of the rows: country (one row; restricted to your scope for regional roles), region (default) or district"}
	paramFormat   = param{name: "format", typ: "string", enum: []string{"json", "csv", "arrow", "parquet"}, doc: "json (default), csv, arrow (Arrow IPC stream) or parquet; non-JSON formats are downloads"}
	optional      = map[string]param{
		"granularity":  {name: "granularity", typ: "string", enum: kpi.Granularities, doc: "time bucket: day (default), week (from Monday), month or quarter"},
		"stalled_days": {name: "stalled_days", typ: "integer", min: 1, max: 365, doc: "an application with no step for more than this many days is stalled (default 10)"},
		"limit":        {name: "limit", typ: "integer", min: 1, max: 1000, doc: "how many services to rank per place (default 10)"},
		"days":         {name: "days", typ: "integer", min: 1, max: 730, doc: "how many days after `to` to list deadlines for (default 60)"},
		"annex":        {name: "annex", typ: "string", enum: []string{region.AnnexRegional, region.AnnexSector, region.AnnexRoadmap}, doc: "only projects of this decree annex"},
		"executor":     {name: "executor", typ: "string", doc: "only projects with this lead executor"},
	}
)

// params lists a table's parameters, common ones first. A national table
// takes no region or level: it has no regional breakdown, and a region it
// accepted would label national figures as that region's.
func params(t *kpi.Table) []param {
	var ps []param
	if !t.National {
		ps = append(ps, paramRegion)
	}
	if t.District {
		ps = append(ps, paramDistrict)
	}
	ps = append(ps, paramFrom, paramTo)
	if !t.National {
		ps = append(ps, paramLevel)
	}
	ps = append(ps, paramFormat)
	for _, u := range t.Uses {
		ps = append(ps, optional[u])
	}
	return ps
}

// streamBroken ends a response broken mid-stream. A client that stopped
// reading ("| head") is no fault of the server's: it is logged at info,
// anything else at error.
func (s *server) streamBroken(r *http.Request, t *kpi.Table, err error) {
	if r.Context().Err() != nil || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
		s.log.Info("kpi stream ended by the client", "kpi", t.Name, "err", err)
	} else {
		s.log.Error("kpi stream broken", "kpi", t.Name, "err", err)
	}
	panic(http.ErrAbortHandler)
}

// badParam is a parameter error: 400, or 403 when the value is valid but
// outside the caller's scope.
type badParam struct {
	code       int
	field, msg string
}

func (e *badParam) Error() string { return e.field + ": " + e.msg }

func bad(field, format string, args ...any) *badParam {
	return &badParam{code: http.StatusBadRequest, field: field, msg: fmt.Sprintf(format, args...)}
}

// onlyKnownOnce refuses a query with a parameter that what does not take
// (names) or one given more than once, so a typo (regions=) or a repeat
// (region=A&region=B) never silently widens a query.
func onlyKnownOnce(q url.Values, what string, names []string) *badParam {
	for name, vs := range q {
		if !slices.Contains(names, name) {
			return bad(name, "unknown parameter; %s takes %s", what, strings.Join(names, ", "))
		}
		if len(vs) > 1 {
			return bad(name, "given %d times; give it once", len(vs))
		}
	}
	return nil
}

// filter turns a table request's query into a kpi.Filter under the
// caller's scope. Unknown and repeated parameters are errors, so a typo
// (regions=, region=A&region=B) never silently widens a query.
func (s *server) filter(t *kpi.Table, q url.Values, c *call) (kpi.Filter, encode.Format, *badParam) {
	f := kpi.Filter{Scope: c.scope}
	allowed := params(t)
	names := make([]string, len(allowed))
	for j, p := range allowed {
		names[j] = p.name
	}
	if t.National && !c.scope.All() {
		return f, "", &badParam{code: http.StatusForbidden, msg: t.Name + " is national and has no regional breakdown; it needs the national role"}
	}
	if perr := onlyKnownOnce(q, t.Name, names); perr != nil {
		return f, "", perr
	}
	if r := q.Get("region"); r != "" {
		if !s.regions[r] {
			return f, "", bad("region", "%q is not an ISO 3166-2:UZ region code such as UZ-JI", r)
		}
		if !c.scope.Allows(r) {
			return f, "", &badParam{code: http.StatusForbidden, field: "region", msg: fmt.Sprintf("your access covers %s, not %s", c.scope, r)}
		}
		f.Region = r
	}
	if d := q.Get("district"); d != "" {
		if len(d) > 100 || !utf8.ValidString(d) || strings.IndexFunc(d, unicode.IsControl) >= 0 {
			return f, "", bad("district", "must be a district name of at most 100 characters")
		}
		f.District = d
	}
	p, field, err := s.period(q.Get("from"), q.Get("to"))
	if err != nil {
		return f, "", bad(field, "%s", err.Error())
	}
	f.Period = p
	if v := q.Get("level"); v != "" {
		i := slices.Index(kpi.Levels, v)
		if i < 0 {
			return f, "", bad("level", "%q is not one of %s", v, strings.Join(kpi.Levels, ", "))
		}
		f.Level = kpi.Level(i)
	}
	if v := q.Get("granularity"); v != "" {
		i := slices.Index(kpi.Granularities, v)
		if i < 0 {
			return f, "", bad("granularity", "%q is not one of %s", v, strings.Join(kpi.Granularities, ", "))
		}
		f.Granularity = kpi.Granularity(i)
	}
	ints := []struct {
		name string
		dst  *int
	}{{"stalled_days", &f.StalledDays}, {"limit", &f.Limit}, {"days", &f.HorizonDays}}
	for _, it := range ints {
		v := q.Get(it.name)
		if v == "" {
			continue
		}
		p := optional[it.name]
		n, err := strconv.Atoi(v)
		if err != nil || n < p.min || n > p.max {
			return f, "", bad(it.name, "%q is not a whole number from %d to %d", v, p.min, p.max)
		}
		*it.dst = n
	}
	if v := q.Get("annex"); v != "" {
		if !slices.Contains(optional["annex"].enum, v) {
			return f, "", bad("annex", "%q is not one of regional, sector, roadmap", v)
		}
		f.Annex = v
	}
	if v := q.Get("executor"); v != "" {
		if len(v) > 200 || !utf8.ValidString(v) {
			return f, "", bad("executor", "must be an executor name of at most 200 characters")
		}
		f.Executor = v
	}
	format := encode.JSON
	if v := q.Get("format"); v != "" {
		format = encode.Format(v)
		if !slices.Contains(encode.Formats, format) {
			return f, "", bad("format", "%q is not one of json, csv, arrow, parquet", v)
		}
	}
	return f, format, nil
}

// table serves one KPI table, streaming its rows.
func (s *server) table(t *kpi.Table) func(http.ResponseWriter, *http.Request, *call) {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		f, format, perr := s.filter(t, r.URL.Query(), c)
		if perr != nil {
			httpedge.WriteError(w, perr.code, httpedge.Error{Field: perr.field, Detail: perr.msg})
			return
		}
		var (
			enc     encode.Writer
			started bool
		)
		// Headers wait for the first row, so a query that fails before
		// any row still gets a proper error status.
		start := func() error {
			started = true
			w.Header().Set("Content-Type", format.ContentType())
			if format != encode.JSON {
				name := strings.ReplaceAll(t.Name, "/", "_") + "_" + f.Period.From.Format("20060102") + "_" + f.Period.To.Format("20060102") + "." + format.Ext()
				w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
			}
			w.WriteHeader(http.StatusOK)
			if format == encode.JSON {
				if _, err := w.Write(s.jsonHead(t, &f, c)); err != nil {
					return err
				}
			}
			var err error
			enc, err = encode.New(format, w, t.Columns)
			return err
		}
		err := s.store.Stream(r.Context(), t, f, func(row *kpi.Row) error {
			if !started {
				if err := start(); err != nil {
					return err
				}
			}
			return enc.Write(row)
		})
		if err == nil && !started {
			err = start()
		}
		if err != nil {
			if errors.Is(err, kpi.ErrNationalOnly) && !started {
				httpedge.WriteError(w, http.StatusForbidden, httpedge.Error{Detail: err.Error()})
				return
			}
			if !started {
				s.log.Error("kpi query failed", "kpi", t.Name, "err", err)
				httpedge.WriteError(w, http.StatusServiceUnavailable, httpedge.Error{Detail: "the analytics store did not answer; try again shortly"})
				return
			}
			// Mid-stream: the status is sent, so break the response
			// rather than end it like a complete one.
			s.streamBroken(r, t, err)
		}
		if err := enc.Close(); err != nil {
			s.streamBroken(r, t, err)
		}
		c.rows = enc.Rows()
		if format == encode.JSON {
			tail := fmt.Appendf(nil, ",\n\"row_count\": %d,\n\"as_of\": %q\n}\n", enc.Rows(), s.now().UTC().Format(time.RFC3339))
			_, _ = w.Write(tail)
		}
	}
}

// TableResponse is the JSON body of a KPI table endpoint; Rows holds one
// object per row, keyed by column name.
type TableResponse struct {
	KPI         string           `json:"kpi"`
	Title       string           `json:"title"`
	Region      string           `json:"region"`
	District    string           `json:"district,omitempty"`
	Level       string           `json:"level"`
	Granularity string           `json:"granularity,omitempty"`
	From        time.Time        `json:"from"`
	To          time.Time        `json:"to"`
	Scope       string           `json:"scope"`
	Targets     []kpi.Target     `json:"targets"`
	Plans       *PlanTotals      `json:"regional_plans,omitempty"`
	Columns     []ColumnInfo     `json:"columns"`
	Rows        []map[string]any `json:"rows"`
	RowCount    int              `json:"row_count"`
	AsOf        time.Time        `json:"as_of"`
}

// ColumnInfo describes a column in TableResponse.
type ColumnInfo struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description"`
}

// PlanTotals sets the decree's telecom headline beside the sum of the
// regional plans, gap included (base stations: 2,284 vs 2,266).
type PlanTotals struct {
	FibreKm              float64 `json:"fibre_km"`
	BaseStations         int64   `json:"base_stations"`
	HeadlineFibreKm      float64 `json:"headline_fibre_km"`
	HeadlineBaseStations int64   `json:"headline_base_stations"`
	GapFibreKm           float64 `json:"gap_fibre_km"`
	GapBaseStations      int64   `json:"gap_base_stations"`
}

var typeNames = map[kpi.Type]string{kpi.String: "string", kpi.Int: "integer", kpi.Float: "number", kpi.Date: "date"}

// jsonHead is a TableResponse up to the opening of its rows array.
func (s *server) jsonHead(t *kpi.Table, f *kpi.Filter, c *call) []byte {
	head := TableResponse{KPI: t.Name, Title: t.Title, Region: f.Region, District: f.District, Level: f.Level.String(),
		From: f.Period.From, To: f.Period.To, Scope: c.scope.String(), Targets: []kpi.Target{}}
	if head.Region == "" {
		head.Region = f.CountryLabel()
	}
	if slices.Contains(t.Uses, "granularity") {
		head.Granularity = f.Granularity.String()
	}
	if ref, err := s.store.Reference(); err == nil && t.Targets != nil {
		head.Targets = append(head.Targets, t.Targets(ref)...)
	}
	// The sum of every region's plan and the decree's national headline
	// are national figures: a caller scoped to some regions sees their
	// rows' headline columns as 0, and no totals here.
	if (t == kpi.Telecom || t == kpi.TelecomPlan) && c.scope.All() {
		if km, bs, err := s.store.PlanTotals(); err == nil {
			pt := &PlanTotals{FibreKm: km, BaseStations: bs, HeadlineFibreKm: kpi.HeadlineFibreKm, HeadlineBaseStations: kpi.HeadlineBaseStations}
			for _, tg := range head.Targets {
				switch tg.ID {
				case "K04":
					pt.HeadlineFibreKm = tg.Value
				case "K05":
					pt.HeadlineBaseStations = int64(tg.Value)
				}
			}
			pt.GapFibreKm, pt.GapBaseStations = pt.HeadlineFibreKm-pt.FibreKm, pt.HeadlineBaseStations-pt.BaseStations
			head.Plans = pt
		}
	}
	for _, col := range t.Columns {
		head.Columns = append(head.Columns, ColumnInfo{Name: col.Name, Type: typeNames[col.Type], Description: col.Doc})
	}
	b, _ := json.Marshal(head)
	// Cut the document at "rows": the rows stream after it.
	i := strings.Index(string(b), `,"rows":`)
	return append(b[:i:i], ",\n\"rows\": "...)
}
