// Package docker holds the images and compose files; these tests check them
// statically, because no Docker engine runs where the suite runs.
package docker

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// compose-go is the loader `docker compose config` itself uses, so a file
// it accepts is one docker compose accepts.
func TestComposeFileIsValid(t *testing.T) {
	p := loadCompose(t)
	for _, name := range []string{"kafka", "clickhouse", "migrate", "ingest", "serve", "generate", "worker-retention"} {
		if _, err := p.GetService(name); err != nil {
			t.Errorf("service %s: %v", name, err)
		}
	}
	kafka, _ := p.GetService("kafka")
	if roles := kafka.Environment["KAFKA_PROCESS_ROLES"]; roles == nil || !strings.Contains(*roles, "controller") {
		t.Error("kafka does not run in KRaft mode (KAFKA_PROCESS_ROLES lacks controller)")
	}
	for _, name := range []string{"ingest", "serve", "migrate"} {
		s, _ := p.GetService(name)
		if s.Environment["OQIM_KAFKA_BROKERS"] == nil || s.Environment["OQIM_CLICKHOUSE_DSN"] == nil {
			t.Errorf("%s is not pointed at the cluster's Kafka and ClickHouse", name)
		}
	}
	// serve and ingest refuse to start without access control; compose
	// ships it configured, from secrets the operator provides.
	for _, name := range []string{"ingest", "serve"} {
		s, _ := p.GetService(name)
		for _, key := range []string{"OQIM_ACCESS_JWT_SECRET", "OQIM_DOCTOR_JWT_SECRET"} {
			if v := s.Environment[key]; v == nil || *v == "" {
				t.Errorf("%s: %s is not set", name, key)
			}
		}
		if v := s.Environment["OQIM_ACCESS_INSECURE_DEMO"]; v != nil {
			t.Errorf("%s runs as an insecure demo", name)
		}
	}
}

// Without the secrets compose does not start at all, rather than start
// with a default anyone can read in this file.
func TestComposeNeedsSecrets(t *testing.T) {
	opts, err := cli.NewProjectOptions([]string{"compose.yaml"}, cli.WithName("oqim"), cli.WithResolvedPaths(true))
	if err != nil {
		t.Fatal(err)
	}
	_, err = opts.LoadProject(context.Background())
	if err == nil || !strings.Contains(err.Error(), "OQIM_ACCESS_JWT_SECRET") {
		t.Fatalf("compose loads without the BI secret: %v", err)
	}
}

// Patient data is deleted on schedule: the retention worker runs by
// default (no profile), against the cluster's ClickHouse, on the volume
// where serve keeps the audio.
func TestComposeRunsRetention(t *testing.T) {
	p := loadCompose(t)
	s, err := p.GetService("worker-retention")
	if err != nil {
		t.Fatalf("no retention worker: %v", err)
	}
	if got := strings.Join(s.Command, " "); got != "worker retention" {
		t.Errorf("worker-retention runs %q, want \"worker retention\"", got)
	}
	if len(s.Profiles) != 0 {
		t.Errorf("worker-retention runs only with profiles %v; it must run by default", s.Profiles)
	}
	if s.Environment["OQIM_CLICKHOUSE_DSN"] == nil {
		t.Error("worker-retention is not pointed at the cluster's ClickHouse")
	}
	serve, _ := p.GetService("serve")
	audio := func(s types.ServiceConfig) string {
		for _, v := range s.Volumes {
			if v.Target == "/var/lib/oqim/doctor-audio" {
				return v.Source
			}
		}
		return ""
	}
	if a := audio(s); a == "" || a != audio(serve) {
		t.Errorf("worker-retention's audio volume %q, serve's %q: it must sweep the same volume", a, audio(serve))
	}
}

// The image must be static and run as a non-root user.
func TestDockerfileIsStaticAndNonRoot(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	for _, want := range []string{"CGO_ENABLED=0", "USER 65532", "AS build", "COPY --from=build"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if strings.Contains(df, "USER root") {
		t.Error("Dockerfile switches to root")
	}
}

// loadCompose loads compose.yaml as docker compose would, with the
// secrets an operator provides (docker/.env or the environment).
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	secrets := cli.WithEnv([]string{"OQIM_ACCESS_JWT_SECRET=" + strings.Repeat("b", 32), "OQIM_DOCTOR_JWT_SECRET=" + strings.Repeat("d", 32)})
	opts, err := cli.NewProjectOptions([]string{"compose.yaml"}, cli.WithName("oqim"), cli.WithResolvedPaths(true), secrets)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker/compose.yaml: %v", err)
	}
	return p
}
