// Package generate makes realistic agency events for the demo, the tests
// and the benchmarks: Single Portal applications spread over the regions by
// population, with daily and weekly seasonality, lifecycles that take days,
// and some that stall or run late.
package generate

import (
	"container/heap"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/events"
)

// Options tune a Generator.
type Options struct {
	// Seed makes the sequence repeatable.
	Seed uint64
	// RunID prefixes every id, so separate runs never collide.
	RunID string
	// Window is how far back Backfill spreads submissions.
	Window time.Duration
}

// Event is one application lifecycle event.
type Event struct {
	ID            string
	Source        string
	Status        string
	Time          time.Time
	Region        string
	ApplicationID string
	ServiceID     string
	Agency        string
	Channel       string
	Deadline      time.Time
}

// Type is the envelope type, e.g. portal.application.submitted.
func (e *Event) Type() string { return events.ApplicationTypePrefix + e.Status }

// AppendJSON appends the event's envelope as one JSON object.
func (e *Event) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendQuote(b, e.ID)
	b = append(b, `,"source":`...)
	b = strconv.AppendQuote(b, e.Source)
	b = append(b, `,"type":"`...)
	b = append(b, events.ApplicationTypePrefix...)
	b = append(b, e.Status...)
	b = append(b, `","time":"`...)
	b = e.Time.UTC().AppendFormat(b, time.RFC3339)
	b = append(b, `","region":"`...)
	b = append(b, e.Region...)
	b = append(b, `","data":{"application_id":`...)
	b = strconv.AppendQuote(b, e.ApplicationID)
	b = append(b, `,"service_id":`...)
	b = strconv.AppendQuote(b, e.ServiceID)
	b = append(b, `,"agency":`...)
	b = strconv.AppendQuote(b, e.Agency)
	b = append(b, `,"channel":"`...)
	b = append(b, e.Channel...)
	b = append(b, `","deadline":"`...)
	b = e.Deadline.UTC().AppendFormat(b, time.RFC3339)
	return append(b, `"}}`...)
}

// Generator produces application lifecycles. It is not safe for
// concurrent use.
type Generator struct {
	opts      Options
	rng       *rand.Rand
	regions   []region.Region
	cumPop    []float64
	services  []region.Service
	legalDays []int
	pending   pendingHeap
	seq       uint64
}

// New seeds a generator with the reference regions and services.
func New(ref *region.Data, opts Options) *Generator {
	if opts.Window <= 0 {
		opts.Window = 30 * 24 * time.Hour
	}
	g := &Generator{
		opts:     opts,
		rng:      rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		regions:  ref.Regions,
		services: ref.Services,
	}
	total := 0.0
	for _, r := range ref.Regions {
		total += float64(r.Population)
		g.cumPop = append(g.cumPop, total)
	}
	// Legal deadlines differ by service; derive a stable one from the id so
	// a service keeps its deadline across runs.
	for _, s := range ref.Services {
		h := fnv.New32a()
		h.Write([]byte(s.ID))
		g.legalDays = append(g.legalDays, []int{5, 7, 10, 15, 30}[h.Sum32()%5])
	}
	return g
}

// Backfill submits n applications at times spread over the window before
// now, and emits every step that has already happened by now. Steps still
// in the future wait for Advance.
func (g *Generator) Backfill(now time.Time, n int, emit func(*Event) error) error {
	for i := 0; i < n; i++ {
		t := g.seasonalTime(now)
		g.submit(t)
	}
	return g.Advance(now, emit)
}

// Submit starts n new applications at now.
func (g *Generator) Submit(now time.Time, n int) {
	for i := 0; i < n; i++ {
		g.submit(now)
	}
}

// Advance emits, in time order, every pending step due by now.
func (g *Generator) Advance(now time.Time, emit func(*Event) error) error {
	for len(g.pending) > 0 && !g.pending[0].steps[0].at.After(now) {
		app := g.pending[0]
		st := app.steps[0]
		ev := &app.ev
		ev.Status, ev.Time = st.status, st.at
		ev.ID = ev.ApplicationID + "." + st.status
		if err := emit(ev); err != nil {
			return err
		}
		app.steps = app.steps[1:]
		if len(app.steps) == 0 {
			heap.Pop(&g.pending)
		} else {
			heap.Fix(&g.pending, 0)
		}
	}
	return nil
}

// Pending is the number of applications with steps still to come.
func (g *Generator) Pending() int { return len(g.pending) }

// Rate is the relative activity at t (1 = the weekly mean), for callers
// that pace live generation.
func Rate(t time.Time) float64 { return rawRate(t) / meanRate }

// rawRate models when citizens apply: in office hours, Tashkent time, with
// two daytime peaks (late morning, mid afternoon) over a night floor, and
// less at weekends.
func rawRate(t time.Time) float64 {
	local := t.UTC().Add(5 * time.Hour) // Asia/Tashkent, no DST
	h := float64(local.Hour()) + float64(local.Minute())/60
	r := 0.15 + 1.1*math.Exp(-sq((h-11)/2.2)) + 0.9*math.Exp(-sq((h-15.5)/2.0))
	if wd := local.Weekday(); wd == time.Saturday || wd == time.Sunday {
		r *= 0.45
	}
	return r
}

// meanRate is rawRate's mean over a week, sampled every 10 minutes.
var meanRate = func() float64 {
	sum, n := 0.0, 0
	base := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	for m := 0; m < 7*24*60; m += 10 {
		sum += rawRate(base.Add(time.Duration(m) * time.Minute))
		n++
	}
	return sum / float64(n)
}()

func sq(x float64) float64 { return x * x }

// seasonalTime draws a submission time in the window by rejection sampling
// against Rate, so the backfilled history has the same shape as live data.
func (g *Generator) seasonalTime(now time.Time) time.Time {
	const maxRate = 3.5 // above Rate's peak
	for {
		t := now.Add(-time.Duration(g.rng.Int64N(int64(g.opts.Window))))
		if g.rng.Float64()*maxRate < Rate(t) {
			return t.Truncate(time.Second)
		}
	}
}

func (g *Generator) submit(t0 time.Time) {
	g.seq++
	si := g.rng.IntN(len(g.services))
	svc := g.services[si]
	app := &application{ev: Event{
		Source:        "single-portal",
		Region:        g.pickRegion(),
		ApplicationID: g.opts.RunID + "-" + strconv.FormatUint(g.seq, 10),
		ServiceID:     svc.ID,
		Agency:        svc.Agency,
		Channel:       g.pickChannel(),
		Deadline:      t0.Add(time.Duration(g.legalDays[si]) * 24 * time.Hour),
	}}
	app.steps = g.lifecycle(t0, app.ev.Deadline, app.stepBuf[:0])
	heap.Push(&g.pending, app)
}

// lifecycle plans an application's steps. About 4% stall after review
// starts, and roughly one in eight is decided after its legal deadline.
func (g *Generator) lifecycle(t0, deadline time.Time, steps []step) []step {
	t := t0
	steps = append(steps, step{"submitted", t})
	t = t.Add(g.expDur(2*time.Hour, time.Minute))
	steps = append(steps, step{"registered", t})
	t = t.Add(g.expDur(20*time.Hour, 10*time.Minute))
	steps = append(steps, step{"in_review", t})
	if g.rng.Float64() < 0.04 {
		return steps
	}
	if g.rng.Float64() < 0.25 {
		t = t.Add(g.expDur(24*time.Hour, time.Hour))
		steps = append(steps, step{"interagency_request", t})
		if g.rng.Float64() < 0.03 {
			return steps
		}
	}
	legal := deadline.Sub(t0)
	t = t.Add(g.expDur(legal/4, time.Hour))
	steps = append(steps, step{"decided", t})
	t = t.Add(g.expDur(6*time.Hour, 5*time.Minute))
	if g.rng.Float64() < 0.86 {
		steps = append(steps, step{"issued", t})
	} else {
		steps = append(steps, step{"refused", t})
	}
	return steps
}

func (g *Generator) expDur(mean, min time.Duration) time.Duration {
	d := time.Duration(g.rng.ExpFloat64() * float64(mean))
	if d < min {
		d = min
	}
	return d.Truncate(time.Second)
}

func (g *Generator) pickRegion() string {
	x := g.rng.Float64() * g.cumPop[len(g.cumPop)-1]
	for i, c := range g.cumPop {
		if x < c {
			return g.regions[i].ID
		}
	}
	return g.regions[len(g.regions)-1].ID
}

// pickChannel follows the portal's mix: most applications come from the
// web and the mobile app, the rest through mahalla offices.
func (g *Generator) pickChannel() string {
	switch x := g.rng.Float64(); {
	case x < 0.44:
		return "web"
	case x < 0.86:
		return "mobile"
	default:
		return "mahalla"
	}
}

type step struct {
	status string
	at     time.Time
}

type application struct {
	ev      Event
	steps   []step
	stepBuf [6]step
}

type pendingHeap []*application

func (h pendingHeap) Len() int           { return len(h) }
func (h pendingHeap) Less(i, j int) bool { return h[i].steps[0].at.Before(h[j].steps[0].at) }
func (h pendingHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *pendingHeap) Push(x any)        { *h = append(*h, x.(*application)) }
func (h *pendingHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return x
}
