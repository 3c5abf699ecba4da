package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"

	"github.com/oqim/oqim/analytics/access"
	"github.com/oqim/oqim/analytics/api"
	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/analytics/kpi/kpitest"
	"github.com/oqim/oqim/connectors/httpedge"
)

const secret = "0123456789abcdef0123456789abcdef-test"

type fixture struct {
	e     *kpitest.Env
	url   string
	audit *access.ClickHouseAuditor
}

// TestAPI serves one generated database behind access control and runs
// the checks as subtests.
func TestAPI(t *testing.T) {
	e := kpitest.Load(t, kpitest.Options{Applications: 1500})
	auth, err := access.New(access.Config{
		Keys: []access.Key{
			{Name: "ji-analyst", SHA256: access.HashKey("ji-key"), Role: access.Analyst, Regions: []string{"UZ-JI"}},
			{Name: "statistics-agency", SHA256: access.HashKey("national-key"), Role: access.National},
		},
		JWT: access.JWT{Secret: secret},
	}, e.Ref.RegionIDs())
	if err != nil {
		t.Fatal(err)
	}
	aud := access.NewClickHouseAuditor(e.Conn, e.DB, nil)
	defer aud.Close(context.Background())
	srv := httptest.NewServer(api.New(api.Options{Store: e.Store, Regions: e.Ref.RegionIDs(), Access: auth, Audit: aud}))
	defer srv.Close()
	fx := &fixture{e: e, url: srv.URL, audit: aud}
	t.Run("CredentialsAreRequired", fx.credentialsAreRequired)
	t.Run("RegionalAnalystCannotReadOtherRegions", fx.regionalAnalystCannotReadOtherRegions)
	t.Run("BadParametersAreNamed", fx.badParametersAreNamed)
	t.Run("ExportsParseBackWithEqualValues", fx.exportsParseBack)
	t.Run("EveryQueryIsAudited", fx.everyQueryIsAudited)
	t.Run("NationalPlanTotalsAreNational", func(t *testing.T) {
		// The sum of every region's plan and the national headline are
		// national figures; a regional analyst's rows hide them, and so
		// must the answer's head.
		for cred, want := range map[string]bool{"ji-key": false, "national-key": true} {
			code, _, b := fx.get(t, cred, "/api/v1/kpi/telecom/plan")
			if code != http.StatusOK {
				t.Fatalf("%s: %d %s", cred, code, b)
			}
			var resp api.TableResponse
			if err := json.Unmarshal(b, &resp); err != nil {
				t.Fatal(err)
			}
			if got := resp.Plans != nil; got != want {
				t.Errorf("%s: regional_plans given %v (%+v), want %v", cred, got, resp.Plans, want)
			}
		}
	})
	t.Run("AnswersAreNeverCached", fx.answersAreNeverCached)
	t.Run("TargetPrintsAsTheDecreeSaysIt", func(t *testing.T) {
		// 70% is 0.7 in an export, not 0.7000000000000001.
		code, _, b := fx.get(t, "national-key", "/api/v1/kpi/eservices/electronic?level=country&format=csv")
		if code != http.StatusOK || !strings.Contains(string(b), ",0.7") || strings.Contains(string(b), "0.70000") {
			t.Errorf("%d: the 70%% target in %.300s", code, b)
		}
	})
	t.Run("OneCallerCannotHoldTheStore", func(t *testing.T) {
		// One query at a time per caller: of many sent at once, some
		// are refused with 429 and the rest answered.
		one := httptest.NewServer(api.New(api.Options{Store: e.Store, Regions: e.Ref.RegionIDs(), Access: auth, Audit: aud, MaxQueriesPerCaller: 1}))
		defer one.Close()
		someRefused(t, one.URL, "national-key")
	})
	t.Run("CallersTogetherCannotHoldTheStore", func(t *testing.T) {
		// Each caller within its own share, but two of them together
		// over the server's: some are refused with 429.
		two := httptest.NewServer(api.New(api.Options{Store: e.Store, Regions: e.Ref.RegionIDs(), Access: auth, Audit: aud, MaxQueriesPerCaller: 24, MaxQueries: 1}))
		defer two.Close()
		someRefused(t, two.URL, "national-key", "ji-key")
	})
	// Last: it adds agency events to the database the others read.
	t.Run("CSVHasNoFormulaUnderASemicolonLocale", fx.csvHasNoFormulaUnderASemicolonLocale)
}

// answersAreNeverCached: every KPI answer is for its caller only (a
// national reader's rows are not a regional analyst's), so each table's
// answer, in every format, says Cache-Control: no-store and nosniff, like
// /applications and every error. Without it a shared cache keyed by URL
// (a proxy that caches 200s heuristically; X-API-Key and cookies are not
// the Authorization header RFC 9111 §3.5 protects) can hand one
// principal's rows to another, or to no principal at all.
func (fx *fixture) answersAreNeverCached(t *testing.T) {
	paths := []string{"/api/v1/kpi/applications"}
	for _, tb := range kpi.Tables() {
		for _, f := range []string{"json", "csv", "arrow", "parquet"} {
			paths = append(paths, "/api/v1/kpi/"+tb.Name+"?format="+f)
		}
	}
	for _, p := range paths {
		code, h, b := fx.get(t, "national-key", p)
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", p, code, b)
		}
		if got := h.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", p, got)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q, want nosniff", p, got)
		}
	}
}

// csvHasNoFormulaUnderASemicolonLocale: Excel opens a .csv with the
// system's list separator, ";" in the Russian and Uzbek locales the BI's
// readers use, and then honours quotes only at the start of a cell. An
// agency name sent through ingest with a ";" in it (real ones have one:
// "National Agency for Social Protection;Ministry of Health") must not put
// a formula at the start of a cell there, as the leading-character check
// already ensures for a comma reader.
func (fx *fixture) csvHasNoFormulaUnderASemicolonLocale(t *testing.T) {
	e := fx.e
	at := e.Now.Add(-2 * time.Hour).UTC().Format(time.RFC3339)
	e.Records = e.Records[:0]
	for i, agency := range []string{"Ministry;=cmd|' /C calc'!A0;", "Agency;@SUM(1)", `Agency;=HYPERLINK("http://x/")`, "Agency\n=cmd|' /C calc'!A0", "Agency\r\n@SUM(1)"} {
		e.Records = append(e.Records, []byte(fmt.Sprintf(`{"id":"inj-%d","source":"data.egov.uz","type":"opendata.dataset.published","time":%q,"region":"UZ-JI","data":{"agency":%q,"dataset":"inj-%d","title":"t","format":"csv","rows":1,"url":"https://x"}}`,
			i, at, agency, i)))
	}
	e.Replay(t) // through the ingest decoder, as an agency's events arrive
	code, _, b := fx.get(t, "ji-key", "/api/v1/kpi/opendata?format=csv")
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, b)
	}
	if !strings.Contains(string(b), "Ministry") {
		t.Fatalf("the injected agency is not in the export:\n%s", b)
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma, r.FieldsPerRecord, r.LazyQuotes = ';', -1, true
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("a %q-separated reader sees the formula cell %q", ';', cell)
			}
		}
	}
}

// someRefused sends 24 queries at once to a server bounded at one, taking
// the credentials in turn: some must be answered, the rest refused with
// 429, and nothing else.
func someRefused(t *testing.T, url string, creds ...string) {
	t.Helper()
	codes := make(chan int, 24)
	var wg sync.WaitGroup
	for i := range cap(codes) {
		cred := creds[i%len(creds)]
		wg.Go(func() {
			code, _, _ := (&fixture{url: url}).get(t, cred, "/api/v1/kpi/eservices?level=district&format=csv")
			codes <- code
		})
	}
	wg.Wait()
	close(codes)
	n := map[int]int{}
	for c := range codes {
		n[c]++
	}
	if n[http.StatusTooManyRequests] == 0 || n[http.StatusOK] == 0 || n[http.StatusOK]+n[http.StatusTooManyRequests] != cap(codes) {
		t.Errorf("24 queries at once from %v with a bound of 1: %v; want some 200 and some 429, nothing else", creds, n)
	}
}

func (fx *fixture) get(t *testing.T, cred, path string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", fx.url+path, nil)
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return resp.StatusCode, resp.Header, b
}

func paths() []string {
	ps := []string{"/api/v1/kpi/applications", "/api/v1/kpi/chatbot"}
	for _, tb := range kpi.Tables() {
		ps = append(ps, "/api/v1/kpi/"+tb.Name)
	}
	return ps
}

func (fx *fixture) credentialsAreRequired(t *testing.T) {
	jwtCfg := access.JWT{Secret: secret}
	expired, _ := access.Sign(jwtCfg, httpedge.Principal{Name: "old", Role: string(access.National)}, time.Minute, time.Now().Add(-time.Hour))
	forged, _ := access.Sign(access.JWT{Secret: "another-secret-another-secret-another"}, httpedge.Principal{Name: "x", Role: string(access.National)}, time.Hour, time.Now())
	badRegion, _ := access.Sign(jwtCfg, httpedge.Principal{Name: "x", Role: string(access.Analyst), Regions: []string{"UZ-ZZ"}}, time.Hour, time.Now())
	// Same secret, minted for the doctor API: the audience refuses it.
	otherService, _ := access.Sign(access.JWT{Secret: secret, Audience: "oqim-doctor"}, httpedge.Principal{Name: "x", Role: string(access.National)}, time.Hour, time.Now())
	otherIssuer, _ := access.Sign(access.JWT{Secret: secret, Issuer: "someone-else"}, httpedge.Principal{Name: "x", Role: string(access.National)}, time.Hour, time.Now())
	none := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4Iiwicm9sZSI6Im5hdGlvbmFsIiwiZXhwIjo0MTAyNDQ0ODAwfQ."
	for _, p := range paths() {
		for _, cred := range []string{"", "wrong-key", expired, forged, badRegion, none, otherService, otherIssuer} {
			if code, h, _ := fx.get(t, cred, p); code != http.StatusUnauthorized || h.Get("WWW-Authenticate") == "" {
				t.Errorf("%s with %.12q: %d, want 401", p, cred, code)
			}
		}
	}
	if code, _, _ := fx.get(t, "", "/api/openapi.json"); code != http.StatusOK {
		t.Errorf("openapi.json: %d", code)
	}
	tok, err := access.Sign(jwtCfg, httpedge.Principal{Name: "ji-user", Role: string(access.Analyst), Regions: []string{"UZ-JI"}}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if code, _, b := fx.get(t, tok, "/api/v1/kpi/calls?region=UZ-JI"); code != http.StatusOK {
		t.Errorf("JWT: %d %s", code, b)
	}
	if code, _, _ := fx.get(t, tok, "/api/v1/kpi/calls?region=UZ-SA"); code != http.StatusForbidden {
		t.Errorf("JWT for UZ-JI reading UZ-SA: %d", code)
	}
}

// regions returns every value of the region column of a CSV export.
func regionsOf(t *testing.T, body []byte) map[string]int {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, body)
	}
	col := -1
	for i, h := range recs[0] {
		if h == "region" {
			col = i
		}
	}
	out := map[string]int{}
	for _, r := range recs[1:] {
		if col >= 0 {
			out[r[col]]++
		} else {
			out["(no region column)"]++
		}
	}
	return out
}

func (fx *fixture) regionalAnalystCannotReadOtherRegions(t *testing.T) {
	const key = "ji-key"
	// A district of another region: Samarkand's e-prescriptions have them.
	var saDistrict string
	if err := fx.e.Conn.QueryRow(context.Background(), "SELECT any(district) FROM "+fx.e.DB+".e_prescriptions WHERE region = 'UZ-SA' AND district != ''").Scan(&saDistrict); err != nil || saDistrict == "" {
		t.Fatalf("no Samarkand district: %v", err)
	}
	window := "&from=" + fx.e.Now.AddDate(0, 0, -40).Format(time.DateOnly) + "&to=" + fx.e.Now.Add(24*time.Hour).Format(time.DateOnly)
	for _, tb := range kpi.Tables() {
		p := "/api/v1/kpi/" + tb.Name
		if tb.National {
			for _, f := range []string{"", "?format=csv", "?region=UZ-JI"} {
				if code, _, _ := fx.get(t, key, p+f); code != http.StatusForbidden {
					t.Errorf("%s%s: %d, want 403 for a national KPI", p, f, code)
				}
			}
			continue
		}
		for q, want := range map[string]int{
			"region=UZ-SA":                                   http.StatusForbidden,
			"region=UZ-SA&format=csv":                        http.StatusForbidden,
			"region=UZ-SA&format=parquet":                    http.StatusForbidden,
			"region=UZ-JI&region=UZ-SA":                      http.StatusBadRequest,
			"region=UZ-SA&region=UZ-JI":                      http.StatusBadRequest,
			"region=UZ-JI,UZ-SA":                             http.StatusBadRequest,
			"regions=UZ-SA":                                  http.StatusBadRequest,
			"region=UZ-JI' OR '1'='1":                        http.StatusBadRequest,
			"region=UZ-JI%00":                                http.StatusBadRequest,
			"region=" + url.QueryEscape("UZ-JI') OR 1=1 --"): http.StatusBadRequest,
		} {
			if code, _, b := fx.get(t, key, p+"?"+strings.ReplaceAll(q, " ", "%20")); code != want {
				t.Errorf("%s?%s: %d, want %d: %s", p, q, code, want, b)
			}
		}
		// Everything the analyst can ask without naming a region stays in
		// UZ-JI: the default, each level, another region's district, and an
		// injection attempt through the district.
		queries := []string{"format=csv", "format=csv&level=district", "format=csv&level=country"}
		if tb.District {
			queries = append(queries, "format=csv&level=district&district="+url.QueryEscape(saDistrict),
				"format=csv&district="+url.QueryEscape("x' OR region = 'UZ-SA"))
		}
		for _, q := range queries {
			code, _, b := fx.get(t, key, p+"?"+q+window)
			if code != http.StatusOK {
				t.Errorf("%s?%s: %d %s", p, q, code, b)
				continue
			}
			for r, n := range regionsOf(t, b) {
				if r != "UZ-JI" && r != "(no region column)" {
					t.Errorf("%s?%s: %d rows of %s", p, q, n, r)
				}
				if strings.Contains(q, "district=") && n > 0 {
					t.Errorf("%s?%s: %d rows for a district outside the scope", p, q, n)
				}
			}
		}
	}
	// The national totals of a regional analyst are their region's.
	code, _, b := fx.get(t, key, "/api/v1/kpi/applications?"+window[1:])
	var mine, ji, nat api.ApplicationsResponse
	_ = json.Unmarshal(b, &mine)
	_, _, b = fx.get(t, "national-key", "/api/v1/kpi/applications?region=UZ-JI"+window)
	_ = json.Unmarshal(b, &ji)
	_, _, b = fx.get(t, "national-key", "/api/v1/kpi/applications?"+window[1:])
	_ = json.Unmarshal(b, &nat)
	if code != http.StatusOK || mine.Region != "UZ-JI" || fmt.Sprint(mine.ByStatus) != fmt.Sprint(ji.ByStatus) || fmt.Sprint(mine.ByStatus) == fmt.Sprint(nat.ByStatus) {
		t.Errorf("analyst's national applications: %d %s %v; UZ-JI %v; national %v", code, mine.Region, mine.ByStatus, ji.ByStatus, nat.ByStatus)
	}
	// A typo or a repeat is refused here too, not answered for the whole
	// scope or for the first value.
	for q, want := range map[string]int{"region=UZ-SA": 403, "region=UZ-JI": 200, "regions=UZ-SA": 400,
		"region=UZ-JI&region=UZ-SA": 400, "region=UZ-JI&from=2026-01-01&from=2025-01-01": 400} {
		if code, _, _ := fx.get(t, key, "/api/v1/kpi/applications?"+q); code != want {
			t.Errorf("applications?%s: %d, want %d", q, code, want)
		}
	}
	if code, _, _ := fx.get(t, key, "/api/v1/kpi/chatbot"); code != http.StatusForbidden {
		t.Errorf("chatbot for a regional analyst: %d", code)
	}
	if code, _, _ := fx.get(t, "national-key", "/api/v1/kpi/chatbot?region=UZ-JI"); code != http.StatusBadRequest {
		t.Errorf("chatbot with a region it cannot take: %d, want 400", code)
	}
	if code, _, _ := fx.get(t, "national-key", "/api/v1/kpi/chatbot"); code != http.StatusOK {
		t.Errorf("chatbot for national: %d", code)
	}
}

func (fx *fixture) badParametersAreNamed(t *testing.T) {
	for q, field := range map[string]string{
		"calls?granularity=hour":              "granularity",
		"calls?level=mahalla":                 "level",
		"calls?from=yesterday":                "from",
		"calls?to=2025-13-01":                 "to",
		"calls?from=2025-02-01&to=2025-01-01": "from",
		"calls?format=xlsx":                   "format",
		"calls?stalled_days=5":                "stalled_days",
		"eservices/stalled?stalled_days=0":    "stalled_days",
		"eservices/services?limit=abc":        "limit",
		"projects?annex=other":                "annex",
		"projects?district=x":                 "district",
		"calls?region=UZ-ZZ":                  "region",
		// A national table has no region or level to name: one it took
		// would label national figures as that region's.
		"assistants?region=UZ-JI":   "region",
		"assistants?level=district": "level",
	} {
		code, _, b := fx.get(t, "national-key", "/api/v1/kpi/"+q)
		var e api.ErrorBody
		_ = json.Unmarshal(b, &e)
		if code != http.StatusBadRequest || e.Error.Field != field || e.Error.Detail == "" || e.Error.Reason != httpedge.ReasonInvalid {
			t.Errorf("%s: %d %s, want 400 naming %s", q, code, b, field)
		}
	}
}

// table is a parsed export: column names and rows as strings, formatted
// the same way for every format.
type table struct {
	cols []string
	rows [][]string
}

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'g', 10, 64) }

func (fx *fixture) exportsParseBack(t *testing.T) {
	window := "&level=region&granularity=week&from=" + fx.e.Now.AddDate(0, 0, -40).Format(time.DateOnly) + "&to=" + fx.e.Now.Add(24*time.Hour).Format(time.DateOnly)
	for _, name := range []string{"calls", "eservices/services", "eservices/processing", "telecom/plan", "projects", "opendata/freshness"} {
		tb := tableByName(name)
		q := "/api/v1/kpi/" + name + "?x=1" + window
		q = strings.Replace(q, "?x=1&", "?", 1)
		if !contains(tb.Uses, "granularity") {
			q = strings.Replace(q, "&granularity=week", "", 1)
		}
		code, h, b := fx.get(t, "national-key", q)
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: %d %s", q, code, b)
		}
		var resp api.TableResponse
		if err := json.Unmarshal(b, &resp); err != nil {
			t.Fatalf("%s json: %v\n%.500s", name, err, b)
		}
		if resp.RowCount != len(resp.Rows) || len(resp.Rows) == 0 {
			t.Fatalf("%s: row_count %d, %d rows", name, resp.RowCount, len(resp.Rows))
		}
		want := table{}
		for _, c := range resp.Columns {
			want.cols = append(want.cols, c.Name)
		}
		for _, r := range resp.Rows {
			var row []string
			for i, c := range tb.Columns {
				v := r[want.cols[i]]
				switch c.Type {
				case kpi.Int, kpi.Float:
					row = append(row, fmtFloat(v.(float64)))
				default:
					if v == nil {
						v = ""
					}
					row = append(row, v.(string))
				}
			}
			want.rows = append(want.rows, row)
		}
		for _, format := range []string{"csv", "arrow", "parquet"} {
			code, h, body := fx.get(t, "national-key", q+"&format="+format)
			if code != 200 || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
				t.Fatalf("%s %s: %d %s", name, format, code, body)
			}
			var got table
			switch format {
			case "csv":
				got = parseCSV(t, tb, body)
			case "arrow":
				rdr, err := ipc.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("%s arrow: %v", name, err)
				}
				for rdr.Next() {
					got = appendRecord(got, rdr.Record())
				}
				if rdr.Err() != nil {
					t.Fatal(rdr.Err())
				}
				rdr.Release()
			case "parquet":
				pf, err := file.NewParquetReader(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("%s parquet: %v", name, err)
				}
				fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
				if err != nil {
					t.Fatal(err)
				}
				tbl, err := fr.ReadTable(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				tr := array.NewTableReader(tbl, 0)
				for tr.Next() {
					got = appendRecord(got, tr.Record())
				}
				tr.Release()
				tbl.Release()
			}
			if fmt.Sprint(got.cols) != fmt.Sprint(want.cols) {
				t.Errorf("%s %s columns %v, want %v", name, format, got.cols, want.cols)
			}
			if len(got.rows) != len(want.rows) {
				t.Fatalf("%s %s: %d rows, JSON has %d", name, format, len(got.rows), len(want.rows))
			}
			for i := range want.rows {
				if fmt.Sprint(got.rows[i]) != fmt.Sprint(want.rows[i]) {
					t.Fatalf("%s %s row %d:\n got %q\nwant %q", name, format, i, got.rows[i], want.rows[i])
				}
			}
		}
	}
}

func parseCSV(t *testing.T, tb *kpi.Table, body []byte) table {
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	out := table{cols: recs[0]}
	for _, r := range recs[1:] {
		row := make([]string, len(r))
		for i, v := range r {
			row[i] = v
			if ty := tb.Columns[i].Type; ty == kpi.Int || ty == kpi.Float {
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					t.Fatalf("csv number %q: %v", v, err)
				}
				row[i] = fmtFloat(x)
			}
		}
		out.rows = append(out.rows, row)
	}
	return out
}

func appendRecord(t table, rec arrow.Record) table {
	if t.cols == nil {
		for _, f := range rec.Schema().Fields() {
			t.cols = append(t.cols, f.Name)
		}
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		var row []string
		for c := 0; c < int(rec.NumCols()); c++ {
			switch a := rec.Column(c).(type) {
			case *array.String:
				row = append(row, a.Value(i))
			case *array.Int64:
				row = append(row, fmtFloat(float64(a.Value(i))))
			case *array.Float64:
				row = append(row, fmtFloat(a.Value(i)))
			case *array.Date32:
				if a.IsNull(i) {
					row = append(row, "")
				} else {
					row = append(row, a.Value(i).ToTime().Format(time.DateOnly))
				}
			default:
				row = append(row, "?"+a.DataType().String())
			}
		}
		t.rows = append(t.rows, row)
	}
	return t
}

func (fx *fixture) everyQueryIsAudited(t *testing.T) {
	if err := fx.audit.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := fx.auditRows(t, "ji-analyst")
	fx.get(t, "ji-key", "/api/v1/kpi/calls?region=UZ-SA")
	fx.get(t, "ji-key", "/api/v1/kpi/calls?region=UZ-JI&format=csv")
	fx.get(t, "", "/api/v1/kpi/calls")
	if err := fx.audit.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after := fx.auditRows(t, "ji-analyst"); after != before+2 {
		t.Errorf("ji-analyst audit rows %d, then %d; want 2 more", before, after)
	}
	var (
		status uint16
		scope  string
		query  string
	)
	err := fx.e.Conn.QueryRow(context.Background(), "SELECT status, scope, query FROM "+fx.e.DB+".kpi_audit WHERE principal = 'ji-analyst' AND path = '/api/v1/kpi/calls' AND query = 'region=UZ-SA' ORDER BY time DESC LIMIT 1").Scan(&status, &scope, &query)
	if err != nil || status != 403 || scope != "UZ-JI" {
		t.Errorf("audit of the refused read: status %d scope %q query %q err %v", status, scope, query, err)
	}
	if n := fx.auditRows(t, "unauthenticated"); n == 0 {
		t.Error("unauthenticated requests are not audited")
	}
}

func (fx *fixture) auditRows(t *testing.T, who string) int64 {
	var n uint64
	if err := fx.e.Conn.QueryRow(context.Background(), "SELECT count() FROM "+fx.e.DB+".kpi_audit WHERE principal = ?", who).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return int64(n)
}

func tableByName(name string) *kpi.Table {
	for _, tb := range kpi.Tables() {
		if tb.Name == name {
			return tb
		}
	}
	panic(name)
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// With no keys configured the API is open, as the demo and the existing
// callers of /applications and /chatbot expect.
func TestOpenWithoutKeys(t *testing.T) {
	auth, err := access.New(access.Config{}, []string{"UZ-JI"})
	if err != nil || auth.Enabled() {
		t.Fatalf("empty config: enabled %v, err %v", auth.Enabled(), err)
	}
	p, err := auth.Authenticate(httptest.NewRequest("GET", "/", nil))
	if err != nil || !access.IsNational(p) {
		t.Fatalf("anonymous = %+v, %v", p, err)
	}
}
