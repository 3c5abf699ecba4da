// Package chserver runs a private ClickHouse server for the demo and the
// tests: its own config, data directory and ports under a folder of the
// project, so it never touches a ClickHouse the user already runs.
package chserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options describe where the server lives and how it is reached.
type Options struct {
	// Dir holds the config, data and logs. A second start on the same Dir
	// keeps the earlier data.
	Dir string
	// TCPPort is the native-protocol port; 0 picks a free one.
	TCPPort int
	// HTTPPort is the HTTP port; 0 picks a free one.
	HTTPPort int
	// Binary is the clickhouse-server executable; empty finds it.
	Binary string
	// StartTimeout bounds the wait for the server to answer /ping.
	StartTimeout time.Duration
	// Detached leaves the server running after this process exits (for
	// `oqim clickhouse start`); otherwise it dies with its parent.
	Detached bool
	Logger   *slog.Logger

	// extraConfig is XML added to config.xml and profile settings of the
	// default profile; StartCluster sets them.
	extraConfig string
	profile     map[string]string
}

// Server is a running clickhouse-server process.
type Server struct {
	opts     Options
	cmd      *exec.Cmd
	exited   chan struct{}
	exitErr  error
	TCPPort  int
	HTTPPort int
}

// PortInUseError reports a port that another program already holds.
type PortInUseError struct {
	Port int
	Role string // "tcp" or "http"
}

func (e *PortInUseError) Error() string {
	return fmt.Sprintf("ClickHouse %s port %d is already in use by another program", e.Role, e.Port)
}

const pidFile = "clickhouse.pid"

// Start writes the config under opts.Dir and starts the server, returning
// once it answers queries. A server left running by an earlier crashed
// process on the same Dir is stopped first, because two servers cannot
// share one data directory.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("chserver: Options.Dir is empty")
	}
	if err := fill(&opts.Dir, &opts.StartTimeout, &opts.Logger, &opts.Binary); err != nil {
		return nil, err
	}
	dir := opts.Dir
	if err := stopStale(ctx, dir, opts.Logger); err != nil {
		return nil, err
	}
	tcp, err := choosePort(opts.TCPPort, "tcp")
	if err != nil {
		return nil, err
	}
	httpPort, err := choosePort(opts.HTTPPort, "http")
	if err != nil {
		return nil, err
	}
	if httpPort == tcp {
		return nil, fmt.Errorf("chserver: tcp and http ports are both %d; they must differ", tcp)
	}
	conf, err := writeConfig(dir, tcp, httpPort, opts.extraConfig, opts.profile)
	if err != nil {
		return nil, err
	}

	cmd := exec.Command(opts.Binary, "--config-file="+conf)
	cmd.Dir = dir
	if err := spawn(cmd, filepath.Join(dir, "log"), opts.Detached); err != nil {
		return nil, fmt.Errorf("chserver: starting %s: %w", opts.Binary, err)
	}
	s := &Server{opts: opts, cmd: cmd, exited: make(chan struct{}), TCPPort: tcp, HTTPPort: httpPort}
	go func() {
		s.exitErr = cmd.Wait()
		close(s.exited)
	}()
	if err := os.WriteFile(filepath.Join(dir, pidFile), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
		_ = s.Stop(context.Background())
		return nil, fmt.Errorf("chserver: %w", err)
	}
	opts.Logger.Info("starting ClickHouse", "dir", dir, "tcp_port", tcp, "http_port", httpPort, "pid", cmd.Process.Pid)
	if err := s.waitReady(ctx); err != nil {
		_ = s.Stop(context.Background())
		return nil, err
	}
	return s, nil
}

// DSN is the native-protocol address for clickhouse-go.
func (s *Server) DSN() string {
	return fmt.Sprintf("clickhouse://127.0.0.1:%d/default", s.TCPPort)
}

// Pid is the server's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Stop asks the server to shut down and waits; after ctx expires (or 30 s
// without a deadline) it is killed.
func (s *Server) Stop(ctx context.Context) error {
	select {
	case <-s.exited:
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	select {
	case <-s.exited:
	case <-ctx.Done():
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	_ = os.Remove(filepath.Join(s.opts.Dir, pidFile))
	s.opts.Logger.Info("ClickHouse stopped", "dir", s.opts.Dir)
	return nil
}

// Exited is closed when the server process ends for any reason.
func (s *Server) Exited() <-chan struct{} { return s.exited }

func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.StartTimeout)
	defer cancel()
	url := fmt.Sprintf("http://127.0.0.1:%d/ping", s.HTTPPort)
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("chserver: clickhouse-server exited during start-up (%v); its log says:\n%s", s.exitErr, s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("chserver: clickhouse-server did not answer on port %d within %s; its log says:\n%s", s.HTTPPort, s.opts.StartTimeout, s.logTail())
		case <-tick.C:
		}
	}
}

func (s *Server) logTail() string {
	var out []string
	for _, name := range []string{"server.err.log", "stdout.log"} {
		b, err := os.ReadFile(filepath.Join(s.opts.Dir, "log", name))
		if err != nil || len(b) == 0 {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) > 10 {
			lines = lines[len(lines)-10:]
		}
		out = append(out, lines...)
	}
	if len(out) == 0 {
		return "  (no log output)"
	}
	return "  " + strings.Join(out, "\n  ")
}

// StopDir stops a server that an earlier `Start` with Detached left running
// on dir. It is not an error when none is running.
func StopDir(ctx context.Context, dir string, log *slog.Logger) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return stopStale(ctx, abs, log)
}

func stopStale(ctx context.Context, dir string, log *slog.Logger) error {
	b, err := os.ReadFile(filepath.Join(dir, pidFile))
	if err != nil {
		return nil
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || !isOurServer(pid, dir) {
		_ = os.Remove(filepath.Join(dir, pidFile))
		return nil
	}
	log.Info("stopping ClickHouse left running on this directory", "pid", pid, "dir", dir)
	return killAndWait(ctx, pid, filepath.Join(dir, "config.xml"), filepath.Join(dir, pidFile))
}

// isOurServer guards against pid reuse: only a clickhouse-server started
// with this directory's config is ours to stop.
// fill sets what every start shares: an absolute folder, a start timeout
// (default 60 s), a logger and the clickhouse-server binary.
func fill(dir *string, timeout *time.Duration, log **slog.Logger, binary *string) error {
	if *timeout == 0 {
		*timeout = 60 * time.Second
	}
	if *log == nil {
		*log = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		return fmt.Errorf("chserver: %w", err)
	}
	*dir = abs
	if *binary == "" {
		if *binary, err = FindBinary(); err != nil {
			return err
		}
	}
	return nil
}

// spawn starts cmd in its own process group (Ctrl-C in the terminal must
// reach oqim only, so oqim can flush the pipeline before it stops the
// servers), its output appended to logDir/stdout.log; unless detached it
// dies with this process.
func spawn(cmd *exec.Cmd, logDir string, detached bool) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if !detached {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM
	}
	logf, err := os.OpenFile(filepath.Join(logDir, "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	return cmd.Start()
}

func isOurServer(pid int, dir string) bool {
	return isOurProcess(pid, filepath.Join(dir, "config.xml"))
}

func choosePort(port int, role string) (int, error) {
	if port < 0 || port > 65535 {
		return 0, fmt.Errorf("ClickHouse %s port %d is not a valid port (1-65535, or 0 for a free one)", role, port)
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		if port == 0 {
			return 0, fmt.Errorf("chserver: no free port: %w", err)
		}
		return 0, &PortInUseError{Port: port, Role: role}
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
