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
// and two bounds: when full, expired sessions go first and then the least
// recently used one, so a flood of new sessions cannot exhaust memory;
// and one client holds at most perClient sessions, its own least
// recently used going first, so one client's flood cannot push everyone
// else's conversations out.
type sessions struct {
	ttl       time.Duration
	max       int
	perClient int
	now       func() time.Time

	mu     sync.Mutex
	byID   map[string]*list.Element
	lru    list.List // front: most recently used
	owners map[string]*list.List
}

// owned is a session's place in the store and in its client's list.
type owned struct {
	*session
	owner string
	mine  *list.Element // in owners[owner]
}

func newSessions(ttl time.Duration, max, perClient int, now func() time.Time) *sessions {
	return &sessions{ttl: ttl, max: max, perClient: perClient, now: now, byID: map[string]*list.Element{}, owners: map[string]*list.List{}}
}

// create starts a session for the client owner ("" for one not bounded
// apart, such as a partner gateway speaking for many citizens).
func (st *sessions) create(owner string) *session {
	now := st.now()
	s := &session{id: newID("s_"), expires: now.Add(st.ttl)}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sweep(now)
	if owner != "" {
		// remove drops a client's list once it is empty, so it is looked
		// up again after every eviction.
		for mine := st.owners[owner]; mine != nil && mine.Len() >= st.perClient; mine = st.owners[owner] {
			st.remove(st.byID[mine.Back().Value.(*session).id])
		}
	}
	for len(st.byID) >= st.max {
		st.remove(st.lru.Back())
	}
	o := &owned{session: s, owner: owner}
	if owner != "" {
		mine := st.owners[owner]
		if mine == nil {
			mine = list.New()
			st.owners[owner] = mine
		}
		o.mine = mine.PushFront(s)
	}
	st.byID[s.id] = st.lru.PushFront(o)
	return s
}

func (st *sessions) remove(el *list.Element) {
	o := el.Value.(*owned)
	st.lru.Remove(el)
	delete(st.byID, o.id)
	if o.mine != nil {
		mine := st.owners[o.owner]
		mine.Remove(o.mine)
		if mine.Len() == 0 {
			delete(st.owners, o.owner)
		}
	}
}

// sweep drops expired sessions from the back of the list; it stops at the
// first live one, so its cost is the number it drops.
func (st *sessions) sweep(now time.Time) {
	for {
		back := st.lru.Back()
		if back == nil || back.Value.(*owned).expires.After(now) {
			return
		}
		st.remove(back)
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
	o := el.Value.(*owned)
	if !o.expires.After(now) {
		st.remove(el)
		return nil, false
	}
	o.expires = now.Add(st.ttl)
	st.lru.MoveToFront(el)
	if o.mine != nil {
		st.owners[o.owner].MoveToFront(o.mine)
	}
	return o.session, true
}

func (st *sessions) len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.byID)
}
