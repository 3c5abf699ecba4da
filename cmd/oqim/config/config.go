// Package config loads and checks oqim's configuration: the YAML file,
// then OQIM_* environment variables, then validation that names the
// setting at fault. It is the one place that knows the keys; the commands
// in cmd/oqim only wire what it returns.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"gopkg.in/yaml.v3"

	"github.com/oqim/oqim/analytics/access"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/llm"
	"github.com/oqim/oqim/connectors/retry"
	"github.com/oqim/oqim/inference/chatbot"
	"github.com/oqim/oqim/inference/clinical/asr"
	"github.com/oqim/oqim/inference/clinical/diagnosis"
	"github.com/oqim/oqim/inference/clinical/doctorapi"
	"github.com/oqim/oqim/models/ddxplus"
	"github.com/oqim/oqim/pipelines/ingest"
	"github.com/oqim/oqim/pipelines/sources/httpingest"
	"github.com/oqim/oqim/pipelines/sources/opendata"
)

// Config is oqim's whole configuration. Every key can be set in the YAML
// file or overridden by an environment variable named OQIM_ plus the key
// path in upper case, e.g. kafka.brokers → OQIM_KAFKA_BROKERS.
type Config struct {
	Log        LogConfig        `yaml:"log"`
	HTTP       HTTPConfig       `yaml:"http"`
	Kafka      KafkaConfig      `yaml:"kafka"`
	ClickHouse ClickHouseConfig `yaml:"clickhouse"`
	Pipeline   PipelineConfig   `yaml:"pipeline"`
	Generator  GeneratorConfig  `yaml:"generator"`
	LLM        LLMConfig        `yaml:"llm"`
	// Pipelines declares the ingest pipelines; empty means one pipeline
	// reading kafka.topic as kafka.group with the pipeline.* settings.
	Pipelines []PipelineSpec `yaml:"pipelines"`
	// HTTPIngest lets agencies POST NDJSON events (see
	// pipelines/sources/httpingest); they land on kafka.topic.
	HTTPIngest httpingest.Config `yaml:"http_ingest"`
	// OpenData lists datasets that `oqim ingest` polls (see
	// pipelines/sources/opendata).
	OpenData []opendata.Config `yaml:"opendata"`
	// Doctor configures the doctor's transcription and notes API and its
	// workers (see inference/clinical/doctorapi).
	Doctor doctorapi.Config `yaml:"doctor"`
	// Access guards the BI API: keys or JWTs with a role and a region
	// scope (see analytics/access). Empty leaves the BI open, which
	// serve and ingest refuse unless access.insecure_demo is set.
	Access access.Config `yaml:"access"`
	// OIDC lets people sign in through the region's identity provider
	// (see connectors/httpedge/oidc and oidc.go).
	OIDC OIDCConfig `yaml:"oidc"`
	// ASR chooses the speech-recognition engine; empty keeps audio off
	// (notes and diagnosis from text still work).
	ASR ASRConfig `yaml:"asr"`
	// Chatbot bounds the citizens' chatbot: what it holds in memory and
	// how fast one client may ask.
	Chatbot ChatbotConfig `yaml:"chatbot"`
	// Diagnosis tunes the diagnostic assistant's engine.
	Diagnosis DiagnosisConfig `yaml:"diagnosis"`
}

// DiagnosisConfig tunes the diagnostic assistant
// (inference/clinical/diagnosis); zero takes the engine's defaults.
type DiagnosisConfig struct {
	// Locale names the prior table: "uz" (default, Uzbekistan's
	// prevalences and travel gates) or "ddxplus" (the dataset's own).
	Locale string `yaml:"locale"`
	// RedFlagSeverity1 and RedFlagSeverity2 are the probabilities at or
	// above which a condition of severity 1 (most urgent) or 2 is flagged
	// red whatever its rank (defaults 0.01 and 0.05). Lower flags more.
	RedFlagSeverity1 float64 `yaml:"red_flag_severity1"`
	RedFlagSeverity2 float64 `yaml:"red_flag_severity2"`
}

// Engine is the diagnostic engine over the embedded knowledge base with
// these settings.
func (c DiagnosisConfig) Engine() (*diagnosis.Engine, error) {
	kb, err := ddxplus.Default()
	if err != nil {
		return nil, err
	}
	return diagnosis.NewEngine(kb, diagnosis.Options{Locale: c.Locale, RedFlagSeverity1: c.RedFlagSeverity1, RedFlagSeverity2: c.RedFlagSeverity2})
}

// ChatbotConfig bounds the chatbot (inference/chatbot); zero takes the
// chatbot's defaults. Its sessions live in memory: at worst about
// max_sessions × max_history × max_message_runes × 4 bytes.
type ChatbotConfig struct {
	// MaxSessions bounds the live sessions (default 100,000); past it
	// the least recently used is evicted.
	MaxSessions int `yaml:"max_sessions"`
	// MaxSessionsPerClient bounds one client's live sessions (default
	// 1,000); past it that client's least recently used is evicted, not
	// another's. A client is an IPv4 address or an IPv6 /64.
	MaxSessionsPerClient int `yaml:"max_sessions_per_client"`
	// SessionTTL is how long an idle session lives (default 30m).
	SessionTTL Duration `yaml:"session_ttl"`
	// MaxHistory bounds the messages kept per session (default 40).
	MaxHistory int `yaml:"max_history"`
	// MaxMessageRunes bounds a question's length (default 1,000).
	MaxMessageRunes int `yaml:"max_message_runes"`
	// RatePerSecond and Burst are each client's token bucket (defaults 2
	// and 20). A client is its IPv4 address or IPv6 /64, taken from
	// X-Forwarded-For only behind http.trusted_proxies.
	RatePerSecond float64 `yaml:"rate_per_second"`
	Burst         int     `yaml:"burst"`
	// PartnerKeys let known clients (another agency's portal, the call
	// centre) be limited per key, sent as X-API-Key, instead of per
	// address. Only each key's SHA-256 is configured.
	PartnerKeys []PartnerKey `yaml:"partner_keys"`
}

// PartnerKey is one chatbot partner's key.
type PartnerKey struct {
	Name string `yaml:"name"`
	// KeySHA256 is the hex SHA-256 of the key (printf %s "$KEY" | sha256sum).
	KeySHA256 string `yaml:"key_sha256"`
}

// Service is the chatbot's configuration with these bounds applied.
func (c ChatbotConfig) Service(base chatbot.Config) chatbot.Config {
	base.MaxSessions, base.SessionTTL, base.MaxHistory = c.MaxSessions, c.SessionTTL.Duration, c.MaxHistory
	base.MaxSessionsPerClient = c.MaxSessionsPerClient
	base.MaxMessageRunes, base.RatePerSecond, base.Burst = c.MaxMessageRunes, c.RatePerSecond, c.Burst
	base.PartnerKeys = c.partnerKeys()
	return base
}

func (c ChatbotConfig) partnerKeys() []httpedge.Key {
	keys := make([]httpedge.Key, len(c.PartnerKeys))
	for i, k := range c.PartnerKeys {
		keys[i] = httpedge.Key{SHA256: k.KeySHA256, Principal: httpedge.Principal{Kind: httpedge.Partner, ID: k.Name}}
	}
	return keys
}

// ASRConfig selects and configures the speech-recognition engine.
type ASRConfig struct {
	// Engine is openai (any OpenAI-compatible transcription server) or
	// whisper (in-process whisper.cpp; needs a binary built with
	// -tags whisper). Empty: no audio.
	Engine       string   `yaml:"engine"`
	BaseURL      string   `yaml:"base_url"`
	Model        string   `yaml:"model"`
	APIKey       string   `yaml:"api_key"`
	Timeout      Duration `yaml:"timeout"`
	WhisperModel string   `yaml:"whisper_model"`
	Concurrency  int      `yaml:"concurrency"`
}

func (c ASRConfig) NewEngine() (*asr.Chunked, error) {
	return asr.New(asr.Config{
		Engine:      c.Engine,
		OpenAI:      asr.OpenAIConfig{BaseURL: c.BaseURL, Model: c.Model, APIKey: c.APIKey, Timeout: c.Timeout.Duration},
		Whisper:     asr.WhisperConfig{ModelPath: c.WhisperModel},
		Concurrency: c.Concurrency,
	})
}

// LLMConfig points at an OpenAI-compatible chat server (vLLM, llama.cpp,
// Ollama, OpenAI). Empty BaseURL keeps every assistant offline.
type LLMConfig struct {
	BaseURL string `yaml:"base_url"`
	Model   string `yaml:"model"`
	APIKey  string `yaml:"api_key"`
	// EmbeddingModel turns on hybrid retrieval in the chatbot.
	EmbeddingModel string `yaml:"embedding_model"`
	// Timeout bounds each attempt of a call; 0 means 2 min.
	Timeout Duration `yaml:"timeout"`
	// MaxAttempts bounds the tries of a call after 429, 5xx, timeouts and
	// network errors; 0 means 4.
	MaxAttempts int `yaml:"max_attempts"`
}

type LogConfig struct {
	Format string `yaml:"format"` // text or json; empty: text for demo, json otherwise
	Level  string `yaml:"level"`  // debug, info, warn, error
}

type HTTPConfig struct {
	Addr string `yaml:"addr"`
	// TrustedProxies are the reverse proxies (addresses or CIDR prefixes)
	// whose X-Forwarded-For names the client; empty: none is believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// Server timeouts; zero takes connectors/httpedge's defaults. Routes
	// stretch them for uploads and lift the write timeout for streams.
	ReadHeaderTimeout Duration `yaml:"read_header_timeout"`
	ReadTimeout       Duration `yaml:"read_timeout"`
	WriteTimeout      Duration `yaml:"write_timeout"`
	IdleTimeout       Duration `yaml:"idle_timeout"`
}

// timeouts are the server's timeouts.
func (c HTTPConfig) Timeouts() httpedge.Timeouts {
	return httpedge.Timeouts{ReadHeader: c.ReadHeaderTimeout.Duration, Read: c.ReadTimeout.Duration,
		Write: c.WriteTimeout.Duration, Idle: c.IdleTimeout.Duration}
}

// edge is what every surface's routes share: the trusted proxies
// (checked by validate).
func (c HTTPConfig) Edge() httpedge.Options {
	ps, _ := httpedge.ParseProxies(c.TrustedProxies)
	return httpedge.Options{Proxies: ps}
}

type KafkaConfig struct {
	// Brokers of an external cluster; empty starts the embedded broker.
	Brokers    []string      `yaml:"brokers"`
	Topic      string        `yaml:"topic"`
	Group      string        `yaml:"group"`
	Partitions int           `yaml:"partitions"`
	Embedded   EmbeddedKafka `yaml:"embedded"`
	// ClientID, TLS and SASL apply to every producer, consumer and admin
	// request oqim makes (see connectors/kafka.Config).
	ClientID string    `yaml:"client_id"`
	TLS      KafkaTLS  `yaml:"tls"`
	SASL     KafkaSASL `yaml:"sasl"`
}

// KafkaTLS mirrors kafka.TLSConfig with its keys.
type KafkaTLS struct {
	Enabled            bool   `yaml:"enabled"`
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	ServerName         string `yaml:"server_name"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// KafkaSASL mirrors kafka.SASLConfig with its keys.
type KafkaSASL struct {
	Mechanism string `yaml:"mechanism"`
	Username  string `yaml:"username"`
	Password  string `yaml:"password"`
}

// cluster is the one kafka.Cluster a command builds its clients from,
// at brokers (kafka.brokers, or the embedded broker's address).
func (c KafkaConfig) Cluster(brokers []string) (*kafka.Cluster, error) {
	cl, err := kafka.NewCluster(kafka.Config{Brokers: brokers, ClientID: c.ClientID,
		TLS: kafka.TLSConfig(c.TLS), SASL: kafka.SASLConfig(c.SASL)})
	if err != nil {
		return nil, fmt.Errorf("%w\n  fix: check kafka.brokers, kafka.tls and kafka.sasl", err)
	}
	return cl, nil
}

type EmbeddedKafka struct {
	Port    int    `yaml:"port"`
	DataDir string `yaml:"data_dir"`
	// Brokers is how many brokers the embedded cluster runs (default 1);
	// with 3, topics have replication factor 3, as in production.
	Brokers int `yaml:"brokers"`
}

type ClickHouseConfig struct {
	// DSN of an external server; empty starts a local one.
	DSN      string `yaml:"dsn"`
	Database string `yaml:"database"`
	// Cluster names the ClickHouse cluster (remote_servers) the schema
	// lives on: migrate creates it ON CLUSTER, replicated and sharded, and
	// connections run with clickhouse.ClusterSettings. Empty: one server.
	Cluster string          `yaml:"cluster"`
	Local   LocalClickHouse `yaml:"local"`
	// ConnectWait is how long a starting process waits for a server that
	// does not answer yet (one started alongside it); 0 tries once.
	ConnectWait Duration `yaml:"connect_wait"`
}

type LocalClickHouse struct {
	Dir      string `yaml:"dir"`
	TCPPort  int    `yaml:"tcp_port"`
	HTTPPort int    `yaml:"http_port"`
}

type PipelineConfig struct {
	BatchSize int `yaml:"batch_size"`
	// BatchBytes cuts a batch at this many bytes of records too; 0 takes
	// ingest.DefaultBatchBytes.
	BatchBytes    int      `yaml:"batch_bytes"`
	BatchInterval Duration `yaml:"batch_interval"`
	// The Kafka client allocates per record, so the default GC target
	// (collect when the heap doubles) spends a tenth of an ingester's CPU
	// in the collector. A higher GCPercent with a memory limit collects
	// rarely and still caps memory. 0 leaves the Go defaults.
	GCPercent     int `yaml:"gc_percent"`
	MemoryLimitMB int `yaml:"memory_limit_mb"`
	// Allocator is where decoded columns' memory comes from: pool or go
	// (ingest.AllocPool, ingest.AllocGo); empty is ingest's default, the
	// faster one in `oqim bench ingest --alloc both`.
	Allocator string `yaml:"allocator"`
	// SessionTimeout is how long the consumer group waits for an ingest
	// process that stopped heartbeating (killed, partitioned away) before
	// its partitions move to the others: the longest pause of those
	// partitions on a crash. 0 keeps the client's 30 s. The brokers refuse
	// a value outside group.min/max.session.timeout.ms (6 s to 30 min by
	// default).
	SessionTimeout Duration `yaml:"session_timeout"`
}

// PipelineSpec is one declared pipeline: Kafka source, decoding,
// validation against the schema registry and the transforms (always on),
// and the ClickHouse sink's batching.
type PipelineSpec struct {
	Name   string   `yaml:"name"`
	Topics []string `yaml:"topics"`
	Group  string   `yaml:"group"`
	// Decode is envelope (Oqim's event envelope, the default) or flat
	// (plain objects keyed by column name): either all of Family.Event,
	// or rows of Table, an existing ClickHouse table whose columns say
	// what each key must hold.
	Decode        string   `yaml:"decode"`
	Family        string   `yaml:"family"`
	Event         string   `yaml:"event"`
	Table         string   `yaml:"table"`
	BatchSize     int      `yaml:"batch_size"`
	BatchInterval Duration `yaml:"batch_interval"`
}

// PipelineSpecs returns the declared pipelines, or the default one, with
// pipeline.* filling unset batching.
func (c *Config) PipelineSpecs() []PipelineSpec {
	specs := c.Pipelines
	if len(specs) == 0 {
		specs = []PipelineSpec{
			{Name: "agency-events", Topics: []string{c.Kafka.Topic}, Group: c.Kafka.Group},
			{Name: "chatbot-events", Topics: []string{chatbot.DefaultEventsTopic}, Group: c.Kafka.Group + "-chatbot"},
		}
	}
	out := make([]PipelineSpec, len(specs))
	for i, s := range specs {
		if s.Decode == "" {
			s.Decode = "envelope"
		}
		if s.BatchSize == 0 {
			s.BatchSize = c.Pipeline.BatchSize
		}
		if s.BatchInterval.Duration == 0 {
			s.BatchInterval = c.Pipeline.BatchInterval
		}
		out[i] = s
	}
	return out
}

type GeneratorConfig struct {
	// Rate is new applications per second at the weekly mean; the
	// generator follows the daily and weekly rhythm around it.
	Rate float64 `yaml:"rate"`
	// Backfill is how many applications to spread over Window before now
	// when the generator starts.
	Backfill int      `yaml:"backfill"`
	Window   Duration `yaml:"window"`
	Seed     uint64   `yaml:"seed"`
}

// Duration reads "1s", "500ms" and the like.
type Duration struct{ time.Duration }

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration such as 500ms, 2s or 24h", n.Line, n.Value)
	}
	d.Duration = v
	return nil
}

func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

func Default() Config {
	var c Config
	c.HTTP.Addr = "127.0.0.1:8080"
	c.Log.Level = "info"
	c.Kafka.Topic = "oqim.portal.applications"
	c.Kafka.Group = "oqim-ingest"
	c.Kafka.Partitions = 4
	c.Kafka.Embedded.Port = 19092
	c.Kafka.Embedded.DataDir = "var/kafka"
	c.Kafka.Embedded.Brokers = 1
	c.ClickHouse.Database = "oqim"
	c.ClickHouse.Local.Dir = "var/clickhouse"
	c.ClickHouse.Local.TCPPort = 19000
	c.ClickHouse.Local.HTTPPort = 18123
	c.ClickHouse.ConnectWait = Duration{time.Minute}
	c.Pipeline.BatchSize = 50000
	c.Pipeline.BatchInterval = Duration{time.Second}
	c.Pipeline.GCPercent = 400
	c.Pipeline.MemoryLimitMB = 768
	// The live stream keeps the backfill's pace (60,000 applications over
	// 30 days is 0.023 a second), so today's bars stand beside the month's
	// instead of towering over them.
	c.Generator.Rate = 0.025
	c.Generator.Backfill = 60000
	c.Generator.Window = Duration{30 * 24 * time.Hour}
	c.Diagnosis.Locale = "uz"
	return c
}

// Error names the setting that is wrong and how to fix it.
type Error struct {
	Key, Source, Problem string
}

func (e *Error) Error() string {
	return fmt.Sprintf("config: %s (from %s): %s", e.Key, e.Source, e.Problem)
}

// Load reads path (if not empty), then applies OQIM_* variables
// from env, then validates.
func Load(path string, env []string) (Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: %w (pass --config with an existing file, or omit it to use defaults)", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
			return c, fmt.Errorf("config: %s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
		}
	}
	if err := applyEnv(&c, env); err != nil {
		return c, err
	}
	c.defaultOpenDataState()
	return c, c.validate(path)
}

// openDataStateDir holds the open-data pollers' state files by default.
const openDataStateDir = "var/opendata"

// defaultOpenDataState gives every open-data dataset a state file under
// openDataStateDir unless it names one. Without a file a restart emits
// each dataset again as a new publication, stamped with the restart's time
// when the portal sends no Last-Modified, which the pipeline cannot tell
// from a real one.
func (c *Config) defaultOpenDataState() {
	safe := func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}
	for i := range c.OpenData {
		if d := &c.OpenData[i]; d.StatePath == "" {
			d.StatePath = filepath.Join(openDataStateDir, strings.Map(safe, d.Agency+"_"+d.Dataset)+".json")
		}
	}
}

// applyEnv walks Config's fields by their yaml keys, so a new setting is
// overridable without touching this function.
func applyEnv(c *Config, env []string) error {
	vars := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "OQIM_") {
			vars[k] = v
		}
	}
	known := map[string]bool{"OQIM_CONFIG": true}
	err := walk(reflect.ValueOf(c).Elem(), "", func(key string, f reflect.Value) error {
		name := EnvName(key)
		known[name] = true
		raw, ok := vars[name]
		if !ok {
			return nil
		}
		if err := setField(f, raw); err != nil {
			return &Error{Key: key, Source: name, Problem: err.Error()}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k := range vars {
		if !known[k] && !strings.HasPrefix(k, "OQIM_TEST_") {
			return &Error{Key: strings.ToLower(strings.TrimPrefix(k, "OQIM_")), Source: k, Problem: "no such setting; see oqim.example.yaml for the keys (OQIM_ + key path, dots as underscores)"}
		}
	}
	return nil
}

// EnvName is the environment variable that overrides key.
func EnvName(key string) string {
	return "OQIM_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

func walk(v reflect.Value, prefix string, fn func(key string, f reflect.Value) error) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := strings.Split(sf.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		key := tag
		if prefix != "" {
			key = prefix + "." + tag
		}
		f := v.Field(i)
		// Lists of records (agencies, datasets) live in the file only.
		if f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct {
			continue
		}
		if f.Kind() == reflect.Struct && f.Type() != reflect.TypeOf(Duration{}) {
			if err := walk(f, key, fn); err != nil {
				return err
			}
			continue
		}
		if err := fn(key, f); err != nil {
			return err
		}
	}
	return nil
}

func setField(f reflect.Value, raw string) error {
	switch f.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 500ms, 2s or 24h", raw)
		}
		f.SetInt(int64(d))
		return nil
	case Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 500ms, 2s or 24h", raw)
		}
		f.Set(reflect.ValueOf(Duration{d}))
		return nil
	case []string:
		var parts []string
		for _, p := range strings.Split(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		f.Set(reflect.ValueOf(parts))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(raw)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not an integer", raw)
		}
		f.SetInt(n)
	case reflect.Uint64:
		n, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a non-negative integer", raw)
		}
		f.SetUint(n)
	case reflect.Bool:
		v, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw)
		}
		f.SetBool(v)
	case reflect.Float64:
		n, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", raw)
		}
		f.SetFloat(n)
	default:
		return fmt.Errorf("unsupported setting type %s", f.Type())
	}
	return nil
}

var validDatabase = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (c *Config) validate(path string) error {
	src := func(key string) string {
		s := EnvName(key)
		if path != "" {
			s = path + " or " + s
		}
		return s
	}
	bad := func(key, problem string) error { return &Error{Key: key, Source: src(key), Problem: problem} }

	switch c.Log.Format {
	case "", "text", "json":
	default:
		return bad("log.format", fmt.Sprintf("%q must be text or json", c.Log.Format))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return bad("log.level", fmt.Sprintf("%q must be debug, info, warn or error", c.Log.Level))
	}
	if _, port, err := net.SplitHostPort(c.HTTP.Addr); err != nil || !validPort(port) {
		return bad("http.addr", fmt.Sprintf("%q must be host:port, e.g. 127.0.0.1:8080 or :8080", c.HTTP.Addr))
	}
	if _, err := httpedge.ParseProxies(c.HTTP.TrustedProxies); err != nil {
		return bad("http.trusted_proxies", err.Error())
	}
	for i, b := range c.Kafka.Brokers {
		if _, port, err := net.SplitHostPort(b); err != nil || !validPort(port) {
			return bad("kafka.brokers", fmt.Sprintf("entry %d, %q, must be host:port, e.g. kafka-1:9092", i+1, b))
		}
	}
	if c.Kafka.Topic == "" {
		return bad("kafka.topic", "must not be empty")
	}
	if c.Kafka.Group == "" {
		return bad("kafka.group", "must not be empty")
	}
	if c.Kafka.Partitions < 1 {
		return bad("kafka.partitions", fmt.Sprintf("%d must be at least 1", c.Kafka.Partitions))
	}
	if c.Kafka.Embedded.Brokers < 1 || c.Kafka.Embedded.Brokers > 9 {
		return bad("kafka.embedded.brokers", fmt.Sprintf("%d: want 1 to 9 (3 for a production-like cluster)", c.Kafka.Embedded.Brokers))
	}
	for key, p := range map[string]int{
		"kafka.embedded.port": c.Kafka.Embedded.Port, "clickhouse.local.tcp_port": c.ClickHouse.Local.TCPPort,
		"clickhouse.local.http_port": c.ClickHouse.Local.HTTPPort,
	} {
		if p < 0 || p > 65535 {
			return bad(key, fmt.Sprintf("%d is not a port (1-65535, or 0 for a free one)", p))
		}
	}
	if c.ClickHouse.DSN != "" {
		if _, err := ch.ParseDSN(c.ClickHouse.DSN); err != nil {
			return bad("clickhouse.dsn", fmt.Sprintf("%v; expected clickhouse://user:password@host:9000/database", err))
		}
	}
	if !validDatabase.MatchString(c.ClickHouse.Database) {
		return bad("clickhouse.database", fmt.Sprintf("%q must be letters, digits and underscores", c.ClickHouse.Database))
	}
	if c.ClickHouse.Cluster != "" {
		if !validDatabase.MatchString(c.ClickHouse.Cluster) {
			return bad("clickhouse.cluster", fmt.Sprintf("%q must be letters, digits and underscores (a cluster name of remote_servers)", c.ClickHouse.Cluster))
		}
		if c.ClickHouse.DSN == "" {
			return bad("clickhouse.cluster", "needs clickhouse.dsn: the local server is a single node; start a local cluster with `oqim clickhouse cluster start` and set clickhouse.dsn to one of its DSNs")
		}
	}
	if c.ClickHouse.ConnectWait.Duration < 0 {
		return bad("clickhouse.connect_wait", "must not be negative (0 tries once)")
	}
	if c.ClickHouse.DSN == "" && c.ClickHouse.Local.Dir == "" {
		return bad("clickhouse.local.dir", "must be set when clickhouse.dsn is empty (the local server keeps its data there)")
	}
	if c.Pipeline.BatchSize < 1 {
		return bad("pipeline.batch_size", fmt.Sprintf("%d must be at least 1", c.Pipeline.BatchSize))
	}
	if c.Pipeline.BatchBytes < 0 {
		return bad("pipeline.batch_bytes", fmt.Sprintf("%d must not be negative (0 takes the default, 32 MiB)", c.Pipeline.BatchBytes))
	}
	names := map[string]bool{}
	for i, p := range c.Pipelines {
		key := fmt.Sprintf("pipelines[%d]", i)
		switch {
		case p.Name == "" || names[p.Name]:
			return bad(key+".name", fmt.Sprintf("%q must be set and unique", p.Name))
		case len(p.Topics) == 0:
			return bad(key+".topics", "list at least one Kafka topic")
		case p.Group == "":
			return bad(key+".group", "the consumer group must be set")
		case p.Decode != "" && p.Decode != "envelope" && p.Decode != "flat":
			return bad(key+".decode", fmt.Sprintf("%q must be envelope or flat", p.Decode))
		case p.Decode == "flat" && p.Table == "" && (p.Family == "" || p.Event == ""):
			return bad(key+".family", "flat decoding needs family and event (e.g. emergency.call and closed), or table")
		case p.Decode == "flat" && p.Table != "" && p.Family != "":
			return bad(key+".table", "give either table or family and event, not both")
		case p.Decode != "flat" && p.Table != "":
			return bad(key+".table", "only flat decoding writes to a table of its own; add decode: flat")
		case p.BatchSize < 0:
			return bad(key+".batch_size", "must not be negative")
		}
		names[p.Name] = true
	}
	if c.Pipeline.GCPercent < 0 || c.Pipeline.MemoryLimitMB < 0 {
		return bad("pipeline.gc_percent", "gc_percent and memory_limit_mb must not be negative (0 keeps Go's defaults)")
	}
	if _, err := ingest.NewAllocator(c.Pipeline.Allocator); err != nil {
		return bad("pipeline.allocator", err.Error())
	}
	if st := c.Pipeline.SessionTimeout.Duration; st != 0 && (st < time.Second || st > 30*time.Minute) {
		return bad("pipeline.session_timeout", fmt.Sprintf("%v: want 1s to 30m (or 0 for 30s), within the brokers' group.min.session.timeout.ms and group.max.session.timeout.ms (6s and 30m by default)", st))
	}
	if c.Pipeline.BatchInterval.Duration <= 0 {
		return bad("pipeline.batch_interval", "must be positive, e.g. 1s")
	}
	if c.Generator.Rate < 0 {
		return bad("generator.rate", fmt.Sprintf("%g must not be negative", c.Generator.Rate))
	}
	if c.Generator.Backfill < 0 {
		return bad("generator.backfill", fmt.Sprintf("%d must not be negative", c.Generator.Backfill))
	}
	if c.Generator.Window.Duration <= 0 {
		return bad("generator.window", "must be positive, e.g. 720h")
	}
	if c.Access.AuditMaxPending < 0 {
		return bad("access.audit_max_pending", "must not be negative (0 takes the default, 10000)")
	}
	if err := c.OIDC.validate(bad); err != nil {
		return err
	}
	for key, n := range map[string]float64{
		"chatbot.max_sessions": float64(c.Chatbot.MaxSessions), "chatbot.max_history": float64(c.Chatbot.MaxHistory),
		"chatbot.max_sessions_per_client": float64(c.Chatbot.MaxSessionsPerClient),
		"chatbot.max_message_runes":       float64(c.Chatbot.MaxMessageRunes), "chatbot.burst": float64(c.Chatbot.Burst),
		"chatbot.session_ttl": c.Chatbot.SessionTTL.Seconds(),
		// A negative rate would turn the chatbot's limit off; the
		// configuration does not offer that.
		"chatbot.rate_per_second": c.Chatbot.RatePerSecond,
	} {
		if n < 0 {
			return bad(key, "must not be negative (0 takes the chatbot's default)")
		}
	}
	for i, k := range c.Chatbot.PartnerKeys {
		if strings.TrimSpace(k.Name) == "" {
			return bad(fmt.Sprintf("chatbot.partner_keys[%d].name", i), "required: who the key belongs to (rate-limit bucket and logs)")
		}
	}
	if _, err := httpedge.NewKeys(c.Chatbot.partnerKeys()); err != nil {
		return bad("chatbot.partner_keys", err.Error())
	}
	seen := map[string]int{}
	for i, d := range c.OpenData {
		if j, ok := seen[filepath.Clean(d.StatePath)]; ok {
			return bad(fmt.Sprintf("opendata[%d].state_path", i), fmt.Sprintf("%q is opendata[%d]'s state file too; give each dataset its own", d.StatePath, j))
		}
		seen[filepath.Clean(d.StatePath)] = i
	}
	if err := c.validateDoctor(bad); err != nil {
		return err
	}
	return c.validateDiagnosis(bad)
}

// validateDoctor checks the doctor's FHIR delivery settings.
func (c *Config) validateDoctor(bad func(key, problem string) error) error {
	f := c.Doctor.FHIR
	if f.BaseURL != "" {
		u, err := url.Parse(f.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return bad("doctor.fhir.base_url", fmt.Sprintf("%q must be the FHIR server's http(s) base, e.g. https://fhir.dh.example.uz/r4", f.BaseURL))
		}
		// Signed notes and the server's credential cross the network:
		// plain http only on loopback (the demo's stand-in), and no
		// password in the URL, where every delivery error would show it.
		if u.User != nil {
			return bad("doctor.fhir.base_url", "must not carry a user or password; set doctor.fhir.token (and auth_header)")
		}
		if err := checkURL(f.BaseURL, true); err != nil {
			return bad("doctor.fhir.base_url", err.Error())
		}
	}
	if f.Token != "" && f.BaseURL == "" {
		return bad("doctor.fhir.token", "is set without doctor.fhir.base_url")
	}
	if f.AuthHeader != "" && !headerName.MatchString(f.AuthHeader) {
		return bad("doctor.fhir.auth_header", fmt.Sprintf("%q is not an HTTP header name (letters, digits and -)", f.AuthHeader))
	}
	for key, n := range map[string]int64{
		"doctor.fhir.timeout": int64(f.Timeout), "doctor.fhir.max_attempts": int64(f.MaxAttempts),
		"doctor.fhir.min_backoff": int64(f.MinBackoff), "doctor.fhir.max_backoff": int64(f.MaxBackoff), "doctor.fhir.workers": int64(f.Workers),
	} {
		if n < 0 {
			return bad(key, "must not be negative (0 takes the default)")
		}
	}
	if f.MaxAttempts > 100 {
		return bad("doctor.fhir.max_attempts", fmt.Sprintf("%d: at most 100; a delivery that fails for longer waits for the doctor's retry", f.MaxAttempts))
	}
	if f.MinBackoff > 0 && f.MaxBackoff > 0 && f.MinBackoff > f.MaxBackoff {
		return bad("doctor.fhir.min_backoff", fmt.Sprintf("%s is above doctor.fhir.max_backoff %s", f.MinBackoff, f.MaxBackoff))
	}
	return nil
}

var headerName = regexp.MustCompile(`^[A-Za-z0-9-]+$`)

// validateDiagnosis checks the diagnostic engine's settings.
func (c *Config) validateDiagnosis(bad func(key, problem string) error) error {
	d := c.Diagnosis
	if d.Locale != "ddxplus" {
		if _, err := ddxplus.LocalePriors(d.Locale); err != nil {
			return bad("diagnosis.locale", fmt.Sprintf("%q has no prior table; use uz or ddxplus", d.Locale))
		}
	}
	for key, p := range map[string]float64{"diagnosis.red_flag_severity1": d.RedFlagSeverity1, "diagnosis.red_flag_severity2": d.RedFlagSeverity2} {
		if p < 0 || p >= 1 {
			return bad(key, fmt.Sprintf("%g must be a probability from 0 (the default) to below 1", p))
		}
	}
	return nil
}

// AccessGaps lists the settings whose absence would leave a surface of
// `oqim serve` without credentials, each with what it would expose. The
// HTTP ingest endpoint is not among them: without agencies it is not
// mounted at all.
func (c *Config) AccessGaps() []string {
	var gaps []string
	if !c.BIGuarded() {
		gaps = append(gaps, "access.keys, access.jwt.secret (OQIM_ACCESS_JWT_SECRET) or oidc.issuer: without them the BI answers every anonymous caller as a national reader, citizens' chatbot questions included")
	}
	if !c.DoctorGuarded() {
		gaps = append(gaps, "doctor.api_keys, doctor.jwt.secret (OQIM_DOCTOR_JWT_SECRET) or oidc with surfaces [doctor]: without them the clinical API and /api/v1/diagnosis are off")
	}
	return gaps
}

// ErrInsecure is wrapped by RequireAccess's error.
var ErrInsecure = errors.New("access control is not configured")

// RequireAccess fails closed: it returns an error naming every missing
// credential setting, unless access.insecure_demo says an open process
// is meant. serve and ingest run from one deployment's configuration and
// both call it, so a deployment cannot be started half open.
func (c *Config) RequireAccess() error {
	gaps := c.AccessGaps()
	if len(gaps) == 0 || c.Access.InsecureDemo {
		return nil
	}
	return fmt.Errorf("config: %w; set:\n  - %s\n  or, for a demo on a trusted machine only, access.insecure_demo: true (OQIM_ACCESS_INSECURE_DEMO=true, or --insecure-demo)",
		ErrInsecure, strings.Join(gaps, "\n  - "))
}

func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n <= 65535
}

// Ingest is the pipeline's configuration as pipelines/ingest reads it.
func (s PipelineSpec) Ingest(c PipelineConfig) ingest.Config {
	return ingest.Config{
		Name: s.Name, Topics: s.Topics, Group: s.Group, Decode: s.Decode, Family: s.Family, Event: s.Event, Table: s.Table,
		BatchSize: s.BatchSize, BatchBytes: c.BatchBytes, BatchInterval: s.BatchInterval.Duration, Allocator: c.Allocator,
		SessionTimeout: c.SessionTimeout.Duration,
	}
}

// Client is the one LLM client every assistant shares; nil, without
// error, when llm.base_url is empty (offline).
func (c LLMConfig) Client() (*llm.Client, error) {
	lc, err := llm.New(llm.Config{BaseURL: c.BaseURL, Model: c.Model, APIKey: c.APIKey, EmbeddingModel: c.EmbeddingModel,
		Timeout: c.Timeout.Duration, Retry: retry.Policy{Attempts: c.MaxAttempts}})
	if errors.Is(err, llm.ErrNotConfigured) {
		return nil, nil
	}
	return lc, err
}
