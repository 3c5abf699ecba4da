package doctorapi

import (
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/audio/audiotest"
)

// A recording's patient and encounter ids are identifiers, checked as the
// JSON paths check them, before anything (the audit of a rejected upload
// included) can hold them.
func TestUploadsRefuseMalformedIDs(t *testing.T) {
	rec := audiotest.TwoPhrases(t, t.TempDir())
	wav := readFile(t, rec.Path)
	e := newEnv(t, envOptions{noKafka: true, tune: func(c *Config) {
		c.DoctorLimits = map[string]Limits{"d-2": {MaxUploadBytes: 4096}}
	}})
	for _, tc := range []struct {
		field, value, key string
	}{
		{"patient_id", "p-1\nforged audit line", keyOne},
		{"patient_id", strings.Repeat("p", 129), keyOne},
		{"encounter_id", "e 1", keyOne},
		// Over d-2's upload limit too: the id is refused first, so the
		// audit of the too-large upload never records it.
		{"patient_id", "p-1\tforged", keyTwo},
	} {
		fields := defaultFields()
		fields[tc.field] = tc.value
		resp, b := e.upload(tc.key, wav, fields)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `"field":"`+tc.field+`"`) {
			t.Errorf("%s %q: %d %.200s, want 400 naming the field", tc.field, tc.value, resp.StatusCode, b)
		}
	}
	for _, r := range e.auditRows() {
		if strings.ContainsAny(r.PatientID, "\n\t") || len(r.PatientID) > 128 {
			t.Errorf("audit row holds a malformed patient id %.40q", r.PatientID)
		}
	}
	if len(e.asr.Requests()) != 0 {
		t.Error("an upload with a malformed id reached the engine")
	}
}

// The process receives a bounded number of recordings at once, and one
// doctor a bounded share of them: slow uploads cannot make it hold more
// in memory, nor let one doctor take every slot. The next upload is told
// to come back, and is taken once a slot frees.
func TestUploadsAreBoundedPerProcessAndDoctor(t *testing.T) {
	rec := audiotest.TwoPhrases(t, t.TempDir())
	wav := readFile(t, rec.Path)
	const keyThree = "doctor-three-key"
	e := newEnv(t, envOptions{noKafka: true, tune: func(c *Config) {
		c.MaxUploads, c.MaxUploadsPerDoctor = 2, 1
		c.APIKeys = append(c.APIKeys, APIKey{DoctorID: "d-3", Name: "Dr Three", KeySHA256: httpedge.HashKey(keyThree)})
	}})

	// stall starts an upload that sends its headers and half its body;
	// finish sends the rest and returns its status.
	stall := func(key string) (finish func() int) {
		pr, pw := io.Pipe()
		t.Cleanup(func() { pw.Close() }) // never leave the server waiting on a body
		mw := multipart.NewWriter(pw)
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/transcriptions", pr)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		done := make(chan int, 1)
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				done <- 0
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			done <- resp.StatusCode
		}()
		for k, v := range defaultFields() {
			mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("audio", "exam.wav")
		fw.Write(wav[:len(wav)/2])
		return func() int {
			fw.Write(wav[len(wav)/2:])
			mw.Close()
			pw.Close()
			return <-done
		}
	}
	// taken waits until the server holds n uploads' slots: the stalled
	// ones have reached the handler.
	taken := func(n int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for e.h.uploads.Running() != n {
			if time.Now().After(deadline) {
				t.Fatalf("%d upload slots taken, want %d", e.h.uploads.Running(), n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	refused := func(key string, want int) {
		t.Helper()
		if resp, b := e.upload(key, wav, defaultFields()); resp.StatusCode != want || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("upload by %s: %d %.200s, want %d with Retry-After", key, resp.StatusCode, b, want)
		}
	}

	finishOne := stall(keyOne)
	taken(1)
	refused(keyOne, http.StatusTooManyRequests) // doctor one's share is taken
	finishTwo := stall(keyTwo)
	taken(2)
	refused(keyThree, http.StatusServiceUnavailable) // and now the process's
	if code := finishOne(); code != http.StatusOK {
		t.Fatalf("the stalled upload finished with %d, want 200", code)
	}
	if resp, b := e.upload(keyOne, wav, defaultFields()); resp.StatusCode != http.StatusOK {
		t.Fatalf("an upload after the slot freed: %d %.200s, want 200", resp.StatusCode, b)
	}
	if code := finishTwo(); code != http.StatusOK {
		t.Fatalf("the second stalled upload finished with %d, want 200", code)
	}
}
