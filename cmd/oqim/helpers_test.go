package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oqim/oqim/connectors/kafka/kafkatest"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/VictoriaMetrics/metrics"

	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/connectors/clickhouse/migrate/migratetest"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/worker"
	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/schema"
)

// clinicalDatabase is a fresh test database with the clinical tables.
func clinicalDatabase(t *testing.T) (driver.Conn, string) {
	t.Helper()
	return migratetest.Database(t, worker.Migrations())
}

// serveRoutes runs serve's routes with cfg as serve wires them, on conn,
// until the test ends.
func serveRoutes(t *testing.T, conn driver.Conn, cfg config.Config) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	return serveOn(t, conn, cfg, mux, mux)
}

// serveOn mounts serve's routes on mux, which a test may wrap to list
// them, and serves base, the ServeMux under it, as serverRoutes does.
func serveOn(t *testing.T, conn driver.Conn, cfg config.Config, mux httpedge.Mux, base *http.ServeMux) *httptest.Server {
	t.Helper()
	ref, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	closeRoutes, err := mountServer(mux, cfg, &infra{conn: conn, registry: reg}, metrics.NewSet(), ref, log, &kafkatest.Recorder{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(serverHandler(base, log))
	t.Cleanup(func() { srv.Close(); closeRoutes(context.Background()) })
	return srv
}

// send makes one request with a bearer credential (none when empty) and
// returns the status and body.
func send(t *testing.T, method, url, credential, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if credential != "" {
		req.Header.Set("Authorization", "Bearer "+credential)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// outputFile is a file a command under test prints to while the test
// reads it with contents: unlike a bytes.Buffer, a file is safe for both
// at once.
func outputFile(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// contents is what has been written to f so far.
func contents(f *os.File) string {
	b, err := os.ReadFile(f.Name())
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return string(b)
}
