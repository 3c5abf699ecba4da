package ingest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
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

// Process is an `oqim ingest` child process: the Ingester of a scale-out
// run, and of the tests that kill one mid-stream.
type Process struct {
	name    string
	cmd     *exec.Cmd
	metrics string
	log     string        // the file its stdout and stderr go to
	exited  chan struct{} // closed once the process has been waited for
}

// StartProcess runs bin with args and env, on which it sets
// OQIM_HTTP_ADDR to a free loopback port for the process's /metrics,
// with its output in the file logPath (kept: a run's logs stay beside its
// data), and waits until /metrics answers. name labels errors.
func StartProcess(bin, name, logPath string, args, env []string) (*Process, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, err
	}
	// The child writes its output to the file itself: no copying goroutine,
	// and the file can be read while it runs.
	out, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	c := exec.Command(bin, args...)
	c.Env = append(env, "OQIM_HTTP_ADDR="+addr)
	c.Stdout, c.Stderr = out, out
	// The child dies with its parent, whatever happens to the parent.
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	p := &Process{name: name, cmd: c, metrics: "http://" + addr + "/metrics", log: logPath, exited: make(chan struct{})}
	if err := c.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	go func() { _ = c.Wait(); close(p.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := p.Rows(context.Background()); err == nil {
			return p, nil
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("%s exited: %s", name, p.Output())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.Kill()
			return nil, fmt.Errorf("%s: no /metrics after 60 s: %s", name, p.Output())
		}
	}
}

// Name is the label the process was started with.
func (p *Process) Name() string { return p.name }

// Pid is the process id, for its CPU time.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Output is what the process has printed so far (its log file).
func (p *Process) Output() string {
	b, err := os.ReadFile(p.log)
	if err != nil {
		return "(output unreadable: " + err.Error() + ")"
	}
	return strings.TrimSpace(string(b))
}

// Rows is the agency-events pipeline's oqim_ingest_rows_total.
func (p *Process) Rows(ctx context.Context) (int64, error) {
	return scrapeCounter(ctx, p.metrics, `oqim_ingest_rows_total{pipeline="agency-events"}`)
}

// Stop ends the process with SIGTERM, as an orchestrator would, and
// kills it if it has not exited 30 s later.
func (p *Process) Stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return nil
	case <-time.After(30 * time.Second):
		p.Kill()
		return fmt.Errorf("%s did not stop within 30 s of SIGTERM", p.name)
	}
}

// Kill ends the process with SIGKILL and waits for it.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// scrapeCounter reads one series from a /metrics page.
func scrapeCounter(ctx context.Context, url, series string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New(url + ": no " + series)
}
