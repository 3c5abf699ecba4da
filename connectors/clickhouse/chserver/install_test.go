package chserver

import (
	"context"
	"errors"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
)

func notFound(string) (string, error) { return "", exec.ErrNotFound }

// When clickhouse-server is missing and cannot be installed, the error
// says why and what to do instead.
func TestInstallExplainsWhyNot(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	tests := []struct {
		name string
		sys  system
		want []string
	}{
		{"not root", system{paths: []string{"/nonexistent/clickhouse-server"}, euid: 1000, lookPath: notFound},
			[]string{"needs root", "sudo apt-get install -y clickhouse-server", "OQIM_CLICKHOUSE_DSN"}},
		{"no apt", system{paths: []string{"/nonexistent/clickhouse-server"}, euid: 0, lookPath: notFound},
			[]string{"no apt-get", "OQIM_CLICKHOUSE_DSN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.sys.install(context.Background(), log)
			if !errors.Is(err, ErrNotInstallable) {
				t.Fatalf("err = %v, want ErrNotInstallable", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestInstallFindsExistingBinary(t *testing.T) {
	sys := system{paths: nil, euid: 1000, lookPath: func(name string) (string, error) {
		if name == "clickhouse-server" {
			return "/opt/ch/clickhouse-server", nil
		}
		return "", exec.ErrNotFound
	}}
	p, err := sys.install(context.Background(), slog.New(slog.DiscardHandler))
	if err != nil || p != "/opt/ch/clickhouse-server" {
		t.Fatalf("install = %q, %v", p, err)
	}
}
