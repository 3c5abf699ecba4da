package fhir

import "testing"

func TestLOINCCheckDigit(t *testing.T) {
	for _, c := range []string{"8480-6", "8462-4", "85354-9", "8867-4", "8310-5", "59408-5", "2708-6", "8716-3", "10154-3", "10164-2", "29545-1", "51848-0", "18776-5", "11506-3", "2345-7", "718-7"} {
		if !validLOINC(c) {
			t.Errorf("%s: check digit rejected", c)
		}
	}
	for _, c := range []string{"8480-5", "8462-0", "85354-1", "8867", "x-1"} {
		if validLOINC(c) {
			t.Errorf("%s: accepted", c)
		}
	}
}
