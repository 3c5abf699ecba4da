package chserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/oqim/oqim/connectors/clickhouse"
)

// ClusterOptions describe a local ClickHouse cluster: one ZooKeeper and
// Shards × Replicas clickhouse-server processes on loopback ports, each
// with its own folder under Dir.
type ClusterOptions struct {
	// Dir holds zookeeper/ and one folder per server (s1r1, s1r2, …). A
	// second start on the same Dir keeps the data (and the ZooKeeper state
	// that goes with it).
	Dir string
	// Name is the cluster's name in remote_servers, the NAME of ON CLUSTER
	// NAME and of clickhouse.cluster; default "oqim".
	Name string
	// Shards and Replicas per shard; default 2 and 2.
	Shards, Replicas int
	// Binary is clickhouse-server and Java the java runtime for ZooKeeper;
	// empty finds them.
	Binary, Java string
	// StartTimeout bounds the wait for each process; default 60 s.
	StartTimeout time.Duration
	// Detached leaves the processes running after this process exits
	// (`oqim clickhouse cluster start`); otherwise they die with it.
	Detached bool
	Logger   *slog.Logger
}

// Cluster is a running local cluster.
type Cluster struct {
	Name          string
	ZooKeeperPort int
	// Nodes in shard order, then replica order.
	Nodes []*Node

	opts ClusterOptions
	zk   *zookeeper
}

// Node is one clickhouse-server of a Cluster.
type Node struct {
	Shard, Replica  int // from 1
	TCPPort         int
	HTTPPort        int
	InterserverPort int

	mu   sync.Mutex
	srv  *Server
	opts Options
}

// DSN is the node's native-protocol address for clickhouse-go.
func (n *Node) DSN() string { return fmt.Sprintf("clickhouse://127.0.0.1:%d/default", n.TCPPort) }

// Name is the node's folder and replica macro, e.g. s1r2.
func (n *Node) Name() string { return fmt.Sprintf("s%dr%d", n.Shard, n.Replica) }

// DSNs lists every node's DSN, shard by shard.
func (c *Cluster) DSNs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.DSN()
	}
	return out
}

// clusterState is what `stop` and later starts read back from Dir.
type clusterState struct {
	Name          string      `json:"name"`
	ZooKeeperPort int         `json:"zookeeper_port"`
	Nodes         []nodeState `json:"nodes"`
}

type nodeState struct {
	Shard, Replica, TCP, HTTP, Interserver int
}

const clusterStateFile = "cluster.json"

// StartCluster starts ZooKeeper and every server of the cluster, returning
// once all of them answer. Servers left running on Dir by an earlier
// detached start are stopped first.
func StartCluster(ctx context.Context, opts ClusterOptions) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("chserver: ClusterOptions.Dir is empty")
	}
	if opts.Name == "" {
		opts.Name = "oqim"
	}
	if !validName(opts.Name) {
		return nil, fmt.Errorf("chserver: cluster name %q must be letters, digits and underscores", opts.Name)
	}
	if opts.Shards == 0 {
		opts.Shards = 2
	}
	if opts.Replicas == 0 {
		opts.Replicas = 2
	}
	if opts.Shards < 1 || opts.Replicas < 1 || opts.Shards*opts.Replicas > 16 {
		return nil, fmt.Errorf("chserver: %d shards × %d replicas: want at least 1 of each and at most 16 servers", opts.Shards, opts.Replicas)
	}
	if err := fill(&opts.Dir, &opts.StartTimeout, &opts.Logger, &opts.Binary); err != nil {
		return nil, err
	}
	dir := opts.Dir
	var err error
	if opts.Java == "" {
		if opts.Java, err = InstallZooKeeper(ctx, opts.Logger); err != nil {
			return nil, err
		}
	}
	if err := StopClusterDir(ctx, dir, opts.Logger); err != nil {
		return nil, err
	}
	// Every port is chosen up front: each server's remote_servers names
	// all the others.
	ports, err := freePorts(1 + 3*opts.Shards*opts.Replicas)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Name: opts.Name, ZooKeeperPort: ports[0], opts: opts}
	st := clusterState{Name: opts.Name, ZooKeeperPort: ports[0]}
	for s := 1; s <= opts.Shards; s++ {
		for r := 1; r <= opts.Replicas; r++ {
			i := 1 + 3*len(c.Nodes)
			n := &Node{Shard: s, Replica: r, TCPPort: ports[i], HTTPPort: ports[i+1], InterserverPort: ports[i+2]}
			c.Nodes = append(c.Nodes, n)
			st.Nodes = append(st.Nodes, nodeState{s, r, n.TCPPort, n.HTTPPort, n.InterserverPort})
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("chserver: %w", err)
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, clusterStateFile), b, 0o644); err != nil {
		return nil, fmt.Errorf("chserver: %w", err)
	}
	began := time.Now()
	c.zk, err = startZooKeeper(ctx, opts.Java, filepath.Join(dir, "zookeeper"), c.ZooKeeperPort, opts.Detached, opts.StartTimeout)
	if err != nil {
		return nil, err
	}
	opts.Logger.Info("ZooKeeper started", "port", c.ZooKeeperPort, "took", time.Since(began).Round(time.Millisecond))
	c.configureNodes()
	// The servers start in parallel: each spends most of its start-up
	// loading its own tables.
	errs := make([]error, len(c.Nodes))
	var wg sync.WaitGroup
	for i, n := range c.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.StartNode(ctx, n)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		_ = c.Stop(context.Background())
		return nil, err
	}
	if err := c.waitCoordinated(ctx); err != nil {
		_ = c.Stop(context.Background())
		return nil, err
	}
	opts.Logger.Info("ClickHouse cluster started", "cluster", c.Name, "servers", len(c.Nodes), "took", time.Since(began).Round(time.Millisecond))
	return c, nil
}

// waitCoordinated returns once every server reads ZooKeeper and the
// distributed DDL queue exists, which its DDL worker creates on start-up:
// an ON CLUSTER statement sent earlier can find the worker without a
// session (18.16 then crashes).
func (c *Cluster) waitCoordinated(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.StartTimeout)
	defer cancel()
	for _, n := range c.Nodes {
		conn, err := clickhouse.Open(ctx, n.DSN())
		if err != nil {
			return fmt.Errorf("cluster node %s: %w", n.Name(), err)
		}
		for {
			var queues uint64
			err = conn.QueryRow(ctx, "SELECT count() FROM system.zookeeper WHERE path = '/clickhouse/task_queue' AND name = 'ddl'").Scan(&queues)
			if err == nil && queues == 1 {
				break
			}
			select {
			case <-ctx.Done():
				conn.Close()
				return fmt.Errorf("cluster node %s: its distributed DDL queue in ZooKeeper was not ready within %s (last: %v, queues %d)", n.Name(), c.opts.StartTimeout, err, queues)
			case <-time.After(100 * time.Millisecond):
			}
		}
		conn.Close()
	}
	return nil
}

// StartNode (re)starts one server of the cluster on its earlier ports and
// folder, for example after StopNode.
func (c *Cluster) StartNode(ctx context.Context, n *Node) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.srv != nil {
		select {
		case <-n.srv.Exited():
		default:
			return nil
		}
	}
	srv, err := Start(ctx, n.opts)
	if err != nil {
		return fmt.Errorf("cluster node %s: %w", n.Name(), err)
	}
	n.srv = srv
	return nil
}

// StopNode stops one server, leaving the rest of the cluster running.
func (c *Cluster) StopNode(ctx context.Context, n *Node) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.srv == nil {
		// Started by another process (OpenCluster): stop it by its pid file.
		return StopDir(ctx, n.opts.Dir, c.opts.Logger)
	}
	err := n.srv.Stop(ctx)
	n.srv = nil
	return err
}

// OpenCluster returns the cluster a detached StartCluster left running on
// dir, so that another process (a test) can stop and restart its servers.
// Servers it restarts stay detached, like the rest of the cluster.
func OpenCluster(dir string, log *slog.Logger) (*Cluster, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(abs, clusterStateFile))
	if err != nil {
		return nil, fmt.Errorf("chserver: no cluster was started on %s: %w", dir, err)
	}
	var st clusterState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("chserver: %s: %w", filepath.Join(abs, clusterStateFile), err)
	}
	bin, err := FindBinary()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Cluster{Name: st.Name, ZooKeeperPort: st.ZooKeeperPort,
		opts: ClusterOptions{Dir: abs, Name: st.Name, Binary: bin, StartTimeout: 60 * time.Second, Detached: true, Logger: log}}
	for _, ns := range st.Nodes {
		c.Nodes = append(c.Nodes, &Node{Shard: ns.Shard, Replica: ns.Replica, TCPPort: ns.TCP, HTTPPort: ns.HTTP, InterserverPort: ns.Interserver})
		c.opts.Shards = max(c.opts.Shards, ns.Shard)
		c.opts.Replicas = max(c.opts.Replicas, ns.Replica)
	}
	c.configureNodes()
	return c, nil
}

// configureNodes sets each node's server options from the cluster's.
func (c *Cluster) configureNodes() {
	remote := c.remoteServers()
	for _, n := range c.Nodes {
		n.opts = Options{
			Dir: filepath.Join(c.opts.Dir, n.Name()), TCPPort: n.TCPPort, HTTPPort: n.HTTPPort, Binary: c.opts.Binary,
			StartTimeout: c.opts.StartTimeout, Detached: c.opts.Detached, Logger: c.opts.Logger,
			extraConfig: remote + c.nodeConfig(n), profile: clickhouse.ClusterProfile(),
		}
	}
}

// Stop stops every server, then ZooKeeper.
func (c *Cluster) Stop(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, n := range c.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.StopNode(ctx, n)
		}()
	}
	wg.Wait()
	if c.zk != nil {
		_ = c.zk.stop(ctx)
	}
	c.opts.Logger.Info("ClickHouse cluster stopped", "dir", c.opts.Dir)
	return nil
}

// StopClusterDir stops a cluster that a detached StartCluster left running
// on dir. It is not an error when none is running.
func StopClusterDir(ctx context.Context, dir string, log *slog.Logger) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return nil
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "s") {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := stopStale(ctx, filepath.Join(abs, e.Name()), log); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := stopStaleZooKeeper(ctx, filepath.Join(abs, "zookeeper")); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// remoteServers is the cluster's topology, the same on every server.
// internal_replication: a Distributed insert writes each block to one
// replica of its shard, and the replicated table copies it to the others
// (writing to all would double every row).
func (c *Cluster) remoteServers() string {
	var b strings.Builder
	fmt.Fprintf(&b, "  <remote_servers>\n    <%s>\n", c.Name)
	for s := 1; s <= c.opts.Shards; s++ {
		b.WriteString("      <shard>\n        <internal_replication>true</internal_replication>\n")
		for _, n := range c.Nodes {
			if n.Shard == s {
				fmt.Fprintf(&b, "        <replica><host>127.0.0.1</host><port>%d</port></replica>\n", n.TCPPort)
			}
		}
		b.WriteString("      </shard>\n")
	}
	fmt.Fprintf(&b, "    </%s>\n  </remote_servers>\n", c.Name)
	fmt.Fprintf(&b, "  <zookeeper>\n    <node><host>127.0.0.1</host><port>%d</port></node>\n    <session_timeout_ms>30000</session_timeout_ms>\n  </zookeeper>\n", c.ZooKeeperPort)
	b.WriteString("  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>\n")
	return b.String()
}

// nodeConfig is what differs per server: its macros (the {shard} and
// {replica} of replicated tables' ZooKeeper paths) and the port its
// replicas fetch parts from.
func (c *Cluster) nodeConfig(n *Node) string {
	return fmt.Sprintf(`  <macros>
    <cluster>%s</cluster>
    <shard>%02d</shard>
    <replica>%s</replica>
  </macros>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <interserver_http_port>%d</interserver_http_port>`, c.Name, n.Shard, n.Name(), n.InterserverPort)
}

// freePorts picks n distinct free loopback ports.
func freePorts(n int) ([]int, error) {
	seen := map[int]bool{}
	var out []int
	for tries := 0; len(out) < n; tries++ {
		if tries > 10*n {
			return nil, errors.New("chserver: could not find enough free ports")
		}
		p, err := choosePort(0, "tcp")
		if err != nil {
			return nil, err
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

func validName(s string) bool {
	for i, r := range s {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return s != ""
}
