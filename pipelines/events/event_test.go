package events

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// What a producer writes through Event, Parser reads back field by field:
// a renamed tag fails here rather than as records the pipeline refuses.
func TestEventParsesBack(t *testing.T) {
	type payload struct {
		N int `json:"n"`
	}
	at := time.Date(2025, 11, 3, 8, 30, 0, 0, time.UTC)
	b, err := json.Marshal(Event[payload]{ID: "e1", Source: "s", Type: "t.x", Time: at, Region: "UZ-JI", District: "d", Data: payload{N: 7}})
	if err != nil {
		t.Fatal(err)
	}
	var p Parser
	env, err := p.Parse(b)
	if err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	got := map[string]string{
		FieldID: string(env.ID.GetStringBytes()), FieldSource: string(env.Source.GetStringBytes()),
		FieldType: string(env.Type.GetStringBytes()), FieldTime: string(env.Time.GetStringBytes()),
		FieldRegion: string(env.Region.GetStringBytes()), FieldDistrict: string(env.District.GetStringBytes()),
		FieldData: env.Data.String(),
	}
	want := map[string]string{FieldID: "e1", FieldSource: "s", FieldType: "t.x", FieldTime: "2025-11-03T08:30:00Z",
		FieldRegion: "UZ-JI", FieldDistrict: "d", FieldData: `{"n":7}`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s parsed as %v, want %v", b, got, want)
	}

	// Every key Event writes is an envelope key Parser knows.
	known := []string{FieldID, FieldSource, FieldType, FieldTime, FieldRegion, FieldDistrict, FieldData}
	ty := reflect.TypeFor[Event[payload]]()
	for i := range ty.NumField() {
		name, _, _ := strings.Cut(ty.Field(i).Tag.Get("json"), ",")
		if !slices.Contains(known, name) {
			t.Errorf("Event.%s is written as %q, which is not an envelope key", ty.Field(i).Name, name)
		}
	}

	// Region and district are optional on the wire; the rest are not.
	b, _ = json.Marshal(Event[payload]{ID: "e2"})
	if env, err := p.Parse(b); err != nil || env.Region != nil || env.District != nil || env.Time == nil {
		t.Errorf("%s: region %v district %v time %v (err %v), want only region and district absent", b, env.Region, env.District, env.Time, err)
	}
}
