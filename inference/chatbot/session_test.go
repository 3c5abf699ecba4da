package chatbot

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// The store keeps its bounds through every way a session leaves it: a
// client's own eviction, the store's, expiry; a client whose last session
// went starts afresh.
func TestSessionsKeepTheirBounds(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	st := newSessions(time.Minute, 3, 1, func() time.Time { return now })
	a1 := st.create("a")
	a2 := st.create("a") // a's own first goes
	if _, ok := st.get(a1.id); ok {
		t.Error("a client of one session kept two")
	}
	st.create("b")
	st.create("c")
	st.create("d") // the store is full: the least recently used, a's, goes
	if _, ok := st.get(a2.id); ok {
		t.Error("the store kept more than its bound")
	}
	a3 := st.create("a") // a's list went with its last session
	p1 := st.create("")  // partners' sessions are not bounded apart
	p2 := st.create("")
	for _, s := range []*session{a3, p1, p2} {
		if _, ok := st.get(s.id); !ok {
			t.Errorf("session %s went; want a's new one and both partners'", s.id)
		}
	}
	if n := st.len(); n != 3 {
		t.Errorf("%d sessions, want 3", n)
	}
	now = now.Add(2 * time.Minute)
	st.create("a")
	if n := st.len(); n != 1 {
		t.Errorf("%d sessions after the others expired, want 1", n)
	}
	if len(st.holders) != 1 {
		t.Errorf("%d clients' lists kept, want only a's", len(st.holders))
	}
}

// One line's many /64s (a home line is routed a /56, a business a /48)
// hold no more than networkSessions clients' worth between them, so a
// flood from them evicts its own sessions, not a citizen's elsewhere.
func TestOneNetworkCannotPushOthersOut(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	st := newSessions(time.Hour, 50, 2, func() time.Time { return now })
	citizen := st.create("net:2001:db8:1:1::/64")
	for i := range 500 {
		now = now.Add(time.Second)
		st.create(fmt.Sprintf("net:2001:db8:2:%x::/64", i))
	}
	if _, ok := st.get(citizen.id); !ok {
		t.Error("a flood from one /48 pushed out a citizen of another network")
	}
	if got := st.holders["net48:2001:db8:2::/48"].Len(); got != networkSessions*2 {
		t.Errorf("the flooding /48 holds %d sessions, want %d", got, networkSessions*2)
	}
	if n := st.len(); n != networkSessions*2+1 {
		t.Errorf("%d sessions, want the network's %d and the citizen's", n, networkSessions*2)
	}
}

// Reading a session while others use it is safe: the store extends its
// life under its lock, and the answer reads it there (go test -race).
func TestConcurrentReadsOfOneSession(t *testing.T) {
	svc, srv := newTestService(t, Config{})
	sid := startSession(t, srv.URL)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				rec := httptest.NewRecorder()
				svc.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/chat/sessions/"+sid, nil))
				if rec.Code != http.StatusOK {
					t.Errorf("GET: %d", rec.Code)
					return
				}
			}
		})
	}
	wg.Wait()
}
