package doctorapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/worker"
)

// keepAlive is how often an idle stream sends a comment, so proxies do
// not close it while a long recording is being transcribed.
const keepAlive = 15 * time.Second

// streamTranscription is GET /api/v1/transcriptions/{id}/events: server-
// sent events from the job store, so the stream works whichever process
// runs the job. The stream reads what is already stored once; after that
// the process's one watcher (see watcher) tells it what changed.
//
//	event: status   data: {"status":"running"}          on every change
//	event: segment  id: <seq>  data: {"seq":..,"start_ms":..,"end_ms":..,"text":..}
//	event: done     data: the job as GET returns it      then the stream ends
//	event: failed   data: {"id":..,"status":"failed","reason":..}
//
// A client reconnecting with Last-Event-ID resumes after that segment.
// Each doctor has at most MaxStreamsPerDoctor streams open at once (429
// past it), and the process at most MaxStreams (503).
func (h *Handler) streamTranscription(w http.ResponseWriter, r *http.Request) {
	doc, _ := DoctorFrom(r.Context())
	release, ok := h.acquireStream(w, doc.ID)
	if !ok {
		return
	}
	defer release()
	j, ok := h.ownJob(w, r, "transcription.events")
	if !ok {
		return
	}
	next := 0
	if last, err := strconv.Atoi(r.Header.Get("Last-Event-ID")); err == nil && last >= 0 {
		next = last + 1
	}
	stream, err := httpedge.NewEventStream(w, 0)
	if err != nil {
		httpedge.WriteError(w, http.StatusInternalServerError, httpedge.Error{Detail: err.Error()})
		return
	}

	// Subscribed before the first read, so what is stored in between
	// comes from the watcher; segments seen twice are skipped by number.
	sub := h.watcher.subscribe(j.ID)
	defer h.watcher.unsubscribe(sub)

	ctx := r.Context()
	deadline := time.NewTimer(h.cfg.StreamTimeout)
	defer deadline.Stop()
	alive := time.NewTicker(keepAlive)
	defer alive.Stop()
	lastStatus, lastWrite := "", time.Now()
	send := func(event, id string, v any) bool {
		err := stream.Send(event, id, v)
		lastWrite = time.Now()
		return err == nil
	}
	sendSegments := func(segs []worker.Segment) bool {
		for _, s := range segs {
			if s.Seq < next {
				continue
			}
			if !send("segment", strconv.Itoa(s.Seq), s) {
				return false
			}
			next = s.Seq + 1
		}
		return true
	}
	reread := func() bool {
		segs, err := h.store.Segments(ctx, j.ID, next)
		if err != nil {
			if ctx.Err() == nil {
				h.log.Warn("event stream: reading segments failed", "id", j.ID, "err", err)
			}
			return false
		}
		return sendSegments(segs)
	}
	// step sends the status, then the segments, then the end if the job
	// is final; it reports whether the stream goes on.
	step := func(segs []worker.Segment, fromStore bool) bool {
		view := viewOf(j)
		if view.Status != lastStatus {
			lastStatus = view.Status
			if !send("status", "", map[string]string{"status": view.Status}) {
				return false
			}
		}
		if fromStore && !reread() || !fromStore && !sendSegments(segs) {
			return false
		}
		switch j.Status {
		case worker.StatusDone:
			send("done", "", view)
			return false
		case worker.StatusFailed:
			send("failed", "", map[string]string{"id": j.ID, "status": view.Status, "reason": j.Reason})
			return false
		}
		return true
	}
	// What is stored already: j was read before the segments, so a final
	// j has all of them in this read.
	if !step(nil, true) {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			send("timeout", "", map[string]string{"message": "stream time limit reached; reconnect or poll the job"})
			return
		case <-alive.C:
			if time.Since(lastWrite) >= keepAlive {
				if stream.KeepAlive() != nil {
					return
				}
				lastWrite = time.Now()
			}
		case <-sub.wake:
			if sub.ended() {
				return
			}
			latest, segs, lost := sub.take()
			// A poll that read before this stream's own read may deliver
			// after it: an older state never replaces a newer one.
			if latest != nil && !latest.UpdatedAt.Before(j.UpdatedAt) {
				j = *latest
			}
			if !step(segs, lost) {
				return
			}
		}
	}
}

// acquireStream takes one of the doctor's stream slots, or answers 429
// (the doctor's cap) or 503 (the process's) and reports false. release
// gives the slot back.
func (h *Handler) acquireStream(w http.ResponseWriter, doctorID string) (release func(), ok bool) {
	switch err := h.streams.Enter(doctorID); {
	case errors.Is(err, httpedge.ErrKeyBusy):
		w.Header().Set("Retry-After", strconv.Itoa(streamRetryAfter))
		httpedge.WriteError(w, http.StatusTooManyRequests, httpedge.Error{Detail: fmt.Sprintf(
			"%d event streams are open for this doctor, the most allowed (doctor.max_streams_per_doctor); close one or poll the job", h.cfg.MaxStreamsPerDoctor)})
		return nil, false
	case err != nil:
		w.Header().Set("Retry-After", strconv.Itoa(streamRetryAfter))
		httpedge.WriteError(w, http.StatusServiceUnavailable, httpedge.Error{Detail: fmt.Sprintf(
			"this server has %d event streams open, the most allowed (doctor.max_streams); retry or poll the job", h.cfg.MaxStreams)})
		return nil, false
	}
	return func() { h.streams.Leave(doctorID) }, true
}

// streamRetryAfter is the Retry-After, in seconds, of a refused stream.
const streamRetryAfter = 5
