// Package schema is Oqim's registry of event types: for each family of
// types, the fields its data carries, their validation rules, and the
// ClickHouse table it lands in. The registry is declared in types.yaml so
// that adding a type is a data change, reviewed like one.
package schema

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"

	"gopkg.in/yaml.v3"
)

//go:embed types.yaml
var typesYAML []byte

// Kind is a field's value type.
type Kind string

const (
	String Kind = "string"
	Enum   Kind = "enum"
	Int    Kind = "int"
	Float  Kind = "float"
	Bool   Kind = "bool"
	Time   Kind = "time"
)

// Field is one key of an event's data object.
type Field struct {
	Name      string   `yaml:"name"`
	Kind      Kind     `yaml:"type"`
	Required  bool     `yaml:"required"`
	Values    []string `yaml:"values"`
	Min       *float64 `yaml:"min"`
	Max       *float64 `yaml:"max"`
	Normalize bool     `yaml:"normalize"`
}

// Family is a set of event types sharing a table: <Name>.<event>.
type Family struct {
	Name        string   `yaml:"family"`
	Table       string   `yaml:"table"`
	EventColumn string   `yaml:"event_column"`
	Events      []string `yaml:"events"`
	Fields      []Field  `yaml:"fields"`
	// RegionOptional accepts events without a region (national services);
	// a region that is given must still be valid.
	RegionOptional bool `yaml:"region_optional"`
}

// Envelope columns come first in every table, in this order.
var EnvelopeColumns = []string{"id", "source", "time", "region", "district"}

// Columns lists the table's insert columns: the envelope, the event
// column, each field, then the search keys of normalised fields.
func (f *Family) Columns() []string {
	cols := append(slices.Clone(EnvelopeColumns), f.EventColumn)
	for _, fd := range f.Fields {
		cols = append(cols, fd.Name)
	}
	for _, fd := range f.Fields {
		if fd.Normalize {
			cols = append(cols, fd.Name+"_key")
		}
	}
	return cols
}

// Type returns the full type name of event i.
func (f *Family) Type(i int) string { return f.Name + "." + f.Events[i] }

// Registry resolves event types to families.
type Registry struct {
	Families []*Family
	byType   map[string]typeRef
}

type typeRef struct {
	family *Family
	event  int
}

// Load parses the embedded types.yaml.
func Load() (*Registry, error) { return Parse(typesYAML) }

var (
	ident      = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	familyName = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)
)

// Parse reads a registry in types.yaml's format and checks it.
func Parse(b []byte) (*Registry, error) {
	var fams []*Family
	if err := yaml.Unmarshal(b, &fams); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	r := &Registry{Families: fams, byType: map[string]typeRef{}}
	tables := map[string]bool{}
	for _, f := range fams {
		if err := f.check(); err != nil {
			return nil, err
		}
		if tables[f.Table] {
			return nil, fmt.Errorf("schema: table %s is used by two families", f.Table)
		}
		tables[f.Table] = true
		for i := range f.Events {
			t := f.Type(i)
			if _, dup := r.byType[t]; dup {
				return nil, fmt.Errorf("schema: type %s is declared twice", t)
			}
			r.byType[t] = typeRef{f, i}
		}
	}
	return r, nil
}

func (f *Family) check() error {
	where := "schema: family " + f.Name
	if !familyName.MatchString(f.Name) {
		return fmt.Errorf("%s: name must be lower-case words joined by dots, e.g. portal.application", where)
	}
	if !ident.MatchString(f.Table) || !ident.MatchString(f.EventColumn) {
		return fmt.Errorf("%s: table %q and event_column %q must be lower-case identifiers", where, f.Table, f.EventColumn)
	}
	if len(f.Events) == 0 {
		return fmt.Errorf("%s: no events", where)
	}
	seen := map[string]bool{f.EventColumn: true}
	for _, c := range EnvelopeColumns {
		seen[c] = true
	}
	for _, fd := range f.Fields {
		if !ident.MatchString(fd.Name) || seen[fd.Name] || seen[fd.Name+"_key"] {
			return fmt.Errorf("%s: field %q is not a unique lower-case identifier", where, fd.Name)
		}
		seen[fd.Name] = true
		switch fd.Kind {
		case String, Int, Float, Bool, Time:
		case Enum:
			if len(fd.Values) == 0 {
				return fmt.Errorf("%s: enum field %s has no values", where, fd.Name)
			}
		default:
			return fmt.Errorf("%s: field %s has unknown type %q", where, fd.Name, fd.Kind)
		}
		if fd.Normalize && fd.Kind != String {
			return fmt.Errorf("%s: only string fields can be normalised (%s is %s)", where, fd.Name, fd.Kind)
		}
		if fd.Normalize {
			seen[fd.Name+"_key"] = true
		}
	}
	return nil
}

// Lookup finds the family and event index of a type. It does not
// allocate: the map index with a converted []byte is optimised away.
func (r *Registry) Lookup(typ []byte) (*Family, int, bool) {
	ref, ok := r.byType[string(typ)]
	return ref.family, ref.event, ok
}

// Family returns the family with the given name.
func (r *Registry) Family(name string) (*Family, bool) {
	for _, f := range r.Families {
		if f.Name == name {
			return f, true
		}
	}
	return nil, false
}

// Types lists every type name, for error messages and docs.
func (r *Registry) Types() []string {
	var out []string
	for _, f := range r.Families {
		for i := range f.Events {
			out = append(out, f.Type(i))
		}
	}
	return out
}
