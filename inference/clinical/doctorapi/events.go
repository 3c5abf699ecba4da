package doctorapi

import (
	"encoding/json"
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
// sent events polled from the job store, so the stream works whichever
// process runs the job.
//
//	event: status   data: {"status":"running"}          on every change
//	event: segment  id: <seq>  data: {"seq":..,"start_ms":..,"end_ms":..,"text":..}
//	event: done     data: the job as GET returns it      then the stream ends
//	event: failed   data: {"id":..,"status":"failed","reason":..}
//
// A client reconnecting with Last-Event-ID resumes after that segment.
func (h *Handler) streamTranscription(w http.ResponseWriter, r *http.Request) {
	j, ok := h.ownJob(w, r, "transcription.events")
	if !ok {
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		httpedge.WriteError(w, http.StatusInternalServerError, httpedge.Error{Detail: "streaming is not supported by this server"})
		return
	}
	next := 0
	if last, err := strconv.Atoi(r.Header.Get("Last-Event-ID")); err == nil && last >= 0 {
		next = last + 1
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()

	ctx := r.Context()
	deadline := time.NewTimer(h.cfg.StreamTimeout)
	defer deadline.Stop()
	poll := time.NewTicker(h.cfg.PollInterval)
	defer poll.Stop()
	lastStatus, lastWrite := "", time.Now()
	send := func(event, id string, v any) bool {
		b, err := json.Marshal(v)
		if err != nil {
			return false
		}
		if id != "" {
			fmt.Fprintf(w, "id: %s\n", id)
		}
		_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
		flusher.Flush()
		lastWrite = time.Now()
		return err == nil
	}
	for {
		// Status first, then segments: every segment stored before the
		// status was read is in the second read, so "done" never
		// overtakes a segment.
		view := viewOf(j)
		if view.Status != lastStatus {
			lastStatus = view.Status
			if !send("status", "", map[string]string{"status": view.Status}) {
				return
			}
		}
		segs, err := h.store.Segments(ctx, j.ID, next)
		if err != nil {
			if ctx.Err() == nil {
				h.log.Warn("event stream: reading segments failed", "id", j.ID, "err", err)
			}
			return
		}
		for _, s := range segs {
			if !send("segment", strconv.Itoa(s.Seq), s) {
				return
			}
			next = s.Seq + 1
		}
		switch j.Status {
		case worker.StatusDone:
			send("done", "", view)
			return
		case worker.StatusFailed:
			send("failed", "", map[string]string{"id": j.ID, "status": view.Status, "reason": j.Reason})
			return
		}
		if time.Since(lastWrite) >= keepAlive {
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			flusher.Flush()
			lastWrite = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			send("timeout", "", map[string]string{"message": "stream time limit reached; reconnect or poll the job"})
			return
		case <-poll.C:
		}
		if j, err = h.store.Get(ctx, j.ID); err != nil {
			if ctx.Err() == nil {
				h.log.Warn("event stream: reading the job failed", "id", j.ID, "err", err)
			}
			return
		}
	}
}
