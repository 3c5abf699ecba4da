package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oqim/oqim/cmd/oqim/config"
	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/doctorapi"
	"github.com/oqim/oqim/inference/clinical/fhir/fhirtest"
	"github.com/oqim/oqim/inference/clinical/fhir/standin"
)

// serveForTest runs serverRoutes as serve wires them, over a fresh
// database, with a BI secret and the doctor key "doctor-key".
func serveForTest(t *testing.T, tune func(*config.Config)) *httptest.Server {
	t.Helper()
	conn, db := clinicalDatabase(t)
	cfg := config.Default()
	cfg.ClickHouse.Database = db
	cfg.Access.JWT.Secret = "a-bi-secret-of-at-least-32-bytes!!"
	cfg.Doctor.APIKeys = []doctorapi.APIKey{{DoctorID: "d-1", Name: "Dr One", KeySHA256: httpedge.HashKey("doctor-key")}}
	if tune != nil {
		tune(&cfg)
	}
	return serveRoutes(t, conn, cfg)
}

// call sends a JSON request as the doctor "doctor-key".
func call(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	return send(t, method, url, "doctor-key", "application/json", body)
}

// signAndWait creates, signs and follows a note until its delivery ends.
func signAndWait(t *testing.T, base string) map[string]any {
	t.Helper()
	code, body := call(t, "POST", base+"/api/v1/clinical-notes", `{"patient_id":"p-1","note":{"language":"ru","sections":{"complaints":"кашель"},"vitals":{"pulse":90}}}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var rec map[string]any
	json.Unmarshal([]byte(body), &rec)
	id := rec["id"].(string)
	if code, body := call(t, "POST", base+"/api/v1/clinical-notes/"+id+"/sign", `{"version":1}`); code != http.StatusOK {
		t.Fatalf("sign: %d %s", code, body)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		_, body := call(t, "GET", base+"/api/v1/clinical-notes/"+id, "")
		json.Unmarshal([]byte(body), &rec)
		if rec["status"] == "delivered" || rec["status"] == "failed" {
			return rec
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("delivery did not end: %v", rec)
	return nil
}

// Serve delivers signed notes to the configured FHIR server, and without
// one keeps them with the delivery failed saying what to set; the
// OpenAPI document lists the lifecycle.
func TestServeDeliversSignedNotes(t *testing.T) {
	dh, dhURL := fhirtest.StandIn(t, standin.Config{Token: "dh-token"})

	srv := serveForTest(t, func(c *config.Config) {
		c.Doctor.FHIR = doctorapi.FHIRConfig{BaseURL: dhURL, Token: "dh-token", MaxAttempts: 2, MinBackoff: 10 * time.Millisecond}
	})
	rec := signAndWait(t, srv.URL)
	if rec["status"] != "delivered" || len(dh.Received()) != 1 {
		t.Fatalf("with a FHIR server: %v, %d received", rec, len(dh.Received()))
	}
	code, doc := call(t, "GET", srv.URL+"/api/openapi.json", "")
	if code != http.StatusOK || !strings.Contains(doc, `"/api/v1/clinical-notes/{id}/sign"`) || !strings.Contains(doc, `"ClinicalNote"`) {
		t.Errorf("the OpenAPI document lacks the lifecycle: %d", code)
	}

	off := serveForTest(t, nil)
	rec = signAndWait(t, off.URL)
	if rec["status"] != "failed" || !strings.Contains(rec["delivery"].(map[string]any)["last_error"].(string), "doctor.fhir.base_url is not set") {
		t.Fatalf("without a FHIR server: %v", rec)
	}
}

// diagnosis.red_flag_severity* reach the engine serve builds.
func TestServeDiagnosisSettings(t *testing.T) {
	const text = `{"age":60,"sex":"male","language":"ru","text":"Давящая боль в груди, отдаёт в левую руку и челюсть, одышка, холодный пот."}`
	flags := func(srv *httptest.Server) int {
		code, body := call(t, "POST", srv.URL+"/api/v1/diagnosis", text)
		if code != http.StatusOK {
			t.Fatalf("diagnosis: %d %s", code, body)
		}
		return strings.Count(body, `"red_flag":true`)
	}
	def := flags(serveForTest(t, nil))
	strict := flags(serveForTest(t, func(c *config.Config) {
		c.Diagnosis.RedFlagSeverity1, c.Diagnosis.RedFlagSeverity2 = 0.999, 0.999
	}))
	if def == 0 || strict >= def {
		t.Fatalf("red flags: %d with the defaults, %d with thresholds at 0.999", def, strict)
	}
}
