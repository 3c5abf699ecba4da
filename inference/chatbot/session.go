package chatbot

import (
	"container/list"
	"sync"
	"time"

	"github.com/oqim/oqim/models/portalkb"
)

// Message is one turn of a conversation as stored: user text is already
// redacted.
type Message struct {
	ID         string     `json:"id"`
	Role       string     `json:"role"` // "user" or "bot"
	Text       string     `json:"text"`
	Time       time.Time  `json:"time"`
	Lang       string     `json:"lang,omitempty"`
	Kind       Kind       `json:"kind,omitempty"`
	Citations  []Citation `json:"citations,omitempty"`
	TicketID   string     `json:"ticket_id,omitempty"`
	Confidence float64    `json:"confidence,omitempty"`
}

type session struct {
	id      string
	expires time.Time
	mu      sync.Mutex
	lang    portalkb.Lang // of the last question
	msgs    []Message
	handed  bool // a ticket was already raised
}

func (s *session) add(m Message, maxHistory int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	if len(s.msgs) > maxHistory {
		s.msgs = append(s.msgs[:0], s.msgs[len(s.msgs)-maxHistory:]...)
	}
}

func (s *session) snapshot() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

func (s *session) find(id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.msgs {
		if m.ID == id {
			return m, true
		}
	}
	return Message{}, false
}

// sessions is an in-memory store with a time to live, refreshed on use,
// and a bound: when full, expired sessions go first and then the least
// recently used one, so a flood of new sessions cannot exhaust memory.
type sessions struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu   sync.Mutex
	byID map[string]*list.Element
	lru  list.List // front: most recently used
}

func newSessions(ttl time.Duration, max int, now func() time.Time) *sessions {
	return &sessions{ttl: ttl, max: max, now: now, byID: map[string]*list.Element{}}
}

func (st *sessions) create() *session {
	now := st.now()
	s := &session{id: newID("s_"), expires: now.Add(st.ttl)}
	st.mu.Lock()
	defer st.mu.Unlock()
	for len(st.byID) >= st.max {
		back := st.lru.Back()
		st.lru.Remove(back)
		delete(st.byID, back.Value.(*session).id)
	}
	st.byID[s.id] = st.lru.PushFront(s)
	st.sweep(now)
	return s
}

// sweep drops expired sessions from the back of the list; it stops at the
// first live one, so its cost is the number it drops.
func (st *sessions) sweep(now time.Time) {
	for {
		back := st.lru.Back()
		if back == nil || back.Value.(*session).expires.After(now) {
			return
		}
		st.lru.Remove(back)
		delete(st.byID, back.Value.(*session).id)
	}
}

// get returns a live session and extends its life.
func (st *sessions) get(id string) (*session, bool) {
	now := st.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	el, ok := st.byID[id]
	if !ok {
		return nil, false
	}
	s := el.Value.(*session)
	if !s.expires.After(now) {
		st.lru.Remove(el)
		delete(st.byID, id)
		return nil, false
	}
	s.expires = now.Add(st.ttl)
	st.lru.MoveToFront(el)
	return s, true
}

func (st *sessions) len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.byID)
}
