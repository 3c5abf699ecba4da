package chserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
)

// ErrNotInstallable means clickhouse-server is missing and this process
// cannot install it; the message says what to do instead.
var ErrNotInstallable = errors.New("clickhouse-server is not installed")

var searchPaths = []string{"/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server", "/usr/local/bin/clickhouse-server"}

// system is what Install looks at; tests swap it to reach every branch.
type system struct {
	paths    []string
	euid     int
	lookPath func(string) (string, error)
}

func realSystem() system {
	return system{paths: searchPaths, euid: os.Geteuid(), lookPath: exec.LookPath}
}

// FindBinary locates clickhouse-server on PATH or where Debian puts it.
func FindBinary() (string, error) { return realSystem().find() }

func (sys system) find() (string, error) {
	if p, err := sys.lookPath("clickhouse-server"); err == nil {
		return p, nil
	}
	for _, p := range sys.paths {
		if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: install the Debian package (apt-get install clickhouse-server), or point oqim at an existing server with clickhouse.dsn / OQIM_CLICKHOUSE_DSN", ErrNotInstallable)
}

// Install makes sure clickhouse-server is present, installing Debian's
// package with apt-get when it is not. apt's chatter is kept out of the
// log and shown only when the install fails.
func Install(ctx context.Context, log *slog.Logger) (string, error) {
	return realSystem().install(ctx, log)
}

func (sys system) install(ctx context.Context, log *slog.Logger) (string, error) {
	if p, err := sys.find(); err == nil {
		return p, nil
	}
	if sys.euid != 0 {
		return "", fmt.Errorf("%w and installing it needs root: run `sudo apt-get install -y clickhouse-server` once, or set clickhouse.dsn / OQIM_CLICKHOUSE_DSN to an existing ClickHouse", ErrNotInstallable)
	}
	apt, err := sys.lookPath("apt-get")
	if err != nil {
		return "", fmt.Errorf("%w and this system has no apt-get: install ClickHouse with your package manager, or set clickhouse.dsn / OQIM_CLICKHOUSE_DSN to an existing ClickHouse", ErrNotInstallable)
	}
	log.Info("installing clickhouse-server with apt-get (first run only)")
	if out, err := aptInstall(ctx, apt, "clickhouse-server"); err != nil {
		return "", fmt.Errorf("%w: %v; check the machine can reach its Debian mirror, or set clickhouse.dsn / OQIM_CLICKHOUSE_DSN; apt said:\n%s", ErrNotInstallable, err, tail(out, 15))
	}
	p, err := sys.find()
	if err != nil {
		return "", fmt.Errorf("apt-get installed clickhouse-server but no binary was found in %s", strings.Join(sys.paths, ", "))
	}
	log.Info("clickhouse-server installed", "path", p)
	return p, nil
}

// aptInstall installs Debian packages with apt-get, non-interactively,
// running apt-get update first only when the install fails (a fresh
// machine often has no package lists yet). It returns apt's output, for
// the error message.
func aptInstall(ctx context.Context, apt string, pkgs ...string) (string, error) {
	var out bytes.Buffer
	install := func() error {
		cmd := exec.CommandContext(ctx, apt, append([]string{"install", "-y", "-q", "--no-install-recommends"}, pkgs...)...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = &out, &out
		return cmd.Run()
	}
	if err := install(); err == nil {
		return out.String(), nil
	}
	update := exec.CommandContext(ctx, apt, "update", "-q")
	update.Stdout, update.Stderr = &out, &out
	if err := update.Run(); err != nil {
		return out.String(), fmt.Errorf("apt-get update failed (%v)", err)
	}
	if err := install(); err != nil {
		return out.String(), fmt.Errorf("apt-get install %s failed (%v)", strings.Join(pkgs, " "), err)
	}
	return out.String(), nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}
