package chatbot

import (
	"container/list"
	"errors"
	"slices"
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
	expires time.Time // guarded by the store's mutex: read it with sessions.expiry
	mu      sync.Mutex
	lang    portalkb.Lang // of the last question
	msgs    []Message
	// given is the feedback taken on each bot message still in msgs.
	given map[string]feedback

	// ticketMu is held while a ticket is raised, so that requests racing
	// on one session raise one ticket; ticket is its id once delivered.
	ticketMu sync.Mutex
	ticket   string
}

// feedback is what a citizen said of one bot message.
type feedback struct {
	rating   string
	resolved *bool
}

func (s *session) add(m Message, maxHistory int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	if drop := len(s.msgs) - maxHistory; drop > 0 {
		for _, old := range s.msgs[:drop] {
			delete(s.given, old.ID)
		}
		s.msgs = append(s.msgs[:0], s.msgs[drop:]...)
	}
}

var (
	errNoBotMessage    = errors.New("no bot message with this id in the session")
	errFeedbackChanged = errors.New("this message was already rated otherwise; feedback is taken once per message")
)

// giveFeedback takes a rating and/or a resolved answer on bot message id
// and returns the message and the part of f not given before, which is
// empty when f repeats what was given. Each is taken once per message: a
// citizen who could rate one answer a thousand times would set the
// figures analysts read, so a repeat is absorbed and a change refused
// (errFeedbackChanged).
func (s *session) giveFeedback(id string, f feedback) (Message, feedback, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.msgs, func(m Message) bool { return m.ID == id })
	if i < 0 || s.msgs[i].Role != "bot" {
		return Message{}, feedback{}, errNoBotMessage
	}
	had := s.given[id]
	if (f.rating != "" && had.rating != "" && f.rating != had.rating) ||
		(f.resolved != nil && had.resolved != nil && *f.resolved != *had.resolved) {
		return Message{}, feedback{}, errFeedbackChanged
	}
	var fresh feedback
	if f.rating != "" && had.rating == "" {
		fresh.rating, had.rating = f.rating, f.rating
	}
	if f.resolved != nil && had.resolved == nil {
		fresh.resolved, had.resolved = f.resolved, f.resolved
	}
	if s.given == nil {
		s.given = map[string]feedback{}
	}
	s.given[id] = had
	return s.msgs[i], fresh, nil
}

func (s *session) snapshot() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
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

// expiry is when s ends; the store extends it on every use, under its
// lock, so it is read there too.
func (st *sessions) expiry(s *session) time.Time {
	st.mu.Lock()
	defer st.mu.Unlock()
	return s.expires
}

func (st *sessions) len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.byID)
}
