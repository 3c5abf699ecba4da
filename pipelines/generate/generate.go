// Package generate makes realistic agency events for the demo, the tests
// and the benchmarks, for every event family of pipelines/schema: Single
// Portal applications and their payments, open-data publications, telecom
// rollout progress, project milestones of Decree PQ-286, 112 calls,
// e-prescriptions and Digital Mahalla appeals. Activity is spread over the
// regions by population with each family's daily and weekly rhythm;
// lifecycles take hours or days, and some stall or run late. A
// configurable fraction of records can be replaced by realistic faults.
package generate

import (
	"cmp"
	"container/heap"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/oqim/oqim/models/region"
	"github.com/oqim/oqim/pipelines/events"
)

// Family is an event family of pipelines/schema/types.yaml.
type Family uint8

const (
	PortalApplication  Family = iota // portal.application
	PortalPayment                    // portal.payment
	OpenDataDataset                  // opendata.dataset
	TelecomRollout                   // telecom.rollout
	ProjectMilestone                 // project.milestone
	EmergencyCall                    // emergency.call
	HealthPrescription               // health.prescription
	MahallaAppeal                    // mahalla.appeal
	numFamilies
)

var familyNames = [numFamilies]string{
	"portal.application", "portal.payment", "opendata.dataset", "telecom.rollout",
	"project.milestone", "emergency.call", "health.prescription", "mahalla.appeal",
}

// Families lists every family, in types.yaml's order.
var Families = []Family{PortalApplication, PortalPayment, OpenDataDataset, TelecomRollout,
	ProjectMilestone, EmergencyCall, HealthPrescription, MahallaAppeal}

// LiveFamilies are the families a generator continues over history it
// wrote before: the lifecycle families and the payments that follow
// applications. The calendar families (open data, telecom rollout,
// project milestones) are planned whole from their start dates under a
// run's own ids, so a second run would write their history a second time.
var LiveFamilies = []Family{PortalApplication, PortalPayment, EmergencyCall, HealthPrescription, MahallaAppeal}

// String is the family's name in types.yaml, e.g. portal.payment.
func (f Family) String() string {
	if f < numFamilies {
		return familyNames[f]
	}
	return "family(" + strconv.Itoa(int(f)) + ")"
}

// ParseFamily resolves a family name such as "mahalla.appeal".
func ParseFamily(name string) (Family, error) {
	for i, n := range familyNames {
		if n == name {
			return Family(i), nil
		}
	}
	return 0, fmt.Errorf("%q is not an event family; use one of %s", name, strings.Join(familyNames[:], ", "))
}

// DefaultVolume is each lifecycle family's number of new entities per new
// Single Portal application: our rough estimate of the national systems'
// relative daily volumes (on the order of 55,000 portal applications,
// 33,000 calls to 112, 60,000 e-prescriptions and 7,000 Digital Mahalla
// appeals a day), not published statistics. Payments follow issued applications of
// paid services; open data, telecom rollout and project milestones follow
// their own calendars, not this mix.
var DefaultVolume = map[Family]float64{
	PortalApplication:  1,
	EmergencyCall:      0.6,
	HealthPrescription: 1.1,
	MahallaAppeal:      0.13,
}

// Options tune a Generator.
type Options struct {
	// Seed makes the sequence repeatable.
	Seed uint64
	// RunID prefixes every id, so separate runs never collide.
	RunID string
	// Window is how far back Backfill spreads the lifecycle families'
	// entities (applications, calls, prescriptions, appeals). The
	// calendar families reach further back so that their KPIs are whole:
	// telecom progress from 1 January 2025 (the plans' first year),
	// project milestones from the decree's date, open data a year of
	// updates plus each dataset's publication.
	Window time.Duration
	// Families to generate; nil means all. Payments need applications,
	// which are then planned but not emitted when only payments are asked.
	Families []Family
	// Volume overrides DefaultVolume for the families it names.
	Volume map[Family]float64
	// BadFraction of emitted records, between 0 and 1, is replaced by a
	// realistic fault (see Faults); Bad counts them per reason.
	BadFraction float64
	// OversizeBytes is the size of too_large faults; 0 means 80 KiB, above
	// the decoder's default 64 KiB limit.
	OversizeBytes int
}

// Event is one generated record. Which fields are set depends on Family;
// the envelope fields (ID, Source, Status, Time, Region, District) always
// are. The emit callbacks get a pointer that is reused for the next event,
// so copy what you keep.
type Event struct {
	Family Family
	ID     string
	Source string
	// Status is the event name, the type's last part (submitted, paid,
	// progress, ...).
	Status   string
	Time     time.Time
	Region   string
	District string

	// portal.application; ServiceID, ApplicationID also on payments.
	ApplicationID string
	ServiceID     string
	Agency        string // also the publisher of a dataset
	Channel       string
	Deadline      time.Time // also a milestone's deadline

	// portal.payment
	PaymentID string
	AmountUZS float64
	Method    string

	// opendata.dataset
	Dataset string
	Title   string
	Format  string
	Rows    int64
	URL     string

	// telecom.rollout
	Operator     string
	FibreKm      float64
	BaseStations int

	// project.milestone
	ProjectID string
	Annex     string
	ItemNo    int
	Step      int
	Executor  string

	// emergency.call
	CallID          string
	Service         string
	ResponseSeconds int

	// health.prescription
	PrescriptionID string
	Facility       string
	InnCount       int

	// mahalla.appeal
	AppealID string
	Mahalla  string
	Category string
	Resolved bool

	// Fault, when set, makes AppendJSON write a bad record that the
	// decoder rejects with this reason.
	Fault   events.Reason
	key     string
	padding int
}

// Type is the envelope type, e.g. portal.application.submitted.
func (e *Event) Type() string { return e.Family.String() + "." + e.Status }

// Key is the Kafka message key: the id of the entity the event is about
// (application, payment, dataset, region/operator, project, call,
// prescription, appeal), so an entity's events stay in order on one
// partition.
func (e *Event) Key() string {
	switch e.Family {
	case PortalApplication:
		return e.ApplicationID
	case PortalPayment:
		return e.PaymentID
	case OpenDataDataset:
		return e.Dataset
	case ProjectMilestone:
		return e.ProjectID
	case EmergencyCall:
		return e.CallID
	case HealthPrescription:
		return e.PrescriptionID
	case MahallaAppeal:
		return e.AppealID
	}
	return e.key
}

// Generator produces events of the chosen families. It is not safe for
// concurrent use.
type Generator struct {
	opts      Options
	rng       *rand.Rand
	ref       *region.Data
	regions   []region.Region
	regIdx    map[string]int
	cumPop    []float64
	services  []region.Service
	legalDays []int
	fees      []fee
	enabled   [numFamilies]bool
	volume    [numFamilies]float64
	pending   pendingHeap
	seq       uint64
	calendar  bool      // calendar families scheduled
	clock     time.Time // now of the Advance in progress
	ev        Event
	bad       map[events.Reason]int
	places    [][]place     // per region
	mahallas  [][]string    // per region
	catalogue []dataset     // open data
	streams   []telecomLine // telecom
}

// New seeds a generator with the reference regions, services and projects.
func New(ref *region.Data, opts Options) *Generator {
	// A setting of zero or less takes its default.
	opts.Window = cmp.Or(max(opts.Window, 0), 30*24*time.Hour)
	opts.OversizeBytes = cmp.Or(max(opts.OversizeBytes, 0), 80<<10)
	g := &Generator{
		opts:     opts,
		rng:      rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		ref:      ref,
		regions:  ref.Regions,
		regIdx:   map[string]int{},
		services: ref.Services,
		bad:      map[events.Reason]int{},
	}
	fams := opts.Families
	if fams == nil {
		fams = Families
	}
	for _, f := range fams {
		if f < numFamilies {
			g.enabled[f] = true
		}
	}
	for f, v := range DefaultVolume {
		g.volume[f] = v
	}
	for f, v := range opts.Volume {
		if f < numFamilies && v >= 0 {
			g.volume[f] = v
		}
	}
	total := 0.0
	for i, r := range ref.Regions {
		total += float64(r.Population)
		g.cumPop = append(g.cumPop, total)
		g.regIdx[r.ID] = i
	}
	// Legal deadlines and fees differ by service; derive them from the
	// service so a service keeps them across runs.
	for _, s := range ref.Services {
		h := fnv.New32a()
		h.Write([]byte(s.ID))
		g.legalDays = append(g.legalDays, []int{5, 7, 10, 15, 30}[h.Sum32()%5])
		g.fees = append(g.fees, feeFor(s))
	}
	g.places = placesFor(ref.Regions)
	g.mahallas = mahallasFor(ref.Regions)
	return g
}

func (g *Generator) emits(f Family) bool { return g.enabled[f] }

// Bad returns how many bad records of each reason were emitted so far
// (accepted by the emit callback).
func (g *Generator) Bad() map[events.Reason]int {
	out := make(map[events.Reason]int, len(g.bad))
	for r, n := range g.bad {
		out[r] = n
	}
	return out
}

// Backfill starts n applications, and the other lifecycle families in
// proportion (Options.Volume), at times spread over the window before now
// with each family's rhythm, schedules the calendar families' history, and
// emits every step that has already happened by now. Steps still in the
// future wait for Advance.
func (g *Generator) Backfill(now time.Time, n int, emit func(*Event) error) error {
	g.scheduleCalendar(now)
	if g.enabled[PortalApplication] || g.enabled[PortalPayment] {
		for i := 0; i < n; i++ {
			g.submit(g.seasonalTime(now, officeRate))
		}
	}
	for _, f := range []Family{EmergencyCall, HealthPrescription, MahallaAppeal} {
		if !g.enabled[f] {
			continue
		}
		m := int(math.Round(float64(n) * g.volume[f]))
		for i := 0; i < m; i++ {
			g.start(f, g.seasonalTime(now, rateOf(f)))
		}
	}
	return g.Advance(now, emit)
}

// Submit starts n new applications at now.
func (g *Generator) Submit(now time.Time, n int) {
	if !g.enabled[PortalApplication] && !g.enabled[PortalPayment] {
		return
	}
	for i := 0; i < n; i++ {
		g.submit(now)
	}
}

// Start starts n new entities of a lifecycle family (applications, calls,
// prescriptions or appeals) at now; other families ignore it.
func (g *Generator) Start(f Family, now time.Time, n int) {
	if f == PortalApplication {
		g.Submit(now, n)
		return
	}
	if !g.enabled[f] {
		return
	}
	for i := 0; i < n; i++ {
		g.start(f, now)
	}
}

func (g *Generator) start(f Family, t time.Time) {
	switch f {
	case EmergencyCall:
		g.call(t)
	case HealthPrescription:
		g.prescription(t)
	case MahallaAppeal:
		g.appeal(t)
	}
}

// Advance emits, in time order, every pending step due by now.
func (g *Generator) Advance(now time.Time, emit func(*Event) error) error {
	g.scheduleCalendar(now)
	g.clock = now
	for len(g.pending) > 0 && !g.pending[0].steps[0].at.After(now) {
		p := g.pending[0]
		st := p.steps[0]
		if g.emits(p.fam) {
			ev := &g.ev
			g.fill(ev, p, st)
			if g.opts.BadFraction > 0 && g.rng.Float64() < g.opts.BadFraction {
				g.spoil(ev, now)
			}
			if err := emit(ev); err != nil {
				return err
			}
			if ev.Fault != "" {
				g.bad[ev.Fault]++
			}
		}
		p.steps = p.steps[1:]
		if len(p.steps) == 0 {
			g.next(p)
		}
		if len(p.steps) == 0 {
			heap.Pop(&g.pending)
		} else {
			heap.Fix(&g.pending, 0)
		}
	}
	return nil
}

// Pending is the number of entities with steps still to come.
func (g *Generator) Pending() int { return len(g.pending) }

func (g *Generator) push(p *proc) {
	if len(p.steps) > 0 {
		heap.Push(&g.pending, p)
	}
}

// nextID numbers an entity: <RunID>-<tag><seq>, unique in a run and the
// same for the same seed and calls.
func (g *Generator) nextID(tag string) string {
	g.seq++
	return g.opts.RunID + "-" + tag + strconv.FormatUint(g.seq, 10)
}

// Rate is the relative activity of Single Portal applications at t (1 =
// the weekly mean), for callers that pace live generation.
func Rate(t time.Time) float64 { return officeRate.at(t) }

// FamilyRate is the relative activity of a lifecycle family at t (1 = its
// weekly mean).
func FamilyRate(f Family, t time.Time) float64 { return rateOf(f).at(t) }

// rhythm is a family's activity over the week, normalised to a weekly
// mean of 1.
type rhythm struct {
	raw  func(t time.Time) float64
	mean float64
	max  float64
}

func newRhythm(raw func(time.Time) float64) *rhythm {
	r := &rhythm{raw: raw}
	sum, n := 0.0, 0
	base := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	for m := 0; m < 7*24*60; m += 10 {
		x := raw(base.Add(time.Duration(m) * time.Minute))
		sum += x
		r.max = max(r.max, x)
		n++
	}
	r.mean = sum / float64(n)
	r.max = r.max / r.mean * 1.05
	return r
}

func (r *rhythm) at(t time.Time) float64 { return r.raw(t) / r.mean }

func localHour(t time.Time) (float64, time.Weekday) {
	local := t.UTC().Add(5 * time.Hour) // Asia/Tashkent, no DST
	return float64(local.Hour()) + float64(local.Minute())/60, local.Weekday()
}

func weekend(wd time.Weekday) bool { return wd == time.Saturday || wd == time.Sunday }

// officeRate models when citizens apply on the portal and to their
// mahalla: office hours, Tashkent time, with two daytime peaks (late
// morning, mid afternoon) over a night floor, and less at weekends.
var officeRate = newRhythm(func(t time.Time) float64 {
	h, wd := localHour(t)
	r := 0.15 + 1.1*math.Exp(-sq((h-11)/2.2)) + 0.9*math.Exp(-sq((h-15.5)/2.0))
	if weekend(wd) {
		r *= 0.45
	}
	return r
})

// callRate: calls to 112 bottom out before dawn and peak in the evening,
// a little higher at weekends.
var callRate = newRhythm(func(t time.Time) float64 {
	h, wd := localHour(t)
	r := 0.12 + 0.55*math.Exp(-sq((h-11)/3.0)) + 1.0*math.Exp(-sq((h-20)/3.2)) + 0.5*math.Exp(-sq((h+4)/3.2))
	if weekend(wd) {
		r *= 1.1
	}
	return r
})

// clinicRate: prescriptions are written in clinic hours, half as many on
// Saturday and few on Sunday.
var clinicRate = newRhythm(func(t time.Time) float64 {
	h, wd := localHour(t)
	r := 0.03 + 1.2*math.Exp(-sq((h-10.5)/2.0)) + 0.7*math.Exp(-sq((h-15)/1.8))
	switch wd {
	case time.Saturday:
		r *= 0.5
	case time.Sunday:
		r *= 0.12
	}
	return r
})

func rateOf(f Family) *rhythm {
	switch f {
	case EmergencyCall:
		return callRate
	case HealthPrescription:
		return clinicRate
	}
	return officeRate
}

func sq(x float64) float64 { return x * x }

// seasonalTime draws a time in the window by rejection sampling against
// the rhythm, so the backfilled history has the same shape as live data.
func (g *Generator) seasonalTime(now time.Time, r *rhythm) time.Time {
	for {
		t := now.Add(-time.Duration(g.rng.Int64N(int64(g.opts.Window))))
		if g.rng.Float64()*r.max < r.at(t) {
			return t.Truncate(time.Second)
		}
	}
}

func (g *Generator) expDur(mean, min time.Duration) time.Duration {
	d := time.Duration(g.rng.ExpFloat64() * float64(mean))
	if d < min {
		d = min
	}
	return d.Truncate(time.Second)
}

func (g *Generator) uniformDur(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return (lo + time.Duration(g.rng.Int64N(int64(hi-lo)))).Truncate(time.Second)
}

func (g *Generator) pickRegion() int {
	x := g.rng.Float64() * g.cumPop[len(g.cumPop)-1]
	for i, c := range g.cumPop {
		if x < c {
			return i
		}
	}
	return len(g.regions) - 1
}

// pick draws an index with the given relative weights.
func (g *Generator) pick(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := g.rng.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// step is one planned event of an entity.
type step struct {
	status string
	at     time.Time
	n      int     // project step number; base stations added
	x      float64 // fibre km added; rows of a dataset
}

// proc is an entity with events still to come: a lifecycle with planned
// steps, or a calendar stream that plans its next step when the last is
// emitted.
type proc struct {
	steps   []step
	stepBuf [6]step
	fam     Family
	region  int
	place   int // district/facility index, or -1
	idx     int // service, dataset, telecom line, project, mahalla
	choice  int // channel, method, call service, category
	num     int // inn count, response seconds
	flag    bool
	amount  float64
	id      string
	parent  string
	t0      time.Time
}

type pendingHeap []*proc

func (h pendingHeap) Len() int           { return len(h) }
func (h pendingHeap) Less(i, j int) bool { return h[i].steps[0].at.Before(h[j].steps[0].at) }
func (h pendingHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *pendingHeap) Push(x any)        { *h = append(*h, x.(*proc)) }
func (h *pendingHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return x
}
