package standin_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fhirclient "github.com/oqim/oqim/connectors/fhir"
	"github.com/oqim/oqim/inference/clinical/fhir/fhirtest"
	"github.com/oqim/oqim/inference/clinical/fhir/standin"
)

type outcome struct {
	ResourceType string
	Issue        []struct {
		Severity, Code, Diagnostics string
		Expression                  []string
	}
}

func post(t *testing.T, url, contentType string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// Oqim's own client delivers to the stand-in; a repeated send is stored
// once; GET lists what arrived.
func TestStandinStoresBundlesOnce(t *testing.T) {
	dir := t.TempDir()
	s, base := fhirtest.StandIn(t, standin.Config{Token: "dh-token", Dir: dir})
	c, err := fhirclient.New(fhirclient.Config{BaseURL: base, Token: "dh-token", MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	data := fhirtest.FinalBundle(t)
	first, err := c.Send(t.Context(), data)
	if err != nil || first.Status != http.StatusCreated || !strings.HasPrefix(first.Location, base+"/Bundle/") {
		t.Fatalf("first send: %+v, %v", first, err)
	}
	again, err := c.Send(t.Context(), data)
	if err != nil || again.Status != http.StatusOK || again.Location != first.Location {
		t.Fatalf("repeated send: %+v, %v", again, err)
	}
	got := s.Received()
	if len(got) != 1 || got[0].Identifier != "urn:oqim:clinical-note|n-1" {
		t.Fatalf("received %+v", got)
	}
	if onDisk, err := os.ReadFile(filepath.Join(dir, got[0].ID+".json")); err != nil || !bytes.Equal(onDisk, data) {
		t.Fatalf("the Bundle in the directory: %v", err)
	}
	// The Location a create gives is a version read that answers.
	if code := getStatus(t, first.Location); code != http.StatusOK {
		t.Errorf("GET %s (the create's Location): %d, want 200", first.Location, code)
	}
	if code := getStatus(t, strings.Replace(first.Location, "/_history/1", "/_history/2", 1)); code != http.StatusNotFound {
		t.Errorf("a version never written: %d, want 404", code)
	}
	resp, err := http.Get(base + "/Bundle")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Type  string
		Total int
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || list.Type != "searchset" || list.Total != 1 {
		t.Fatalf("list: %+v, %v", list, err)
	}
	// Without the token: 401.
	bad, _ := fhirclient.New(fhirclient.Config{BaseURL: base, Token: "wrong", MaxAttempts: 1})
	if _, err := bad.Send(t.Context(), data); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong token: %v", err)
	}
}

// An invalid Bundle is refused with an OperationOutcome naming where it
// is wrong, by Oqim's validator and by Google's R4 parser, and is not
// stored.
func TestStandinRefusesInvalidBundles(t *testing.T) {
	s, base := fhirtest.StandIn(t, standin.Config{MaxBody: 64 << 10})
	good := string(fhirtest.FinalBundle(t))
	for _, c := range []struct {
		name, body, contentType string
		status                  int
		want                    string // in the OperationOutcome
	}{
		{"unknown element", strings.Replace(good, `"type":"document"`, `"type":"document","colour":"red"`, 1), "application/fhir+json", 422, "colour"},
		{"provisional code misspelt", strings.Replace(good, `"code":"confirmed"`, `"code":"sure"`, 1), "application/fhir+json", 422, "verificationStatus"},
		{"dangling reference", strings.Replace(good, `"subject":{"reference":"urn:uuid:`, `"subject":{"reference":"urn:uuid:0`, 1), "application/fhir+json", 422, "subject"},
		{"not JSON", good[:100], "application/fhir+json", 400, "not a JSON object"},
		{"not a Bundle", `{"resourceType":"Patient"}`, "application/fhir+json", 400, "Patient"},
		{"wrong media type", good, "text/plain", 415, "application/fhir+json"},
		{"too large", `{"resourceType":"Bundle","pad":"` + strings.Repeat("x", 70<<10) + `"}`, "application/fhir+json", 413, "larger than"},
	} {
		if c.body == good && c.contentType != "text/plain" {
			t.Fatalf("%s: the replacement did not apply", c.name)
		}
		resp, body := post(t, base+"/Bundle", c.contentType, []byte(c.body))
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d %s", c.name, resp.StatusCode, body)
			continue
		}
		var oo outcome
		if err := json.Unmarshal(body, &oo); err != nil || oo.ResourceType != "OperationOutcome" || len(oo.Issue) == 0 {
			t.Errorf("%s: not an OperationOutcome: %s", c.name, body)
			continue
		}
		if !strings.Contains(string(body), c.want) {
			t.Errorf("%s: the outcome does not name %q: %s", c.name, c.want, body)
		}
	}
	// Both validators speak for an unknown element.
	resp, body := post(t, base+"/Bundle", "application/fhir+json", []byte(strings.Replace(good, `"type":"document"`, `"type":"document","colour":"red"`, 1)))
	if resp.StatusCode != 422 || !strings.Contains(string(body), "oqim: ") || !strings.Contains(string(body), "r4 parser: ") {
		t.Errorf("both validators should report the unknown element: %s", body)
	}
	if n := len(s.Received()); n != 0 {
		t.Fatalf("%d invalid bundles stored", n)
	}
}

func getStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
