package chserver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Debian's zookeeper package puts the server jar here; its manifest names
// the jars it needs, so it is the whole class path.
const zookeeperJar = "/usr/share/java/zookeeper.jar"

// zookeeper is a standalone ZooKeeper server for a local cluster: its own
// zoo.cfg, data directory and loopback port under dir, run by java
// directly (Debian's package would start a system-wide one through
// systemd, which the local cluster must not touch).
type zookeeper struct {
	dir     string
	port    int
	cmd     *exec.Cmd
	exited  chan struct{}
	exitErr error
}

const zkPidFile = "zookeeper.pid"

// InstallZooKeeper makes sure ZooKeeper and a Java runtime are present,
// installing Debian's packages with apt-get (as root) when they are not.
// It returns the java binary.
func InstallZooKeeper(ctx context.Context, log *slog.Logger) (string, error) {
	java, jerr := exec.LookPath("java")
	if _, err := os.Stat(zookeeperJar); err == nil && jerr == nil {
		return java, nil
	}
	if os.Geteuid() != 0 {
		return "", fmt.Errorf("%w: the local cluster needs ZooKeeper and a Java runtime; installing them needs root: run `sudo apt-get install -y zookeeper default-jre-headless` once", ErrNotInstallable)
	}
	apt, err := exec.LookPath("apt-get")
	if err != nil {
		return "", fmt.Errorf("%w: the local cluster needs ZooKeeper (%s) and java, and this system has no apt-get", ErrNotInstallable, zookeeperJar)
	}
	log.Info("installing zookeeper and a Java runtime with apt-get (first run only)")
	if out, err := aptInstall(ctx, apt, "zookeeper", "default-jre-headless"); err != nil {
		return "", fmt.Errorf("%w: %v; the local cluster needs them; apt said:\n%s", ErrNotInstallable, err, tail(out, 15))
	}
	if _, err := os.Stat(zookeeperJar); err != nil {
		return "", fmt.Errorf("apt-get installed zookeeper but %s is missing", zookeeperJar)
	}
	if java, err = exec.LookPath("java"); err != nil {
		return "", fmt.Errorf("apt-get installed default-jre-headless but java is not on PATH")
	}
	return java, nil
}

// startZooKeeper runs ZooKeeper in dir on port (which must be free) and
// returns once it serves sessions (srvr reports its mode).
func startZooKeeper(ctx context.Context, java, dir string, port int, detached bool, timeout time.Duration) (*zookeeper, error) {
	if err := stopStaleZooKeeper(ctx, dir); err != nil {
		return nil, err
	}
	for _, sub := range []string{"data", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("zookeeper: %w", err)
		}
	}
	cfg := filepath.Join(dir, "zoo.cfg")
	// Standalone (no server.N lines). The admin HTTP server would take
	// port 8080; the four-letter words ruok/srvr are enough to watch it.
	conf := fmt.Sprintf(`# Written by oqim on every start; edits are overwritten.
tickTime=2000
initLimit=10
syncLimit=5
dataDir=%s/data
clientPort=%d
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr
autopurge.snapRetainCount=3
autopurge.purgeInterval=1
`, dir, port)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("zookeeper: %w", err)
	}
	cmd := exec.Command(java, "-Xmx256m", "-XX:+UseSerialGC", "-Dzookeeper.log.dir="+filepath.Join(dir, "log"),
		"-cp", zookeeperJar, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg)
	cmd.Dir = dir
	if err := spawn(cmd, filepath.Join(dir, "log"), detached); err != nil {
		return nil, fmt.Errorf("zookeeper: starting %s: %w", java, err)
	}
	z := &zookeeper{dir: dir, port: port, cmd: cmd, exited: make(chan struct{})}
	go func() {
		z.exitErr = cmd.Wait()
		close(z.exited)
	}()
	if err := os.WriteFile(filepath.Join(dir, zkPidFile), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
		_ = z.stop(context.Background())
		return nil, fmt.Errorf("zookeeper: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		// "imok" only says the process runs; until srvr reports a Mode the
		// server refuses sessions, and a ClickHouse whose DDL worker meets
		// that refusal at start-up (18.16) dereferences a null session on
		// its first ON CLUSTER query and dies.
		if strings.Contains(zkAsk(port, "srvr"), "Mode: ") {
			return z, nil
		}
		select {
		case <-z.exited:
			return nil, fmt.Errorf("zookeeper exited during start-up (%v); see %s", z.exitErr, filepath.Join(dir, "log"))
		case <-ctx.Done():
			_ = z.stop(context.Background())
			return nil, fmt.Errorf("zookeeper did not answer on port %d within %s; see %s", port, timeout, filepath.Join(dir, "log"))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// zkAsk sends a four-letter word and returns the answer ("" on error).
func zkAsk(port int, word string) string {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
	if err != nil {
		return ""
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte(word)); err != nil {
		return ""
	}
	b, _ := io.ReadAll(c)
	return strings.TrimSpace(string(b))
}

func (z *zookeeper) stop(ctx context.Context) error {
	select {
	case <-z.exited:
		return nil
	default:
	}
	_ = z.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-z.exited:
	case <-ctx.Done():
		_ = z.cmd.Process.Kill()
		<-z.exited
	case <-time.After(15 * time.Second):
		_ = z.cmd.Process.Kill()
		<-z.exited
	}
	_ = os.Remove(filepath.Join(z.dir, zkPidFile))
	return nil
}

// stopStaleZooKeeper stops a ZooKeeper a detached start left on dir.
func stopStaleZooKeeper(ctx context.Context, dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, zkPidFile))
	if err != nil {
		return nil
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || !isOurProcess(pid, filepath.Join(dir, "zoo.cfg")) {
		_ = os.Remove(filepath.Join(dir, zkPidFile))
		return nil
	}
	return killAndWait(ctx, pid, filepath.Join(dir, "zoo.cfg"), filepath.Join(dir, zkPidFile))
}

// killAndWait sends SIGTERM to pid, waits up to 30 s for it to end (then
// SIGKILL) and removes its pid file.
func killAndWait(ctx context.Context, pid int, marker, pidPath string) error {
	_ = syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(30 * time.Second)
	for isOurProcess(pid, marker) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	_ = os.Remove(pidPath)
	return nil
}

// isOurProcess guards against pid reuse: only a live process whose command
// line names marker (its config file) is ours to stop.
func isOurProcess(pid int, marker string) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		if f := strings.Fields(string(stat)); len(f) > 2 && f[2] == "Z" {
			return false
		}
	}
	return bytes.Contains(cmdline, []byte(marker))
}
