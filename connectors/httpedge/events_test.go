package httpedge

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A client that opens an event stream and never reads must not hold the
// handler for good: once the socket's buffers are full, the next event's
// write times out and the handler returns.
func TestEventStreamEndsWhenTheClientStopsReading(t *testing.T) {
	ended := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := NewEventStream(w, 200*time.Millisecond)
		if err != nil {
			ended <- err
			return
		}
		chunk := strings.Repeat("x", 64<<10)
		for {
			if err := s.Send("segment", "", chunk); err != nil {
				ended <- err
				return
			}
		}
	}))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	// The headers are read, then nothing more.
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(line, "200") {
		t.Fatalf("status line %q: %v", line, err)
	}
	select {
	case err := <-ended:
		if err == nil {
			t.Fatal("the stream ended without an error")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler is still writing to a client that reads nothing")
	}
}

func TestEventStreamFormat(t *testing.T) {
	rec := httptest.NewRecorder()
	s, err := NewEventStream(rec, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send("segment", "7", map[string]string{"text": "a\nb"}); err != nil {
		t.Fatal(err)
	}
	if err := s.KeepAlive(); err != nil {
		t.Fatal(err)
	}
	want := "id: 7\nevent: segment\ndata: {\"text\":\"a\\nb\"}\n\n: keep-alive\n\n"
	if got := rec.Body.String(); got != want || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream %q (%s), want %q", got, rec.Header().Get("Content-Type"), want)
	}
}
