package access

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/httpedge"
)

// Entry is one audited request: who asked what, when, and what they got.
type Entry struct {
	Time      time.Time
	Principal string
	Role      Role
	Scope     string // "*" for national, else comma-separated regions
	Method    string
	Path      string
	Query     string
	Status    int
	Rows      uint64
	Remote    string
}

// EntryOf is the audit entry of one request the edge saw. A request
// refused before authentication is recorded as "unauthenticated".
func EntryOf(a httpedge.Audit) Entry {
	e := Entry{Time: a.Time.UTC(), Principal: a.Principal.Label(), Role: Role(a.Principal.Role), Scope: ScopeLabel(a.Principal),
		Method: a.Method, Path: a.Path, Query: a.Query, Status: a.Status, Rows: a.Rows, Remote: a.Remote}
	if a.Principal.Kind == httpedge.Anonymous {
		e.Principal, e.Scope = "unauthenticated", ""
	}
	return e
}

// ClickHouseAuditor batches entries into the kpi_audit table (migration
// 0006): one insert per second or per 1,000 entries, because one insert
// per request would make a part per request.
type ClickHouseAuditor struct {
	conn  driver.Conn
	table string
	log   *slog.Logger

	mu      sync.Mutex
	pending []Entry
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// maxPending bounds the entries held while ClickHouse is unreachable.
const maxPending = 100_000

// NewClickHouseAuditor starts the batching goroutine; Close stops it.
func NewClickHouseAuditor(conn driver.Conn, db string, log *slog.Logger) *ClickHouseAuditor {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &ClickHouseAuditor{conn: conn, table: db + ".kpi_audit", log: log,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go a.loop()
	return a
}

// Audit queues the request's entry; it is the edge's audit hook.
func (a *ClickHouseAuditor) Audit(_ context.Context, x httpedge.Audit) { a.Add(EntryOf(x)) }

// Add queues e.
func (a *ClickHouseAuditor) Add(e Entry) {
	a.mu.Lock()
	if len(a.pending) >= maxPending {
		a.log.Error("audit backlog full; dropping the oldest entry", "backlog", len(a.pending))
		a.pending = a.pending[1:]
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
		if err := a.Flush(ctx); err != nil {
			a.log.Warn("audit entries not written yet; retrying", "err", err)
		}
		cancel()
	}
}

// Flush writes the queued entries now. On failure they stay queued.
func (a *ClickHouseAuditor) Flush(ctx context.Context) error {
	a.mu.Lock()
	batch := a.pending
	a.pending = nil
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
		a.pending = append(batch, a.pending...)
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
