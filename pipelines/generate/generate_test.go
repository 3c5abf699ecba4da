package generate

import (
	"bytes"
	"context"
	"errors"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/kafka/embedded"
	"github.com/oqim/oqim/connectors/kafka/kafkatest"
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

// record is a copy of an emitted event and its JSON.
type record struct {
	Event
	json []byte
}

func backfill(t testing.TB, g *Generator, at time.Time, n int) []record {
	t.Helper()
	var out []record
	err := g.Backfill(at, n, func(e *Event) error {
		out = append(out, record{*e, e.AppendJSON(nil)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEveryFamilyValidates(t *testing.T) {
	ref := load(t)
	g := New(ref, Options{Seed: 1, RunID: "t"})
	dec := newDecoder(t, ref, now)
	recs := backfill(t, g, now, 6000)
	perFamily := map[Family]int{}
	seen := map[string]bool{}
	last := map[string]time.Time{}
	for _, r := range recs {
		if r.Time.After(now) {
			t.Fatalf("event %s at %v is after now", r.ID, r.Time)
		}
		if seen[r.ID] {
			t.Fatalf("duplicate id %s", r.ID)
		}
		seen[r.ID] = true
		if err := dec.Decode(r.json); err != nil {
			t.Fatalf("generated event does not validate: %v\n%s", err, r.json)
		}
		if !bytes.Contains(r.json, []byte(`"type":"`+r.Type()+`"`)) {
			t.Fatalf("type %s not in %s", r.Type(), r.json)
		}
		k := r.Family.String() + "|" + r.Key()
		if r.Key() == "" {
			t.Fatalf("no key: %s", r.json)
		}
		if r.Time.Before(last[k]) {
			t.Fatalf("%s: %s at %v before the entity's previous event at %v", k, r.Status, r.Time, last[k])
		}
		last[k] = r.Time
		perFamily[r.Family]++
	}
	for _, f := range Families {
		if perFamily[f] == 0 {
			t.Errorf("no %s events", f)
		}
	}
	if n := dec.Rows(); n != len(recs) {
		t.Fatalf("decoder holds %d rows, want %d", n, len(recs))
	}
	t.Logf("events per family: %v", perFamily)
}

func TestVolumesFollowPopulation(t *testing.T) {
	ref := load(t)
	g := New(ref, Options{Seed: 2, RunID: "p", Families: []Family{PortalApplication, EmergencyCall, HealthPrescription, MahallaAppeal}})
	recs := backfill(t, g, now, 8000)
	starts := map[Family]string{PortalApplication: "submitted", EmergencyCall: "closed", HealthPrescription: "issued", MahallaAppeal: "submitted"}
	count := map[Family]map[string]int{}
	for _, r := range recs {
		if starts[r.Family] == r.Status {
			if count[r.Family] == nil {
				count[r.Family] = map[string]int{}
			}
			count[r.Family][r.Region]++
		}
	}
	total := 0
	for _, r := range ref.Regions {
		total += r.Population
	}
	for f, perRegion := range count {
		n := 0
		for _, c := range perRegion {
			n += c
		}
		if want := 8000 * g.volume[f]; math.Abs(float64(n)-want) > 0.05*want+30 {
			t.Errorf("%s: %d entities, want about %.0f", f, n, want)
		}
		for _, r := range ref.Regions {
			want := float64(n) * float64(r.Population) / float64(total)
			if got := float64(perRegion[r.ID]); math.Abs(got-want) > 5*math.Sqrt(want) {
				t.Errorf("%s %s: %v, want about %.0f", f, r.ID, got, want)
			}
		}
	}
	if len(count) != 4 {
		t.Fatalf("lifecycle families seen: %d", len(count))
	}
}

func TestApplicationsStallAndRunLate(t *testing.T) {
	ref := load(t)
	g := New(ref, Options{Seed: 1, RunID: "t", Families: []Family{PortalApplication}})
	lastStatus := map[string]int{}
	late, decided := 0, 0
	for _, r := range backfill(t, g, now, 10000) {
		if r.Family != PortalApplication {
			t.Fatalf("family %s generated, only applications asked", r.Family)
		}
		idx := slices.Index(events.ApplicationStatuses, r.Status)
		if prev, ok := lastStatus[r.ApplicationID]; ok && idx <= prev {
			t.Fatalf("%s: %s after step %d", r.ApplicationID, r.Status, prev)
		}
		lastStatus[r.ApplicationID] = idx
		if r.Status == "decided" {
			decided++
			if r.Time.After(r.Deadline) {
				late++
			}
		}
	}
	if g.Pending() == 0 {
		t.Error("no application is still in progress")
	}
	stalled := 0
	for _, idx := range lastStatus {
		if idx < slices.Index(events.ApplicationStatuses, "decided") {
			stalled++
		}
	}
	if stalled == 0 {
		t.Error("no application is unfinished")
	}
	if share := float64(late) / float64(decided); share < 0.05 || share > 0.25 {
		t.Errorf("%.1f%% decided after the deadline, want about one in seven", 100*share)
	}
}

func TestSeasonality(t *testing.T) {
	ref := load(t)
	g := New(ref, Options{Seed: 4, RunID: "s", Families: []Family{PortalApplication, EmergencyCall, HealthPrescription}})
	// Entities started per local hour (Tashkent), per family.
	hours := map[Family]*[24]int{}
	// A call is closed response time plus time on scene after it came
	// in; the hour it was closed is close enough.
	starts := map[Family]string{PortalApplication: "submitted", HealthPrescription: "issued", EmergencyCall: "closed"}
	for _, r := range backfill(t, g, now, 10000) {
		t0 := r.Time
		if starts[r.Family] != r.Status {
			continue
		}
		if hours[r.Family] == nil {
			hours[r.Family] = new([24]int)
		}
		hours[r.Family][t0.Add(5*time.Hour).Hour()]++
	}
	sum := func(h *[24]int, from, to int) int {
		n := 0
		for i := from; i < to; i++ {
			n += h[i]
		}
		return n
	}
	// Per hour: day vs night.
	if day, night := sum(hours[PortalApplication], 10, 16)/6, sum(hours[PortalApplication], 0, 6)/6; day < 4*night {
		t.Errorf("applications: %d an hour by day, %d at night", day, night)
	}
	if eve, dawn := sum(hours[EmergencyCall], 19, 23)/4, sum(hours[EmergencyCall], 4, 7)/3; eve < 2*dawn {
		t.Errorf("112 calls: %d an hour in the evening, %d before dawn", eve, dawn)
	}
	if day, night := sum(hours[HealthPrescription], 9, 12)/3, sum(hours[HealthPrescription], 0, 6)/6; day < 8*night {
		t.Errorf("prescriptions: %d an hour in the morning, %d at night", day, night)
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
	for _, f := range []Family{PortalApplication, EmergencyCall, HealthPrescription, MahallaAppeal} {
		sum := 0.0
		for m := 0; m < 7*24*60; m += 10 {
			sum += FamilyRate(f, wedNoon.Add(time.Duration(m)*time.Minute))
		}
		if mean := sum / (7 * 24 * 6); math.Abs(mean-1) > 0.01 {
			t.Fatalf("%s: weekly mean rate %.3f, want 1", f, mean)
		}
	}
}

func TestPayments(t *testing.T) {
	ref := load(t)
	g := New(ref, Options{Seed: 5, RunID: "pay", Families: []Family{PortalApplication, PortalPayment}})
	issued := map[string]time.Time{}
	var paid []record
	refunds := 0
	methodsSeen := map[string]int{}
	for _, r := range backfill(t, g, now, 15000) {
		switch {
		case r.Family == PortalApplication && r.Status == "issued":
			issued[r.ApplicationID] = r.Time
		case r.Family == PortalPayment && r.Status == "paid":
			paid = append(paid, r)
			methodsSeen[r.Method]++
		case r.Family == PortalPayment && r.Status == "refunded":
			refunds++
		}
	}
	if len(paid) < 2500 {
		t.Fatalf("only %d payments for 15000 applications", len(paid))
	}
	for _, p := range paid {
		at, ok := issued[p.ApplicationID]
		if !ok && p.Time.Before(now.Add(-24*time.Hour)) {
			t.Fatalf("payment %s for %s, which was not issued", p.PaymentID, p.ApplicationID)
		}
		if ok && (p.Time.After(at) || at.Sub(p.Time) > 3*time.Hour) {
			t.Fatalf("payment %s at %v, issue at %v: want shortly before", p.PaymentID, p.Time, at)
		}
		if p.AmountUZS < 1000 || math.Mod(p.AmountUZS, 500) != 0 {
			t.Fatalf("amount %v UZS", p.AmountUZS)
		}
		if !g.fees[slices.IndexFunc(g.services, func(s region.Service) bool { return s.ID == p.ServiceID })].paid() {
			t.Fatalf("payment for free service %s", p.ServiceID)
		}
	}
	if share := float64(refunds) / float64(len(paid)); share > 0.035 || refunds == 0 {
		t.Errorf("%d refunds of %d payments", refunds, len(paid))
	}
	if len(methodsSeen) < 6 {
		t.Errorf("payment methods %v", methodsSeen)
	}
}

func TestTelecomTracksPlan(t *testing.T) {
	ref := load(t)
	g := New(ref, Options{Seed: 6, RunID: "tel", Families: []Family{TelecomRollout}})
	type key struct {
		region string
		year   int
	}
	fibre, stations := map[key]float64{}, map[key]int{}
	midYear := map[string]float64{}
	end := time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC)
	for _, r := range backfill(t, g, end, 0) {
		y := r.Time.Add(5 * time.Hour).Year()
		k := key{r.Region, y}
		fibre[k] += r.FibreKm
		stations[k] += r.BaseStations
		if r.Time.Before(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)) {
			midYear[r.Region] += r.FibreKm
		}
		if r.Operator == "" || r.FibreKm < 0 || r.BaseStations < 0 {
			t.Fatalf("bad report %+v", r.Event)
		}
	}
	onTrack, behind := 0, 0
	for _, r := range ref.Regions {
		for y, plan := range map[int][2]int{2025: {r.FibreKm2025, r.Stations2025}, 2026: {r.FibreKm2026, r.Stations2026}} {
			k := key{r.ID, y}
			fr := fibre[k] / float64(plan[0])
			sr := float64(stations[k]) / float64(plan[1])
			if fr < 0.68 || fr > 1.03 || math.Abs(fr-sr) > 0.06 {
				t.Errorf("%s %d: fibre %.0f of %d km (%.2f), stations %d of %d", r.ID, y, fibre[k], plan[0], fr, stations[k], plan[1])
			}
			if fr >= 0.95 {
				onTrack++
			} else if fr < 0.9 {
				behind++
			}
		}
		// Half-way through the year, between a third and two thirds is
		// done (winter is slow).
		if f := midYear[r.ID] / float64(r.FibreKm2025); f < 0.25 || f > 0.6 {
			t.Errorf("%s: %.2f of the 2025 fibre plan by 1 July", r.ID, f)
		}
	}
	if onTrack < 14 || behind == 0 {
		t.Errorf("%d region-years on track, %d behind; want most on track and some behind", onTrack, behind)
	}
}

func TestMilestones(t *testing.T) {
	ref := load(t)
	g := New(ref, Options{Seed: 7, RunID: "pm", Families: []Family{ProjectMilestone}})
	at := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	type stepKey struct {
		project string
		step    int
	}
	started, done, late := map[stepKey]time.Time{}, map[stepKey]bool{}, map[stepKey]bool{}
	projects := map[string]region.Project{}
	for _, p := range ref.Projects {
		projects[p.ID] = p
	}
	for _, r := range backfill(t, g, at, 0) {
		k := stepKey{r.ProjectID, r.Step}
		p, ok := projects[r.ProjectID]
		if !ok || r.Region != p.Region || r.ItemNo != p.ItemNo || r.Annex != p.Annex || r.Step < 1 || r.Step > len(p.Steps) {
			t.Fatalf("milestone does not match its project: %+v", r.Event)
		}
		s := p.Steps[r.Step-1]
		switch r.Status {
		case "started":
			started[k] = r.Time
			if r.Time.Before(region.DecreeDate) {
				t.Fatalf("%v: started before the decree", k)
			}
		case "done", "late":
			st, ok := started[k]
			if !ok || r.Time.Before(st) {
				t.Fatalf("%v %s at %v before its start", k, r.Status, r.Time)
			}
			dl, dated := s.Deadline()
			if !dated || !dl.Equal(r.Deadline) {
				t.Fatalf("%v %s: step %+v, deadline %v", k, r.Status, s, r.Deadline)
			}
			if r.Status == "late" {
				if r.Time.Before(dl) {
					t.Fatalf("%v late at %v, before its deadline %v", k, r.Time, dl)
				}
				late[k] = true
			} else {
				if r.Time.After(dl) && !late[k] {
					t.Fatalf("%v done after its deadline %v without being late", k, dl)
				}
				done[k] = true
			}
		}
	}
	dated, lateN := 0, 0
	for _, p := range ref.Projects {
		for i, s := range p.Steps {
			k := stepKey{p.ID, i + 1}
			if _, ok := started[k]; !ok {
				t.Fatalf("%v never started", k)
			}
			if dl, ok := s.Deadline(); ok && dl.Add(48*time.Hour+5*24*time.Hour).Before(at) {
				dated++
				if !done[k] && !late[k] {
					t.Fatalf("%v: deadline %v passed, neither done nor late", k, dl)
				}
				if late[k] {
					lateN++
				}
			}
		}
	}
	if share := float64(lateN) / float64(dated); share < 0.15 || share > 0.45 {
		t.Errorf("%d of %d past steps late", lateN, dated)
	}
}

func TestOpenDataCatalogue(t *testing.T) {
	ref := load(t)
	g := New(ref, Options{Seed: 8, RunID: "od", Families: []Family{OpenDataDataset}})
	published := map[string]int{}
	lastUpdate := map[string]time.Time{}
	agencies := map[string]bool{}
	for _, r := range backfill(t, g, now, 0) {
		if r.Status == "published" {
			published[r.Dataset]++
		} else if _, ok := published[r.Dataset]; !ok {
			t.Fatalf("%s updated before it was published", r.Dataset)
		}
		lastUpdate[r.Dataset] = r.Time
		agencies[r.Agency] = true
		if r.Rows <= 0 || !strings.HasPrefix(r.URL, "https://") {
			t.Fatalf("%+v", r.Event)
		}
	}
	if len(published) < 60 || len(agencies) < 30 {
		t.Fatalf("%d datasets of %d agencies", len(published), len(agencies))
	}
	fresh, stale := 0, 0
	for ds, n := range published {
		if n != 1 {
			t.Fatalf("%s published %d times", ds, n)
		}
		switch age := now.Sub(lastUpdate[ds]); {
		case age < 35*24*time.Hour:
			fresh++
		case age > 60*24*time.Hour:
			stale++
		}
	}
	if fresh < len(published)/2 || stale < 5 {
		t.Errorf("%d fresh and %d stale of %d datasets", fresh, stale, len(published))
	}
	// The catalogue is the same whatever the seed.
	a, b := catalogueFor(ref.Services), catalogueFor(ref.Services)
	if !slices.Equal(a, b) {
		t.Fatal("catalogue differs between calls")
	}
}

func TestCallsPrescriptionsAppeals(t *testing.T) {
	ref := load(t)
	g := New(ref, Options{Seed: 9, RunID: "c", Families: []Family{EmergencyCall, HealthPrescription, MahallaAppeal}})
	resp := map[string][]int{}
	regional := map[string][]int{}
	facilities := map[string]bool{}
	mahallas := map[string]bool{}
	inn := [7]int{}
	issued, dispensed, submitted, resolved := 0, 0, 0, 0
	for _, r := range backfill(t, g, now, 20000) {
		switch r.Family {
		case EmergencyCall:
			resp[r.Service] = append(resp[r.Service], r.ResponseSeconds)
			if r.Service == "ambulance" {
				regional[r.Region] = append(regional[r.Region], r.ResponseSeconds)
			}
		case HealthPrescription:
			facilities[r.Facility] = true
			if r.Status == "issued" {
				issued++
				inn[r.InnCount]++
			} else {
				dispensed++
			}
		case MahallaAppeal:
			mahallas[r.Mahalla] = true
			if r.Status == "submitted" {
				submitted++
			} else {
				resolved++
			}
		}
	}
	median := func(xs []int) float64 {
		s := slices.Clone(xs)
		slices.Sort(s)
		return float64(s[len(s)/2])
	}
	for svc, want := range map[string]float64{"ambulance": 720, "fire": 480, "police": 600} {
		// The population-weighted remoteness averages close to 1.
		if m := median(resp[svc]); m < 0.85*want || m > 1.25*want {
			t.Errorf("%s: median response %.0f s, want about %.0f", svc, m, want)
		}
	}
	if qr, tk := median(regional["UZ-QR"]), median(regional["UZ-TK"]); qr < 1.5*tk {
		t.Errorf("ambulance median %0.f s in Karakalpakstan, %0.f s in Tashkent", qr, tk)
	}
	for _, f := range []string{"Jizzax viloyat koʻp tarmoqli tibbiyot markazi", "Zomin tuman tibbiyot birlashmasi"} {
		if !facilities[f] {
			t.Errorf("no prescriptions from %q", f)
		}
	}
	if !(inn[1] > inn[2] && inn[2] > inn[3] && inn[3] > inn[6] && inn[6] > 0) {
		t.Errorf("inn_count distribution %v", inn)
	}
	if share := float64(dispensed) / float64(issued); share < 0.8 || share > 0.92 {
		t.Errorf("%.2f of prescriptions dispensed", share)
	}
	if share := float64(resolved) / float64(submitted); share < 0.7 || share > 0.9 {
		t.Errorf("%.2f of appeals resolved", share)
	}
	var cyrillic, ascii, okina bool
	for m := range mahallas {
		cyrillic = cyrillic || strings.ContainsAny(m, "МФЙ")
		ascii = ascii || strings.Contains(m, "'")
		okina = okina || strings.Contains(m, "ʻ")
	}
	if !cyrillic || !ascii || !okina {
		t.Errorf("mahalla names lack spelling variants: %v", mahallas)
	}
}

func TestBadRecordsAreRejectedWithTheirReason(t *testing.T) {
	ref := load(t)
	g := New(ref, Options{Seed: 10, RunID: "bad", BadFraction: 0.05})
	dec := newDecoder(t, ref, now)
	counted := map[events.Reason]int{}
	good := 0
	for _, r := range backfill(t, g, now, 3000) {
		err := dec.Decode(r.json)
		if r.Fault == "" {
			if err != nil {
				t.Fatalf("good record rejected: %v\n%s", err, r.json)
			}
			good++
			continue
		}
		var fe *events.FieldError
		if !errors.As(err, &fe) || fe.Reason != r.Fault {
			t.Fatalf("bad record (%s) decoded with %v\n%.300s", r.Fault, err, r.json)
		}
		counted[r.Fault]++
	}
	bad := g.Bad()
	total := 0
	for _, reason := range events.Reasons {
		if counted[reason] == 0 {
			t.Errorf("no %s records", reason)
		}
		if bad[reason] != counted[reason] {
			t.Errorf("%s: generator reports %d, decoder rejected %d", reason, bad[reason], counted[reason])
		}
		total += counted[reason]
	}
	if share := float64(total) / float64(total+good); math.Abs(share-0.05) > 0.01 {
		t.Errorf("%.3f of records bad, want 0.05", share)
	}
}

func TestSameSeedSameEvents(t *testing.T) {
	ref := load(t)
	digest := func(seed uint64) (uint64, int) {
		h := fnv.New64a()
		g := New(ref, Options{Seed: seed, RunID: "r", BadFraction: 0.01})
		n := 0
		_ = g.Backfill(now, 500, func(e *Event) error {
			h.Write(e.AppendJSON(nil))
			n++
			return nil
		})
		g.Submit(now.Add(time.Hour), 50)
		g.Start(EmergencyCall, now.Add(time.Hour), 50)
		_ = g.Advance(now.Add(48*time.Hour), func(e *Event) error {
			h.Write(e.AppendJSON(nil))
			n++
			return nil
		})
		return h.Sum64(), n
	}
	a, na := digest(7)
	b, nb := digest(7)
	c, _ := digest(8)
	if na == 0 || a != b || na != nb {
		t.Fatalf("same seed: %d events (%x), then %d (%x)", na, a, nb, b)
	}
	if a == c {
		t.Fatal("seeds 7 and 8 give the same events")
	}
}

// produced runs the generator into a real (embedded) broker and reads
// back what the broker holds.
type produced struct{ msgs []kafkago.Message }

func produceAndRead(t *testing.T, g *Generator, o RunOptions) (int, *produced) {
	t.Helper()
	b, err := embedded.Start(embedded.Options{Topics: []string{"gen"}, Partitions: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	w := kafka.Plain(b.Addrs()...).NewWriter("gen")
	defer w.Close()
	n, err := Run(context.Background(), g, w, o)
	if err != nil {
		t.Fatal(err)
	}
	// Each partition read directly, not through a consumer group: a
	// group's join takes seconds, and the test needs only what is stored.
	return n, &produced{msgs: kafkatest.ReadTopic(t, b.Addrs(), "gen", 2)}
}

// keyField is the data field that carries each family's key.
var keyField = map[string]string{
	"portal.application": "application_id", "portal.payment": "payment_id", "opendata.dataset": "dataset",
	"project.milestone": "project_id", "emergency.call": "call_id", "health.prescription": "prescription_id",
	"mahalla.appeal": "appeal_id",
}

func TestRunHonoursLimitAndKeys(t *testing.T) {
	ref := load(t)
	g := New(ref, Options{Seed: 3, RunID: "k", BadFraction: 0.02})
	n, w := produceAndRead(t, g, RunOptions{Backfill: 5000, Limit: 12345, Now: func() time.Time { return now }})
	if n != 12345 || len(w.msgs) != 12345 {
		t.Fatalf("sent %d, broker holds %d, want 12345", n, len(w.msgs))
	}
	dec := newDecoder(t, ref, now)
	rejected := map[events.Reason]int{}
	var envelopes events.Parser
	for i, m := range w.msgs {
		if err := dec.Decode(m.Value); err != nil {
			var fe *events.FieldError
			errors.As(err, &fe)
			rejected[fe.Reason]++
			continue
		}
		env, err := envelopes.Parse(m.Value)
		if err != nil {
			t.Fatal(err)
		}
		typ := string(env.Type.GetStringBytes())
		fam := typ[:strings.LastIndexByte(typ, '.')]
		if f := keyField[fam]; f != "" {
			if !bytes.Contains(m.Value, []byte(`"`+f+`":"`+string(m.Key)+`"`)) {
				t.Fatalf("message %d keyed %q: %s", i, m.Key, m.Value)
			}
		} else if region, op, _ := strings.Cut(string(m.Key), "/"); !bytes.Contains(m.Value, []byte(`"region":"`+region+`"`)) || !bytes.Contains(m.Value, []byte(`"operator":"`+op+`"`)) {
			t.Fatalf("message %d keyed %q: %s", i, m.Key, m.Value)
		}
	}
	bad := g.Bad()
	for _, r := range events.Reasons {
		if bad[r] != rejected[r] {
			t.Errorf("%s: generator reports %d, decoder rejected %d", r, bad[r], rejected[r])
		}
	}
}

func TestRunLive(t *testing.T) {
	ref := load(t)
	g := New(ref, Options{Seed: 12, RunID: "live", Families: []Family{PortalApplication, EmergencyCall, HealthPrescription, MahallaAppeal}})
	clock := now
	tick := func() time.Time { clock = clock.Add(10 * time.Second); return clock }
	n, w := produceAndRead(t, g, RunOptions{Rate: 5000, Tick: time.Millisecond, Limit: 3000, Now: tick})
	if n != 3000 {
		t.Fatalf("sent %d, want 3000", n)
	}
	dec := newDecoder(t, ref, clock)
	types := map[string]bool{}
	for _, m := range w.msgs {
		if err := dec.Decode(m.Value); err != nil {
			t.Fatalf("%v: %s", err, m.Value)
		}
		i := bytes.Index(m.Value, []byte(`"type":"`)) + 8
		types[string(m.Value[i:i+bytes.IndexByte(m.Value[i:], '"')])] = true
	}
	for _, typ := range []string{"portal.application.submitted", "emergency.call.closed", "health.prescription.issued", "mahalla.appeal.submitted"} {
		if !types[typ] {
			t.Errorf("no live %s events", typ)
		}
	}
}

func TestParseFamily(t *testing.T) {
	for _, f := range Families {
		got, err := ParseFamily(f.String())
		if err != nil || got != f {
			t.Fatalf("ParseFamily(%s) = %v, %v", f, got, err)
		}
	}
	if _, err := ParseFamily("portal.refund"); err == nil {
		t.Fatal("unknown family accepted")
	}
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	// Every agency family is generated; chatbot events come from the
	// chatbot itself.
	var agency []string
	for _, f := range reg.Families {
		if f.Name != "chatbot" {
			agency = append(agency, f.Name)
		}
	}
	if len(agency) != len(Families) {
		t.Fatalf("schema has %d agency families, the generator %d", len(agency), len(Families))
	}
	for i, name := range agency {
		if name != Families[i].String() {
			t.Errorf("family %d: schema %s, generator %s", i, name, Families[i])
		}
	}
}

func newDecoder(t testing.TB, ref *region.Data, at time.Time) *decode.Decoder {
	t.Helper()
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	d, err := decode.New(decode.Options{Registry: reg, Regions: ref.RegionIDs(), Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// BenchmarkGenerate measures making one event of the default mix and
// appending its JSON.
func BenchmarkGenerate(b *testing.B) {
	ref := load(b)
	g := New(ref, Options{Seed: 1, RunID: "bench"})
	clock := now
	_ = g.Backfill(clock, 0, func(*Event) error { return nil })
	buf := make([]byte, 0, 4096)
	n := 0
	emit := func(e *Event) error {
		buf = e.AppendJSON(buf[:0])
		n++
		return nil
	}
	b.ReportAllocs()
	b.ResetTimer()
	for n < b.N {
		clock = clock.Add(time.Second)
		g.Submit(clock, 10)
		g.Start(EmergencyCall, clock, 6)
		g.Start(HealthPrescription, clock, 11)
		g.Start(MahallaAppeal, clock, 1)
		_ = g.Advance(clock, emit)
	}
}

// BenchmarkAppendJSON measures serialising one event of each family.
func BenchmarkAppendJSON(b *testing.B) {
	ref := load(b)
	g := New(ref, Options{Seed: 1, RunID: "bench"})
	byFamily := map[Family]Event{}
	_ = g.Backfill(now, 200, func(e *Event) error {
		if _, ok := byFamily[e.Family]; !ok {
			byFamily[e.Family] = *e
		}
		return nil
	})
	for _, f := range Families {
		e, ok := byFamily[f]
		if !ok {
			b.Fatalf("no %s event", f)
		}
		b.Run(f.String(), func(b *testing.B) {
			buf := make([]byte, 0, 4096)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				buf = e.AppendJSON(buf[:0])
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}
