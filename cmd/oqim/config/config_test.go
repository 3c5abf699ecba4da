package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/chatbot"
)

func TestDefaultsAreValid(t *testing.T) {
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.ClickHouse.Local.TCPPort == 9000 || c.ClickHouse.Local.HTTPPort == 8123 {
		t.Fatal("local ClickHouse defaults clash with a system ClickHouse")
	}
}

func TestExampleConfigLoads(t *testing.T) {
	c, err := Load(filepath.Join("..", "..", "..", "oqim.example.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Pipeline.BatchInterval.Duration != time.Second || c.Kafka.Topic == "" {
		t.Fatalf("example config read as %+v", c)
	}
}

func TestFileThenEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "oqim.yaml")
	os.WriteFile(path, []byte("kafka:\n  brokers: [a:9092]\n  topic: t1\npipeline:\n  batch_interval: 250ms\n"), 0o644)
	c, err := Load(path, []string{"OQIM_KAFKA_BROKERS=k1:9092, k2:9092", "OQIM_PIPELINE_BATCH_SIZE=7", "OQIM_PIPELINE_BATCH_BYTES=1048576", "PATH=/bin"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Kafka.Brokers, ",") != "k1:9092,k2:9092" {
		t.Errorf("brokers = %v, want the environment's", c.Kafka.Brokers)
	}
	if c.Kafka.Topic != "t1" || c.Pipeline.BatchSize != 7 || c.Pipeline.BatchInterval.Duration != 250*time.Millisecond {
		t.Errorf("config = %+v", c)
	}
	if ic := c.PipelineSpecs()[0].Ingest(c.Pipeline); ic.BatchBytes != 1<<20 || ic.BatchSize != 7 {
		t.Errorf("the pipeline gets batch size %d and bytes %d, want 7 and 1 MiB", ic.BatchSize, ic.BatchBytes)
	}
}

func TestHTTPEdgeSettingsFromEnv(t *testing.T) {
	c, err := Load("", []string{"OQIM_HTTP_TRUSTED_PROXIES=10.0.0.0/8, ::1", "OQIM_HTTP_WRITE_TIMEOUT=5s"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.HTTP.Edge().Proxies; len(got) != 2 || c.HTTP.Timeouts().Write != 5*time.Second {
		t.Fatalf("proxies %v, timeouts %+v", got, c.HTTP.Timeouts())
	}
}

// Each mistake names the setting, where it came from and what is expected.
func TestConfigErrorsNameTheSetting(t *testing.T) {
	dir := t.TempDir()
	n := 0
	file := func(body string) string {
		n++
		p := filepath.Join(dir, fmt.Sprintf("c%d.yaml", n))
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	tests := []struct {
		name, path string
		env        []string
		want       []string
	}{
		{"missing file", filepath.Join(dir, "nope.yaml"), nil, []string{"nope.yaml", "--config"}},
		{"unknown key", file("kafka:\n  brokerz: [x:1]\n"), nil, []string{"brokerz", "not found"}},
		{"bad duration", file("pipeline:\n  batch_interval: soon\n"), nil, []string{"line 2", "soon", "duration"}},
		{"bad env int", "", []string{"OQIM_PIPELINE_BATCH_SIZE=lots"}, []string{"pipeline.batch_size", "OQIM_PIPELINE_BATCH_SIZE", "not an integer"}},
		{"unknown env", "", []string{"OQIM_KAFKA_BROKER=x:1"}, []string{"OQIM_KAFKA_BROKER", "no such setting"}},
		{"bad broker", "", []string{"OQIM_KAFKA_BROKERS=localhost"}, []string{"kafka.brokers", "host:port"}},
		{"bad port", "", []string{"OQIM_CLICKHOUSE_LOCAL_TCP_PORT=70000"}, []string{"clickhouse.local.tcp_port", "70000"}},
		{"bad dsn", "", []string{"OQIM_CLICKHOUSE_DSN=clickhouse://h:9000/db?dial_timeout=forever"}, []string{"clickhouse.dsn", "clickhouse://"}},
		{"bad db", "", []string{"OQIM_CLICKHOUSE_DATABASE=a-b"}, []string{"clickhouse.database"}},
		{"bad level", "", []string{"OQIM_LOG_LEVEL=loud"}, []string{"log.level", "debug, info, warn or error"}},
		{"bad addr", "", []string{"OQIM_HTTP_ADDR=8080"}, []string{"http.addr", "host:port"}},
		{"bad proxy", "", []string{"OQIM_HTTP_TRUSTED_PROXIES=10.0.0.0/8,proxy.local"}, []string{"http.trusted_proxies", "proxy.local"}},
		{"zero batch", "", []string{"OQIM_PIPELINE_BATCH_SIZE=0"}, []string{"pipeline.batch_size", "at least 1"}},
		{"no brokers", "", []string{"OQIM_KAFKA_EMBEDDED_BROKERS=0"}, []string{"kafka.embedded.brokers", "1 to 9"}},
		{"short session", "", []string{"OQIM_PIPELINE_SESSION_TIMEOUT=100ms"}, []string{"pipeline.session_timeout", "1s to 30m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.path, tt.env)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			var ce *Error
			if tt.path == "" && !errors.As(err, &ce) {
				t.Errorf("error %v is not a Error", err)
			}
		})
	}
}

// Every open-data dataset keeps its state in a file of its own unless
// told otherwise: without one, a restart would emit each dataset again as
// a new publication.
func TestOpenDataStateFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	os.WriteFile(path, []byte(`opendata:
  - {agency: stat.uz, dataset: applications/by region, url: "https://data.egov.uz/a.csv", region: UZ-TK, topic: t}
  - {agency: stat.uz, dataset: fibre, url: "https://data.egov.uz/f.csv", region: UZ-TK, topic: t, state_path: /srv/f.json}
`), 0o644)
	c, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.OpenData[0].StatePath, filepath.Join("var", "opendata", "stat.uz_applications_by_region.json"); got != want {
		t.Errorf("default state file %q, want %q", got, want)
	}
	if got := c.OpenData[1].StatePath; got != "/srv/f.json" {
		t.Errorf("named state file became %q", got)
	}
	os.WriteFile(path, []byte(`opendata:
  - {agency: a, dataset: d, url: "https://x/1.csv", region: UZ-TK, topic: t, state_path: s.json}
  - {agency: b, dataset: e, url: "https://x/2.csv", region: UZ-TK, topic: t, state_path: ./s.json}
`), 0o644)
	if _, err := Load(path, nil); err == nil || !strings.Contains(err.Error(), "opendata[1].state_path") {
		t.Errorf("two datasets sharing a state file: %v", err)
	}
}

func TestDeclaredPipelines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.yaml")
	os.WriteFile(path, []byte(`pipelines:
  - name: agencies
    topics: [oqim.events]
    group: g1
  - name: calls-112
    topics: [agency.112.calls]
    group: g2
    decode: flat
    family: emergency.call
    event: closed
    batch_size: 5000
`), 0o644)
	c, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ps := c.PipelineSpecs()
	if len(ps) != 2 || ps[0].Decode != "envelope" || ps[0].BatchSize != c.Pipeline.BatchSize || ps[1].BatchSize != 5000 || ps[1].BatchInterval != c.Pipeline.BatchInterval {
		t.Fatalf("pipelines = %+v", ps)
	}
	if d := Default(); len(d.PipelineSpecs()) != 2 || d.PipelineSpecs()[0].Topics[0] != d.Kafka.Topic {
		t.Fatalf("default pipelines = %+v", d.PipelineSpecs())
	}

	os.WriteFile(path, []byte("pipelines:\n  - name: x\n    topics: [t]\n    group: g\n    decode: flat\n"), 0o644)
	if _, err := Load(path, nil); err == nil || !strings.Contains(err.Error(), "pipelines[0].family") {
		t.Fatalf("err = %v", err)
	}
	for yaml, want := range map[string]string{
		"    decode: flat\n    table: readings\n":                      "",
		"    table: readings\n":                                        "pipelines[0].table",
		"    decode: flat\n    table: r\n    family: emergency.call\n": "pipelines[0].table",
	} {
		os.WriteFile(path, []byte("pipelines:\n  - name: x\n    topics: [t]\n    group: g\n"+yaml), 0o644)
		c, err := Load(path, nil)
		switch {
		case want == "" && (err != nil || c.PipelineSpecs()[0].Table != "readings"):
			t.Errorf("%q: %v", yaml, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: err = %v, want one naming %s", yaml, err, want)
		}
	}
}

func TestKafkaSecurityFromFileAndEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "oqim.yaml")
	os.WriteFile(path, []byte("kafka:\n  brokers: [k1:9093]\n  tls:\n    ca_file: ca.pem\n  sasl:\n    mechanism: SCRAM-SHA-512\n    username: oqim\n"), 0o644)
	c, err := Load(path, []string{"OQIM_KAFKA_SASL_PASSWORD=s3cret", "OQIM_KAFKA_TLS_ENABLED=true"})
	if err != nil {
		t.Fatal(err)
	}
	want := KafkaTLS{Enabled: true, CAFile: "ca.pem"}
	if c.Kafka.TLS != want || c.Kafka.SASL != (KafkaSASL{Mechanism: "SCRAM-SHA-512", Username: "oqim", Password: "s3cret"}) {
		t.Fatalf("tls %+v sasl %+v", c.Kafka.TLS, c.Kafka.SASL)
	}
	// The CA file does not exist: building the cluster says which setting.
	if _, err := c.Kafka.Cluster(c.Kafka.Brokers); err == nil || !strings.Contains(err.Error(), "tls.ca_file") {
		t.Fatalf("missing CA file: %v", err)
	}
	if _, err := Load(path, []string{"OQIM_KAFKA_TLS_ENABLED=maybe"}); err == nil || !strings.Contains(err.Error(), "kafka.tls.enabled") {
		t.Fatalf("bad bool: %v", err)
	}
}

func TestLLMNotConfiguredIsOffline(t *testing.T) {
	if c, err := (LLMConfig{}).Client(); c != nil || err != nil {
		t.Fatalf("empty llm.*: client %v, err %v; want offline", c, err)
	}
	if _, err := (LLMConfig{BaseURL: "http://llm.test/v1"}).Client(); err == nil || !strings.Contains(err.Error(), "llm.model") {
		t.Fatalf("llm.base_url without llm.model: %v", err)
	}
}

func TestDoctorFHIRAndDiagnosisSettings(t *testing.T) {
	c, err := Load("", []string{"OQIM_DOCTOR_FHIR_BASE_URL=https://fhir.dh.example.uz/r4", "OQIM_DOCTOR_FHIR_TOKEN=t0k",
		"OQIM_DOCTOR_FHIR_MAX_ATTEMPTS=3", "OQIM_DOCTOR_FHIR_TIMEOUT=10s", "OQIM_DIAGNOSIS_RED_FLAG_SEVERITY1=0.02"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Doctor.FHIR.BaseURL != "https://fhir.dh.example.uz/r4" || c.Doctor.FHIR.MaxAttempts != 3 || c.Doctor.FHIR.Timeout != 10*time.Second ||
		c.Diagnosis.Locale != "uz" || c.Diagnosis.RedFlagSeverity1 != 0.02 {
		t.Fatalf("read as %+v, %+v", c.Doctor.FHIR, c.Diagnosis)
	}
	if _, err := c.Diagnosis.Engine(); err != nil {
		t.Fatal(err)
	}
	for env, key := range map[string]string{
		"OQIM_DOCTOR_FHIR_BASE_URL=fhir.example.uz":          "doctor.fhir.base_url",
		"OQIM_DOCTOR_FHIR_BASE_URL=ftp://fhir.example.uz/r4": "doctor.fhir.base_url",
		"OQIM_DOCTOR_FHIR_TOKEN=x":                           "doctor.fhir.token",
		"OQIM_DOCTOR_FHIR_AUTH_HEADER=X Key":                 "doctor.fhir.auth_header",
		"OQIM_DOCTOR_FHIR_MAX_ATTEMPTS=-1":                   "doctor.fhir.max_attempts",
		"OQIM_DOCTOR_FHIR_MAX_ATTEMPTS=1000":                 "doctor.fhir.max_attempts",
		"OQIM_DIAGNOSIS_LOCALE=fr":                           "diagnosis.locale",
		"OQIM_DIAGNOSIS_RED_FLAG_SEVERITY2=1.5":              "diagnosis.red_flag_severity2",
	} {
		_, err := Load("", []string{env})
		var ce *Error
		if !errors.As(err, &ce) || ce.Key != key {
			t.Errorf("%s: %v, want an error naming %s", env, err, key)
		}
	}
}

// Chatbot partner keys are configured as SHA-256 hashes with a name; a
// raw key, a short hash, a missing name or one key for two partners is
// refused naming the setting.
func TestChatbotPartnerKeys(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hash := httpedge.HashKey("call-centre-key")
	c, err := Load(write("ok.yaml", "chatbot:\n  partner_keys:\n    - {name: call-centre, key_sha256: "+hash+"}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	keys := c.Chatbot.Service(chatbot.Config{}).PartnerKeys
	if len(keys) != 1 || keys[0].SHA256 != hash || keys[0].Principal.ID != "call-centre" || keys[0].Principal.Kind != httpedge.Partner {
		t.Fatalf("partner keys read as %+v", keys)
	}
	for name, body := range map[string]string{
		"raw key":   "chatbot:\n  partner_keys:\n    - {name: call-centre, key_sha256: call-centre-key}\n",
		"no name":   "chatbot:\n  partner_keys:\n    - {key_sha256: " + hash + "}\n",
		"same key":  "chatbot:\n  partner_keys:\n    - {name: a, key_sha256: " + hash + "}\n    - {name: b, key_sha256: " + hash + "}\n",
		"short sum": "chatbot:\n  partner_keys:\n    - {name: a, key_sha256: abc123}\n",
	} {
		_, err := Load(write(strings.ReplaceAll(name, " ", "-")+".yaml", body), nil)
		var ce *Error
		if !errors.As(err, &ce) || !strings.HasPrefix(ce.Key, "chatbot.partner_keys") {
			t.Errorf("%s: %v, want an error naming chatbot.partner_keys", name, err)
		}
	}
}

// Signed notes (patient data) and the FHIR server's credential cross the
// network to doctor.fhir.base_url. Like oidc.issuer (checkURL), plain
// http is for loopback only (the demo's stand-in); the setting's own
// example is https. A URL carrying user:password would put the password
// in every delivery error (record, audit, log).
func TestDoctorFHIRBaseURLNeedsHTTPSOffLoopback(t *testing.T) {
	for _, env := range []string{
		"OQIM_DOCTOR_FHIR_BASE_URL=http://fhir.dh.example.uz/r4",
		"OQIM_DOCTOR_FHIR_BASE_URL=http://10.20.0.7:8080/fhir",
		"OQIM_DOCTOR_FHIR_BASE_URL=https://oqim:s3cret@fhir.dh.example.uz/r4",
	} {
		_, err := Load("", []string{env, "OQIM_DOCTOR_FHIR_TOKEN=t0k"})
		var ce *Error
		if !errors.As(err, &ce) || ce.Key != "doctor.fhir.base_url" {
			t.Errorf("%s: %v, want an error naming doctor.fhir.base_url", env, err)
		}
	}
	for _, env := range []string{
		"OQIM_DOCTOR_FHIR_BASE_URL=http://127.0.0.1:8081/fhir", // the demo's stand-in
		"OQIM_DOCTOR_FHIR_BASE_URL=http://localhost:8081/fhir",
		"OQIM_DOCTOR_FHIR_BASE_URL=https://fhir.dh.example.uz/r4",
	} {
		if _, err := Load("", []string{env}); err != nil {
			t.Errorf("%s: %v", env, err)
		}
	}
}
