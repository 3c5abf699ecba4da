package generate

import (
	"bytes"
	"context"
	"math"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/decode"
	"github.com/oqim/oqim/pipelines/events"
	"github.com/oqim/oqim/pipelines/schema"
)

var now = time.Date(2025, 11, 5, 9, 0, 0, 0, time.UTC)

func load(t testing.TB) *region.Data {
	d, err := region.Load()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestBackfillIsValidAndRealistic(t *testing.T) {
	ref := load(t)
	g := New(ref, Options{Seed: 1, RunID: "t"})
	dec := newDecoder(t, ref)
	perRegion := map[string]int{}
	seen := map[string]bool{}
	lastStatus := map[string]int{}
	var buf []byte
	const apps = 20000
	err := g.Backfill(now, apps, func(e *Event) error {
		if e.Time.After(now) {
			t.Fatalf("event %s at %v is after now", e.ID, e.Time)
		}
		if seen[e.ID] {
			t.Fatalf("duplicate id %s", e.ID)
		}
		seen[e.ID] = true
		// Steps of one application come in lifecycle order.
		idx := statusIndex(e.Status)
		if prev, ok := lastStatus[e.ApplicationID]; ok && idx <= prev {
			t.Fatalf("%s: %s after step %d", e.ApplicationID, e.Status, prev)
		}
		lastStatus[e.ApplicationID] = idx
		buf = e.AppendJSON(buf[:0])
		if err := dec.Decode(buf); err != nil {
			t.Fatalf("generated event does not validate: %v\n%s", err, buf)
		}
		if e.Status == "submitted" {
			perRegion[e.Region]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(perRegion) != 14 {
		t.Fatalf("applications in %d regions, want 14", len(perRegion))
	}
	// Share of applications follows population within sampling noise.
	total := 0
	for _, r := range ref.Regions {
		total += r.Population
	}
	for _, r := range ref.Regions {
		want := float64(apps) * float64(r.Population) / float64(total)
		if got := float64(perRegion[r.ID]); math.Abs(got-want) > 5*math.Sqrt(want) {
			t.Errorf("%s: %v applications, want about %.0f", r.ID, got, want)
		}
	}
	// Applications submitted near now are still in progress.
	if g.Pending() == 0 {
		t.Error("no application is still in progress")
	}
	stalled := 0
	for _, idx := range lastStatus {
		if idx < statusIndex("decided") {
			stalled++
		}
	}
	if stalled == 0 {
		t.Error("no application is unfinished")
	}
}

func TestRateFollowsOfficeHours(t *testing.T) {
	// 11:00 Tashkent on a Wednesday is busy; 03:00 is quiet; Saturday
	// late morning is quieter than the weekday.
	wedNoon := time.Date(2025, 11, 5, 6, 0, 0, 0, time.UTC)
	wedNight := time.Date(2025, 11, 4, 22, 0, 0, 0, time.UTC)
	satNoon := time.Date(2025, 11, 8, 6, 0, 0, 0, time.UTC)
	if !(Rate(wedNoon) > 4*Rate(wedNight)) || !(Rate(wedNoon) > 1.5*Rate(satNoon)) {
		t.Fatalf("rates: weekday noon %.2f, night %.2f, Saturday noon %.2f", Rate(wedNoon), Rate(wedNight), Rate(satNoon))
	}
	sum := 0.0
	for m := 0; m < 7*24*60; m += 10 {
		sum += Rate(wedNoon.Add(time.Duration(m) * time.Minute))
	}
	if mean := sum / (7 * 24 * 6); math.Abs(mean-1) > 0.01 {
		t.Fatalf("weekly mean rate %.3f, want 1", mean)
	}
}

func TestSameSeedSameEvents(t *testing.T) {
	ref := load(t)
	collect := func() []string {
		var ids []string
		g := New(ref, Options{Seed: 7, RunID: "r"})
		_ = g.Backfill(now, 200, func(e *Event) error {
			ids = append(ids, e.ID+e.Region+e.Time.String())
			return nil
		})
		return ids
	}
	a, b := collect(), collect()
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("lengths %d and %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("event %d differs: %s vs %s", i, a[i], b[i])
		}
	}
}

type countingWriter struct{ msgs []kafkago.Message }

func (w *countingWriter) WriteMessages(_ context.Context, msgs ...kafkago.Message) error {
	for _, m := range msgs {
		m.Value = append([]byte(nil), m.Value...)
		w.msgs = append(w.msgs, m)
	}
	return nil
}

func TestRunHonoursLimitAndKeys(t *testing.T) {
	g := New(load(t), Options{Seed: 3, RunID: "k"})
	w := &countingWriter{}
	n, err := Run(context.Background(), g, w, RunOptions{Backfill: 5000, Limit: 12345, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if n != 12345 || len(w.msgs) != 12345 {
		t.Fatalf("sent %d, writer got %d, want 12345", n, len(w.msgs))
	}
	dec := newDecoder(t, load(t))
	for i, m := range w.msgs {
		if err := dec.Decode(m.Value); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !bytes.Contains(m.Value, []byte(`"application_id":"`+string(m.Key)+`"`)) {
			t.Fatalf("message %d keyed %q: %s", i, m.Key, m.Value)
		}
	}
}

func newDecoder(t testing.TB, ref *region.Data) *decode.Decoder {
	t.Helper()
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	d, err := decode.New(decode.Options{Registry: reg, Regions: ref.RegionIDs(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func statusIndex(s string) int {
	for i, st := range events.ApplicationStatuses {
		if st == s {
			return i
		}
	}
	return -1
}
