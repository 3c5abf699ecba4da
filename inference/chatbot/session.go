package chatbot

import (
	"container/list"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/oqim/oqim/connectors/httpedge"
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
	// answered is the last answer, which a follow-up ("а сколько это
	// стоит?") asks about again; cleared when the bot leaves a message
	// unanswered.
	answered answered
	// given is the feedback taken on each bot message still in msgs.
	given map[string]feedback

	// ticketMu is held while a ticket is raised, so that requests racing
	// on one session raise one ticket; ticket is its id once delivered.
	ticketMu sync.Mutex
	ticket   string
	// ticketTurns is how many of the citizen's messages the ticket last
	// published held, and ticketUpdate how many times it was published
	// again.
	ticketTurns, ticketUpdate int
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

// answered is an answer's entry, confidence and language.
type answered struct {
	entry      *portalkb.Entry
	confidence float64
	lang       portalkb.Lang
}

func (s *session) snapshot() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// sessions is an in-memory store with a time to live, refreshed on use,
// and bounds: when full, expired sessions go first and then the least
// recently used one, so a flood of new sessions cannot exhaust memory;
// one client holds at most perClient sessions and one IPv6 network (a
// /48) perNetwork, their own least recently used going first, so one
// client's flood, or one line's spread over its many /64s, cannot push
// everyone else's conversations out.
type sessions struct {
	ttl        time.Duration
	max        int
	perClient  int
	perNetwork int
	now        func() time.Time

	mu      sync.Mutex
	byID    map[string]*list.Element
	lru     list.List             // front: most recently used
	holders map[string]*list.List // a client's or a network's sessions, front: most recently used
}

// networkSessions is how many clients' worth of sessions one /48 may hold.
const networkSessions = 16

// owned is a session's place in the store and in its holders' lists: its
// client's and, for an IPv6 client, its network's.
type owned struct {
	*session
	holds [2]hold
}

type hold struct {
	key string
	el  *list.Element // in holders[key]; nil when not held
}

func newSessions(ttl time.Duration, max, perClient int, now func() time.Time) *sessions {
	return &sessions{ttl: ttl, max: max, perClient: perClient, perNetwork: networkSessions * perClient, now: now,
		byID: map[string]*list.Element{}, holders: map[string]*list.List{}}
}

// create starts a session for the client owner ("" for one not bounded
// apart, such as a partner gateway speaking for many citizens).
func (st *sessions) create(owner string) *session {
	now := st.now()
	s := &session{id: newID("s_"), expires: now.Add(st.ttl)}
	o := &owned{session: s}
	if owner != "" {
		o.holds = [2]hold{{key: owner}, {key: httpedge.NetworkOf(owner)}}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sweep(now)
	for i, h := range o.holds {
		if h.key == "" {
			continue
		}
		bound := st.perClient
		if i == 1 {
			bound = st.perNetwork
		}
		// remove drops a holder's list once it is empty, so it is looked
		// up again after every eviction.
		for mine := st.holders[h.key]; mine != nil && mine.Len() >= bound; mine = st.holders[h.key] {
			st.remove(st.byID[mine.Back().Value.(*session).id])
		}
	}
	for len(st.byID) >= st.max {
		st.remove(st.lru.Back())
	}
	for i, h := range o.holds {
		if h.key == "" {
			continue
		}
		mine := st.holders[h.key]
		if mine == nil {
			mine = list.New()
			st.holders[h.key] = mine
		}
		o.holds[i].el = mine.PushFront(s)
	}
	st.byID[s.id] = st.lru.PushFront(o)
	return s
}

func (st *sessions) remove(el *list.Element) {
	o := el.Value.(*owned)
	st.lru.Remove(el)
	delete(st.byID, o.id)
	for _, h := range o.holds {
		if h.el == nil {
			continue
		}
		mine := st.holders[h.key]
		mine.Remove(h.el)
		if mine.Len() == 0 {
			delete(st.holders, h.key)
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
	for _, h := range o.holds {
		if h.el != nil {
			st.holders[h.key].MoveToFront(h.el)
		}
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
