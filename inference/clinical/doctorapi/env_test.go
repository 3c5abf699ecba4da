package doctorapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/connectors/clickhouse/migrate/migratetest"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/kafka/embedded"
	"github.com/oqim/oqim/inference/clinical/asr"
	"github.com/oqim/oqim/inference/clinical/asr/asrtest"
	"github.com/oqim/oqim/inference/clinical/worker"
)

// Keys of the two test doctors.
const (
	keyOne = "doctor-one-key"
	keyTwo = "doctor-two-key"
)

// env is a running API with its real dependencies: ClickHouse, an
// embedded Kafka broker, a blob directory and an OpenAI-compatible
// transcription protocol double behind the real OpenAI engine.
type env struct {
	t      testing.TB
	srv    *httptest.Server
	h      *Handler
	conn   driver.Conn
	db     string
	kafka  *kafka.Cluster
	asr    *asrtest.TranscriptionProtocolDouble
	engine *asr.Chunked
	cfg    Config
}

type envOptions struct {
	noEngine bool
	engine   asr.Engine // replaces the OpenAI engine over the protocol double
	noKafka  bool
	audit    worker.Auditor
	now      func() time.Time
	tune     func(*Config)
	// wrapConn wraps the ClickHouse connection the API is given.
	wrapConn func(driver.Conn) driver.Conn
	// fhirCheck is Deps.FHIRCheck.
	fhirCheck func([]byte) error
}

func testConfig(t testing.TB) Config {
	return Config{
		APIKeys: []APIKey{
			{DoctorID: "d-1", Name: "Dr One", KeySHA256: httpedge.HashKey(keyOne)},
			{DoctorID: "d-2", Name: "Dr Two", KeySHA256: httpedge.HashKey(keyTwo)},
		},
		JWT:          JWTConfig{Secret: "a-test-secret-of-at-least-32-bytes!"},
		Limits:       Limits{RequestsPerMinute: 6000, Burst: 1000},
		PollInterval: 50 * time.Millisecond,
		Jobs: worker.Config{
			BlobDir:          t.TempDir(),
			JobsTopic:        "test.doctor.jobs",
			TranscriptsTopic: "test.doctor.transcripts",
			Partitions:       2,
		},
	}
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	e := &env{t: t, cfg: testConfig(t)}
	if o.tune != nil {
		o.tune(&e.cfg)
	}
	deps := Deps{Audit: o.audit, Now: o.now, FHIRCheck: o.fhirCheck}
	if o.audit == nil {
		e.conn, e.db = migratetest.Database(t, worker.Migrations())
		deps.ClickHouse, deps.Database = e.conn, e.db
		if o.wrapConn != nil {
			deps.ClickHouse = o.wrapConn(e.conn)
		}
	}
	if !o.noKafka && o.audit == nil {
		b, err := embedded.Start(embedded.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)
		e.kafka = kafka.Plain(b.Addrs()...)
		deps.Kafka = e.kafka
	}
	if o.engine != nil {
		deps.Engine = o.engine
	} else if !o.noEngine {
		e.asr = asrtest.NewTranscriptionProtocolDouble(t)
		cfg := e.asr.Config()
		cfg.Concurrency = 1
		eng, err := asr.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { eng.Close() })
		e.engine = eng
		deps.Engine = eng
	}
	h, err := New(e.cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	e.h = h
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e
}

// do sends a request with the given credential ("" for none) and returns
// the status and body.
func (e *env) do(method, path, cred, contentType string, body []byte) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

// upload posts a recording as multipart form data.
func (e *env) upload(cred string, audioBytes []byte, fields map[string]string) (*http.Response, []byte) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile("audio", "exam.wav")
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write(audioBytes)
	mw.Close()
	return e.do(http.MethodPost, "/api/v1/transcriptions", cred, mw.FormDataContentType(), buf.Bytes())
}

func defaultFields() map[string]string {
	return map[string]string{"language": "auto", "patient_id": "p-100", "encounter_id": "e-200"}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode[T any](t testing.TB, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return v
}

// auditRows returns (action, doctor, outcome, resource, patient) of every
// audit row, oldest first.
func (e *env) auditRows() []worker.AuditRecord {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := e.conn.Query(ctx, "SELECT actor, doctor_id, action, resource_id, patient_id, outcome FROM "+e.db+".doctor_audit ORDER BY time")
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []worker.AuditRecord
	for rows.Next() {
		var r worker.AuditRecord
		if err := rows.Scan(&r.Actor, &r.DoctorID, &r.Action, &r.ResourceID, &r.PatientID, &r.Outcome); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func hasAudit(rows []worker.AuditRecord, want worker.AuditRecord) bool {
	for _, r := range rows {
		if r.Action == want.Action && r.DoctorID == want.DoctorID && r.Outcome == want.Outcome &&
			(want.Actor == "" || r.Actor == want.Actor) &&
			(want.ResourceID == "" || r.ResourceID == want.ResourceID) &&
			(want.PatientID == "" || r.PatientID == want.PatientID) {
			return true
		}
	}
	return false
}

// auditRecorder is an in-memory Auditor for tests and benchmarks that do
// not need ClickHouse.
type auditRecorder struct {
	mu      sync.Mutex
	records []worker.AuditRecord
	err     error
}

func (a *auditRecorder) Record(_ context.Context, r worker.AuditRecord) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return a.err
	}
	a.records = append(a.records, r)
	return nil
}
