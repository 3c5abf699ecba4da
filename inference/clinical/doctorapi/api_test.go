package doctorapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/oqim/oqim/inference/clinical/audio"
	"github.com/oqim/oqim/inference/clinical/audio/audiotest"
	"github.com/oqim/oqim/inference/clinical/worker"
	"github.com/oqim/oqim/inference/clinical/worker/workertest"
)

const noteText = "Жалобы: головная боль, кашель. Объективно: АД 140/90, пульс 88, температура 37,8. " +
	"Диагноз: ОРВИ. Назначено: парацетамол 500 мг 3 раза в день 5 дней."

func signJWT(t *testing.T, method jwt.SigningMethod, secret any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAuthentication(t *testing.T) {
	rec := &auditRecorder{}
	e := newEnv(t, envOptions{audit: rec, noEngine: true})
	secret := []byte(e.cfg.JWT.Secret)
	body := []byte(`{"text":"` + noteText + `"}`)
	exp := time.Now().Add(time.Hour).Unix()
	for _, tc := range []struct {
		name, cred string
		want       int
	}{
		{"none", "", http.StatusUnauthorized},
		{"unknown key", "not-a-key", http.StatusUnauthorized},
		{"key", keyOne, http.StatusOK},
		{"jwt", signJWT(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"iss": "oqim", "aud": "oqim-doctor", "sub": "d-9", "exp": exp}), http.StatusOK},
		{"jwt expired", signJWT(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"iss": "oqim", "aud": "oqim-doctor", "sub": "d-9", "exp": time.Now().Add(-time.Hour).Unix()}), http.StatusUnauthorized},
		{"jwt without exp", signJWT(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"iss": "oqim", "aud": "oqim-doctor", "sub": "d-9"}), http.StatusUnauthorized},
		{"jwt without sub", signJWT(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"iss": "oqim", "aud": "oqim-doctor", "exp": exp}), http.StatusUnauthorized},
		{"jwt other secret", signJWT(t, jwt.SigningMethodHS256, []byte("another-secret-of-at-least-32-bytes"), jwt.MapClaims{"iss": "oqim", "aud": "oqim-doctor", "sub": "d-9", "exp": exp}), http.StatusUnauthorized},
		// Same secret, but minted for the BI: the audience refuses it.
		{"jwt for the BI", signJWT(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"iss": "oqim", "aud": "oqim-bi", "sub": "d-9", "exp": exp}), http.StatusUnauthorized},
		{"jwt without aud", signJWT(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"iss": "oqim", "sub": "d-9", "exp": exp}), http.StatusUnauthorized},
		{"jwt other issuer", signJWT(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"iss": "elsewhere", "aud": "oqim-doctor", "sub": "d-9", "exp": exp}), http.StatusUnauthorized},
		{"jwt HS512", signJWT(t, jwt.SigningMethodHS512, secret, jwt.MapClaims{"iss": "oqim", "aud": "oqim-doctor", "sub": "d-9", "exp": exp}), http.StatusUnauthorized},
		{"jwt none", signJWT(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.MapClaims{"iss": "oqim", "aud": "oqim-doctor", "sub": "d-9", "exp": exp}), http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.do(http.MethodPost, "/api/v1/notes", tc.cred, "application/json", body)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, b)
			}
			if tc.want == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	// Every endpoint is closed without credentials.
	for _, p := range []string{"/api/v1/transcriptions/0123456789abcdef0123456789abcdef", "/api/v1/transcriptions/0123456789abcdef0123456789abcdef/events"} {
		if resp, _ := e.do(http.MethodGet, p, "", "", nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without credentials: %d", p, resp.StatusCode)
		}
	}
	if resp, _ := e.do(http.MethodPost, "/api/v1/transcriptions", "", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST transcriptions without credentials: %d", resp.StatusCode)
	}
	// The JWT's subject is the doctor on the audit trail, and what the
	// edge refused is on it too.
	refused := func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return hasAudit(rec.records, worker.AuditRecord{Action: "http.refused", Outcome: worker.OutcomeRejected})
	}
	for deadline := time.Now().Add(2 * time.Second); !refused() && time.Now().Before(deadline); { // written in the background
		time.Sleep(10 * time.Millisecond)
	}
	if !refused() {
		t.Error("no audit record for a refused request")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if !hasAudit(rec.records, worker.AuditRecord{Action: "note.create", DoctorID: "d-9", Outcome: worker.OutcomeOK}) {
		t.Errorf("no audit record for the JWT doctor: %+v", rec.records)
	}
}

func TestNotes(t *testing.T) {
	e := newEnv(t, envOptions{noEngine: true, noKafka: true})
	age := `"age":45,"sex":"male",`
	resp, b := e.do(http.MethodPost, "/api/v1/notes", keyOne, "application/json",
		[]byte(`{`+age+`"patient_id":"p-1","text":"`+noteText+`"}`))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	got := decode[noteResponse](t, b)
	if got.Note == nil || got.Note.Vitals.BPSystolic != 140 || got.Note.Vitals.Pulse != 88 || len(got.Note.Medications) != 1 {
		t.Fatalf("note not structured: %s", b)
	}
	if len(got.Differential) == 0 || got.Differential[0].Rank == 0 {
		t.Fatalf("age and sex given but no differential: %s", b)
	}
	// A differential never comes bare: decision support says so, and one
	// drawn from a complaint or two says how little it rests on.
	if got.DifferentialDisclaimer == "" {
		t.Errorf("a differential without its disclaimer: %s", b)
	}
	resp, b = e.do(http.MethodPost, "/api/v1/notes", keyOne, "application/json",
		[]byte(`{`+age+`"text":"Жалобы: кашель. Объективно: пульс 80."}`))
	if got := decode[noteResponse](t, b); resp.StatusCode != http.StatusOK || len(got.Differential) == 0 || got.DifferentialWarning == "" {
		t.Errorf("a differential from one complaint without the few-findings warning: %d %s", resp.StatusCode, b)
	}

	// Without age and sex: the note only; the transcript form works too.
	resp, b = e.do(http.MethodPost, "/api/v1/notes", keyOne, "application/json",
		[]byte(`{"transcript":{"text":"`+noteText+`","segments":[]}}`))
	if resp.StatusCode != http.StatusOK || strings.Contains(string(b), "differential") {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}

	// FHIR needs the patient; then it is a document Bundle naming the doctor.
	if resp, b := e.do(http.MethodPost, "/api/v1/notes?format=fhir", keyOne, "application/json", []byte(`{"text":"`+noteText+`"}`)); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("fhir without patient: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(http.MethodPost, "/api/v1/notes?format=fhir", keyOne, "application/json",
		[]byte(`{`+age+`"patient_id":"p-1","encounter_id":"e-1","text":"`+noteText+`"}`))
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/fhir+json") {
		t.Fatalf("fhir: %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	bundle := decode[map[string]any](t, b)
	if bundle["resourceType"] != "Bundle" || bundle["type"] != "document" || !strings.Contains(string(b), `"d-1"`) || !strings.Contains(string(b), `"p-1"`) {
		t.Fatalf("not a document Bundle for p-1 by d-1: %.300s", b)
	}

	for _, bad := range []string{`{}`, `{"text":"x","sex":"other"}`, `{"text":"x","age":-1}`, `{"text":"x","unknown":1}`, `not json`} {
		if resp, b := e.do(http.MethodPost, "/api/v1/notes", keyOne, "application/json", []byte(bad)); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, b)
		}
	}

	rows := e.auditRows()
	if !hasAudit(rows, worker.AuditRecord{Actor: "doctor", Action: "note.create", DoctorID: "d-1", PatientID: "p-1", ResourceID: "e-1", Outcome: worker.OutcomeOK}) {
		t.Errorf("no audit row for the FHIR note: %+v", rows)
	}
	if len(rows) != 4 {
		t.Errorf("%d audit rows, want 4 (one per note served): %+v", len(rows), rows)
	}
}

// The ids of POST /api/v1/notes reach the audit record and the Bundle, so
// they are bounded identifiers, as on the transcription and clinical-note
// paths: not a megabyte, not a line break that splits an exported log.
func TestNotesRefuseMalformedIDs(t *testing.T) {
	e := newEnv(t, envOptions{noEngine: true, noKafka: true})
	for _, tc := range []struct{ field, body string }{
		{"patient_id", `{"patient_id":"` + strings.Repeat("p", 100_000) + `","text":"` + noteText + `"}`},
		{"patient_id", `{"patient_id":"p-1\nforged audit line","text":"` + noteText + `"}`},
		{"encounter_id", `{"patient_id":"p-1","encounter_id":"` + strings.Repeat("e", 129) + `","text":"` + noteText + `"}`},
		{"encounter_id", `{"patient_id":"p-1","encounter_id":"e 1","text":"` + noteText + `"}`},
	} {
		resp, b := e.do(http.MethodPost, "/api/v1/notes?format=fhir", keyOne, "application/json", []byte(tc.body))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `"field":"`+tc.field+`"`) {
			t.Errorf("%.60s: %d %.200s, want 400 naming %s", tc.body, resp.StatusCode, b, tc.field)
		}
	}
	if rows := e.auditRows(); len(rows) != 0 {
		t.Errorf("refused requests reached the audit: %d rows, first patient_id %.40q", len(rows), rows[0].PatientID)
	}
}

func TestAuditFailureRefusesData(t *testing.T) {
	rec := &auditRecorder{err: errors.New("audit store down")}
	e := newEnv(t, envOptions{audit: rec, noEngine: true})
	resp, b := e.do(http.MethodPost, "/api/v1/notes", keyOne, "application/json", []byte(`{"text":"`+noteText+`"}`))
	if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(string(b), "sections") {
		t.Fatalf("unaudited note served: %d %s", resp.StatusCode, b)
	}
}

func TestNoEngine(t *testing.T) {
	rec := &auditRecorder{}
	e := newEnv(t, envOptions{audit: rec, noEngine: true})
	resp, b := e.upload(keyOne, []byte("RIFF...."), defaultFields())
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), `engine to \"openai\"`) {
		t.Fatalf("status %d, want 503 with what to configure: %s", resp.StatusCode, b)
	}
	if resp, b := e.do(http.MethodPost, "/api/v1/notes", keyOne, "application/json", []byte(`{"text":"`+noteText+`"}`)); resp.StatusCode != http.StatusOK {
		t.Fatalf("notes without an engine: %d %s", resp.StatusCode, b)
	}
}

func TestUploadRejections(t *testing.T) {
	dir := t.TempDir()
	rec := audiotest.TwoPhrases(t, dir)
	wav := readFile(t, rec.Path)
	e := newEnv(t, envOptions{noKafka: true, tune: func(c *Config) {
		c.MaxDuration = rec.Duration / 2
		c.DoctorLimits = map[string]Limits{"d-2": {MaxUploadBytes: 4096}}
	}})

	ogg := append([]byte("OggS\x00\x02"), make([]byte, 200)...)
	resp, b := e.upload(keyOne, ogg, defaultFields())
	if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(string(b), "WAV") || !strings.Contains(string(b), "MP3") {
		t.Fatalf("ogg: %d %s; want 415 naming the supported formats", resp.StatusCode, b)
	}
	resp, b = e.upload(keyOne, wav, defaultFields())
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "limit") {
		t.Fatalf("too long: %d %s", resp.StatusCode, b)
	}
	resp, b = e.upload(keyTwo, wav, defaultFields())
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "4096") {
		t.Fatalf("over d-2's upload limit: %d %s", resp.StatusCode, b)
	}
	for field, fields := range map[string]map[string]string{
		"patient_id": {"encounter_id": "e"},
		"language":   {"patient_id": "p", "encounter_id": "e", "language": "en"},
	} {
		resp, b := e.upload(keyOne, wav, fields)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), field) {
			t.Errorf("missing/bad %s: %d %s", field, resp.StatusCode, b)
		}
	}
	if resp, b := e.do(http.MethodPost, "/api/v1/transcriptions", keyOne, "application/json", []byte(`{}`)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("JSON instead of multipart: %d %s", resp.StatusCode, b)
	}
	rows := e.auditRows()
	if !hasAudit(rows, worker.AuditRecord{Action: "transcription.create", DoctorID: "d-2", PatientID: "p-100", Outcome: worker.OutcomeRejected}) {
		t.Errorf("rejected upload not audited: %+v", rows)
	}
	if len(e.asr.Requests()) != 0 {
		t.Error("a rejected upload reached the engine")
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Date(2025, 11, 3, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, envOptions{audit: &auditRecorder{}, noEngine: true, now: clock, tune: func(c *Config) {
		c.Limits = Limits{RequestsPerMinute: 2, Burst: 2}
	}})
	body := []byte(`{"text":"` + noteText + `"}`)
	for i := range 2 {
		if resp, b := e.do(http.MethodPost, "/api/v1/notes", keyOne, "application/json", body); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, b)
		}
	}
	resp, b := e.do(http.MethodPost, "/api/v1/notes", keyOne, "application/json", body)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "30" {
		t.Fatalf("third request: %d Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	// Buckets are per doctor.
	if resp, b := e.do(http.MethodPost, "/api/v1/notes", keyTwo, "application/json", body); resp.StatusCode != http.StatusOK {
		t.Fatalf("other doctor limited: %d %s", resp.StatusCode, b)
	}
	mu.Lock()
	now = now.Add(30 * time.Second)
	mu.Unlock()
	if resp, b := e.do(http.MethodPost, "/api/v1/notes", keyOne, "application/json", body); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the refill: %d %s", resp.StatusCode, b)
	}
}

func TestSyncTranscription(t *testing.T) {
	rec := audiotest.TwoPhrases(t, t.TempDir())
	e := newEnv(t, envOptions{noKafka: true})
	resp, b := e.upload(keyOne, readFile(t, rec.Path), map[string]string{"language": "uz", "patient_id": "p-7", "encounter_id": "e-7"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	got := decode[jobView](t, b)
	if got.Status != "done" || got.Transcript == nil || len(got.Transcript.Segments) == 0 || got.Note == nil || got.PatientID != "p-7" {
		t.Fatalf("incomplete answer: %s", b)
	}
	// Segments are the double's, shifted to the recording's time line, in
	// order and within it.
	prev := int64(-1)
	for i, s := range got.Transcript.Segments {
		if s.Seq != i || s.StartMS < prev || s.EndMS > rec.Duration.Milliseconds()+50 || !strings.HasPrefix(s.Text, "[") {
			t.Fatalf("segment %d out of place: %+v (recording %s)", i, s, rec.Duration)
		}
		prev = s.StartMS
	}
	reqs := e.asr.Requests()
	if len(reqs) == 0 || reqs[0].Language != "uz" {
		t.Fatalf("engine requests %+v, want language uz", reqs)
	}
	if !hasAudit(e.auditRows(), worker.AuditRecord{Actor: "doctor", Action: "transcription.create", DoctorID: "d-1", PatientID: "p-7", ResourceID: got.ID, Outcome: worker.OutcomeOK}) {
		t.Errorf("sync transcription not audited: %+v", e.auditRows())
	}
}

// sseEvent is one server-sent event with when it arrived.
type sseEvent struct {
	name, id, data string
	at             time.Time
}

// readSSE reads a whole event stream.
func readSSE(t *testing.T, ctx context.Context, url, cred string) (int, []sseEvent) {
	t.Helper()
	resp, stream := openStream(t, ctx, url, cred)
	var events []sseEvent
	for ev := range stream {
		events = append(events, ev)
	}
	return resp.StatusCode, events
}

func TestAsyncTranscriptionThroughKafka(t *testing.T) {
	rec := audiotest.Long(t, t.TempDir())
	if rec.Duration <= DefaultSyncMaxDuration {
		t.Fatalf("generated recording is %s, not over the synchronous limit", rec.Duration)
	}
	e := newEnv(t, envOptions{})
	e.asr.SetDelay(300 * time.Millisecond) // chunks finish one after another

	resp, b := e.upload(keyOne, readFile(t, rec.Path), map[string]string{"language": "ru", "patient_id": "p-42", "encounter_id": "e-42"})
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	accepted := decode[map[string]any](t, b)
	id, _ := accepted["id"].(string)
	loc := resp.Header.Get("Location")
	if !worker.ValidID(id) || loc != "/api/v1/transcriptions/"+id || accepted["status"] != "queued" {
		t.Fatalf("202 answer %s, Location %q", b, loc)
	}
	if resp, b := e.do(http.MethodGet, loc, keyOne, "", nil); resp.StatusCode != http.StatusOK || decode[jobView](t, b).Status != "queued" {
		t.Fatalf("queued job: %d %s", resp.StatusCode, b)
	}
	// Only its doctor sees it.
	for _, p := range []string{loc, loc + "/events"} {
		if resp, b := e.do(http.MethodGet, p, keyTwo, "", nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("another doctor got %s: %d %s", p, resp.StatusCode, b)
		}
	}

	// The stream is open before the workers start, so it sees every stage.
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	type result struct {
		status int
		events []sseEvent
	}
	streamed := make(chan result, 1)
	go func() {
		s, ev := readSSE(t, ctx, e.srv.URL+loc+"/events", keyOne)
		streamed <- result{s, ev}
	}()
	time.Sleep(200 * time.Millisecond)

	opts := worker.Options{Config: e.cfg.Jobs, Kafka: e.kafka, ClickHouse: e.conn, Database: e.db,
		Engine: e.engine, Backoff: 50 * time.Millisecond}
	defer workertest.Run(t, ctx, opts, worker.RunASR, worker.RunNotes)()

	var res result
	select {
	case res = <-streamed:
	case <-ctx.Done():
		t.Fatal("the event stream did not finish")
	}
	if res.status != http.StatusOK || len(res.events) == 0 {
		t.Fatalf("stream status %d, %d events", res.status, len(res.events))
	}
	last := res.events[len(res.events)-1]
	if last.name != "done" {
		t.Fatalf("last event %q %s, want done", last.name, last.data)
	}
	final := decode[jobView](t, []byte(last.data))
	if final.Transcript == nil || final.Note == nil || final.AudioMS < 60000 {
		t.Fatalf("final event without the result: %.300s", last.data)
	}
	var segs []worker.Segment
	var statuses []string
	for _, ev := range res.events {
		switch ev.name {
		case "segment":
			s := decode[worker.Segment](t, []byte(ev.data))
			if ev.id != strconv.Itoa(s.Seq) || s.Seq != len(segs) {
				t.Fatalf("segment %d arrived as %d (id %s): out of order", len(segs), s.Seq, ev.id)
			}
			segs = append(segs, s)
		case "status":
			statuses = append(statuses, decode[map[string]string](t, []byte(ev.data))["status"])
		}
	}
	if len(segs) != len(final.Transcript.Segments) || len(segs) < 20 {
		t.Fatalf("streamed %d segments, the transcript has %d", len(segs), len(final.Transcript.Segments))
	}
	for i := range segs {
		if segs[i] != final.Transcript.Segments[i] {
			t.Fatalf("streamed segment %d %+v differs from the transcript's %+v", i, segs[i], final.Transcript.Segments[i])
		}
	}
	if fmt.Sprint(statuses) != "[queued running done]" {
		t.Errorf("status events %v, want [queued running done]", statuses)
	}
	// Partial: the first segment was streamed before the engine had
	// finished the last chunk.
	reqs := e.asr.Requests()
	if len(reqs) < 3 {
		t.Fatalf("%d engine requests, want a chunk per 30 s", len(reqs))
	}
	var firstSeg time.Time
	for _, ev := range res.events {
		if ev.name == "segment" {
			firstSeg = ev.at
			break
		}
	}
	// Requests are listed by arrival; the last chunk is the one answered last.
	var lastDone time.Time
	for _, r := range reqs {
		if r.Finished.After(lastDone) {
			lastDone = r.Finished
		}
	}
	if !firstSeg.Before(lastDone) {
		t.Errorf("first segment streamed at %s, after the last chunk finished at %s: not partial", firstSeg, lastDone)
	}

	resp, b = e.do(http.MethodGet, loc, keyOne, "", nil)
	if got := decode[jobView](t, b); resp.StatusCode != http.StatusOK || got.Status != "done" || got.Note == nil || got.Transcript.Text != final.Transcript.Text {
		t.Fatalf("GET after done: %d %.300s", resp.StatusCode, b)
	}

	rows := e.auditRows()
	for _, want := range []worker.AuditRecord{
		{Actor: "doctor", Action: "transcription.create", DoctorID: "d-1", ResourceID: id, PatientID: "p-42", Outcome: worker.OutcomeOK},
		{Actor: "doctor", Action: "transcription.read", DoctorID: "d-1", ResourceID: id, Outcome: worker.OutcomeOK},
		{Actor: "doctor", Action: "transcription.events", DoctorID: "d-1", ResourceID: id, Outcome: worker.OutcomeOK},
		{Actor: "doctor", Action: "transcription.read", DoctorID: "d-2", ResourceID: id, Outcome: worker.OutcomeNotFound},
		{Actor: worker.ActorASR, Action: "audio.read", DoctorID: "d-1", ResourceID: id, PatientID: "p-42", Outcome: worker.OutcomeOK},
		{Actor: worker.ActorASR, Action: "transcript.write", DoctorID: "d-1", ResourceID: id, Outcome: worker.OutcomeOK},
		{Actor: worker.ActorNotes, Action: "transcript.read", DoctorID: "d-1", ResourceID: id, Outcome: worker.OutcomeOK},
		{Actor: worker.ActorNotes, Action: "note.write", DoctorID: "d-1", ResourceID: id, Outcome: worker.OutcomeOK},
	} {
		if !hasAudit(rows, want) {
			t.Errorf("no audit row %+v", want)
		}
	}
}

func TestLongRecordingWithoutKafka(t *testing.T) {
	// A 61 s clip of low noise: long enough to need the workers.
	clip := audio.Clip{SampleRate: 8000, Samples: make([]float32, 8000*61)}
	var buf strings.Builder
	_ = audio.EncodeWAV(&buf, clip)
	e := newEnv(t, envOptions{noKafka: true})
	resp, b := e.upload(keyOne, []byte(buf.String()), defaultFields())
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "Kafka") {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
}
