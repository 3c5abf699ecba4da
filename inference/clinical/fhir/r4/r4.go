// Package r4 checks FHIR R4 JSON with Google's FHIR library
// (github.com/google/fhir/go): its parser is generated from the R4
// specification, so it knows every element, data type, cardinality,
// required field and reference target of every resource. It is a second
// opinion beside inference/clinical/fhir.Validate, which knows only the
// resources a clinical note uses but also checks code systems (LOINC
// check digits, ICD-10 and UCUM shapes) and that references resolve.
package r4

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
)

// maxDepth bounds the nesting the parser follows: a Bundle of a note is
// about ten levels deep; a deeper document is refused, not walked.
const maxDepth = 40

// Issue is one problem the parser reported, at an element path.
type Issue struct {
	Path    string
	Message string
}

// Error lists the parser's problems with a document.
type Error struct {
	Issues []Issue
}

func (e *Error) Error() string {
	parts := make([]string, 0, len(e.Issues))
	for _, is := range e.Issues {
		if is.Path != "" {
			parts = append(parts, is.Path+": "+is.Message)
		} else {
			parts = append(parts, is.Message)
		}
	}
	return "r4: " + strings.Join(parts, "; ")
}

// Parser checks FHIR R4 JSON. It is safe for concurrent use: the
// unmarshaller's settings are fixed once built.
type Parser struct {
	u *jsonformat.Unmarshaller
}

// New returns a Parser that validates as it parses (required fields,
// reference types).
func New() (*Parser, error) {
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		return nil, fmt.Errorf("r4: %w", err)
	}
	u.MaxNestingDepth = maxDepth
	return &Parser{u: u}, nil
}

// reporter collects what the parser reports instead of stopping at the
// first problem.
type reporter struct{ issues []Issue }

func (r *reporter) ReportValidationError(path string, err error) error {
	r.issues = append(r.issues, Issue{Path: path, Message: err.Error()})
	return nil
}

func (r *reporter) ReportValidationWarning(string, error) error { return nil }

// Check parses data as an R4 resource of type want ("" for any) and
// returns nil or an *Error.
func (p *Parser) Check(data []byte, want string) error {
	rep := &reporter{}
	msg, err := p.u.UnmarshalWithErrorReporter(data, rep)
	if err != nil {
		rep.issues = append(rep.issues, Issue{Message: err.Error()})
	}
	if err == nil && want != "" && msg != nil {
		// The parser returns the R4 ContainedResource, whose one set
		// field is named after the resource type.
		got := ""
		m := msg.ProtoReflect()
		if oneofs := m.Descriptor().Oneofs(); oneofs.Len() > 0 {
			if f := m.WhichOneof(oneofs.Get(0)); f != nil && f.Message() != nil {
				got = string(f.Message().Name())
			}
		}
		if got != want {
			rep.issues = append(rep.issues, Issue{Path: "resourceType", Message: fmt.Sprintf("want %s, got %s", want, got)})
		}
	}
	if len(rep.issues) > 0 {
		return &Error{Issues: rep.issues}
	}
	return nil
}

// CheckBundle is Check for a Bundle.
func (p *Parser) CheckBundle(data []byte) error { return p.Check(data, "Bundle") }

// IsInvalid reports whether err is the parser's verdict on the document
// (rather than another failure).
func IsInvalid(err error) bool {
	var e *Error
	return errors.As(err, &e)
}
