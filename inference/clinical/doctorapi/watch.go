package doctorapi

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/oqim/oqim/inference/clinical/worker"
)

// maxPending bounds the segments held for one stream that has not yet
// written out what it was given; past it the stream rereads them from the
// store itself rather than the watcher holding them without bound.
const maxPending = 1024

// watcher is the one poller of the job store for all event streams of a
// process: every poll interval it reads the state of every watched job in
// one query and their new segments in another, and hands each stream what
// changed. N streams cost two queries per interval, not 2N. It runs only
// while some stream is open.
type watcher struct {
	store    *worker.Store
	interval time.Duration
	log      *slog.Logger

	mu      sync.Mutex
	jobs    map[string]*watchedJob
	running bool
	stop    chan struct{} // closed by close
	done    sync.WaitGroup
}

// watchedJob is one job some stream follows.
type watchedJob struct {
	// next is the first segment number the watcher has not read yet.
	next int
	// status is the last status read; a change wakes the streams.
	status worker.Status
	subs   map[*subscription]struct{}
}

// subscription is one stream's mailbox: the latest job state and the
// segments read since the stream last looked.
type subscription struct {
	id   string
	wake chan struct{} // one-slot: "something changed"

	mu   sync.Mutex
	job  *worker.Job
	segs []worker.Segment
	lost bool // segments were dropped (see maxPending)
	gone bool // the job no longer exists
}

func newWatcher(store *worker.Store, interval time.Duration, log *slog.Logger) *watcher {
	return &watcher{store: store, interval: interval, log: log, jobs: make(map[string]*watchedJob), stop: make(chan struct{})}
}

// subscribe follows job id until unsubscribe. Subscribe before reading
// what is already stored, so nothing stored in between is missed.
func (w *watcher) subscribe(id string) *subscription {
	s := &subscription{id: id, wake: make(chan struct{}, 1)}
	w.mu.Lock()
	defer w.mu.Unlock()
	j := w.jobs[id]
	if j == nil {
		j = &watchedJob{subs: make(map[*subscription]struct{})}
		w.jobs[id] = j
	}
	j.subs[s] = struct{}{}
	if !w.running {
		select {
		case <-w.stop:
			return s // closed: the stream ends on its own deadline or client
		default:
		}
		w.running = true
		w.done.Add(1)
		go w.run()
	}
	return s
}

func (w *watcher) unsubscribe(s *subscription) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if j := w.jobs[s.id]; j != nil {
		delete(j.subs, s)
		if len(j.subs) == 0 {
			delete(w.jobs, s.id)
		}
	}
}

// close stops the poller and waits for it.
func (w *watcher) close() {
	w.mu.Lock()
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	w.mu.Unlock()
	w.done.Wait()
}

func (w *watcher) run() {
	defer w.done.Done()
	tick := time.NewTicker(w.interval)
	defer tick.Stop()
	for {
		select {
		case <-w.stop:
			w.mu.Lock()
			w.running = false
			w.mu.Unlock()
			return
		case <-tick.C:
		}
		w.mu.Lock()
		if len(w.jobs) == 0 {
			// Nothing to watch: stop polling until the next stream.
			w.running = false
			w.mu.Unlock()
			return
		}
		from := make(map[string]int, len(w.jobs))
		ids := make([]string, 0, len(w.jobs))
		for id, j := range w.jobs {
			from[id] = j.next
			ids = append(ids, id)
		}
		w.mu.Unlock()
		w.poll(ids, from)
	}
}

// poll reads the watched jobs, then their new segments, and hands them
// out. Status first, then segments: every segment stored before the
// status was read is in the second read, so "done" never overtakes a
// segment.
func (w *watcher) poll(ids []string, from map[string]int) {
	ctx, cancel := context.WithTimeout(context.Background(), max(10*time.Second, 4*w.interval))
	defer cancel()
	go func() {
		select {
		case <-w.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	jobs, err := w.store.GetMany(ctx, ids)
	if err != nil {
		w.log.Warn("event streams: reading jobs failed; retrying at the next poll", "jobs", len(ids), "err", err)
		return
	}
	segs, err := w.store.SegmentsSince(ctx, from)
	if err != nil {
		w.log.Warn("event streams: reading segments failed; retrying at the next poll", "jobs", len(ids), "err", err)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for id := range from {
		// Only the jobs this poll read: one subscribed since is read at
		// the next poll, and must not be taken for deleted.
		wj := w.jobs[id]
		if wj == nil {
			continue
		}
		job, found := jobs[id]
		ss := segs[id]
		if !found && len(ss) == 0 {
			// Streams open only on a job that exists: it has been
			// deleted since (retention), and its streams end.
			for s := range wj.subs {
				s.end()
			}
			continue
		}
		if (!found || job.Status == wj.status) && len(ss) == 0 {
			continue
		}
		if len(ss) > 0 {
			wj.next = ss[len(ss)-1].Seq + 1
		}
		if found {
			wj.status = job.Status
		}
		for s := range wj.subs {
			s.deliver(job, found, ss)
		}
	}
}

// deliver puts a poll's result in the mailbox and wakes the stream.
func (s *subscription) deliver(job worker.Job, found bool, segs []worker.Segment) {
	s.mu.Lock()
	if found {
		s.job = &job
	}
	if len(s.segs)+len(segs) > maxPending {
		s.segs, s.lost = nil, true
	} else if !s.lost {
		s.segs = append(s.segs, segs...)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// end tells the stream its job is gone.
func (s *subscription) end() {
	s.mu.Lock()
	s.gone = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// take empties the mailbox: the latest job state (nil if unchanged), the
// segments read since, and whether some were dropped.
func (s *subscription) take() (*worker.Job, []worker.Segment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, segs, lost := s.job, s.segs, s.lost
	s.job, s.segs, s.lost = nil, nil, false
	return j, segs, lost
}

// ended reports whether the job is gone.
func (s *subscription) ended() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gone
}
