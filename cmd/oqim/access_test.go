package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/oqim/oqim/cmd/oqim/config"
)

// serve and ingest refuse to start without access control, before they
// bind a port or dial Kafka and ClickHouse (the addresses here lead
// nowhere, so getting past the check would fail differently).
func TestServeAndIngestFailClosed(t *testing.T) {
	t.Setenv("OQIM_CLICKHOUSE_DSN", "clickhouse://127.0.0.1:1/default")
	t.Setenv("OQIM_KAFKA_BROKERS", "127.0.0.1:1")
	t.Setenv("OQIM_HTTP_ADDR", "127.0.0.1:0")
	for _, cmd := range []string{"serve", "ingest"} {
		var stdout, stderr bytes.Buffer
		root := newRoot(&stdout, &stderr)
		root.SetArgs([]string{cmd})
		err := root.Execute()
		if !errors.Is(err, config.ErrInsecure) {
			t.Fatalf("%s without access control: %v", cmd, err)
		}
		if !strings.Contains(err.Error(), "--insecure-demo") {
			t.Errorf("%s: the error does not say how to run a demo: %v", cmd, err)
		}
	}
}

// With --insecure-demo the check passes and warns loudly.
func TestInsecureDemoWarns(t *testing.T) {
	var log bytes.Buffer
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := requireAccess(true)(&cfg, newLogger(&log, config.LogConfig{Level: "info"})); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "INSECURE DEMO") || !strings.Contains(log.String(), "access.jwt.secret") {
		t.Errorf("no warning naming what is open: %q", log.String())
	}
}
