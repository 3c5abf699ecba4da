package r4_test

import (
	"strings"
	"testing"

	"github.com/oqim/oqim/inference/clinical/fhir"
	"github.com/oqim/oqim/inference/clinical/fhir/fhirtest"
	"github.com/oqim/oqim/inference/clinical/fhir/r4"
)

func TestOqimsBundleParses(t *testing.T) {
	p, err := r4.New()
	if err != nil {
		t.Fatal(err)
	}
	data := fhirtest.FinalBundle(t)
	if err := p.CheckBundle(data); err != nil {
		t.Fatalf("Google's R4 parser refuses the Bundle Build makes: %v", err)
	}
	if err := p.Check(data, "Patient"); err == nil || !r4.IsInvalid(err) {
		t.Fatalf("a Bundle checked as a Patient: %v", err)
	}
}

// The parser is a real check: each of these breaks R4 in a way the
// parser must name.
func TestParserRefusesInvalidR4(t *testing.T) {
	p, err := r4.New()
	if err != nil {
		t.Fatal(err)
	}
	good := string(fhirtest.FinalBundle(t))
	for name, bad := range map[string]string{
		"unknown element":      strings.Replace(good, `"type":"document"`, `"type":"document","colour":"red"`, 1),
		"bad code":             strings.Replace(good, `"type":"document"`, `"type":"novel"`, 1),
		"bad date":             strings.Replace(good, `"recordedDate":"2026-12-04T09:00:00Z"`, `"recordedDate":"4 Dec 2026"`, 1),
		"not JSON":             good[:len(good)/2],
		"wrong primitive type": strings.Replace(good, `"value":96`, `"value":"ninety-six"`, 1),
		"not a resource":       `{"resourceType":"Spaceship"}`,
		// The Composition comes first; its status is required.
		"missing required": strings.Replace(good, `"status":"final",`, ``, 1),
	} {
		if bad == good {
			t.Fatalf("%s: the test's replacement did not apply", name)
		}
		err := p.CheckBundle([]byte(bad))
		if err == nil || !r4.IsInvalid(err) {
			t.Errorf("%s: accepted (%v)", name, err)
		}
	}
}

// How long the second opinion costs per Bundle, beside Oqim's own
// validator.
func BenchmarkCheck(b *testing.B) {
	p, err := r4.New()
	if err != nil {
		b.Fatal(err)
	}
	data := fhirtest.FinalBundle(b)
	b.Run("r4", func(b *testing.B) {
		for b.Loop() {
			if err := p.CheckBundle(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("oqim", func(b *testing.B) {
		for b.Loop() {
			if err := fhir.Validate(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
