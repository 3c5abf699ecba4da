package kpi

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Project and step statuses.
const (
	StatusDone   = "done"
	StatusLate   = "late"
	StatusOnTime = "on_time"
)

// stepFacts is what the milestone rollup knows about one project step:
// when it was first reported done and late, and its reported deadline,
// as Unix seconds (0: never). Kept small: a request builds one per step.
type stepFacts struct {
	done, late, deadline int64
}

// projectState is a project's status as of a moment.
type projectState struct {
	region, annex, id, section, executor, title string
	itemNo                                      int64
	status                                      string
	steps, done, late                           int64
	next                                        time.Time // earliest deadline of a step not done, not yet passed
	// up0 and up1 delimit the project's upcoming steps in
	// projectScratch.ups.
	up0, up1 int
}

type upcomingStep struct {
	step     int64
	deadline time.Time
	status   string
}

// projectIndex is the decree's projects prepared once per store: parsing
// the step deadlines on every request cost more than the query itself.
type projectIndex struct {
	// deadlines is indexed like ref.Projects and their Steps.
	deadlines [][]stepDeadline
	// first is where each project's steps start in a flat step list.
	first []int
	byID  map[string]int // project id → index in ref.Projects
	steps int
}

// stepDeadline is a decree step's deadline.
type stepDeadline struct {
	at    time.Time
	ok    bool // Step.Deadline's ok
	dated bool // Step.Dated
}

func (s *Store) projectIndex() *projectIndex {
	s.projectsOnce.Do(func() {
		ps := s.ref.Projects
		x := &projectIndex{deadlines: make([][]stepDeadline, len(ps)), first: make([]int, len(ps)), byID: make(map[string]int, len(ps))}
		for i := range ps {
			x.byID[ps[i].ID] = i
			x.first[i] = x.steps
			x.steps += len(ps[i].Steps)
			x.deadlines[i] = make([]stepDeadline, len(ps[i].Steps))
			for j, st := range ps[i].Steps {
				at, ok := st.Deadline()
				x.deadlines[i][j] = stepDeadline{at: at, ok: ok, dated: st.Dated()}
			}
		}
		s.projects = x
	})
	return s.projects
}

// projectScratch is one request's working memory, recycled through
// Store.scratch: the step facts, states and upcoming steps were most of
// the garbage a projects request made.
type projectScratch struct {
	facts  []stepFacts // per step, flat (projectIndex.first)
	states []projectState
	ups    []upcomingStep
}

func (s *Store) release(sc *projectScratch) { s.scratch.Put(sc) }

// projectStates merges the decree's projects (with their step deadlines)
// with the milestones reported for them, as of f.Period.To, in the
// reference order, restricted to the scope and filters. The caller
// releases the scratch when done with it.
func (s *Store) projectStates(ctx context.Context, f *Filter) (*projectScratch, error) {
	ref, err := s.Reference()
	if err != nil {
		return nil, err
	}
	x := s.projectIndex()
	q := &sqlb{}
	q.add("SELECT project_id, step, minIfMerge(done), minIfMerge(late), maxMerge(deadline) FROM ").
		table(s.db, "kpi_project_steps").where(f, false)
	if f.Annex != "" {
		q.add(" AND annex = ?", f.Annex)
	}
	q.add(" GROUP BY region, annex, project_id, step")
	rows, err := s.conn.Query(ctx, q.String(), q.args...)
	if err != nil {
		return nil, err
	}
	sc, _ := s.scratch.Get().(*projectScratch)
	if sc == nil {
		sc = &projectScratch{}
	}
	sc.facts = slices.Grow(sc.facts[:0], x.steps)[:x.steps]
	clear(sc.facts)
	var (
		id                string
		step              int64
		done, late, dline time.Time
	)
	for rows.Next() {
		if err := rows.Scan(&id, &step, &done, &late, &dline); err != nil {
			rows.Close()
			s.release(sc)
			return nil, err
		}
		// Milestones of projects or steps the decree does not list have
		// no row to show.
		if i, ok := x.byID[id]; ok && step >= 1 && int(step) <= len(x.deadlines[i]) {
			sc.facts[x.first[i]+int(step)-1] = stepFacts{done: done.Unix(), late: late.Unix(), deadline: dline.Unix()}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		s.release(sc)
		return nil, err
	}
	asOf := f.Period.To
	horizon := asOf.Add(time.Duration(f.HorizonDays) * 24 * time.Hour)
	sc.states, sc.ups = sc.states[:0], sc.ups[:0]
	for i := range ref.Projects {
		p := &ref.Projects[i]
		if !f.Scope.Allows(p.Region) || (f.Region != "" && p.Region != f.Region) || (f.Annex != "" && p.Annex != f.Annex) {
			continue
		}
		exec := ""
		if len(p.Executors) > 0 {
			exec = p.Executors[0]
		}
		if f.Executor != "" && exec != f.Executor {
			continue
		}
		st := projectState{region: p.Region, annex: p.Annex, id: p.ID, section: p.Section, executor: exec, title: p.TitleEn, itemNo: int64(p.ItemNo),
			up0: len(sc.ups)}
		facts := sc.facts[x.first[i] : x.first[i]+len(p.Steps)]
		doneDated, dated := int64(0), 0
		for j, sd := range x.deadlines[i] {
			sf := facts[j]
			dl, isDated := sd.at, sd.ok
			if sf.deadline > 0 && isDated {
				dl = time.Unix(sf.deadline, 0).UTC()
			}
			st.steps++
			done := reached(sf.done, asOf)
			switch {
			case done:
				st.done++
			case reached(sf.late, asOf) || (isDated && !dl.After(asOf)):
				st.late++
			}
			if sd.dated {
				dated++
				if done {
					doneDated++
				}
			}
			if !done && isDated {
				if dl.After(asOf) && (st.next.IsZero() || dl.Before(st.next)) {
					st.next = dl
				}
				if dl.After(asOf) && !dl.After(horizon) {
					status := StatusOnTime
					if reached(sf.late, asOf) {
						status = StatusLate
					}
					sc.ups = append(sc.ups, upcomingStep{step: int64(j + 1), deadline: dl, status: status})
				}
			}
		}
		st.up1 = len(sc.ups)
		switch {
		case st.late > 0:
			st.status = StatusLate
		case doneDated > 0 && doneDated == int64(dated):
			st.status = StatusDone
		default:
			st.status = StatusOnTime
		}
		sc.states = append(sc.states, st)
	}
	return sc, nil
}

// reached reports whether a merged timestamp (Unix seconds) is set and
// before asOf.
func reached(t int64, asOf time.Time) bool { return t > 0 && time.Unix(t, 0).Before(asOf) }

// Projects: every decree project with its status.
var Projects = &Table{
	Name:  "projects",
	Title: "Decree PQ-286 projects and their status",
	Doc: "The 179 regional (Annex 1), 41 sector (Annex 2) and 24 roadmap (Annex 3) items as of `to`: late when a step is reported late or its deadline has passed undone, " +
		"done when every dated step is done, else on time. Sector and roadmap items are attributed to Tashkent city (UZ-TK).",
	Columns: cols(
		Column{"project_id", String, "regional-<region>-<item>, sector-<item> or roadmap-<item>"},
		Column{"annex", String, "regional, sector or roadmap"},
		colRegion,
		Column{"item_no", Int, "item number in its annex"},
		Column{"section", String, "heading the item is printed under"},
		Column{"executor", String, "lead executor"},
		Column{"title_en", String, "title"},
		Column{"status", String, "on_time, late or done"},
		Column{"steps", Int, "steps (deadlines) of the item"},
		Column{"steps_done", Int, "steps done"},
		Column{"steps_late", Int, "steps late and not done"},
		Column{"next_deadline", Date, "the earliest deadline still ahead among steps not done"},
	),
	Uses: []string{"annex", "executor"},
	run: func(ctx context.Context, s *Store, f *Filter, r *Row, emit func(*Row) error) error {
		sc, err := s.projectStates(ctx, f)
		if err != nil {
			return err
		}
		defer s.release(sc)
		for i := range sc.states {
			p := &sc.states[i]
			r.setStr(0, p.id)
			r.setStr(1, p.annex)
			r.setStr(2, p.region)
			r.setInt(3, p.itemNo)
			r.setStr(4, p.section)
			r.setStr(5, p.executor)
			r.setStr(6, p.title)
			r.setStr(7, p.status)
			r.setInt(8, p.steps)
			r.setInt(9, p.done)
			r.setInt(10, p.late)
			r.setDay(11, p.next)
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	},
}

// ProjectsSummary: project statuses by region, annex and executor.
var ProjectsSummary = &Table{
	Name:  "projects/summary",
	Title: "Decree projects on time, late and done",
	Doc:   "Counts of decree projects by status as of `to`, per place (level region or country), annex and lead executor.",
	Columns: cols(colRegion,
		Column{"annex", String, "regional, sector or roadmap"},
		Column{"executor", String, "lead executor"},
		Column{"projects", Int, "projects"},
		Column{"on_time", Int, "on time"},
		Column{"late", Int, "late"},
		Column{"done", Int, "done"},
	),
	Uses:    []string{"annex", "executor"},
	Targets: targets("K01"),
	run: func(ctx context.Context, s *Store, f *Filter, r *Row, emit func(*Row) error) error {
		sc, err := s.projectStates(ctx, f)
		if err != nil {
			return err
		}
		defer s.release(sc)
		type key struct{ region, annex, executor string }
		type counts struct{ n, onTime, late, done int64 }
		sums := map[key]*counts{}
		var order []key
		for i := range sc.states {
			p := &sc.states[i]
			k := key{p.region, p.annex, p.executor}
			if f.Level == LevelCountry {
				k.region = f.CountryLabel()
			}
			c := sums[k]
			if c == nil {
				c = &counts{}
				sums[k] = c
				order = append(order, k)
			}
			c.n++
			switch p.status {
			case StatusDone:
				c.done++
			case StatusLate:
				c.late++
			default:
				c.onTime++
			}
		}
		slices.SortFunc(order, func(a, b key) int {
			if a.region != b.region {
				return cmpStr(a.region, b.region)
			}
			if a.annex != b.annex {
				return cmpStr(a.annex, b.annex)
			}
			return cmpStr(a.executor, b.executor)
		})
		for _, k := range order {
			c := sums[k]
			r.setStr(0, k.region)
			r.setStr(1, k.annex)
			r.setStr(2, k.executor)
			r.setInt(3, c.n)
			r.setInt(4, c.onTime)
			r.setInt(5, c.late)
			r.setInt(6, c.done)
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	},
}

// ProjectDeadlines: the project steps due in the coming days.
var ProjectDeadlines = &Table{
	Name:  "projects/deadlines",
	Title: "Upcoming project deadlines",
	Doc:   "Steps not yet done whose deadline falls within `days` days (default 60) after `to`, earliest first.",
	Columns: cols(
		Column{"deadline", Date, "the step's deadline (the first day after its due month, Tashkent, as UTC date)"},
		Column{"project_id", String, "project"},
		Column{"step", Int, "step number within the project"},
		Column{"annex", String, "regional, sector or roadmap"},
		colRegion,
		Column{"executor", String, "lead executor"},
		Column{"status", String, "on_time, or late when already reported late"},
		Column{"days_left", Int, "whole days from `to` to the deadline"},
		Column{"title_en", String, "project title"},
	),
	Uses: []string{"annex", "executor", "days"},
	run: func(ctx context.Context, s *Store, f *Filter, r *Row, emit func(*Row) error) error {
		sc, err := s.projectStates(ctx, f)
		if err != nil {
			return err
		}
		defer s.release(sc)
		type item struct {
			p *projectState
			u upcomingStep
		}
		items := make([]item, 0, len(sc.ups))
		for i := range sc.states {
			p := &sc.states[i]
			for _, u := range sc.ups[p.up0:p.up1] {
				items = append(items, item{p, u})
			}
		}
		slices.SortStableFunc(items, func(a, b item) int {
			if c := a.u.deadline.Compare(b.u.deadline); c != 0 {
				return c
			}
			if a.p.id != b.p.id {
				return cmpStr(a.p.id, b.p.id)
			}
			return int(a.u.step - b.u.step)
		})
		for _, it := range items {
			r.setDay(0, it.u.deadline)
			r.setStr(1, it.p.id)
			r.setInt(2, it.u.step)
			r.setStr(3, it.p.annex)
			r.setStr(4, it.p.region)
			r.setStr(5, it.p.executor)
			r.setStr(6, it.u.status)
			r.setInt(7, int64(it.u.deadline.Sub(f.Period.To)/(24*time.Hour)))
			r.setStr(8, it.p.title)
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	},
}

func cmpStr(a, b string) int { return strings.Compare(a, b) }
