package fhir

import "testing"

func TestReadHeadGivesTheIdentifierToken(t *testing.T) {
	for _, tc := range []struct{ in, typ, token string }{
		{`{"resourceType":"Bundle","identifier":{"system":"urn:oqim:note","value":"n-1"}}`, "Bundle", "urn:oqim:note|n-1"},
		{`{"resourceType":"Bundle","identifier":{"system":"urn:oqim:note"}}`, "Bundle", ""},
		{`{"resourceType":"Patient","identifier":{"value":"x"}}`, "Patient", ""},
		{`{"resourceType":"Bundle"}`, "Bundle", ""},
	} {
		h, err := ReadHead([]byte(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if h.ResourceType != tc.typ || h.IdentifierToken() != tc.token {
			t.Errorf("%s: type %q token %q, want %q %q", tc.in, h.ResourceType, h.IdentifierToken(), tc.typ, tc.token)
		}
	}
	if _, err := ReadHead([]byte(`[1,2]`)); err == nil {
		t.Error("an array read as a resource head")
	}
}
