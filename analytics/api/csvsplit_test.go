package api_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/analytics/access"
	"github.com/oqim/oqim/analytics/api"
	"github.com/oqim/oqim/analytics/kpi/kpitest"
)

// TestCSVExportHasNoFormulaUnderASemicolonLocale: Excel opens a .csv with
// the system's list separator, which is ";" in the Russian and Uzbek
// locales the BI's readers use, and then honours quotes only at the
// start of a cell. An agency name sent through ingest with a ";" in it
// (real ones have one: "National Agency for Social Protection;Ministry of
// Health") must not put a formula at the start of a cell there, as the
// leading-character check already ensures for a comma reader.
func TestCSVExportHasNoFormulaUnderASemicolonLocale(t *testing.T) {
	e := kpitest.Load(t, kpitest.Options{Applications: 200})
	at := e.Now.Add(-2 * time.Hour).UTC().Format(time.RFC3339)
	for i, agency := range []string{"Ministry;=cmd|' /C calc'!A0;", "Agency;@SUM(1)", `Agency;=HYPERLINK("http://x/")`} {
		e.Records = append(e.Records, []byte(fmt.Sprintf(`{"id":"inj-%d","source":"data.egov.uz","type":"opendata.dataset.published","time":%q,"region":"UZ-JI","data":{"agency":%q,"dataset":"inj-%d","title":"t","format":"csv","rows":1,"url":"https://x"}}`,
			i, at, agency, i)))
	}
	e.Replay(t) // through the ingest decoder, as an agency's events arrive
	auth, err := access.New(access.Config{Keys: []access.Key{
		{Name: "ji-analyst", SHA256: access.HashKey("ji-key"), Role: access.Analyst, Regions: []string{"UZ-JI"}},
	}}, e.Ref.RegionIDs())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Store: e.Store, Regions: e.Ref.RegionIDs(), Access: auth}))
	defer srv.Close()
	code, _, b := (&fixture{url: srv.URL}).get(t, "ji-key", "/api/v1/kpi/opendata?format=csv")
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, b)
	}
	if !strings.Contains(string(b), "Ministry") {
		t.Fatalf("the injected agency is not in the export:\n%s", b)
	}
	r := csv.NewReader(strings.NewReader(string(b)))
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
