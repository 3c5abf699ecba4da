package docker

import (
	"context"
	"encoding/xml"
	"os"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/connectors/clickhouse"
)

// clusterSecrets are what an operator puts in docker/.env for the
// cluster file.
var clusterSecrets = map[string]string{
	"OQIM_ACCESS_JWT_SECRET":        strings.Repeat("b", 32),
	"OQIM_DOCTOR_JWT_SECRET":        strings.Repeat("d", 32),
	"OQIM_KAFKA_SASL_PASSWORD":      "kafka-pw-from-env",
	"OQIM_CLICKHOUSE_PASSWORD":      "ch-pw-from-env",
	"CLICKHOUSE_INTERSERVER_SECRET": "interserver-from-env",
	"KEYCLOAK_ADMIN_PASSWORD":       "kc-pw-from-env",
}

func loadCluster(t *testing.T, secrets map[string]string) (*types.Project, error) {
	t.Helper()
	var env []string
	for k, v := range secrets {
		env = append(env, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{"compose.cluster.yaml"}, cli.WithName("oqim-cluster"), cli.WithResolvedPaths(true), cli.WithEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

func env(s types.ServiceConfig, key string) string {
	if v := s.Environment[key]; v != nil {
		return *v
	}
	return ""
}

// oqimServices are the services that run the oqim image.
func oqimServices(p *types.Project) []types.ServiceConfig {
	var out []types.ServiceConfig
	for _, s := range p.Services {
		if s.Image == "oqim:latest" {
			out = append(out, s)
		}
	}
	return out
}

// Three brokers form one KRaft quorum; clients reach them only over
// SASL_SSL with SCRAM; topics get replication factor 3.
func TestClusterKafka(t *testing.T) {
	p, err := loadCluster(t, clusterSecrets)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"kafka-1", "kafka-2", "kafka-3"} {
		s, err := p.GetService(name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(env(s, "KAFKA_PROCESS_ROLES"), "controller") {
			t.Errorf("%s: not in KRaft mode", name)
		}
		if got := env(s, "KAFKA_CONTROLLER_QUORUM_VOTERS"); got != "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093" {
			t.Errorf("%s: quorum voters %q", name, got)
		}
		if !strings.Contains(env(s, "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"), "CLIENT:SASL_SSL") ||
			!strings.Contains(env(s, "KAFKA_ADVERTISED_LISTENERS"), "CLIENT://"+name+":9094") {
			t.Errorf("%s: the client listener is not SASL_SSL on %s:9094", name, name)
		}
		if !strings.Contains(env(s, "KAFKA_SASL_ENABLED_MECHANISMS"), "SCRAM-SHA-512") {
			t.Errorf("%s: SCRAM-SHA-512 is not enabled", name)
		}
		if env(s, "KAFKA_SSL_KEYSTORE_FILENAME") != name+".p12" {
			t.Errorf("%s: keystore %q, want its own", name, env(s, "KAFKA_SSL_KEYSTORE_FILENAME"))
		}
		if env(s, "KAFKA_DEFAULT_REPLICATION_FACTOR") != "3" || env(s, "KAFKA_MIN_INSYNC_REPLICAS") != "2" {
			t.Errorf("%s: replication factor %q, min ISR %q", name, env(s, "KAFKA_DEFAULT_REPLICATION_FACTOR"), env(s, "KAFKA_MIN_INSYNC_REPLICAS"))
		}
	}
	// No oqim container joins the brokers' internal network.
	for _, s := range oqimServices(p) {
		if _, ok := s.Networks["kafka"]; ok {
			t.Errorf("%s joins the brokers' internal network", s.Name)
		}
	}
	init, err := p.GetService("kafka-init")
	if err != nil {
		t.Fatal(err)
	}
	script := strings.Join(init.Command, " ")
	for _, want := range []string{"--entity-name oqim", "SCRAM-SHA-512=[password=$OQIM_KAFKA_SASL_PASSWORD]", "--replication-factor 3", "oqim.portal.applications"} {
		if !strings.Contains(script, want) {
			t.Errorf("kafka-init does not %q", want)
		}
	}
	if _, err := os.Stat("cluster/certs.sh"); err != nil {
		t.Error(err)
	}
}

// Every oqim service reaches Kafka with TLS and SCRAM, the password from
// the operator's secret, and its OQIM_* settings pass oqim's own
// configuration checks.
func TestClusterOqimSettings(t *testing.T) {
	p, err := loadCluster(t, clusterSecrets)
	if err != nil {
		t.Fatal(err)
	}
	svcs := oqimServices(p)
	if len(svcs) < 5 {
		t.Fatalf("%d oqim services", len(svcs))
	}
	for _, s := range svcs {
		if got := env(s, "OQIM_KAFKA_BROKERS"); got != "kafka-1:9094,kafka-2:9094,kafka-3:9094" {
			t.Errorf("%s: brokers %q", s.Name, got)
		}
		if env(s, "OQIM_KAFKA_TLS_ENABLED") != "true" || env(s, "OQIM_KAFKA_TLS_CA_FILE") == "" {
			t.Errorf("%s: Kafka TLS is off", s.Name)
		}
		if env(s, "OQIM_KAFKA_SASL_MECHANISM") != "SCRAM-SHA-512" || env(s, "OQIM_KAFKA_SASL_PASSWORD") != clusterSecrets["OQIM_KAFKA_SASL_PASSWORD"] {
			t.Errorf("%s: SASL %q with a password not from the secret", s.Name, env(s, "OQIM_KAFKA_SASL_MECHANISM"))
		}
		if !strings.Contains(env(s, "OQIM_CLICKHOUSE_DSN"), ":"+clusterSecrets["OQIM_CLICKHOUSE_PASSWORD"]+"@") {
			t.Errorf("%s: the ClickHouse password is not the secret", s.Name)
		}
		ca := false
		for _, v := range s.Volumes {
			if strings.HasPrefix(env(s, "OQIM_KAFKA_TLS_CA_FILE"), v.Target+"/") && v.Source == "oqim-ca" && v.ReadOnly {
				ca = true
			}
			if v.Source == "kafka-certs" {
				t.Errorf("%s mounts the brokers' keys", s.Name)
			}
		}
		if !ca {
			t.Errorf("%s: %s is not on the read-only oqim-ca volume", s.Name, env(s, "OQIM_KAFKA_TLS_CA_FILE"))
		}
		checkOqimEnv(t, s)
	}
	ingest, _ := p.GetService("ingest")
	if ingest.Deploy == nil || ingest.Deploy.Replicas == nil || *ingest.Deploy.Replicas < 2 {
		t.Error("ingest runs fewer than two replicas")
	}
	if env(ingest, "OQIM_PIPELINE_SESSION_TIMEOUT") == "" {
		t.Error("ingest leaves a dead replica's partitions idle for the default 30 s")
	}
	serve, _ := p.GetService("serve")
	if !strings.HasPrefix(env(serve, "OQIM_OIDC_ISSUER"), "https://keycloak:8443/") {
		t.Errorf("serve's OIDC issuer %q is not the compose identity provider", env(serve, "OQIM_OIDC_ISSUER"))
	}
	if _, err := p.GetService("keycloak"); err != nil {
		t.Error(err)
	}
	// The provider's certificate comes from the compose CA, which the
	// oqim containers add to the system's roots.
	if env(serve, "SSL_CERT_DIR") != "/etc/oqim/kafka" {
		t.Errorf("serve does not trust the compose CA for the provider's HTTPS (SSL_CERT_DIR %q)", env(serve, "SSL_CERT_DIR"))
	}
}

// checkOqimEnv loads s's OQIM_* environment through oqim's configuration,
// which rejects unknown keys and bad values.
func checkOqimEnv(t *testing.T, s types.ServiceConfig) {
	t.Helper()
	var vars []string
	for k, v := range s.Environment {
		if strings.HasPrefix(k, "OQIM_") && v != nil {
			vars = append(vars, k+"="+*v)
		}
	}
	if _, err := config.Load("", vars); err != nil {
		t.Errorf("%s: %v", s.Name, err)
	}
}

// Four ClickHouse nodes make 2 shards × 2 replicas, each with its own
// (shard, replica) macros, and the cluster file lists exactly them; three
// Keeper nodes hold the replication log.
func TestClusterClickHouse(t *testing.T) {
	p, err := loadCluster(t, clusterSecrets)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("cluster/clickhouse.xml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Shards []struct {
			Replicas []struct {
				Host string `xml:"host"`
			} `xml:"replica"`
		} `xml:"remote_servers>oqim>shard"`
		Keepers []string `xml:"zookeeper>node>host"`
	}
	if err := xml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Shards) != 2 {
		t.Fatalf("cluster oqim has %d shards, want 2", len(cfg.Shards))
	}
	seen := map[string]bool{}
	for i, sh := range cfg.Shards {
		if len(sh.Replicas) != 2 {
			t.Errorf("shard %d has %d replicas, want 2", i+1, len(sh.Replicas))
		}
		for _, r := range sh.Replicas {
			s, err := p.GetService(r.Host)
			if err != nil {
				t.Errorf("cluster.xml names %s: %v", r.Host, err)
				continue
			}
			if env(s, "CH_SHARD") != string(rune('1'+i)) || env(s, "CH_REPLICA") != r.Host {
				t.Errorf("%s: macros shard %q replica %q, want %d and %s", r.Host, env(s, "CH_SHARD"), env(s, "CH_REPLICA"), i+1, r.Host)
			}
			if env(s, "CLICKHOUSE_INTERSERVER_SECRET") != clusterSecrets["CLICKHOUSE_INTERSERVER_SECRET"] {
				t.Errorf("%s: no interserver secret", r.Host)
			}
			seen[r.Host] = true
		}
	}
	if len(seen) != 4 {
		t.Errorf("%d distinct nodes in the cluster, want 4", len(seen))
	}
	// The profile oqim's user gets holds what OpenCluster checks, on every node.
	b, err = os.ReadFile("cluster/users.xml")
	if err != nil {
		t.Fatal(err)
	}
	var users struct {
		Default struct {
			Settings []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"profiles>default"`
	}
	if err := xml.Unmarshal(b, &users); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range users.Default.Settings {
		got[s.XMLName.Local] = s.Value
	}
	for k, v := range clickhouse.ClusterProfile() {
		if got[k] != v {
			t.Errorf("cluster/users.xml: profile default sets %s=%q, want %q", k, got[k], v)
		}
	}
	for host := range seen {
		s, _ := p.GetService(host)
		mounted := false
		for _, v := range s.Volumes {
			mounted = mounted || (strings.HasSuffix(v.Source, "cluster/users.xml") && strings.HasPrefix(v.Target, "/etc/clickhouse-server/users.d/"))
		}
		if !mounted {
			t.Errorf("%s does not mount cluster/users.xml into users.d", host)
		}
	}
	if len(cfg.Keepers) != 3 {
		t.Errorf("%d keepers, want 3", len(cfg.Keepers))
	}
	for _, k := range cfg.Keepers {
		if _, err := p.GetService(k); err != nil {
			t.Errorf("keeper %s: %v", k, err)
		}
	}
}

// Without any one secret compose refuses the file rather than start with
// a default anyone can read here.
func TestClusterNeedsEverySecret(t *testing.T) {
	for key := range clusterSecrets {
		less := map[string]string{}
		for k, v := range clusterSecrets {
			if k != key {
				less[k] = v
			}
		}
		if _, err := loadCluster(t, less); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("loads without %s: %v", key, err)
		}
	}
}
