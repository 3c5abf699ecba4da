package access

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/httpedge"
)

// Entry is one audited request: who asked what, when, and what they got.
//
// Requests refused for want of valid credentials (401) are not one entry
// each: they are counted per minute, route, method and client network
// (IPv4 /24, IPv6 /48), and each count is an entry whose Principal is
// "unauthenticated", Path the route's pattern, Time the minute, Rows the
// number of requests and Remote the network. An anonymous flood then
// costs a row a minute per network, not a row per request.
type Entry struct {
	Time      time.Time
	Principal string
	Role      Role
	Scope     string // "*" for national, else comma-separated regions
	Method    string
	Path      string
	Query     string // at most httpedge.MaxAuditQuery bytes
	Status    int
	Rows      uint64
	Remote    string
}

// Unauthenticated is the Principal of entries of requests without valid
// credentials.
const Unauthenticated = "unauthenticated"

// EntryOf is the audit entry of one request the edge saw. A request
// refused before authentication is recorded as "unauthenticated".
func EntryOf(a httpedge.Audit) Entry {
	e := Entry{Time: a.Time.UTC(), Principal: a.Principal.Label(), Role: Role(a.Principal.Role), Scope: ScopeLabel(a.Principal),
		Method: a.Method, Path: a.Path, Query: httpedge.TruncateQuery(a.Query), Status: a.Status, Rows: a.Rows, Remote: a.Remote}
	if a.Principal.Kind == httpedge.Anonymous {
		e.Principal, e.Scope = Unauthenticated, ""
	}
	return e
}

// AuditorConfig bounds a ClickHouseAuditor.
type AuditorConfig struct {
	// MaxPending bounds the entries held in memory while ClickHouse is
	// slow or down (default DefaultMaxPending); entries past it are
	// dropped and counted (Dropped).
	MaxPending int
	// MaxUnauthenticated bounds the distinct (minute, route, network)
	// counters of unauthenticated requests held at once (default
	// DefaultMaxUnauthenticated); past it, new networks are counted
	// together per route under the network "other" and method "*".
	MaxUnauthenticated int
	Log                *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Defaults of AuditorConfig.
const (
	DefaultMaxPending         = 10_000
	DefaultMaxUnauthenticated = 1_000
)

// ClickHouseAuditor batches entries into the kpi_audit table (migration
// 0006): one insert per second or per 1,000 entries, because one insert
// per request would make a part per request. Its memory is bounded (see
// AuditorConfig): audit must not become the way to exhaust the server.
type ClickHouseAuditor struct {
	conn  driver.Conn
	table string
	cfg   AuditorConfig

	mu      sync.Mutex
	pending []Entry
	unauth  map[unauthKey]uint64
	dropped atomic.Uint64
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// unauthKey is what unauthenticated requests are counted by.
type unauthKey struct {
	minute        time.Time
	method, route string
	network       string
}

// NewClickHouseAuditor is NewAuditor with the default bounds.
func NewClickHouseAuditor(conn driver.Conn, db string, log *slog.Logger) *ClickHouseAuditor {
	return NewAuditor(conn, db, AuditorConfig{Log: log})
}

// NewAuditor starts the batching goroutine; Close stops it.
func NewAuditor(conn driver.Conn, db string, cfg AuditorConfig) *ClickHouseAuditor {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// A setting of zero or less takes its default.
	cfg.MaxPending = cmp.Or(max(cfg.MaxPending, 0), DefaultMaxPending)
	cfg.MaxUnauthenticated = cmp.Or(max(cfg.MaxUnauthenticated, 0), DefaultMaxUnauthenticated)
	a := &ClickHouseAuditor{conn: conn, table: db + ".kpi_audit", cfg: cfg, unauth: map[unauthKey]uint64{},
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go a.loop()
	return a
}

// Audit queues the request's entry, or counts it when it came without
// valid credentials; it is the edge's audit hook.
func (a *ClickHouseAuditor) Audit(_ context.Context, x httpedge.Audit) {
	if x.Status == http.StatusUnauthorized && x.Principal.Kind == httpedge.Anonymous {
		a.countUnauthenticated(x)
		return
	}
	a.Add(EntryOf(x))
}

func (a *ClickHouseAuditor) countUnauthenticated(x httpedge.Audit) {
	t := x.Time
	if t.IsZero() {
		t = a.cfg.Now()
	}
	k := unauthKey{minute: t.UTC().Truncate(time.Minute), method: x.Method, route: x.Route, network: network(x.Remote)}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.unauth[k]; !ok && len(a.unauth) >= a.cfg.MaxUnauthenticated {
		// Past the bound only the minute and the declared route, both
		// few, make a new counter: not the client's network or the
		// method, which a client chooses.
		k.method, k.network = "*", "other"
	}
	a.unauth[k]++
}

// network is the client's /24 (IPv4) or /48 (IPv6): one attacker rarely
// has one address, and the audit needs the origin, not each host.
func network(remote string) string {
	ip, err := netip.ParseAddr(remote)
	if err != nil {
		return "unknown"
	}
	ip = ip.Unmap()
	bits := 48
	if ip.Is4() {
		bits = 24
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return "unknown"
	}
	return p.String()
}

// Add queues e, its query cut to httpedge.MaxAuditQuery bytes. When
// MaxPending entries are already waiting, e is dropped and counted.
func (a *ClickHouseAuditor) Add(e Entry) {
	e.Query = httpedge.TruncateQuery(e.Query)
	a.mu.Lock()
	if len(a.pending) >= a.cfg.MaxPending {
		a.mu.Unlock()
		// Logged at the 1st, 2nd, 4th, 8th ... drop: a flood must not
		// turn into a flood of log lines either.
		if n := a.dropped.Add(1); n&(n-1) == 0 {
			a.cfg.Log.Error("audit backlog full; entries dropped (oqim_bi_audit_dropped_entries)", "backlog", a.cfg.MaxPending, "dropped", n)
		}
		return
	}
	a.pending = append(a.pending, e)
	n := len(a.pending)
	a.mu.Unlock()
	if n >= 1000 {
		select {
		case a.kick <- struct{}{}:
		default:
		}
	}
}

// Dropped is how many entries were dropped because the backlog was full.
func (a *ClickHouseAuditor) Dropped() uint64 { return a.dropped.Load() }

// Pending is how many entries wait to be written.
func (a *ClickHouseAuditor) Pending() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.pending)
}

func (a *ClickHouseAuditor) loop() {
	defer close(a.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
		case <-a.kick:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := a.flush(ctx, a.cfg.Now().UTC().Truncate(time.Minute)); err != nil {
			a.cfg.Log.Warn("audit entries not written yet; retrying", "err", err)
		}
		cancel()
	}
}

// Flush writes the queued entries and every unauthenticated count now.
// On failure they stay queued, within MaxPending.
func (a *ClickHouseAuditor) Flush(ctx context.Context) error {
	return a.flush(ctx, time.Time{})
}

// flush writes the queued entries and the unauthenticated counts of the
// minutes before until (all of them when until is zero), so that a
// minute's count is normally one row.
func (a *ClickHouseAuditor) flush(ctx context.Context, until time.Time) error {
	a.mu.Lock()
	batch := a.pending
	a.pending = nil
	for k, n := range a.unauth {
		if !until.IsZero() && !k.minute.Before(until) {
			continue
		}
		batch = append(batch, Entry{Time: k.minute, Principal: Unauthenticated, Method: k.method, Path: k.route,
			Status: http.StatusUnauthorized, Rows: n, Remote: k.network})
		delete(a.unauth, k)
	}
	a.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	n := len(batch)
	var (
		times                                            = make([]time.Time, n)
		principals, roles, scopes, methods, paths, query = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		remotes                                          = make([]string, n)
		statuses                                         = make([]uint16, n)
		rows                                             = make([]uint64, n)
	)
	for i, e := range batch {
		times[i], principals[i], roles[i], scopes[i] = e.Time.UTC(), e.Principal, string(e.Role), e.Scope
		methods[i], paths[i], query[i], remotes[i] = e.Method, e.Path, e.Query, e.Remote
		statuses[i], rows[i] = uint16(e.Status), e.Rows
	}
	err := clickhouse.Insert(ctx, a.conn, a.table,
		[]string{"time", "principal", "role", "scope", "method", "path", "query", "status", "rows", "remote"},
		[]any{times, principals, roles, scopes, methods, paths, query, statuses, rows, remotes})
	if err != nil {
		a.mu.Lock()
		// The failed batch goes back in front, within the bound; what
		// does not fit is counted as dropped.
		keep := append(batch, a.pending...)
		if over := len(keep) - a.cfg.MaxPending; over > 0 {
			keep = keep[:a.cfg.MaxPending]
			a.dropped.Add(uint64(over))
		}
		a.pending = keep
		a.mu.Unlock()
		return err
	}
	return nil
}

// Close stops the goroutine and writes what is queued.
func (a *ClickHouseAuditor) Close(ctx context.Context) error {
	close(a.stop)
	<-a.done
	return a.Flush(ctx)
}

// LogAuditor writes entries to a logger; the API's default when no
// auditor is configured.
type LogAuditor struct{ Log *slog.Logger }

// Audit logs the request's entry at info level.
func (l LogAuditor) Audit(_ context.Context, x httpedge.Audit) {
	e := EntryOf(x)
	l.Log.Info("kpi query", "principal", e.Principal, "role", e.Role, "scope", e.Scope, "method", e.Method,
		"path", e.Path, "query", e.Query, "status", e.Status, "rows", e.Rows, "remote", e.Remote)
}
