package generate

import (
	"context"
	"errors"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/kafka"
)

// RunOptions pace a generator run.
type RunOptions struct {
	// Backfill applications, and the other lifecycle families in
	// proportion, are spread over the generator's window first (see
	// Generator.Backfill).
	Backfill int
	// Rate is new applications per second at the weekly mean; the other
	// lifecycle families start in proportion (Options.Volume), each with
	// its own daily rhythm. 0 stops after the backfill (and its due steps).
	Rate float64
	// Limit stops the run after this many events; 0 means no limit.
	Limit int
	// Tick is how often live steps are produced.
	Tick time.Duration
	// Progress, if set, is called after each write with the total so far.
	Progress func(sent int)
	Now      func() time.Time
}

// Run produces events to w until ctx ends, the limit is reached, or (with
// Rate 0) the backfill is sent. Each event carries its entity's id as the
// key (Event.Key), so an entity's events stay in order on one partition.
// It returns how many events were acknowledged; Generator.Bad counts the
// bad records among them.
func Run(ctx context.Context, g *Generator, w kafka.Writer, o RunOptions) (int, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Tick <= 0 {
		o.Tick = time.Second
	}
	const chunk = 5000
	var (
		msgs []kafkago.Message
		buf  []byte
		keys []byte // never reused: writers may keep keys they did not copy
		sent int
	)
	flush := func() error {
		if len(msgs) == 0 {
			return nil
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			return err
		}
		sent += len(msgs)
		msgs, buf = msgs[:0], buf[:0]
		if o.Progress != nil {
			o.Progress(sent)
		}
		return nil
	}
	// Messages point into buf until flushed; it is sized for a whole chunk
	// up front so appends never move earlier messages' bytes.
	errLimit := errors.New("limit reached")
	emit := func(e *Event) error {
		if o.Limit > 0 && sent+len(msgs) >= o.Limit {
			return errLimit
		}
		if need := 2048 + e.padding; cap(buf)-len(buf) < need {
			buf = make([]byte, 0, max(chunk*512, 2*need))
		}
		k := e.Key()
		if cap(keys)-len(keys) < len(k) {
			keys = make([]byte, 0, max(chunk*24, len(k)))
		}
		keys = append(keys, k...)
		start := len(buf)
		buf = e.AppendJSON(buf)
		msgs = append(msgs, kafkago.Message{Key: keys[len(keys)-len(k) : len(keys) : len(keys)], Value: buf[start:len(buf):len(buf)]})
		if len(msgs) >= chunk {
			return flush()
		}
		return nil
	}
	done := func(err error) (int, error) {
		if err == errLimit {
			err = nil
		}
		if err == nil {
			err = flush()
		}
		return sent, err
	}

	if err := g.Backfill(o.Now(), o.Backfill, emit); err != nil {
		return done(err)
	}
	if err := flush(); err != nil {
		return sent, err
	}
	if o.Rate <= 0 {
		return sent, nil
	}
	t := time.NewTicker(o.Tick)
	defer t.Stop()
	var carry [numFamilies]float64
	for {
		select {
		case <-ctx.Done():
			return sent, nil
		case <-t.C:
		}
		now := o.Now()
		for _, f := range []Family{PortalApplication, EmergencyCall, HealthPrescription, MahallaAppeal} {
			carry[f] += o.Rate * g.volume[f] * FamilyRate(f, now) * o.Tick.Seconds()
			n := int(carry[f])
			carry[f] -= float64(n)
			g.Start(f, now, n)
		}
		if err := g.Advance(now, emit); err != nil {
			return done(err)
		}
		if err := flush(); err != nil {
			return sent, err
		}
	}
}
