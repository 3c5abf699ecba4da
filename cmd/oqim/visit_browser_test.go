package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/connectors/chromium/chromiumtest"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/asr/asrtest"
	"github.com/oqim/oqim/inference/clinical/audio"
	"github.com/oqim/oqim/inference/clinical/audio/audiotest"
	"github.com/oqim/oqim/inference/clinical/doctorapi"
	"github.com/oqim/oqim/inference/clinical/fhir/fhirtest"
	"github.com/oqim/oqim/inference/clinical/fhir/standin"
)

// visitDictation is what the doctor says, spoken by espeak-ng into
// Chromium's fake microphone, and what the speech-server double answers
// for it (the double does not listen; the test checks the audio itself).
const visitDictation = "Жалобы на кашель, одышку и температуру. Болеет три дня. " +
	"Объективно: температура 38,5, пульс 96, давление 130 на 85. " +
	"Назначено: ибупрофен 400 мг при температуре."

// TestDoctorVisitInBrowser is a whole visit in the doctor's workspace,
// served by the routes `oqim serve` mounts, over real ClickHouse, with
// Debian's Chromium recording a spoken dictation from its fake
// microphone. Only the edges are stand-ins: the speech model (a double
// speaking the OpenAI transcription protocol) and Digital Healthcare (the
// FHIR stand-in, over HTTP). The doctor signs in, records for about three
// seconds, stops; the transcript, note and differential appear; the
// doctor corrects the temperature (signing is refused while it is out of
// range), answers the next best question and the differential changes,
// confirms the leading condition and signs; the page shows the note
// delivered, and Digital Healthcare holds a final Bundle with the
// corrected temperature and the confirmed Condition.
//
// It logs the time from the stop click to the note and to the
// differential on screen, and the speech server's own time; the
// workspace README quotes them.
func TestDoctorVisitInBrowser(t *testing.T) {
	wav := audiotest.Speak(t, t.TempDir(), "dictation.wav", "ru", visitDictation)
	conn, db := clinicalDatabase(t)
	speech := asrtest.NewTranscriptionProtocolDouble(t)
	speech.SetTranscript(visitDictation)
	// Digital Healthcare is the FHIR stand-in, reached over HTTP.
	dh, dhURL := fhirtest.StandIn(t, standin.Config{})

	const doctorKey = "visit-doctor-key"
	cfg := config.Default()
	cfg.ClickHouse.Database = db
	cfg.Doctor.APIKeys = []doctorapi.APIKey{{DoctorID: "d-visit", Name: "Dr Visit", KeySHA256: httpedge.HashKey(doctorKey)}}
	cfg.Doctor.FHIR.BaseURL = dhURL
	cfg.ASR = config.ASRConfig{Engine: "openai", BaseURL: speech.URL + "/v1", Model: "whisper-1", APIKey: speech.APIKey}
	srv := serveRoutes(t, conn, cfg)

	page := chromiumtest.NewPage(t, 1280, 1700, 50*time.Second,
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-audio-capture", wav),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	eval := page.EvalString
	page.Open(srv.URL+"/doctor/", `#key`)
	page.Do(
		chromedp.SendKeys(chromedp.CSS(`#key`), doctorKey),
		chromedp.SendKeys(chromedp.CSS(`#patient`), "PINFL-31234567890123"),
		chromedp.SendKeys(chromedp.CSS(`#encounter`), "enc-visit-1"),
	)
	// The clock starts in the capture phase of the stop click, before the
	// page's own handler encodes the WAV; observers note when the note
	// form and the differential first get content; the level meter's
	// highest value is sampled while recording.
	eval(`(() => {
		window.visit = { levelMax: 0 };
		document.addEventListener("click", (e) => { if (e.target.id === "stop") window.visit.stopAt = performance.now(); }, true);
		const seen = (id, key) => new MutationObserver((_, o) => {
			if (document.getElementById(id).children.length) { window.visit[key] = performance.now(); o.disconnect(); }
		}).observe(document.getElementById(id), { childList: true });
		seen("note", "noteAt"); seen("ddx", "ddxAt");
		// The texts the page sends to the diagnosis endpoint.
		window.visit.dxTexts = []; window.visit.dxLangs = [];
		const f = window.fetch;
		window.fetch = (u, o) => {
			if (String(u).includes("/api/v1/diagnosis") && o && o.body) { const b = JSON.parse(o.body); window.visit.dxTexts.push(b.text); window.visit.dxLangs.push(b.language); }
			return f(u, o);
		};
		setInterval(() => { window.visit.levelMax = Math.max(window.visit.levelMax, document.getElementById("level").value); }, 50);
		return "";
	})()`)

	page.Do(chromedp.Click(chromedp.CSS(`#rec`)))
	page.Do(chromedp.WaitEnabled(chromedp.CSS(`#stop`)))
	time.Sleep(3 * time.Second)
	if lvl := eval(`String(window.visit.levelMax)`); parseFloat(t, lvl) < 0.02 {
		t.Errorf("level meter peaked at %s while the fake microphone spoke; want it to move", lvl)
	}
	if tm := eval(`document.getElementById("timer").textContent`); tm == "0:00" {
		t.Errorf("timer still %s after 3 s of recording", tm)
	}
	page.Do(
		chromedp.Click(chromedp.CSS(`#stop`)),
		chromedp.WaitVisible(chromedp.CSS(`#ddx li`)),
		chromedp.WaitVisible(chromedp.CSS(`#question button`)),
	)
	if st := eval(`document.getElementById("status").textContent`); !strings.Contains(st, "Tayyor") {
		t.Fatalf("status after upload %q, want done", st)
	}
	// The differential reads the complaints, history and examination,
	// not the plan's drug, which would be NSAID use.
	if dx := eval(`JSON.stringify(window.visit.dxTexts)`); !strings.Contains(dx, "кашель") || !strings.Contains(dx, "пульс 96") || strings.Contains(dx, "ибупрофен") {
		t.Errorf("texts sent to the diagnosis endpoint %s; want the complaints and examination without the plan", dx)
	}
	// It is asked for in the page's language and script ("uz" alone had
	// answered an Uzbek Cyrillic page in Latin script).
	pageLang := eval(`document.getElementById("lang").value`)
	if langs := eval(`JSON.stringify(window.visit.dxLangs)`); langs == "[]" || strings.Trim(strings.ReplaceAll(langs, `"`+pageLang+`"`, ""), "[],") != "" {
		t.Errorf("languages sent to the diagnosis endpoint %s on a %s page; want the page's", langs, pageLang)
	}
	toNote := parseFloat(t, eval(`String(window.visit.noteAt - window.visit.stopAt)`))
	toDDX := parseFloat(t, eval(`String(window.visit.ddxAt - window.visit.stopAt)`))

	// The recording reached the speech server: one upload, about as long
	// as the doctor spoke, and not silence.
	reqs := speech.Requests()
	if len(reqs) != 1 {
		t.Fatalf("speech server got %d requests, want 1", len(reqs))
	}
	clip := reqs[0].Audio
	if d := clip.Duration(); d < 2*time.Second || d > 6*time.Second {
		t.Errorf("uploaded audio lasts %s; recorded about 3 s", d)
	}
	if r := rms(clip.Samples); r < 0.01 {
		t.Errorf("uploaded audio RMS %.4f: silence, not the dictation", r)
	}
	// And it is the dictation: its loudness over time follows the start
	// of espeak-ng's file (Chromium's default fake microphone, a beep,
	// would not).
	if r, lag := followsDictation(t, clip, wav); r < 0.5 {
		t.Errorf("uploaded audio does not follow the dictation: best envelope correlation %.2f (lag %s)", r, lag)
	} else {
		t.Logf("uploaded audio follows the dictation: envelope correlation %.2f at lag %s", r, lag)
	}
	asrTime := reqs[0].Finished.Sub(reqs[0].Started)
	// Where the time went, from the browser's resource timings: the WAV
	// encoding before the upload starts, the transcription request
	// (upload, decoding, the speech server, the note, the audit row in
	// ClickHouse) and the diagnosis request.
	split := eval(`(() => {
		const r = (p) => performance.getEntriesByType("resource").find((e) => e.name.endsWith(p));
		const tr = r("/api/v1/transcriptions"), dx = r("/api/v1/diagnosis");
		if (!tr || !dx) return "no resource timings";
		return "encoding " + (tr.startTime - window.visit.stopAt).toFixed(0) + " ms, transcription request " + tr.duration.toFixed(0) + " ms, diagnosis request " + dx.duration.toFixed(0) + " ms";
	})()`)
	t.Logf("stop click → note on screen %.0f ms, → differential on screen %.0f ms (%s); speech server %s for %s of audio",
		toNote, toDDX, split, asrTime.Round(100*time.Microsecond), clip.Duration().Round(10*time.Millisecond))

	if tr := eval(`document.getElementById("transcript").textContent`); !strings.Contains(tr, "давление 130 на 85") {
		t.Errorf("transcript on screen %q", tr)
	}
	const temp = "n-vitals-temperature_c"
	for field, want := range map[string]string{"temperature_c": "38.5", "pulse": "96", "bp_systolic": "130", "bp_diastolic": "85", "spo2": ""} {
		if got := eval(`(() => { const e = document.getElementById("n-vitals-` + field + `"); return e ? e.value : "missing"; })()`); got != want {
			t.Errorf("note form %s = %q, want %q (spoken)", field, got, want)
		}
	}
	if got := eval(`document.getElementById("n-sections-complaints").value`); !strings.Contains(got, "кашель") {
		t.Errorf("complaints %q", got)
	}
	ddx := eval(`document.getElementById("ddx").textContent`)
	if !regexp.MustCompile(`\b[A-Z][0-9]{2}(\.[0-9]+)?\b`).MatchString(ddx) {
		t.Errorf("differential shows no ICD-10 code: %q", ddx)
	}

	// The doctor corrects the temperature: a value outside the plausible
	// range is marked invalid, then the right one is typed.
	retype := func(id, v string) {
		t.Helper()
		page.Do(chromedp.Focus(chromedp.ID(id)))
		eval(`(document.getElementById("` + id + `").select(), "")`)
		page.Do(chromedp.KeyEvent(v))
	}
	retype(temp, "93.1")
	if inv := eval(`document.getElementById("` + temp + `").getAttribute("aria-invalid")`); inv != "true" {
		t.Errorf("temperature 93.1 not marked invalid (aria-invalid %q)", inv)
	}
	// Signing now would sign the old value the form still holds: refused.
	page.Do(chromedp.Click(chromedp.CSS(`#sign`)))
	if msg := eval(`document.getElementById("delivery").textContent`); !strings.Contains(msg, "Qizil maydonlarni tuzating") {
		t.Errorf("signing with an invalid field: page says %q, want it refused", msg)
	}
	retype(temp, "39.1")
	if inv := eval(`document.getElementById("` + temp + `").getAttribute("aria-invalid")`); inv != "false" {
		t.Errorf("temperature 39.1 marked invalid (aria-invalid %q)", inv)
	}

	// The next best question, answered with its first button, changes
	// the differential.
	question := eval(`document.querySelector("#question p").textContent`)
	answer := eval(`document.querySelector("#question button").textContent`)
	page.Do(chromedp.Click(chromedp.CSS(`#question button`)))
	page.Do(chromedp.Poll[chromedp.Void](`document.querySelector("#question p") && document.querySelector("#question p").textContent !== ` + strconv.Quote(question)))
	after := eval(`document.getElementById("ddx").textContent`)
	if after == ddx {
		t.Errorf("answering %q with %q left the differential as it was: %q", question, answer, after)
	}
	t.Logf("question %q answered %q; differential before %q, after %q", question, answer, ddx, after)

	// The doctor confirms the leading condition and signs; the page
	// follows the delivery until Digital Healthcare has the Bundle.
	page.Do(chromedp.Click(chromedp.CSS(`#ddx li input[type=checkbox]`)))
	leading := eval(`document.querySelector("#ddx li input[type=checkbox] + label").textContent`)
	code := regexp.MustCompile(`^[A-Z][0-9]{2}(\.[0-9]+)?`).FindString(leading)
	if code == "" {
		t.Fatalf("leading condition %q has no ICD-10 code first", leading)
	}
	signed := time.Now()
	page.Do(
		chromedp.Click(chromedp.CSS(`#sign`)),
		chromedp.Poll[chromedp.Void](`/^(delivered|failed)$/.test(document.getElementById("delivery").dataset.status)`, chromedp.WithPollingTimeout(20*time.Second)),
	)
	if st := eval(`document.getElementById("delivery").dataset.status + " | " + document.getElementById("delivery").textContent`); !strings.HasPrefix(st, "delivered | Yuborildi → "+cfg.Doctor.FHIR.BaseURL+"/Bundle/") {
		t.Fatalf("after signing the page says %q, want delivered with its location", st)
	}
	t.Logf("sign click → delivered on screen %s (the page looks after 250, 500 ms, then every second)", time.Since(signed).Round(time.Millisecond))
	if d := eval(`String(document.getElementById("` + temp + `").disabled && document.getElementById("sign").disabled)`); d != "true" {
		t.Errorf("the signed note's form still takes edits")
	}
	got := dh.Received()
	if len(got) != 1 {
		t.Fatalf("Digital Healthcare received %d Bundles, want 1", len(got))
	}
	checkDeliveredBundle(t, got[0].Bundle, 39.1, code, "PINFL-31234567890123")

	// The filled page (note, differential, question, delivery) passes
	// axe-core's WCAG A and AA rules; the empty page is checked in the
	// workspace package.
	t.Run("accessibility", func(t *testing.T) {
		chromiumtest.Page{T: t, Ctx: page.Ctx}.CheckAxe("", "after the visit")
	})
	eval(`(window.scrollTo(0, 0), "")`)
	page.Screenshot("doctor-visit.png")
}

// checkDeliveredBundle checks what Digital Healthcare received: a
// document Bundle whose Composition is final, whose body temperature is
// the doctor's corrected value (not the spoken one) and whose confirmed
// Condition is the one the doctor ticked, for the patient entered.
func checkDeliveredBundle(t *testing.T, raw []byte, temperature float64, icd10, patient string) {
	t.Helper()
	var b struct {
		ResourceType string `json:"resourceType"`
		Type         string `json:"type"`
		Entry        []struct {
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatalf("delivered Bundle: %v", err)
	}
	if b.ResourceType != "Bundle" || b.Type != "document" {
		t.Errorf("delivered %s of type %q, want a document Bundle", b.ResourceType, b.Type)
	}
	byType := map[string][]map[string]any{}
	for _, e := range b.Entry {
		rt, _ := e.Resource["resourceType"].(string)
		byType[rt] = append(byType[rt], e.Resource)
	}
	if c := byType["Composition"]; len(c) != 1 || c[0]["status"] != "final" {
		t.Errorf("Composition %v, want one, final", c)
	}
	var temps []any
	for _, o := range byType["Observation"] {
		if codes(o["code"])["http://loinc.org|8310-5"] {
			q, _ := o["valueQuantity"].(map[string]any)
			temps = append(temps, q["value"])
			if o["status"] != "final" {
				t.Errorf("temperature Observation status %v, want final", o["status"])
			}
		}
	}
	if len(temps) != 1 || temps[0] != temperature {
		t.Errorf("body temperature Observations carry %v, want the corrected %v", temps, temperature)
	}
	confirmed := 0
	for _, c := range byType["Condition"] {
		if codes(c["verificationStatus"])["http://terminology.hl7.org/CodeSystem/condition-ver-status|confirmed"] {
			confirmed++
			if !codes(c["code"])["http://hl7.org/fhir/sid/icd-10|"+icd10] {
				t.Errorf("confirmed Condition coded %v, want ICD-10 %s", c["code"], icd10)
			}
		}
	}
	if confirmed != 1 {
		t.Errorf("%d confirmed Conditions, want the 1 the doctor ticked", confirmed)
	}
	if !strings.Contains(string(raw), patient) {
		t.Errorf("the Bundle does not name the patient %s", patient)
	}
}

// codes is the system|code pairs of a CodeableConcept.
func codes(v any) map[string]bool {
	out := map[string]bool{}
	cc, _ := v.(map[string]any)
	list, _ := cc["coding"].([]any)
	for _, c := range list {
		m, _ := c.(map[string]any)
		out[fmt.Sprint(m["system"])+"|"+fmt.Sprint(m["code"])] = true
	}
	return out
}

func parseFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number from the page: %q", s)
	}
	return f
}

// followsDictation is the best Pearson correlation of the loudness
// envelopes (20 ms frames) of rec and of the first seconds of the WAV
// file ref, over lags of up to 1 s either way, and that lag.
func followsDictation(t *testing.T, rec audio.Clip, ref string) (float64, time.Duration) {
	t.Helper()
	f, err := os.Open(ref)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, _, err := audio.Decode(f, audio.Limits{})
	if err != nil {
		t.Fatalf("decoding the dictation: %v", err)
	}
	const frame = 20 * time.Millisecond
	a, b := envelope(rec, frame), envelope(want, frame)
	best, bestLag := -1.0, 0
	for lag := -50; lag <= 50; lag++ {
		var x, y []float64
		for i := range a {
			if j := i + lag; j >= 0 && j < len(b) {
				x, y = append(x, a[i]), append(y, b[j])
			}
		}
		if len(x) < len(a)/2 {
			continue
		}
		if r := pearson(x, y); r > best {
			best, bestLag = r, lag
		}
	}
	return best, time.Duration(bestLag) * frame
}

func envelope(c audio.Clip, frame time.Duration) []float64 {
	n := int(int64(c.SampleRate) * int64(frame) / int64(time.Second))
	var out []float64
	for i := 0; i+n <= len(c.Samples); i += n {
		out = append(out, rms(c.Samples[i:i+n]))
	}
	return out
}

func pearson(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx, my = mx+x[i], my+y[i]
	}
	mx, my = mx/float64(len(x)), my/float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	if sxx == 0 || syy == 0 {
		return 0
	}
	return sxy / math.Sqrt(sxx*syy)
}

func rms(s []float32) float64 {
	var sum float64
	for _, x := range s {
		sum += float64(x) * float64(x)
	}
	if len(s) == 0 {
		return 0
	}
	return math.Sqrt(sum / float64(len(s)))
}
