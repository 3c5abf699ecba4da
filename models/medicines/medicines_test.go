package medicines

import (
	"strings"
	"testing"
)

func TestManifestMatchesLexicon(t *testing.T) {
	m, err := ReadManifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.SHA256 != Checksum() {
		t.Errorf("manifest sha256 %s, lexicon %s: update manifest.json after editing medicines.txt", m.SHA256, Checksum())
	}
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != m.Entries {
		t.Errorf("manifest says %d entries, lexicon has %d", m.Entries, len(all))
	}
	if len(all) < 200 {
		t.Errorf("only %d medicines", len(all))
	}
	if len(m.Sources) == 0 {
		t.Error("manifest names no source")
	}
}

func TestParseRejectsBadLines(t *testing.T) {
	for _, bad := range []string{
		"E | paracetamol | - | - | -",
		"X | paracetamol | парацетамол | - | -",
		"E | paracetamol | парацетамол",
		"E | paracetamol | a | - | -\nL | paracetamol | b | - | -",
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
	ms, err := Parse([]byte("# c\nL | drotaverine | дротаверин | drotaverin | Но-шпа; No-shpa\n"))
	if err != nil || len(ms) != 1 || ms[0].Essential || len(ms[0].Brands) != 2 || !strings.Contains(strings.Join(ms[0].Spellings(), ","), "Но-шпа") {
		t.Fatalf("got %+v, %v", ms, err)
	}
}
