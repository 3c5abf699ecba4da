package doctorapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/fhir/fhirtest"
	"github.com/oqim/oqim/inference/clinical/fhir/r4"
	"github.com/oqim/oqim/inference/clinical/fhir/standin"
	"github.com/oqim/oqim/inference/clinical/lifecycle"
	"github.com/oqim/oqim/inference/clinical/worker"
)

// digitalHealthcare starts the stand-in for Digital Healthcare's FHIR
// server on a real HTTP server and returns it with its base URL.
func digitalHealthcare(t *testing.T) (*standin.Server, string) {
	t.Helper()
	return fhirtest.StandIn(t, standin.Config{})
}

func r4Check(t *testing.T) func([]byte) error {
	p, err := r4.New()
	if err != nil {
		t.Fatal(err)
	}
	return p.CheckBundle
}

// lifecycleEnv is the API with ClickHouse and a FHIR server at base.
func lifecycleEnv(t *testing.T, base string, tune func(*FHIRConfig)) *env {
	return newEnv(t, envOptions{noEngine: true, noKafka: true, fhirCheck: r4Check(t), tune: func(c *Config) {
		c.FHIR = FHIRConfig{BaseURL: base, MaxAttempts: 3, MinBackoff: 10 * time.Millisecond, MaxBackoff: 5 * time.Second, Timeout: 5 * time.Second}
		if tune != nil {
			tune(&c.FHIR)
		}
	}})
}

const draftBody = `{"patient_id":"p-100","encounter_id":"e-200",
 "note":{"language":"ru","sections":{"complaints":"кашель, одышка","objective":"пульс 96"},
   "vitals":{"bp_systolic":130,"bp_diastolic":80,"pulse":96,"temperature_c":38.4,"spo2":94},
   "medications":[{"name":"paracetamol","dose_value":500,"dose_unit":"mg","times_per_day":3}],"engine":"offline"},
 "differential":{"conditions":[{"id":"pneumonia","name":"Pneumonia","icd10":["J18.9"],"probability":0.6},
   {"id":"bronchitis","name":"Acute bronchitis","icd10":["J20.9"],"probability":0.3}]},
 "source":{"text":"Жалобы: кашель, одышка. Пульс 96."}}`

// editBody changes the pulse to 88 and confirms pneumonia only.
func editBody(version uint64) string {
	return fmt.Sprintf(`{"version":%d,
 "note":{"language":"ru","sections":{"complaints":"кашель, одышка","objective":"пульс 88"},
   "vitals":{"bp_systolic":130,"bp_diastolic":80,"pulse":88,"temperature_c":38.4,"spo2":94},
   "medications":[{"name":"paracetamol","dose_value":500,"dose_unit":"mg","times_per_day":3}],"engine":"offline"},
 "confirmed_conditions":[{"icd10":"J18.9","name":"Pneumonia","condition_id":"pneumonia"}]}`, version)
}

func (e *env) jsonDo(method, path, cred, body string) (int, []byte) {
	e.t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	resp, out := e.do(method, path, cred, "application/json", b)
	return resp.StatusCode, out
}

func (e *env) createDraft() lifecycle.Record {
	e.t.Helper()
	st, body := e.jsonDo("POST", "/api/v1/clinical-notes", keyOne, draftBody)
	if st != http.StatusCreated {
		e.t.Fatalf("create: %d %s", st, body)
	}
	return decode[lifecycle.Record](e.t, body)
}

// waitStatus polls the record as doctor one until it reaches one of the
// final delivery states.
func (e *env) waitDelivery(id string, within time.Duration) lifecycle.Record {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for {
		st, body := e.jsonDo("GET", "/api/v1/clinical-notes/"+id, keyOne, "")
		if st != http.StatusOK {
			e.t.Fatalf("get: %d %s", st, body)
		}
		rec := decode[lifecycle.Record](e.t, body)
		if rec.Status == lifecycle.Delivered || rec.Status == lifecycle.Failed {
			return rec
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("still %s after %s: %s", rec.Status, within, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *env) sign(rec lifecycle.Record) lifecycle.Record {
	e.t.Helper()
	st, body := e.jsonDo("POST", "/api/v1/clinical-notes/"+rec.ID+"/sign", keyOne, fmt.Sprintf(`{"version":%d}`, rec.Version))
	if st != http.StatusOK {
		e.t.Fatalf("sign: %d %s", st, body)
	}
	return decode[lifecycle.Record](e.t, body)
}

// bundleResources groups the received Bundle's resources by type.
func bundleResources(t *testing.T, raw []byte) map[string][]map[string]any {
	t.Helper()
	var b struct {
		Entry []struct {
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	out := map[string][]map[string]any{}
	for _, e := range b.Entry {
		typ, _ := e.Resource["resourceType"].(string)
		out[typ] = append(out[typ], e.Resource)
	}
	return out
}

func TestClinicalNoteLifecycle(t *testing.T) {
	dh, base := digitalHealthcare(t)
	e := lifecycleEnv(t, base, nil)

	rec := e.createDraft()
	if rec.Status != lifecycle.Draft || rec.Version != 1 || rec.CreatedBy != "d-1" || rec.PatientID != "p-100" || rec.EncounterID != "e-200" || rec.Note.Vitals.Pulse != 96 {
		t.Fatalf("created record: %+v", rec)
	}
	// Another doctor is told the record does not exist, on every route.
	for _, c := range []struct{ method, path, body string }{
		{"GET", "", ""}, {"PUT", "", editBody(1)}, {"POST", "/sign", `{"version":1}`}, {"POST", "/deliver", ""},
	} {
		if st, body := e.jsonDo(c.method, "/api/v1/clinical-notes/"+rec.ID+c.path, keyTwo, c.body); st != http.StatusNotFound {
			t.Fatalf("doctor two %s %s: %d %s", c.method, c.path, st, body)
		}
	}
	if st, _ := e.jsonDo("GET", "/api/v1/clinical-notes/"+worker.NewID(), keyOne, ""); st != http.StatusNotFound {
		t.Fatalf("missing record: %d", st)
	}
	if st, _ := e.jsonDo("GET", "/api/v1/clinical-notes/"+rec.ID, "", ""); st != http.StatusUnauthorized {
		t.Fatalf("no credentials: %d", st)
	}

	st, body := e.jsonDo("PUT", "/api/v1/clinical-notes/"+rec.ID, keyOne, editBody(rec.Version))
	if st != http.StatusOK {
		t.Fatalf("edit: %d %s", st, body)
	}
	edited := decode[lifecycle.Record](t, body)
	if edited.Version != 2 || edited.Note.Vitals.Pulse != 88 || len(edited.ConfirmedConditions) != 1 || edited.UpdatedBy != "d-1" {
		t.Fatalf("edited: %+v", edited)
	}
	// The same change based on the old version is stale.
	if st, body := e.jsonDo("PUT", "/api/v1/clinical-notes/"+rec.ID, keyOne, editBody(rec.Version)); st != http.StatusConflict {
		t.Fatalf("stale edit: %d %s", st, body)
	}
	if st, body := e.jsonDo("POST", "/api/v1/clinical-notes/"+rec.ID+"/sign", keyOne, `{"version":1}`); st != http.StatusConflict {
		t.Fatalf("stale sign: %d %s", st, body)
	}
	// A failed delivery only is retried.
	if st, body := e.jsonDo("POST", "/api/v1/clinical-notes/"+rec.ID+"/deliver", keyOne, ""); st != http.StatusConflict {
		t.Fatalf("deliver a draft: %d %s", st, body)
	}

	signed := e.sign(edited)
	if signed.Status != lifecycle.Signed || signed.SignedBy != "d-1" || signed.SignedAt == nil || signed.Version != 3 {
		t.Fatalf("signed: %+v", signed)
	}
	// A signed note is final.
	if st, body := e.jsonDo("PUT", "/api/v1/clinical-notes/"+rec.ID, keyOne, editBody(signed.Version)); st != http.StatusConflict {
		t.Fatalf("edit after sign: %d %s", st, body)
	}
	if st, body := e.jsonDo("POST", "/api/v1/clinical-notes/"+rec.ID+"/sign", keyOne, fmt.Sprintf(`{"version":%d}`, signed.Version)); st != http.StatusConflict {
		t.Fatalf("sign twice: %d %s", st, body)
	}

	done := e.waitDelivery(rec.ID, 20*time.Second)
	if done.Status != lifecycle.Delivered || done.Delivery.Location == "" || done.Delivery.DeliveredAt == nil || done.Delivery.Attempts != 1 || done.Delivery.LastError != "" {
		t.Fatalf("delivery: %+v", done)
	}
	got := dh.Received()
	if len(got) != 1 || !strings.Contains(done.Delivery.Location, got[0].ID) {
		t.Fatalf("stand-in holds %d bundles; location %s", len(got), done.Delivery.Location)
	}
	res := bundleResources(t, got[0].Bundle)
	comp := res["Composition"][0]
	if comp["status"] != "final" {
		t.Errorf("composition status %v", comp["status"])
	}
	// Only the confirmed condition, verified as confirmed.
	conds := res["Condition"]
	if len(conds) != 1 {
		t.Fatalf("%d conditions, want the one confirmed: %v", len(conds), conds)
	}
	cj, _ := json.Marshal(conds[0])
	if !strings.Contains(string(cj), `"code":"J18.9"`) || !strings.Contains(string(cj), `"code":"confirmed"`) || strings.Contains(string(got[0].Bundle), "J20.9") {
		t.Errorf("condition: %s", cj)
	}
	// The edited vital, in UCUM.
	var pulse any
	for _, o := range res["Observation"] {
		oj, _ := json.Marshal(o)
		if strings.Contains(string(oj), `"8867-4"`) {
			pulse = o["valueQuantity"]
		}
	}
	if q, _ := pulse.(map[string]any); q == nil || q["value"] != 88.0 || q["code"] != "/min" || q["system"] != "http://unitsofmeasure.org" {
		t.Errorf("heart rate %v, want 88 /min in UCUM", pulse)
	}
	pj, _ := json.Marshal(res["Practitioner"])
	ej, _ := json.Marshal(res["Encounter"])
	if !strings.Contains(string(pj), `"value":"d-1"`) || !strings.Contains(string(ej), `"value":"e-200"`) {
		t.Errorf("author %s, encounter %s", pj, ej)
	}

	// The history keeps every version, with who made it; its author
	// reads it, no one else.
	st, body = e.jsonDo("GET", "/api/v1/clinical-notes/"+rec.ID+"/history", keyOne, "")
	if st != http.StatusOK {
		t.Fatalf("history: %d %s", st, body)
	}
	hist := decode[struct{ Versions []lifecycle.Version }](t, body).Versions
	if st, _ := e.jsonDo("GET", "/api/v1/clinical-notes/"+rec.ID+"/history", keyTwo, ""); st != http.StatusNotFound {
		t.Fatalf("doctor two reads the history: %d", st)
	}
	var trail []string
	for _, v := range hist {
		trail = append(trail, fmt.Sprintf("%d %s %s", v.Version, v.Status, v.UpdatedBy))
	}
	want := []string{"1 draft d-1", "2 draft d-1", "3 signed d-1", "4 signed fhir-delivery", "5 delivered fhir-delivery"}
	if strings.Join(trail, ",") != strings.Join(want, ",") {
		t.Errorf("history %q, want %q", trail, want)
	}

	rows := e.auditRows()
	for _, w := range []worker.AuditRecord{
		{Action: "clinical_note.create", DoctorID: "d-1", Outcome: worker.OutcomeOK, ResourceID: rec.ID, PatientID: "p-100"},
		{Action: "clinical_note.read", DoctorID: "d-1", Outcome: worker.OutcomeOK, ResourceID: rec.ID},
		{Action: "clinical_note.read", DoctorID: "d-2", Outcome: worker.OutcomeNotFound, ResourceID: rec.ID},
		{Action: "clinical_note.update", DoctorID: "d-1", Outcome: worker.OutcomeOK, ResourceID: rec.ID},
		{Action: "clinical_note.update", DoctorID: "d-1", Outcome: worker.OutcomeRejected, ResourceID: rec.ID},
		{Action: "clinical_note.sign", DoctorID: "d-1", Outcome: worker.OutcomeOK, ResourceID: rec.ID},
		{Action: "clinical_note.delivery_attempt", Actor: lifecycle.Actor, DoctorID: "d-1", Outcome: worker.OutcomeOK, ResourceID: rec.ID, PatientID: "p-100"},
		{Action: "clinical_note.deliver", Actor: lifecycle.Actor, DoctorID: "d-1", Outcome: worker.OutcomeOK, ResourceID: rec.ID},
	} {
		if !hasAudit(rows, w) {
			t.Errorf("no audit row %+v", w)
		}
	}
}

func TestClinicalNoteFailedDeliveryIsRetried(t *testing.T) {
	dh, base := digitalHealthcare(t)
	e := lifecycleEnv(t, base, func(f *FHIRConfig) { f.MaxAttempts = 1 })
	dh.FailNext(1, http.StatusInternalServerError, "")

	rec := e.createDraft()
	st, body := e.jsonDo("PUT", "/api/v1/clinical-notes/"+rec.ID, keyOne, editBody(rec.Version))
	if st != http.StatusOK {
		t.Fatalf("edit: %d %s", st, body)
	}
	e.sign(decode[lifecycle.Record](t, body))
	failed := e.waitDelivery(rec.ID, 20*time.Second)
	if failed.Status != lifecycle.Failed || failed.Delivery.Attempts != 1 || !strings.Contains(failed.Delivery.LastError, "500") {
		t.Fatalf("after a 500: %+v", failed.Delivery)
	}
	if len(dh.Received()) != 0 {
		t.Fatal("the stand-in stored a Bundle it refused")
	}
	// Another doctor cannot retry it.
	if st, _ := e.jsonDo("POST", "/api/v1/clinical-notes/"+rec.ID+"/deliver", keyTwo, ""); st != http.StatusNotFound {
		t.Fatalf("doctor two retries: %d", st)
	}
	st, body = e.jsonDo("POST", "/api/v1/clinical-notes/"+rec.ID+"/deliver", keyOne, "")
	if st != http.StatusAccepted {
		t.Fatalf("retry: %d %s", st, body)
	}
	done := e.waitDelivery(rec.ID, 20*time.Second)
	if done.Status != lifecycle.Delivered || done.Delivery.Attempts != 2 || done.Delivery.LastError != "" || len(dh.Received()) != 1 {
		t.Fatalf("after the retry: %+v, %d received", done, len(dh.Received()))
	}
	if st, _ := e.jsonDo("POST", "/api/v1/clinical-notes/"+rec.ID+"/deliver", keyOne, ""); st != http.StatusConflict {
		t.Fatalf("retrying a delivered note: %d", st)
	}
	rows := e.auditRows()
	if !hasAudit(rows, worker.AuditRecord{Action: "clinical_note.delivery_attempt", Actor: lifecycle.Actor, DoctorID: "d-1", Outcome: worker.OutcomeError, ResourceID: rec.ID}) ||
		!hasAudit(rows, worker.AuditRecord{Action: "clinical_note.redeliver", DoctorID: "d-1", Outcome: worker.OutcomeOK, ResourceID: rec.ID}) {
		t.Errorf("audit rows of the failed attempt and the retry missing: %+v", rows)
	}
}

// Digital Healthcare asks to be left alone for a second: the next
// attempt waits that long, not the 10 ms backoff.
func TestClinicalNoteDeliveryHonoursRetryAfter(t *testing.T) {
	dh, base := digitalHealthcare(t)
	e := lifecycleEnv(t, base, nil)
	dh.FailNext(1, http.StatusServiceUnavailable, "1")
	rec := e.createDraft()
	e.sign(rec)
	done := e.waitDelivery(rec.ID, 20*time.Second)
	if done.Status != lifecycle.Delivered || done.Delivery.Attempts != 2 {
		t.Fatalf("delivery: %+v", done)
	}
	posts := dh.Posts()
	if len(posts) != 2 {
		t.Fatalf("%d posts", len(posts))
	}
	if gap := posts[1].Sub(posts[0]); gap < 900*time.Millisecond {
		t.Fatalf("retried after %s; Retry-After asked for 1 s", gap)
	}
}

// A process that stops while a delivery is retrying leaves the note
// signed; the next process delivers it.
func TestClinicalNoteDeliveryResumesAfterRestart(t *testing.T) {
	dh, base := digitalHealthcare(t)
	e := lifecycleEnv(t, base, func(f *FHIRConfig) { f.MaxAttempts = 100; f.MinBackoff = 200 * time.Millisecond })
	dh.FailNext(1000, http.StatusServiceUnavailable, "")
	rec := e.createDraft()
	e.sign(rec)
	deadline := time.Now().Add(10 * time.Second)
	for len(dh.Posts()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no delivery attempt")
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.h.Close() // the process stops mid-delivery
	store := lifecycle.NewStore(e.conn, e.db)
	ctx := context.Background()
	left, err := store.Get(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if left.Status != lifecycle.Signed {
		t.Fatalf("after the stop the note is %s, want signed", left.Status)
	}
	dh.Recover()

	h2, err := New(e.cfg, Deps{ClickHouse: e.conn, Database: e.db, FHIRCheck: r4Check(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h2.Close() })
	e2 := *e
	e2.h, e2.srv = h2, httptest.NewServer(h2)
	t.Cleanup(e2.srv.Close)
	done := e2.waitDelivery(rec.ID, 20*time.Second)
	if done.Status != lifecycle.Delivered || len(dh.Received()) != 1 {
		t.Fatalf("after the restart: %+v, %d received", done, len(dh.Received()))
	}
}

// Without doctor.fhir.base_url, signing works and the delivery fails
// saying what to set.
func TestClinicalNoteWithoutFHIRServer(t *testing.T) {
	e := newEnv(t, envOptions{noEngine: true, noKafka: true})
	rec := e.createDraft()
	e.sign(rec)
	done := e.waitDelivery(rec.ID, 20*time.Second)
	if done.Status != lifecycle.Failed || done.Delivery.LastError != NoFHIRReason || done.Delivery.Attempts != 0 {
		t.Fatalf("without a FHIR server: %+v", done)
	}
}

func TestClinicalNoteValidation(t *testing.T) {
	e := lifecycleEnv(t, "http://127.0.0.1:1/fhir", nil)
	rec := e.createDraft()
	for _, c := range []struct {
		method, path, body, field string
		status                    int
	}{
		{"POST", "", strings.Replace(draftBody, `"patient_id":"p-100"`, `"patient_id":""`, 1), "patient_id", 400},
		{"POST", "", strings.Replace(draftBody, `"patient_id":"p-100"`, `"patient_id":"p 100"`, 1), "patient_id", 400},
		{"POST", "", strings.Replace(draftBody, `"pulse":96`, `"pulse":960`, 1), "note.vitals", 400},
		{"POST", "", strings.Replace(draftBody, `"pulse":96`, `"pulse":"fast"`, 1), "note.vitals.pulse", 400},
		{"POST", "", strings.Replace(draftBody, `"dose_unit":"mg"`, `"dose_unit":"bucket"`, 1), "note.medications[0].dose_unit", 400},
		// The language becomes the FHIR Bundle's: a note that could never
		// be delivered is not taken.
		{"POST", "", strings.Replace(draftBody, `"language":"ru"`, `"language":" ru"`, 1), "note.language", 400},
		{"PUT", "/" + rec.ID, `{"version":1,"note":{"language":"r u\nx"}}`, "note.language", 400},
		{"POST", "", strings.Replace(draftBody, `"encounter_id"`, `"encounter"`, 1), "encounter", 400},
		{"POST", "", `{"patient_id":"p-1","note":{},"differential":"x"}`, "differential", 400},
		{"POST", "", `{"patient_id":"p-1","note":null}`, "note", 400},
		{"POST", "", `{"patient_id":"p-1","note":{},"differential":[1]}`, "differential", 400},
		{"PUT", "/" + rec.ID, `{"note":{}}`, "version", 400},
		{"PUT", "/" + rec.ID, `{"version":1,"note":{},"confirmed_conditions":[{"icd10":"pneumonia","name":"x"}]}`, "confirmed_conditions[0].icd10", 400},
		{"PUT", "/" + rec.ID, `{"version":1,"note":{},"confirmed_conditions":[{"icd10":"J18.9","name":""}]}`, "confirmed_conditions[0].name", 400},
		{"POST", "/" + rec.ID + "/sign", `{}`, "version", 400},
		// A key given twice: Go would keep the last, a proxy or auditor the first.
		{"POST", "/" + rec.ID + "/sign", `{"version":1,"version":2}`, "version", 400},
		{"PUT", "/" + rec.ID, `{"version":1,"note":{"vitals":{"pulse":96,"pulse":40}}}`, "note.vitals.pulse", 400},
		{"POST", "", `{"patient_id":"p-1","note":{},"source":{"text":"` + strings.Repeat("a", maxClinicalNoteBytes) + `"}}`, "", 413},
	} {
		st, body := e.jsonDo(c.method, "/api/v1/clinical-notes"+c.path, keyOne, c.body)
		if st != c.status {
			t.Errorf("%s %s (%s): %d %s", c.method, c.path, c.field, st, body)
			continue
		}
		var eb struct {
			Error struct{ Field string }
		}
		if err := json.Unmarshal(body, &eb); err != nil || eb.Error.Field != c.field {
			t.Errorf("%s %s: field %q, want %q (%s)", c.method, c.path, eb.Error.Field, c.field, body)
		}
	}
	// The differential as POST /api/v1/notes returns it, an array of
	// conditions, is taken as the diagnosis API's object is.
	if st, body := e.jsonDo("POST", "/api/v1/clinical-notes", keyOne, `{"patient_id":"p-1","note":{},"differential":[{"condition_id":"pneumonia","icd10":["J18.9"],"rank":1}]}`); st != 201 {
		t.Errorf("a differential as /api/v1/notes gives it: %d %s", st, body)
	}
}

// Every route of the doctor API is in the OpenAPI document, and every
// documented operation is a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := OpenAPI()
	h := &Handler{}
	routed := map[string]bool{}
	for _, rt := range h.Routes() {
		routed[strings.ToLower(rt.Method)+" "+rt.Path] = true
		ops, _ := doc.Paths[rt.Path].(obj)
		if _, ok := ops[strings.ToLower(rt.Method)]; !ok {
			t.Errorf("%s %s is not documented", rt.Method, rt.Path)
		}
	}
	for p, ops := range doc.Paths {
		for m := range ops.(obj) {
			if !routed[m+" "+p] && m != "parameters" {
				t.Errorf("documented %s %s is not routed", m, p)
			}
		}
	}
	// Every schema referred to is defined.
	pj, _ := json.Marshal(doc.Paths)
	sj, _ := json.Marshal(doc.Schemas)
	for _, part := range strings.Split(string(pj)+string(sj), `"#/components/schemas/`)[1:] {
		name := part[:strings.Index(part, `"`)]
		if _, ok := doc.Schemas[name]; !ok && name != httpedge.ErrorSchemaName {
			t.Errorf("schema %s is referred to and not defined", name)
		}
	}
}

// A Bundle that fails the checks before sending is not sent: the fault
// is Oqim's, and the record says where.
func TestClinicalNoteUncheckedBundleIsNotSent(t *testing.T) {
	dh, base := digitalHealthcare(t)
	e := newEnv(t, envOptions{noEngine: true, noKafka: true,
		fhirCheck: func([]byte) error { return fmt.Errorf("r4: Bundle.entry[0]: a stand-in fault") },
		tune:      func(c *Config) { c.FHIR = FHIRConfig{BaseURL: base, MaxAttempts: 1} }})
	rec := e.createDraft()
	e.sign(rec)
	done := e.waitDelivery(rec.ID, 20*time.Second)
	if done.Status != lifecycle.Failed || !strings.Contains(done.Delivery.LastError, "R4 parser") || done.Delivery.Attempts != 0 {
		t.Fatalf("delivery: %+v", done.Delivery)
	}
	if n := len(dh.Posts()); n != 0 {
		t.Fatalf("%d POSTs of a Bundle that failed the checks", n)
	}
}

// Eight edits based on the same version arrive at once: one wins, the
// others are told their version is stale.
func TestClinicalNoteConcurrentEdits(t *testing.T) {
	e := lifecycleEnv(t, "http://127.0.0.1:1/fhir", nil)
	rec := e.createDraft()
	const n = 8
	codes := make(chan int, n)
	start := make(chan struct{})
	for range n {
		go func() {
			<-start
			req, _ := http.NewRequest("PUT", e.srv.URL+"/api/v1/clinical-notes/"+rec.ID, strings.NewReader(editBody(rec.Version)))
			req.Header.Set("Authorization", "Bearer "+keyOne)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	close(start)
	count := map[int]int{}
	for range n {
		count[<-codes]++
	}
	if count[http.StatusOK] != 1 || count[http.StatusConflict] != n-1 {
		t.Fatalf("answers %v, want one 200 and %d 409", count, n-1)
	}
	st, body := e.jsonDo("GET", "/api/v1/clinical-notes/"+rec.ID, keyOne, "")
	if got := decode[lifecycle.Record](t, body); st != http.StatusOK || got.Version != 2 {
		t.Fatalf("after the race: %d version %d", st, got.Version)
	}
}

// TestSignedNoteBehindARedirectIsNotDelivered: Digital Healthcare's
// configured base answers with a redirect (a load balancer moving
// http:// to https://, an endpoint that moved). Go's client then repeats
// the POST as a GET, the server's search answers 200, and the note was
// marked delivered although the server never received it: a signed
// clinical note silently lost, with the doctor told it arrived.
func TestSignedNoteBehindARedirectIsNotDelivered(t *testing.T) {
	dh, base := digitalHealthcare(t)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, base+strings.TrimPrefix(r.URL.Path, "/r4"), http.StatusMovedPermanently)
	}))
	t.Cleanup(front.Close)
	e := lifecycleEnv(t, front.URL+"/r4", nil)

	rec := e.sign(e.createDraft())
	rec = e.waitDelivery(rec.ID, 20*time.Second)
	if n := len(dh.Received()); rec.Status == lifecycle.Delivered && n == 0 {
		t.Fatalf("the note is %s (location %q, %d attempt(s)) but Digital Healthcare received %d Bundles",
			rec.Status, rec.Delivery.Location, rec.Delivery.Attempts, n)
	}
	if rec.Status != lifecycle.Failed || !strings.Contains(rec.Delivery.LastError, "redirect") {
		t.Fatalf("want failed with a reason naming the redirect, got %s %q", rec.Status, rec.Delivery.LastError)
	}
}

// A draft never signed holds the dictation, the note and the
// differential. The retention sweep, as `oqim worker retention` runs it,
// deletes such a draft once it has been untouched for the transcript
// retention, and audits it; a signed record (the medical record) and a
// recent draft stay.
func TestRetentionDeletesOldDraftsOnly(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	clock := now.Add(-100 * 24 * time.Hour)
	_, base := digitalHealthcare(t)
	e := newEnv(t, envOptions{noEngine: true, noKafka: true, fhirCheck: r4Check(t), now: func() time.Time { return clock },
		tune: func(c *Config) { c.FHIR = FHIRConfig{BaseURL: base} }})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	old := e.createDraft()
	signed := e.waitDelivery(e.sign(e.createDraft()).ID, 20*time.Second)
	clock = now
	recent := e.createDraft()

	blobs, err := worker.NewBlobs(e.cfg.Jobs.BlobDir)
	if err != nil {
		t.Fatal(err)
	}
	o := e.cfg.Jobs.RetentionOptions(blobs, worker.NewStore(e.conn, e.db), lifecycle.NewStore(e.conn, e.db), e.h.audit)
	o.Now = func() time.Time { return now }
	rep, err := worker.Retain(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.DraftsDeleted) != 1 || rep.DraftsDeleted[0] != old.ID {
		t.Fatalf("deleted drafts %v, want only the 100-day-old draft %s", rep.DraftsDeleted, old.ID)
	}
	versions := func(id string) uint64 {
		var n uint64
		if err := e.conn.QueryRow(ctx, "SELECT count() FROM "+e.db+".clinical_notes WHERE note_id = ?", id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for deadline := time.Now().Add(10 * time.Second); versions(old.ID) > 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the old draft %s still has %d versions with its dictation", old.ID, versions(old.ID))
		}
	}
	if versions(signed.ID) == 0 || versions(recent.ID) == 0 {
		t.Errorf("the signed record (%d versions) or the recent draft (%d) was deleted", versions(signed.ID), versions(recent.ID))
	}
	var audited uint64
	if err := e.conn.QueryRow(ctx, "SELECT count() FROM "+e.db+".doctor_audit WHERE action = 'clinical_note.delete' AND resource_id = ? AND actor = ?",
		old.ID, worker.ActorRetention).Scan(&audited); err != nil {
		t.Fatal(err)
	}
	if audited != 1 {
		t.Errorf("%d audit rows for the deleted draft, want 1", audited)
	}
}
