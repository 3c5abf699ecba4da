package doctorapi

import (
	"net/http"
	"strings"
	"testing"

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
