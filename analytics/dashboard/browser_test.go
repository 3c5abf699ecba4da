package dashboard_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oqim/oqim/analytics/api"
	"github.com/oqim/oqim/analytics/dashboard"
	"github.com/oqim/oqim/analytics/kpi/kpitest"
	"github.com/oqim/oqim/connectors/chromium/chromiumtest"
)

// table is the part of a KPI response the test reads.
type table struct {
	Rows []map[string]any `json:"rows"`
}

func getTable(t *testing.T, base, path string, q url.Values) table {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/kpi/" + path + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s?%s: %s", path, q.Encode(), resp.Status)
	}
	var tb table
	if err := json.NewDecoder(resp.Body).Decode(&tb); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tb
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

func sum(rows []map[string]any, cols ...string) float64 {
	var s float64
	for _, r := range rows {
		for _, c := range cols {
			s += num(r[c])
		}
	}
	return s
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// figures are the tile numbers of one place as the API gives them, with
// the page's arithmetic: sums over the period's rows and ratios of sums.
type figures map[string]float64

func want(t *testing.T, base string, place url.Values, from, to, gran, callsGran string) figures {
	t.Helper()
	q := func(extra ...string) url.Values {
		v := url.Values{}
		for k, vs := range place {
			v[k] = vs
		}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	el := getTable(t, base, "eservices/electronic", q("from", from, "to", to, "granularity", gran)).Rows
	plan := getTable(t, base, "telecom/plan", q("to", to)).Rows
	calls := getTable(t, base, "calls", q("from", from, "to", to, "granularity", callsGran)).Rows
	appeals := getTable(t, base, "appeals", q("from", from, "to", to, "granularity", gran)).Rows
	projects := getTable(t, base, "projects/summary", q("to", to)).Rows
	f := figures{}
	f["applications"] = sum(el, "applications")
	f["electronic"] = ratio(sum(el, "electronic"), f["applications"])
	f["fibre_km"] = math.Round(sum(plan, "fibre_km_2025", "fibre_km_2026")*10) / 10
	f["fibre"] = ratio(sum(plan, "fibre_km_2025", "fibre_km_2026"), sum(plan, "plan_fibre_km_2025", "plan_fibre_km_2026"))
	f["base_stations"] = sum(plan, "base_stations_2025", "base_stations_2026")
	f["stations"] = ratio(f["base_stations"], sum(plan, "plan_base_stations_2025", "plan_base_stations_2026"))
	var weighted float64
	for _, r := range calls {
		weighted += num(r["calls"]) * num(r["median_seconds"])
	}
	f["calls"] = ratio(weighted, sum(calls, "calls"))
	f["appeals"] = ratio(sum(appeals, "resolved"), sum(appeals, "submitted"))
	f["projects"] = sum(projects, "late")
	return f
}

// shown reads the tiles' raw figures from the page.
const shown = `(() => {
  const o = {};
  for (const e of document.querySelectorAll('#tiles [data-tile] .value')) o[e.closest('[data-tile]').dataset.tile] = Number(e.dataset.value);
  for (const e of document.querySelectorAll('#tiles .hidden-value')) o[e.dataset.name] = Number(e.dataset.value);
  return o;
})()`

func same(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

func compare(t *testing.T, where string, got, want figures) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: the page shows no %s (want %v)", where, k, w)
			continue
		}
		if !same(g, w) {
			t.Errorf("%s: %s is %v on the page, %v from the API", where, k, g, w)
		}
	}
}

// TestDashboardInBrowser serves the dashboard beside the KPI API over a
// generated database, opens it in headless Chromium and checks that the
// national figures, the map's region table and, after opening Jizzakh
// from the map with the keyboard, that region's figures and chart table
// are the API's.
func TestDashboardInBrowser(t *testing.T) {
	e := kpitest.Load(t, kpitest.Options{Applications: 1500})
	bi := api.New(api.Options{Store: e.Store, Regions: e.Ref.RegionIDs()})
	mux := http.NewServeMux()
	mux.Handle("/api/v1/kpi/", bi)
	mux.Handle("GET /api/openapi.json", bi)
	dash := dashboard.Handler()
	mux.Handle("GET /{$}", dash)
	mux.Handle("GET /dashboard/", dash)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	page := chromiumtest.NewPage(t, 1600, 1000, 45*time.Second)
	ctx := page.Ctx
	run, attr := page.Do, page.Attr
	eval := page.Eval
	text := page.Text

	// The national overview, in English, polling every 5 s.
	run(
		chromedp.Navigate(srv.URL+"/?lang=en&refresh=5"),
		chromedp.WaitReady(chromedp.CSS(`main[data-loads] #tiles [data-tile="applications"]`)),
		chromedp.WaitReady(chromedp.CSS(`#UZ-QR[fill^="#"]`)),
	)
	from, to, gran, callsGran := attr("main", "data-from"), attr("main", "data-to"), attr("main", "data-granularity"), attr("main", "data-calls-granularity")
	if from == "" || to == "" || gran != "day" || callsGran != "week" {
		t.Fatalf("period from %q to %q by %q (112 by %q)", from, to, gran, callsGran)
	}
	var got figures
	eval(shown, &got)
	national := want(t, srv.URL, url.Values{"level": {"country"}}, from, to, gran, callsGran)
	if national["applications"] == 0 || national["appeals"] == 0 || national["calls"] == 0 {
		t.Fatalf("the generated data is empty: %v", national)
	}
	compare(t, "national", got, national)
	// No sign-in is configured here: its button stays out of sight (an
	// author "display: flex" once beat the hidden attribute and showed a
	// button leading to a 404).
	var accountShown string
	eval(`getComputedStyle(document.getElementById('account')).display`, &accountShown)
	if accountShown != "none" {
		t.Errorf("the sign-in box is shown (display %q) without sign-in configured", accountShown)
	}
	if s := text(`#tiles [data-tile="applications"] .value`); s != thousands(int64(national["applications"])) {
		t.Errorf("applications shown as %q, want %q", s, thousands(int64(national["applications"])))
	}
	if s, w := text(`#tiles [data-tile="electronic"] .value`), fmt.Sprintf("%.1f%%", national["electronic"]*100); s != w {
		t.Errorf("electronic share shown as %q, want %q", s, w)
	}

	// The map's table: every region's applications and electronic share.
	var ranking []struct {
		Region string  `json:"region"`
		Apps   float64 `json:"apps"`
		Share  float64 `json:"share"`
		Name   string  `json:"name"`
	}
	eval(`[...document.querySelectorAll('#ranking-table tbody tr')].map(r => ({region: r.dataset.region, name: r.querySelector('th').textContent,
	  apps: Number(r.querySelector('[data-col=applications]').dataset.value), share: Number(r.querySelector('[data-col=electronic_share]').dataset.value)}))`, &ranking)
	byRegion := map[string][]map[string]any{}
	for _, r := range getTable(t, srv.URL, "eservices/electronic", url.Values{"from": {from}, "to": {to}, "granularity": {"day"}}).Rows {
		id, _ := r["region"].(string)
		byRegion[id] = append(byRegion[id], r)
	}
	if len(ranking) != 14 {
		t.Fatalf("the map's table has %d regions, want 14", len(ranking))
	}
	for _, r := range ranking {
		rows := byRegion[r.Region]
		apps := sum(rows, "applications")
		if !same(r.Apps, apps) || !same(r.Share, ratio(sum(rows, "electronic"), apps)) {
			t.Errorf("map table %s: %v applications, share %v; API %v, %v", r.Region, r.Apps, r.Share, apps, ratio(sum(rows, "electronic"), apps))
		}
		ref, _ := e.Ref.Region(r.Region)
		if r.Name != ref.NameEn {
			t.Errorf("map table names %s %q, want %q", r.Region, r.Name, ref.NameEn)
		}
	}
	var paths []struct{ ID, Label, Tab string }
	eval(`[...document.querySelectorAll('svg.map path')].map(p => ({ID: p.id, Label: p.getAttribute('aria-label'), Tab: p.getAttribute('tabindex')}))`, &paths)
	if len(paths) != 14 {
		t.Errorf("the map has %d region paths, want 14", len(paths))
	}
	for _, p := range paths {
		ref, ok := e.Ref.Region(p.ID)
		if !ok || !strings.HasPrefix(p.Label, ref.NameEn+": ") || p.Tab != "0" {
			t.Errorf("map path %q: label %q, tabindex %q", p.ID, p.Label, p.Tab)
		}
	}
	page.FullScreenshot("dashboard-national.png")

	// Open Jizzakh from the map with the keyboard.
	loads, _ := strconv.Atoi(attr("main", "data-loads"))
	run(
		chromedp.Focus(chromedp.CSS(`#UZ-JI`)),
		chromedp.KeyEvent("\r"),
		chromedp.WaitReady(chromedp.CSS(`main[data-region="UZ-JI"] #ch-electronic-table`)),
	)
	if h := text("#scope-title"); h != "Jizzakh Region" {
		t.Errorf("region heading %q", h)
	}
	var focused string
	eval(`document.activeElement ? document.activeElement.id : ""`, &focused)
	if focused != "scope-title" {
		t.Errorf("after opening the region focus is on %q, want its heading", focused)
	}
	got = nil
	eval(shown, &got)
	jizzakh := want(t, srv.URL, url.Values{"region": {"UZ-JI"}}, from, to, gran, callsGran)
	compare(t, "UZ-JI", got, jizzakh)
	if jizzakh["applications"] == national["applications"] {
		t.Errorf("Jizzakh shows the national %v applications", national["applications"])
	}
	// The table behind the electronic-share chart, bucket by bucket.
	var series []struct {
		Period string  `json:"period"`
		Apps   float64 `json:"apps"`
		El     float64 `json:"el"`
	}
	eval(`[...document.querySelectorAll('#ch-electronic-table tbody tr[data-period]')].map(r => ({period: r.dataset.period,
	  apps: Number(r.querySelector('[data-col=applications]').dataset.value), el: Number(r.querySelector('[data-col=electronic]').dataset.value)}))`, &series)
	rows := getTable(t, srv.URL, "eservices/electronic", url.Values{"region": {"UZ-JI"}, "from": {from}, "to": {to}, "granularity": {gran}}).Rows
	if len(series) != len(rows) || len(rows) == 0 {
		t.Fatalf("the chart table has %d buckets, the API %d", len(series), len(rows))
	}
	for i, r := range rows {
		p, _ := r["period"].(string)
		if series[i].Period != p || series[i].Apps != num(r["applications"]) || series[i].El != num(r["electronic"]) {
			t.Errorf("bucket %d: page %+v, API %s %v %v", i, series[i], p, r["applications"], r["electronic"])
		}
	}
	// Polling brings fresh data without a reload.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`Number(document.querySelector('main').dataset.loads) > %d`, loads+1),
		chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("the page did not refresh by itself: %v", err)
	}
	if attr("#asof", "data-as-of") == "" {
		t.Error("no data-as-of time shown")
	}
	page.FullScreenshot("dashboard-region.png")

	// Russian: the interface and the region names switch.
	run(chromedp.Click(chromedp.CSS(`#lang button[data-lang="ru"]`)))
	if h := text("#scope-title"); h != "Джизакская область" {
		t.Errorf("region heading in Russian %q", h)
	}
	if l := attr("html", "lang"); l != "ru" {
		t.Errorf("html lang %q after switching to Russian", l)
	}
	page.FullScreenshot("dashboard-region-ru.png")
}

// thousands formats n as en-GB does: 12,345.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
