package generate

import (
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/oqim/oqim/models/region"
)

// submit plans an application's lifecycle and, for an issued application
// of a paid service, its payment.
func (g *Generator) submit(t0 time.Time) {
	si := g.rng.IntN(len(g.services))
	p := &proc{fam: PortalApplication, region: g.pickRegion(), idx: si, choice: g.pick(channelWeights)}
	p.id = g.nextID("")
	p.t0 = t0.Add(time.Duration(g.legalDays[si]) * 24 * time.Hour)
	p.steps = g.lifecycle(t0, p.t0, p.stepBuf[:0])
	g.push(p)
	if !g.enabled[PortalPayment] || !g.fees[si].paid() {
		return
	}
	last := p.steps[len(p.steps)-1]
	if last.status != "issued" {
		return
	}
	decided := p.steps[len(p.steps)-2].at
	g.payment(p, decided, last.at)
}

// lifecycle plans an application's steps. About 4% stall after review
// starts, and roughly one in seven is decided after its legal deadline.
func (g *Generator) lifecycle(t0, deadline time.Time, steps []step) []step {
	t := t0
	steps = append(steps, step{status: "submitted", at: t})
	t = t.Add(g.expDur(2*time.Hour, time.Minute))
	steps = append(steps, step{status: "registered", at: t})
	t = t.Add(g.expDur(20*time.Hour, 10*time.Minute))
	steps = append(steps, step{status: "in_review", at: t})
	if g.rng.Float64() < 0.04 {
		return steps
	}
	if g.rng.Float64() < 0.25 {
		t = t.Add(g.expDur(24*time.Hour, time.Hour))
		steps = append(steps, step{status: "interagency_request", at: t})
		if g.rng.Float64() < 0.03 {
			return steps
		}
	}
	legal := deadline.Sub(t0)
	t = t.Add(g.expDur(legal/2, time.Hour))
	steps = append(steps, step{status: "decided", at: t})
	t = t.Add(g.expDur(6*time.Hour, 5*time.Minute))
	if g.rng.Float64() < 0.86 {
		steps = append(steps, step{status: "issued", at: t})
	} else {
		steps = append(steps, step{status: "refused", at: t})
	}
	return steps
}

// payment: the fee is paid after the decision, shortly before the
// document is issued; about 2% are refunded one to three weeks later.
func (g *Generator) payment(app *proc, decided, issued time.Time) {
	f := g.fees[app.idx]
	p := &proc{fam: PortalPayment, region: app.region, idx: app.idx, parent: app.id}
	p.id = g.nextID("pay")
	if f.bcaMultiple > 0 {
		p.amount = f.bcaMultiple * bca
	} else {
		// Priced services: log-uniform between lo and hi, in whole
		// thousands of sums.
		x := math.Exp(math.Log(f.lo) + g.rng.Float64()*(math.Log(f.hi)-math.Log(f.lo)))
		p.amount = math.Round(x/1000) * 1000
	}
	p.choice = g.pick(methodWeights)
	if p.amount >= 5_000_000 && g.rng.Float64() < 0.5 {
		p.choice = len(methods) - 1 // bank_transfer
	}
	gap := issued.Sub(decided)
	paid := issued.Add(-min(time.Duration(float64(gap)*(0.1+0.8*g.rng.Float64())), 3*time.Hour)).Truncate(time.Second)
	if paid.Before(decided) {
		paid = decided
	}
	p.steps = append(p.stepBuf[:0], step{status: "paid", at: paid})
	if g.rng.Float64() < 0.02 {
		p.steps = append(p.steps, step{status: "refunded", at: paid.Add(g.uniformDur(24*time.Hour, 21*24*time.Hour))})
	}
	g.push(p)
}

// call: a 112 call is closed after the crew arrives (response_seconds
// after the call, lognormal around the service's median, longer in remote
// regions) and spends some time on the scene.
func (g *Generator) call(t0 time.Time) {
	r := g.pickRegion()
	s := g.pick(callWeights)
	med := responseMedianS[s] * remoteness[g.regions[r].ID]
	if med == 0 {
		med = responseMedianS[s]
	}
	resp := int(math.Round(med * math.Exp(0.55*g.rng.NormFloat64())))
	resp = max(30, min(resp, 86400))
	p := &proc{fam: EmergencyCall, region: r, choice: s, num: resp}
	p.id = g.nextID("call")
	closed := t0.Add(time.Duration(resp)*time.Second + g.expDur(25*time.Minute, 3*time.Minute))
	p.steps = append(p.stepBuf[:0], step{status: "closed", at: closed})
	g.push(p)
}

// prescription: written at a facility, dispensed at a pharmacy hours
// later; about 13% are never collected.
func (g *Generator) prescription(t0 time.Time) {
	r := g.pickRegion()
	pl := 0
	if places := g.places[r]; g.rng.Float64() >= 0.15 && len(places) > 1 {
		pl = 1 + g.rng.IntN(len(places)-1)
	}
	p := &proc{fam: HealthPrescription, region: r, place: pl, num: 1 + g.pick(innWeights)}
	p.id = g.nextID("rx")
	p.steps = append(p.stepBuf[:0], step{status: "issued", at: t0})
	if g.rng.Float64() < 0.87 {
		d := time.Duration(2.5 * float64(time.Hour) * math.Exp(g.rng.NormFloat64()))
		p.steps = append(p.steps, step{status: "dispensed", at: t0.Add(max(d, 10*time.Minute)).Truncate(time.Second)})
	}
	g.push(p)
}

// appeal: about 78% are resolved within days, 12% within weeks, the rest
// stall; one resolution in twelve is a refusal (resolved: false).
func (g *Generator) appeal(t0 time.Time) {
	r := g.pickRegion()
	p := &proc{fam: MahallaAppeal, region: r, idx: g.rng.IntN(len(g.mahallas[r])), choice: g.pick(categoryWeights)}
	p.id = g.nextID("ma")
	p.steps = append(p.stepBuf[:0], step{status: "submitted", at: t0})
	var d time.Duration
	switch x := g.rng.Float64(); {
	case x < 0.78:
		d = g.expDur(2*24*time.Hour, 2*time.Hour)
	case x < 0.90:
		d = 5*24*time.Hour + g.expDur(12*24*time.Hour, time.Hour)
	}
	if d > 0 {
		p.flag = g.rng.Float64() >= 1.0/12
		p.steps = append(p.steps, step{status: "resolved", at: t0.Add(d)})
	}
	g.push(p)
}

// scheduleCalendar plans, once, the families that follow a calendar
// rather than citizens: the open-data catalogue, the telecom operators'
// daily reports and the decree's project milestones.
func (g *Generator) scheduleCalendar(now time.Time) {
	if g.calendar {
		return
	}
	g.calendar = true
	if g.enabled[OpenDataDataset] {
		g.scheduleOpenData(now)
	}
	if g.enabled[TelecomRollout] {
		g.scheduleTelecom()
	}
	if g.enabled[ProjectMilestone] {
		g.scheduleProjects()
	}
}

// workingTime moves t into working hours (09:00–18:00 Tashkent, Monday
// to Friday) at a random minute.
func (g *Generator) workingTime(t time.Time) time.Time {
	local := t.UTC().Add(5 * time.Hour)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	for weekend(day.Weekday()) {
		day = day.AddDate(0, 0, 1)
	}
	return day.Add(-5*time.Hour + 9*time.Hour + time.Duration(g.rng.IntN(9*60))*time.Minute)
}

// scheduleOpenData publishes each dataset once, at a date between 2021 and
// mid-2025, then updates it on its cadence. About one dataset in six went
// stale two to ten months before now; their freshness KPI shows it.
// History before a year ago is summarised by the publication alone.
func (g *Generator) scheduleOpenData(now time.Time) {
	g.catalogue = catalogueFor(g.services)
	lo := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	hi := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	if h := now.AddDate(0, 0, -45); h.Before(hi) {
		hi = h
	}
	for i, ds := range g.catalogue {
		p := &proc{fam: OpenDataDataset, region: g.regIdx[region.CapitalRegion], idx: i, amount: float64(ds.rows)}
		p.id = g.nextID("od")
		pub := lo
		if hi.After(lo) {
			pub = g.workingTime(lo.Add(g.uniformDur(0, hi.Sub(lo))))
		}
		p.t0 = time.Time{} // no end: updated while the generator runs
		if g.rng.Float64() < 1.0/6 {
			p.t0 = now.Add(-g.uniformDur(60*24*time.Hour, 300*24*time.Hour))
		}
		p.steps = append(p.stepBuf[:0], step{status: "published", at: pub, x: p.amount})
		// Skip to a year before now, then follow the cadence.
		p.flag = pub.Before(now.AddDate(-1, 0, 0))
		g.push(p)
	}
}

// nextUpdate plans a dataset's next update after the step just emitted.
func (g *Generator) nextUpdate(p *proc, last time.Time, now time.Time) {
	ds := g.catalogue[p.idx]
	every := time.Duration(ds.every) * 24 * time.Hour
	t := last.Add(time.Duration(float64(every) * (0.8 + 0.45*g.rng.Float64())))
	if p.flag {
		p.flag = false
		if yearAgo := now.AddDate(-1, 0, 0); t.Before(yearAgo) {
			t = yearAgo.Add(g.uniformDur(0, every))
		}
	}
	if ds.every >= 7 {
		t = g.workingTime(t)
	}
	if !p.t0.IsZero() && t.After(p.t0) {
		return // stale from here on
	}
	// Registers and logs grow; a few datasets are corrected downwards.
	growth := 0.002 + 0.03*g.rng.Float64()*math.Min(1, float64(ds.every)/30)
	if g.rng.Float64() < 0.05 {
		growth = -0.01 * g.rng.Float64()
	}
	p.amount = math.Max(1, math.Round(p.amount*(1+growth)))
	p.steps = append(p.stepBuf[:0], step{status: "updated", at: t.Truncate(time.Second), x: p.amount})
}

// telecomLine is one operator's rollout in one region.
type telecomLine struct {
	region   int
	operator int
	key      string
	// pace is the share of the year's plan the line reaches by 31
	// December, per plan year (2025, 2026): about 1 on track, below 0.9
	// for regions behind plan.
	pace [2]float64
	// cumulative progress in the current plan year
	year     int
	fibre    float64
	stations int
}

// planYears are the years the decree's telecom plans cover.
var planYears = [2]int{2025, 2026}

// scheduleTelecom starts a line per region and operator on the first
// working day of 2025. About a quarter of the regions fall behind plan in
// each year.
func (g *Generator) scheduleTelecom() {
	for ri, r := range g.regions {
		var pace [2]float64
		for y := range pace {
			pace[y] = 0.97 + 0.05*g.rng.Float64()
			if g.rng.Float64() < 0.25 {
				pace[y] = 0.7 + 0.18*g.rng.Float64()
			}
		}
		for oi, op := range operators {
			g.streams = append(g.streams, telecomLine{region: ri, operator: oi, key: r.ID + "/" + op, pace: pace})
			p := &proc{fam: TelecomRollout, region: ri, idx: len(g.streams) - 1}
			p.id = g.nextID("tel")
			g.nextReport(p, time.Date(planYears[0], 1, 1, 0, 0, 0, 0, time.UTC).Add(-5*time.Hour))
			g.push(p)
		}
	}
}

// nextReport plans the line's next daily report after day: progress is
// reported on working days, 17:00–19:00 Tashkent. The year's cumulative
// progress follows the building season (slow in winter) with some noise,
// and reaches pace × plan on the last working day of December. Days with
// nothing new are not reported.
func (g *Generator) nextReport(p *proc, after time.Time) {
	ln := &g.streams[p.idx]
	r := g.regions[ln.region]
	local := after.UTC().Add(5 * time.Hour)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	for {
		day = day.AddDate(0, 0, 1)
		for weekend(day.Weekday()) {
			day = day.AddDate(0, 0, 1)
		}
		yi := slices.Index(planYears[:], day.Year())
		if yi < 0 {
			p.steps = p.steps[:0]
			return
		}
		if ln.year != day.Year() {
			ln.year, ln.fibre, ln.stations = day.Year(), 0, 0
		}
		fibrePlan := float64([2]int{r.FibreKm2025, r.FibreKm2026}[yi]) * fibreShare[ln.operator] * ln.pace[yi]
		stPlan := float64([2]int{r.Stations2025, r.Stations2026}[yi]) * stationsShare[ln.operator] * ln.pace[yi]
		frac := 1.0
		if !lastWorkingDay(day) {
			frac = min(1, seasonFraction(day)*(0.97+0.06*g.rng.Float64()))
		}
		df := math.Round((fibrePlan*frac-ln.fibre)*10) / 10
		ds := int(math.Round(stPlan*frac)) - ln.stations
		df, ds = max(df, 0), max(ds, 0)
		if df == 0 && ds == 0 {
			continue
		}
		ln.fibre += df
		ln.stations += ds
		at := day.Add(-5*time.Hour + 17*time.Hour + time.Duration(g.rng.IntN(120))*time.Minute)
		p.steps = append(p.stepBuf[:0], step{status: "progress", at: at, x: df, n: ds})
		return
	}
}

func lastWorkingDay(day time.Time) bool {
	next := day.AddDate(0, 0, 1)
	for weekend(next.Weekday()) {
		next = next.AddDate(0, 0, 1)
	}
	return next.Year() != day.Year()
}

// monthWeight is the building season: little fibre is laid in winter.
var monthWeight = [12]float64{0.45, 0.55, 0.9, 1.1, 1.2, 1.2, 1.1, 1.1, 1.2, 1.25, 1.05, 0.9}

// seasonFraction is the share of a year's work done by the end of day.
func seasonFraction(day time.Time) float64 {
	done, total := 0.0, 0.0
	for m := time.January; m <= time.December; m++ {
		days := float64(time.Date(day.Year(), m+1, 0, 0, 0, 0, 0, time.UTC).Day())
		w := monthWeight[m-1] * days
		total += w
		switch {
		case m < day.Month():
			done += w
		case m == day.Month():
			done += monthWeight[m-1] * float64(day.Day())
		}
	}
	return done / total
}

// scheduleProjects plans every project's milestones from the decree's
// date. Steps start one after another; a dated step is done before its
// deadline about three times in four, otherwise it is reported late the
// working day after the deadline and often done weeks later. Steps due
// at or before the decree's date are late from the start. Undated steps
// (ongoing, per schedule, on request, quarterly) are only started; their
// deadline field carries the project's last dated deadline (the end of
// 2026 when it has none), and they are never late.
func (g *Generator) scheduleProjects() {
	horizon := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).Add(-5 * time.Hour)
	for pi, pr := range g.ref.Projects {
		ri, ok := g.regIdx[pr.Region]
		if !ok {
			continue
		}
		p := &proc{fam: ProjectMilestone, region: ri, idx: pi, t0: horizon}
		p.id = g.nextID("pm")
		for _, s := range pr.Steps {
			if dl, ok := s.Deadline(); ok {
				p.t0 = dl
			}
		}
		steps := p.stepBuf[:0]
		prev := region.DecreeDate
		for i, s := range pr.Steps {
			start := region.DecreeDate.Add(g.uniformDur(24*time.Hour, 21*24*time.Hour))
			if i > 0 {
				start = prev.Add(g.uniformDur(2*24*time.Hour, 30*24*time.Hour))
			}
			if from, ok := s.Start(); ok && from.After(start) {
				start = from.Add(g.uniformDur(0, 10*24*time.Hour))
			}
			start = g.workingTime(start)
			n := i + 1
			steps = append(steps, step{status: "started", at: start, n: n})
			prev = start
			dl, dated := s.Deadline()
			if !dated {
				continue
			}
			if start.Before(dl.Add(-24*time.Hour)) && g.rng.Float64() < 0.75 {
				done := start.Add(time.Duration(float64(dl.Sub(start)) * (0.3 + 0.68*g.rng.Float64())))
				steps = append(steps, step{status: "done", at: done.Truncate(time.Second), n: n})
				continue
			}
			from := dl
			if start.After(dl) {
				from = start
			}
			late := g.workingTime(from.Add(24 * time.Hour))
			steps = append(steps, step{status: "late", at: late, n: n})
			if g.rng.Float64() < 0.55 {
				steps = append(steps, step{status: "done", at: late.Add(g.expDur(40*24*time.Hour, 3*24*time.Hour)), n: n})
			}
		}
		slices.SortStableFunc(steps, func(a, b step) int { return a.at.Compare(b.at) })
		p.steps = steps
		g.push(p)
	}
}

// next plans a calendar stream's next step once its last one is emitted.
func (g *Generator) next(p *proc) {
	switch p.fam {
	case OpenDataDataset:
		g.nextUpdate(p, p.stepBuf[0].at, g.clock)
	case TelecomRollout:
		g.nextReport(p, p.stepBuf[0].at)
	}
}

// fill sets ev to p's step st.
func (g *Generator) fill(ev *Event, p *proc, st step) {
	*ev = Event{Family: p.fam, Status: st.status, Time: st.at, Region: g.regions[p.region].ID}
	switch p.fam {
	case PortalApplication:
		svc := &g.services[p.idx]
		ev.Source = "single-portal"
		ev.ID = p.id + "." + st.status
		ev.ApplicationID, ev.ServiceID, ev.Agency = p.id, svc.ID, svc.Agency
		ev.Channel, ev.Deadline = channels[p.choice], p.t0
		ev.District = g.districtOf(p.region, p.id)
	case PortalPayment:
		ev.Source = "single-portal"
		ev.ID = p.id + "." + st.status
		ev.PaymentID, ev.ApplicationID, ev.ServiceID = p.id, p.parent, g.services[p.idx].ID
		ev.AmountUZS, ev.Method = p.amount, methods[p.choice]
	case OpenDataDataset:
		ds := &g.catalogue[p.idx]
		ev.Source = "data.egov.uz"
		ev.ID = p.id + "." + strconv.FormatInt(st.at.Unix(), 10)
		ev.Agency, ev.Dataset, ev.Title, ev.Format = ds.agency, ds.id, ds.title, ds.format
		ev.Rows, ev.URL = int64(st.x), ds.url
	case TelecomRollout:
		ln := &g.streams[p.idx]
		ev.Source = "mindigital"
		ev.ID = p.id + "." + strconv.FormatInt(st.at.Unix(), 10)
		ev.key, ev.Operator, ev.FibreKm, ev.BaseStations = ln.key, operators[ln.operator], st.x, st.n
	case ProjectMilestone:
		pr := &g.ref.Projects[p.idx]
		ev.Source = "project-office"
		ev.ID = p.id + "." + strconv.Itoa(st.n) + "." + st.status
		ev.ProjectID, ev.Annex, ev.ItemNo, ev.Step, ev.Executor = pr.ID, pr.Annex, pr.ItemNo, st.n, pr.Executors[0]
		ev.Deadline = p.t0
		if dl, ok := pr.Steps[st.n-1].Deadline(); ok {
			ev.Deadline = dl
		}
	case EmergencyCall:
		ev.Source = "112"
		ev.ID = p.id + ".closed"
		ev.CallID, ev.Service, ev.ResponseSeconds = p.id, callServices[p.choice], p.num
		ev.District = g.districtOf(p.region, p.id)
	case HealthPrescription:
		pl := &g.places[p.region][p.place]
		ev.Source = "e-retsept"
		ev.ID = p.id + "." + st.status
		ev.PrescriptionID, ev.Facility, ev.District, ev.InnCount = p.id, pl.facility, pl.district, p.num
	case MahallaAppeal:
		ev.Source = "digital-mahalla"
		ev.ID = p.id + "." + st.status
		ev.AppealID, ev.Mahalla, ev.Category = p.id, g.mahallas[p.region][p.idx], categories[p.choice]
		ev.District = g.districtOf(p.region, ev.Mahalla) // a mahalla lies in one district
		ev.Resolved = st.status == "resolved" && p.flag
	}
}
