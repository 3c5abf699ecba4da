package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/analytics/api"
	"github.com/oqim/oqim/analytics/kpi"
	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/clickhouse/chtest"
	"github.com/oqim/oqim/connectors/kafka/embedded"
	"github.com/oqim/oqim/inference/clinical/worker"
	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/generate"
	"github.com/oqim/oqim/pipelines/ingest/ingesttest"
	"github.com/oqim/oqim/pipelines/schema"
)

// N generated events go through the real Kafka protocol, the pipeline and
// ClickHouse; the KPI endpoint must report exactly what was sent, per
// region and nationally.
func TestKPIEndpointEqualsWhatWasSent(t *testing.T) {
	// The BI reads what ingest lands through its rollups.
	env := ingesttest.New(t, worker.Migrations(), kpi.Migrations())
	now := time.Now().UTC()
	g := generate.New(env.Ref, generate.Options{Seed: 11, RunID: "e2e", Families: []generate.Family{generate.PortalApplication}})
	var msgs []kafkago.Message
	want := map[string]map[string]uint64{} // region → status → events
	national := map[string]uint64{}
	err := g.Backfill(now, 4000, func(e *generate.Event) error {
		msgs = append(msgs, kafkago.Message{Key: []byte(e.ApplicationID), Value: e.AppendJSON(nil)})
		if want[e.Region] == nil {
			want[e.Region] = map[string]uint64{}
		}
		want[e.Region][e.Status]++
		national[e.Status]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	env.Produce(t, msgs)
	env.Start(t, "e2e").WaitRows(t, uint64(len(msgs)), 0)

	cfg := config.Default()
	cfg.ClickHouse.Database = env.DB
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	h, closeRoutes, err := serverRoutes(cfg, &infra{registry: reg, kafka: env.Kafka, conn: env.Conn}, metrics.NewSet(), env.Ref, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeRoutes(context.Background())
	srv := httptest.NewServer(h)
	defer srv.Close()

	window := fmt.Sprintf("&from=%s&to=%s", now.AddDate(0, 0, -31).Format(time.RFC3339), now.Add(time.Minute).Format(time.RFC3339))
	check := func(query string, want map[string]uint64) {
		t.Helper()
		var got api.ApplicationsResponse
		getJSON(t, srv.URL+"/api/v1/kpi/applications?"+query+window, http.StatusOK, &got)
		if len(got.ByStatus) != 7 {
			t.Fatalf("%s: %d statuses", query, len(got.ByStatus))
		}
		for _, sc := range got.ByStatus {
			if sc.Count != want[sc.Status] {
				t.Errorf("%s %s: API says %d, sent %d", query, sc.Status, sc.Count, want[sc.Status])
			}
		}
	}
	if len(want) != 14 {
		t.Fatalf("generated events cover %d regions", len(want))
	}
	for region, byStatus := range want {
		check("region="+region, byStatus)
	}
	check("", national)

	// A narrower period counts only what happened in it.
	var week api.ApplicationsResponse
	getJSON(t, srv.URL+"/api/v1/kpi/applications?region=UZ-JI&from="+now.AddDate(0, 0, -7).Format(time.RFC3339)+"&to="+now.Add(time.Minute).Format(time.RFC3339), http.StatusOK, &week)
	if week.ByStatus[0].Count == 0 || week.ByStatus[0].Count >= want["UZ-JI"]["submitted"] {
		t.Errorf("last week's UZ-JI submissions %d, month's %d", week.ByStatus[0].Count, want["UZ-JI"]["submitted"])
	}

	// Bad parameters name the parameter.
	for q, field := range map[string]string{
		"region=UZ-ZZ":                  "region",
		"region=UZ-JI&from=yesterday":   "from",
		"from=2025-02-01&to=2025-01-01": "from",
		"region=UZ-JI' OR '1'='1":       "region",
	} {
		var e api.ErrorBody
		getJSON(t, srv.URL+"/api/v1/kpi/applications?"+strings.ReplaceAll(q, " ", "%20"), http.StatusBadRequest, &e)
		if e.Error.Field != field || e.Error.Detail == "" || e.Error.Reason == "" {
			t.Errorf("%s: error %+v, want field %q", q, e.Error, field)
		}
	}

	// Operations endpoints.
	var ready map[string]any
	getJSON(t, srv.URL+"/readyz", http.StatusOK, &ready)
	if ready["status"] != "ready" {
		t.Errorf("readyz = %v", ready)
	}
}

func postJSON(t *testing.T, url, body string, v any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("POST %s: %v in %s", url, err, b)
	}
}

func getJSON(t *testing.T, url string, code int, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != code {
		t.Fatalf("GET %s: %d %s, want %d", url, resp.StatusCode, body, code)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v in %s", url, err, body)
	}
}

// The demo command itself, wired as `make demo` runs it (with the test
// ClickHouse as its external server): every region gets data, the
// readiness and metrics endpoints answer, and Ctrl-C ends it cleanly. It
// runs once with the embedded broker and once with a configured
// ("external") one, which the demo must use instead of its own.
func TestDemoServesEveryRegion(t *testing.T) {
	t.Run("embedded kafka", func(t *testing.T) { runDemo(t, "") })
	t.Run("external kafka", func(t *testing.T) {
		b, err := embedded.Start(embedded.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		runDemo(t, strings.Join(b.Addrs(), ","))
	})
}

func runDemo(t *testing.T, brokers string) {
	dsn := chtest.Default.DSN(t)
	db := fmt.Sprintf("demo_%d", time.Now().UnixNano())
	t.Setenv("OQIM_CLICKHOUSE_DSN", dsn)
	t.Setenv("OQIM_CLICKHOUSE_DATABASE", db)
	t.Setenv("OQIM_KAFKA_BROKERS", brokers)
	t.Setenv("OQIM_KAFKA_EMBEDDED_BROKERS", "3")
	t.Setenv("OQIM_GENERATOR_BACKFILL", "3000")
	base, stdout, stop := startDemo(t)
	deadline := time.Now().Add(60 * time.Second)
	b := regexp.MustCompile(`Kafka brokers\s+\[([^\]]+)\]( \(embedded\))?`).FindStringSubmatch(contents(stdout))
	// The embedded cluster runs three brokers (kafka.embedded.brokers).
	if b == nil || (brokers == "") != (b[2] != "") || (brokers != "" && b[1] != brokers) || (brokers == "" && len(strings.Fields(b[1])) != 3) {
		t.Fatalf("demo uses brokers %q, configured %q:\n%s", b, brokers, contents(stdout))
	}

	ids := regionIDs(t)
	for {
		empty := 0
		for _, r := range ids {
			var got api.ApplicationsResponse
			getJSON(t, base+"/api/v1/kpi/applications?region="+r, http.StatusOK, &got)
			if got.ByStatus[0].Count == 0 {
				empty++
			}
		}
		if empty == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d regions still without applications", empty)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The BI: its OpenAPI document, a rollup-backed table as JSON and CSV.
	var doc struct {
		Paths map[string]any `json:"paths"`
	}
	getJSON(t, base+"/api/openapi.json", http.StatusOK, &doc)
	for _, p := range []string{"/api/v1/kpi/applications", "/api/v1/kpi/eservices/electronic", "/api/v1/kpi/telecom/plan"} {
		if doc.Paths[p] == nil {
			t.Errorf("OpenAPI lacks %s", p)
		}
	}
	// A path or method nothing serves gets the JSON error body too.
	var miss struct {
		Error struct{ Detail string } `json:"error"`
	}
	getJSON(t, base+"/api/v1/kpi/nonexistent", http.StatusNotFound, &miss)
	if !strings.Contains(miss.Error.Detail, "nonexistent") {
		t.Errorf("unknown KPI: %+v", miss)
	}
	getJSON(t, base+"/api/v1/diagnosis", http.StatusMethodNotAllowed, &miss)
	resp, err := http.Get(base + "/api/v1/kpi/eservices/electronic?region=UZ-JI&format=csv")
	if err != nil {
		t.Fatal(err)
	}
	csvBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "csv") || strings.Count(string(csvBody), "\n") < 2 {
		t.Fatalf("electronic share as CSV: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), csvBody)
	}

	// Agencies can also POST events; they land like Kafka-produced ones.
	now := time.Now().UTC().Format(time.RFC3339)
	var lines []string
	posted := []string{fmt.Sprintf("http-%d-a", time.Now().UnixNano()), fmt.Sprintf("http-%d-b", time.Now().UnixNano())}
	for _, id := range posted {
		lines = append(lines, `{"id":"`+id+`","source":"demo-agency","type":"mahalla.appeal.submitted","time":"`+now+`","region":"UZ-XO","data":{"appeal_id":"`+id+`","mahalla":"Gullanbog'","category":"roads"}}`)
	}
	post := func(body string) (int, string) {
		return send(t, "POST", base+"/api/v1/ingest", demoKey, "application/x-ndjson", body)
	}
	if code, body := post(strings.Join(lines, "\n")); code != http.StatusAccepted || !strings.Contains(body, `"accepted":2`) {
		t.Fatalf("POST /api/v1/ingest: %d %s", code, body)
	}
	bad := strings.Replace(lines[0], `"roads"`, `"weather"`, 1)
	if code, body := post(bad); code != http.StatusBadRequest || !strings.Contains(body, "data.category") {
		t.Fatalf("bad line: %d %s", code, body)
	}
	conn, err := clickhouse.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for {
		var n uint64
		if err := conn.QueryRow(context.Background(), "SELECT count() FROM "+db+".mahalla_appeals WHERE id IN (?, ?)", posted[0], posted[1]).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 2 posted events landed", n)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Chatbot usage flows through Kafka into ClickHouse and the BI: one
	// answered question, and one the portal knowledge base cannot answer.
	var sess struct {
		ID string `json:"session_id"`
	}
	postJSON(t, base+"/api/v1/chat/sessions", "", &sess)
	var reply struct {
		Kind      string `json:"kind"`
		Citations []struct {
			ID string `json:"id"`
		} `json:"citations"`
	}
	postJSON(t, base+"/api/v1/chat/sessions/"+sess.ID+"/messages", `{"text":"QQSni qanday qaytarib olsam boʻladi?"}`, &reply)
	if reply.Kind != "answer" || len(reply.Citations) == 0 {
		t.Fatalf("VAT refund question: %+v", reply)
	}
	// An off-topic message is no gap in the knowledge base; a question
	// for the state it has no entry for is.
	postJSON(t, base+"/api/v1/chat/sessions/"+sess.ID+"/messages", `{"text":"What is the weather on Mars tomorrow?"}`, &reply)
	postJSON(t, base+"/api/v1/chat/sessions/"+sess.ID+"/messages", `{"text":"Ajrashish uchun ariza qayerga beriladi?"}`, &reply)
	for {
		var u api.ChatbotResponse
		getJSON(t, base+"/api/v1/kpi/chatbot", http.StatusOK, &u)
		if u.ChatbotUsage != nil && u.Questions >= 3 {
			if u.ResolutionRate <= 0 || u.ResolutionRate >= 1 || len(u.PerDay) == 0 || len(u.TopUnanswered) != 1 ||
				!strings.Contains(u.TopUnanswered[0].Question, "Ajrashish") {
				t.Fatalf("chatbot KPIs = %+v; want the divorce question alone among the unanswered", u.ChatbotUsage)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("chatbot questions never reached the KPI endpoint: %+v", u.ChatbotUsage)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The doctor flow from text: note, then the differential.
	if brokers == "" {
		req, _ := http.NewRequest("POST", base+"/api/v1/notes", strings.NewReader(
			`{"age":45,"sex":"male","text":"Жалобы: кашель, одышка, температура 38,5. Объективно: пульс 96, SpO2 94%. Назначено: парацетамол 500 мг 3 раза в день 5 дней."}`))
		req.Header.Set("Authorization", "Bearer "+demoDoctorKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var note struct {
			Note struct {
				Vitals map[string]any `json:"vitals"`
			} `json:"note"`
			Differential []struct {
				ICD10 []string `json:"icd10"`
			} `json:"differential"`
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &note) != nil || len(note.Differential) == 0 || len(note.Differential[0].ICD10) == 0 || len(note.Note.Vitals) == 0 {
			t.Fatalf("POST /api/v1/notes: %d %s", resp.StatusCode, b)
		}
		req, _ = http.NewRequest("POST", base+"/api/v1/notes", strings.NewReader(`{"text":"x"}`))
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("notes without a key: %v %v", resp.StatusCode, err)
		}
	}

	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, series := range []string{"oqim_ingest_rows_total", "oqim_ingest_batches_total", "oqim_ingest_errors_total", "oqim_ingest_consumer_lag", "oqim_ingest_dlq_records_total"} {
		if !bytes.Contains(body, []byte(series)) {
			t.Errorf("/metrics lacks %s", series)
		}
	}
	stop()
}

// startDemo runs `oqim demo` as `make demo` does, with the settings the
// caller put in the environment (the test ClickHouse as its external
// server, a free HTTP port, a private broker log), waits for the URLs it
// prints, and returns the dashboard's base URL, its output and a stop
// that sends Ctrl-C and checks that the demo ends cleanly.
func startDemo(t *testing.T) (base string, stdout *os.File, stop func()) {
	t.Helper()
	t.Setenv("OQIM_KAFKA_EMBEDDED_PORT", "0")
	if os.Getenv("OQIM_KAFKA_EMBEDDED_DATA_DIR") == "" {
		t.Setenv("OQIM_KAFKA_EMBEDDED_DATA_DIR", t.TempDir())
	}
	t.Setenv("OQIM_HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("OQIM_PIPELINE_BATCH_INTERVAL", "200ms")
	t.Setenv("OQIM_LOG_LEVEL", "warn")
	stdout, stderr := outputFile(t, "stdout"), outputFile(t, "stderr")
	ctx, cancel := context.WithCancel(context.Background())
	root := newRoot(stdout, stderr)
	root.SetArgs([]string{"demo"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	stop = func() {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("demo returned %v on Ctrl-C", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("demo did not stop within 30 s of Ctrl-C")
		}
	}
	urlRE := regexp.MustCompile(`Dashboard\s+(http://\S+)/`)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := urlRE.FindStringSubmatch(contents(stdout)); m != nil {
			return m[1], stdout, stop
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("demo exited early: %v\n%s", err, contents(stderr))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("demo printed no URLs:\n%s\n%s", contents(stdout), contents(stderr))
		}
	}
}

// A restarted demo keeps what it wrote: it adds live events only, and
// writes the calendar families' history (telecom rollout, open data,
// project milestones) once, not once per start.
func TestDemoRestartAddsNoHistory(t *testing.T) {
	dsn := chtest.Default.DSN(t)
	db := fmt.Sprintf("demo_%d", time.Now().UnixNano())
	t.Setenv("OQIM_CLICKHOUSE_DSN", dsn)
	t.Setenv("OQIM_CLICKHOUSE_DATABASE", db)
	t.Setenv("OQIM_KAFKA_EMBEDDED_DATA_DIR", t.TempDir()) // kept across the restart, as var/kafka is
	t.Setenv("OQIM_GENERATOR_BACKFILL", "500")
	conn, err := clickhouse.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tables := []string{"telecom_rollout", "opendata_datasets", "project_milestones"}
	counts := func() map[string]uint64 {
		out := map[string]uint64{}
		for _, tb := range tables {
			var n uint64
			if err := conn.QueryRow(context.Background(), "SELECT count() FROM "+db+"."+tb).Scan(&n); err != nil {
				t.Fatal(err)
			}
			out[tb] = n
		}
		return out
	}
	// settled waits until the counts stop moving for a second.
	settled := func() map[string]uint64 {
		prev := counts()
		for deadline := time.Now().Add(60 * time.Second); ; {
			time.Sleep(time.Second)
			c := counts()
			if fmt.Sprint(c) == fmt.Sprint(prev) && c[tables[0]] > 0 {
				return c
			}
			if time.Now().After(deadline) {
				t.Fatalf("the demo's history did not settle: %v", c)
			}
			prev = c
		}
	}
	_, _, stop := startDemo(t)
	first := settled()
	stop()
	_, _, stop = startDemo(t)
	time.Sleep(3 * time.Second) // a second history would be written at once
	if again := settled(); fmt.Sprint(again) != fmt.Sprint(first) {
		t.Errorf("after a restart the calendar tables hold %v, before %v", again, first)
	}
	stop()
}

// A port already in use is reported with the setting that moves it.
func TestDemoPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t.Setenv("OQIM_HTTP_ADDR", l.Addr().String())
	root := newRoot(io.Discard, io.Discard)
	root.SetArgs([]string{"demo"})
	err = root.Execute()
	if err == nil || !strings.Contains(err.Error(), "http.addr "+l.Addr().String()) || !strings.Contains(err.Error(), "OQIM_HTTP_ADDR") {
		t.Fatalf("err = %v", err)
	}
}

func regionIDs(t *testing.T) []string {
	t.Helper()
	ref, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	return ref.RegionIDs()
}
