package fhir

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// Issue is one structural problem of a Bundle, with the FHIRPath-like
// location of the element.
type Issue struct {
	Path    string
	Message string
}

// ValidationError lists every issue found.
type ValidationError struct {
	Issues []Issue
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fhir: %d structural issue(s):", len(e.Issues))
	for _, is := range e.Issues {
		fmt.Fprintf(&b, "\n  %s: %s", is.Path, is.Message)
	}
	return b.String()
}

// Validate checks the FHIR R4 JSON of a Bundle: the elements each resource
// type allows and requires, cardinalities, the codes of required value
// sets, references (each must resolve within the Bundle), coding systems
// (LOINC check digits, ICD-10 code shape, UCUM quantities), ids and
// dates. It checks structure, not clinical content or terminology
// membership beyond the code systems' syntax.
func Validate(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return &ValidationError{Issues: []Issue{{Path: "Bundle", Message: "not a JSON object: " + err.Error()}}}
	}
	v := &validator{urls: map[string]string{}, ids: map[string]bool{}}
	v.bundle(root)
	if len(v.issues) == 0 {
		return nil
	}
	return &ValidationError{Issues: v.issues}
}

type validator struct {
	issues []Issue
	urls   map[string]string // fullUrl → resource type
	ids    map[string]bool   // "Type/id"
	refs   []Issue           // references to resolve once every entry is known; Message holds the reference
}

func (v *validator) add(path, format string, args ...any) {
	v.issues = append(v.issues, Issue{Path: path, Message: fmt.Sprintf(format, args...)})
}

// LanguageTag reports whether s is a well-formed BCP 47 tag ("ru",
// "uz-Latn", "en-GB"): the FHIR language code a receiver parses. The
// pattern keeps out what x/text's parser forgives (case aside it takes
// "ru_RU"); the parser refuses subtags of the wrong length or order
// ("ru-a", "ru-RU-RU").
func LanguageTag(s string) bool {
	if !languageRe.MatchString(s) {
		return false
	}
	_, err := language.Parse(s)
	return err == nil
}

// ValidICD10 reports whether code is shaped as a WHO ICD-10 code, the
// edition Uzbekistan codes in: a category (J18) or a subcategory (J18.9).
// A fifth character exists only in the chapters that define one (F, M,
// S to Y) and in J96 (respiratory failure, since 2013); elsewhere a code
// such as I48.91 is the US clinical modification's, which WHO ICD-10 does
// not have (it has I48.9).
func ValidICD10(code string) bool {
	if !icd10Re.MatchString(code) {
		return false
	}
	return len(code) < 6 || strings.ContainsRune("FMSTVWXY", rune(code[0])) || strings.HasPrefix(code, "J96.")
}

// WHOCode cuts a code of the US clinical modification to its WHO ICD-10
// subcategory (I48.91 to I48.9), so that a note signed before codes were
// checked for WHO shape is still delivered; any other code is returned as
// it is.
func WHOCode(code string) string {
	if ValidICD10(code) {
		return code
	}
	if dot := strings.IndexByte(code, '.'); dot == 3 && len(code) > dot+2 && ValidICD10(code[:dot+2]) {
		return code[:dot+2]
	}
	return code
}

// wellFormed parses an XHTML narrative as XML: a character XML 1.0
// forbids (U+0001, U+FFFE) makes a receiver that parses it refuse the
// whole Bundle.
func wellFormed(div string) error {
	d := xml.NewDecoder(strings.NewReader(div))
	for {
		if _, err := d.Token(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

var (
	languageRe = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)
	idRe       = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)
	uriRe      = regexp.MustCompile(`^(urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|urn:oid:[0-2](\.(0|[1-9][0-9]*))+|urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+|https?://\S+)$`)
	dateTimeRe = regexp.MustCompile(`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$`)
	instantRe  = regexp.MustCompile(`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$`)
	codeRe     = regexp.MustCompile(`^[^\s]+( [^\s]+)*$`)
	icd10Re    = regexp.MustCompile(`^[A-Z][0-9]{2}(\.[0-9]{1,2})?$`)
	loincRe    = regexp.MustCompile(`^([0-9]{1,7})-([0-9])$`)
	xhtmlDivRe = regexp.MustCompile(`^<div xmlns="http://www\.w3\.org/1999/xhtml"[^>]*>[\s\S]*</div>$`)
)

// Value sets bound with required strength in R4.
var (
	bundleTypes  = codes("document", "message", "transaction", "transaction-response", "batch", "batch-response", "history", "searchset", "collection")
	encStatus    = codes("planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled", "entered-in-error", "unknown")
	compStatus   = codes("preliminary", "final", "amended", "entered-in-error")
	obsStatus    = codes("registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown")
	condClinical = codes("active", "recurrence", "relapse", "inactive", "remission", "resolved")
	condVerif    = codes("unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error")
	mrStatus     = codes("active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft", "unknown")
	mrIntent     = codes("proposal", "plan", "order", "original-order", "reflex-order", "filler-order", "instance-order", "option")
	narrStatus   = codes("generated", "extensions", "additional", "empty")
	timeUnits    = codes("s", "min", "h", "d", "wk", "mo", "a")
)

func codes(cs ...string) map[string]bool {
	m := make(map[string]bool, len(cs))
	for _, c := range cs {
		m[c] = true
	}
	return m
}

// elements lists the R4 elements of each resource type this package
// accepts, marking the required ones with a trailing "!". An element not
// listed is reported: a misspelt element would be silently dropped by a
// server.
var elements = map[string][]string{
	"Bundle": {"resourceType!", "id", "meta", "implicitRules", "language", "identifier", "type!", "timestamp", "total", "link", "entry", "signature"},
	"Patient": {"resourceType!", "id", "meta", "implicitRules", "language", "text", "contained", "extension", "modifierExtension",
		"identifier", "active", "name", "telecom", "gender", "birthDate", "deceasedBoolean", "deceasedDateTime", "address",
		"maritalStatus", "multipleBirthBoolean", "multipleBirthInteger", "photo", "contact", "communication",
		"generalPractitioner", "managingOrganization", "link"},
	"Practitioner": {"resourceType!", "id", "meta", "implicitRules", "language", "text", "contained", "extension", "modifierExtension",
		"identifier", "active", "name", "telecom", "address", "gender", "birthDate", "photo", "qualification", "communication"},
	"Encounter": {"resourceType!", "id", "meta", "implicitRules", "language", "text", "contained", "extension", "modifierExtension",
		"identifier", "status!", "statusHistory", "class!", "classHistory", "type", "serviceType", "priority", "subject",
		"episodeOfCare", "basedOn", "participant", "appointment", "period", "length", "reasonCode", "reasonReference",
		"diagnosis", "account", "hospitalization", "location", "serviceProvider", "partOf"},
	"Composition": {"resourceType!", "id", "meta", "implicitRules", "language", "text", "contained", "extension", "modifierExtension",
		"identifier", "status!", "type!", "category", "subject", "encounter", "date!", "author!", "title!", "confidentiality",
		"attester", "custodian", "relatesTo", "event", "section"},
	"Observation": {"resourceType!", "id", "meta", "implicitRules", "language", "text", "contained", "extension", "modifierExtension",
		"identifier", "basedOn", "partOf", "status!", "category", "code!", "subject", "focus", "encounter",
		"effectiveDateTime", "effectivePeriod", "effectiveTiming", "effectiveInstant", "issued", "performer",
		"valueQuantity", "valueCodeableConcept", "valueString", "valueBoolean", "valueInteger", "valueRange", "valueRatio",
		"valueSampledData", "valueTime", "valueDateTime", "valuePeriod", "dataAbsentReason", "interpretation", "note",
		"bodySite", "method", "specimen", "device", "referenceRange", "hasMember", "derivedFrom", "component"},
	"Condition": {"resourceType!", "id", "meta", "implicitRules", "language", "text", "contained", "extension", "modifierExtension",
		"identifier", "clinicalStatus", "verificationStatus", "category", "severity", "code", "bodySite", "subject!",
		"encounter", "onsetDateTime", "onsetAge", "onsetPeriod", "onsetRange", "onsetString", "abatementDateTime",
		"abatementAge", "abatementPeriod", "abatementRange", "abatementString", "recordedDate", "recorder", "asserter",
		"stage", "evidence", "note"},
	"MedicationRequest": {"resourceType!", "id", "meta", "implicitRules", "language", "text", "contained", "extension", "modifierExtension",
		"identifier", "status!", "statusReason", "intent!", "category", "priority", "doNotPerform", "reportedBoolean",
		"reportedReference", "medicationCodeableConcept", "medicationReference", "subject!", "encounter",
		"supportingInformation", "authoredOn", "requester", "performer", "performerType", "recorder", "reasonCode",
		"reasonReference", "instantiatesCanonical", "instantiatesUri", "basedOn", "groupIdentifier", "courseOfTherapyType",
		"insurance", "note", "dosageInstruction", "dispenseRequest", "substitution", "priorPrescription", "detectedIssue",
		"eventHistory"},
}

// checkElements reports unknown and missing elements of a resource.
func (v *validator) checkElements(path, typ string, r map[string]any) {
	allowed := map[string]bool{}
	for _, e := range elements[typ] {
		name, required := strings.CutSuffix(e, "!")
		allowed[name] = true
		if required && !present(r[name]) {
			v.add(path+"."+name, "required element is missing")
		}
	}
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := strings.TrimPrefix(k, "_") // primitive extensions
		if !allowed[name] {
			v.add(path+"."+k, "not an element of R4 %s", typ)
		}
		if isEmpty(r[k]) {
			v.add(path+"."+k, "empty value: FHIR JSON leaves an absent element out")
		}
	}
}

func present(x any) bool { return x != nil && !isEmpty(x) }

func isEmpty(x any) bool {
	switch t := x.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case []any:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}

func (v *validator) bundle(b map[string]any) {
	if b["resourceType"] != "Bundle" {
		v.add("Bundle.resourceType", "want \"Bundle\", got %v", b["resourceType"])
		return
	}
	v.checkElements("Bundle", "Bundle", b)
	v.id("Bundle.id", b["id"])
	typ, _ := b["type"].(string)
	if !bundleTypes[typ] {
		v.add("Bundle.type", "%q is not a Bundle type", typ)
	}
	if ts, ok := b["timestamp"]; ok {
		v.instant("Bundle.timestamp", ts)
	}
	if l, ok := b["language"]; ok {
		if s, _ := l.(string); !LanguageTag(s) {
			v.add("Bundle.language", "%q is not a BCP 47 language tag", s)
		}
	}
	if id, ok := b["identifier"]; ok {
		v.identifier("Bundle.identifier", id)
	}
	entries, _ := b["entry"].([]any)
	if typ == "document" {
		// bdl-9, bdl-10, bdl-11: a document has an identifier with system
		// and value, a timestamp, and starts with a Composition.
		if !present(b["identifier"]) {
			v.add("Bundle.identifier", "a document Bundle needs an identifier")
		}
		if !present(b["timestamp"]) {
			v.add("Bundle.timestamp", "a document Bundle needs a timestamp")
		}
		if len(entries) == 0 {
			v.add("Bundle.entry", "a document Bundle needs entries, the Composition first")
		} else if e0, _ := entries[0].(map[string]any); e0 == nil || resourceType(e0["resource"]) != "Composition" {
			v.add("Bundle.entry[0].resource", "the first resource of a document Bundle must be a Composition")
		}
	}
	// First pass: the targets references may point at.
	for i, e := range entries {
		path := fmt.Sprintf("Bundle.entry[%d]", i)
		em, ok := e.(map[string]any)
		if !ok {
			v.add(path, "not an object")
			continue
		}
		for k := range em {
			if k != "fullUrl" && k != "resource" && k != "link" && k != "search" && k != "request" && k != "response" {
				v.add(path+"."+k, "not an element of Bundle.entry")
			}
		}
		url, _ := em["fullUrl"].(string)
		switch {
		case url == "" && typ == "document":
			v.add(path+".fullUrl", "every entry of a document needs a fullUrl")
		case url != "" && !uriRe.MatchString(url):
			v.add(path+".fullUrl", "%q is not an absolute URI", url)
		case url != "":
			if _, dup := v.urls[url]; dup {
				v.add(path+".fullUrl", "%q appears twice (bdl-7)", url)
			}
			v.urls[url] = resourceType(em["resource"])
		}
		if r, ok := em["resource"].(map[string]any); ok {
			rt := resourceType(r)
			if id, _ := r["id"].(string); rt != "" && id != "" {
				v.ids[rt+"/"+id] = true
				if strings.HasPrefix(url, "urn:uuid:") && strings.TrimPrefix(url, "urn:uuid:") != id {
					v.add(path+".resource.id", "id %q does not match fullUrl %q", id, url)
				}
			}
		}
	}
	for i, e := range entries {
		em, _ := e.(map[string]any)
		if em == nil {
			continue
		}
		path := fmt.Sprintf("Bundle.entry[%d].resource", i)
		r, ok := em["resource"].(map[string]any)
		if !ok {
			v.add(path, "missing or not an object")
			continue
		}
		v.resource(path, r)
	}
	for _, ref := range v.refs {
		if !v.resolves(ref.Message) {
			v.add(ref.Path, "reference %q does not resolve within the Bundle", ref.Message)
		}
	}
}

func resourceType(x any) string {
	m, _ := x.(map[string]any)
	s, _ := m["resourceType"].(string)
	return s
}

func (v *validator) resolves(ref string) bool {
	if _, ok := v.urls[ref]; ok {
		return true
	}
	return v.ids[ref]
}

func (v *validator) resource(path string, r map[string]any) {
	typ := resourceType(r)
	if _, known := elements[typ]; !known {
		v.add(path+".resourceType", "%q is not a resource type this validator knows", typ)
		return
	}
	path = path + "(" + typ + ")"
	v.checkElements(path, typ, r)
	v.id(path+".id", r["id"])
	v.walk(path, r)
	switch typ {
	case "Patient", "Practitioner", "Encounter":
		for i, id := range list(r["identifier"]) {
			v.identifier(fmt.Sprintf("%s.identifier[%d]", path, i), id)
		}
	}
	switch typ {
	case "Encounter":
		v.code(path+".status", r["status"], encStatus)
		v.coding(path+".class", r["class"])
	case "Composition":
		v.code(path+".status", r["status"], compStatus)
		v.codeableConcept(path+".type", r["type"], true)
		v.requiredReference(path+".subject", r["subject"])
		if len(list(r["author"])) == 0 {
			v.add(path+".author", "at least one author is required")
		}
		for i, s := range list(r["section"]) {
			v.section(fmt.Sprintf("%s.section[%d]", path, i), s)
		}
	case "Observation":
		v.code(path+".status", r["status"], obsStatus)
		v.codeableConcept(path+".code", r["code"], true)
		v.requiredReference(path+".subject", r["subject"])
		for i, c := range list(r["category"]) {
			v.codeableConcept(fmt.Sprintf("%s.category[%d]", path, i), c, true)
		}
		hasValue := false
		for k := range r {
			if strings.HasPrefix(k, "value") {
				hasValue = true
			}
		}
		comps := list(r["component"])
		if !hasValue && len(comps) == 0 && !present(r["dataAbsentReason"]) {
			v.add(path, "a vital sign needs a value, components or a dataAbsentReason")
		}
		if hasValue && present(r["dataAbsentReason"]) {
			v.add(path+".dataAbsentReason", "only when there is no value (obs-6)")
		}
		if q, ok := r["valueQuantity"]; ok {
			v.quantity(path+".valueQuantity", q)
		}
		for i, c := range comps {
			cp := fmt.Sprintf("%s.component[%d]", path, i)
			cm, _ := c.(map[string]any)
			if cm == nil {
				v.add(cp, "not an object")
				continue
			}
			v.codeableConcept(cp+".code", cm["code"], true)
			if q, ok := cm["valueQuantity"]; ok {
				v.quantity(cp+".valueQuantity", q)
			} else if !present(cm["dataAbsentReason"]) {
				v.add(cp, "a component needs a value or a dataAbsentReason")
			}
		}
	case "Condition":
		v.requiredReference(path+".subject", r["subject"])
		if c, ok := r["clinicalStatus"]; ok {
			v.codeFrom(path+".clinicalStatus", c, ConditionClin, condClinical)
		}
		if c, ok := r["verificationStatus"]; ok {
			v.codeFrom(path+".verificationStatus", c, ConditionVer, condVerif)
		}
		if c, ok := r["code"]; ok {
			v.codeableConcept(path+".code", c, false)
		}
	case "MedicationRequest":
		v.code(path+".status", r["status"], mrStatus)
		v.code(path+".intent", r["intent"], mrIntent)
		v.requiredReference(path+".subject", r["subject"])
		_, cc := r["medicationCodeableConcept"]
		_, ref := r["medicationReference"]
		if cc == ref {
			v.add(path+".medication[x]", "exactly one of medicationCodeableConcept and medicationReference is required")
		}
		for i, d := range list(r["dosageInstruction"]) {
			v.dosage(fmt.Sprintf("%s.dosageInstruction[%d]", path, i), d)
		}
	}
}

// walk checks what may appear at any depth: references to resolve, codings
// and dates.
func (v *validator) walk(path string, x any) {
	switch t := x.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := path + "." + k
			val := t[k]
			switch {
			case k == "reference":
				if s, ok := val.(string); ok {
					v.refs = append(v.refs, Issue{Path: p, Message: s})
				} else {
					v.add(p, "a reference is a string")
				}
			case k == "coding":
				for i, c := range list(val) {
					v.coding(fmt.Sprintf("%s[%d]", p, i), c)
				}
			case isDateTimeElement(k):
				v.dateTime(p, val)
			case k == "div":
				if s, _ := val.(string); !xhtmlDivRe.MatchString(s) {
					v.add(p, "narrative must be an XHTML div in the XHTML namespace")
				} else if err := wellFormed(s); err != nil {
					v.add(p, "narrative is not well-formed XHTML: %v", err)
				}
			case k == "language":
				if s, _ := val.(string); !LanguageTag(s) {
					v.add(p, "%q is not a BCP 47 language tag", s)
				}
			}
			v.walk(p, val)
		}
	case []any:
		for i, e := range t {
			v.walk(fmt.Sprintf("%s[%d]", path, i), e)
		}
	}
}

func isDateTimeElement(k string) bool {
	switch k {
	case "date", "start", "end", "recordedDate", "authoredOn", "effectiveDateTime", "onsetDateTime", "abatementDateTime", "valueDateTime":
		return true
	}
	return false
}

func list(x any) []any {
	l, _ := x.([]any)
	return l
}

func (v *validator) id(path string, x any) {
	if x == nil {
		return
	}
	if s, ok := x.(string); !ok || !idRe.MatchString(s) {
		v.add(path, "%v is not a FHIR id (1–64 of A–Z a–z 0–9 - .)", x)
	}
}

func (v *validator) dateTime(path string, x any) {
	s, _ := x.(string)
	if !dateTimeRe.MatchString(s) {
		v.add(path, "%q is not a FHIR dateTime", s)
		return
	}
	if len(s) > 10 {
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			v.add(path, "%q is not a valid time: %v", s, err)
		}
	} else if len(s) == 10 {
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			v.add(path, "%q is not a valid date: %v", s, err)
		}
	}
}

func (v *validator) instant(path string, x any) {
	s, _ := x.(string)
	if !instantRe.MatchString(s) {
		v.add(path, "%q is not a FHIR instant (date, time to the second and zone)", s)
		return
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		v.add(path, "%q is not a valid instant: %v", s, err)
	}
}

func (v *validator) identifier(path string, x any) {
	m, _ := x.(map[string]any)
	if m == nil {
		v.add(path, "not an object")
		return
	}
	sys, _ := m["system"].(string)
	val, _ := m["value"].(string)
	if sys == "" || val == "" {
		v.add(path, "needs a system and a value")
	} else if !uriRe.MatchString(sys) {
		v.add(path+".system", "%q is not an absolute URI", sys)
	}
}

func (v *validator) requiredReference(path string, x any) {
	m, _ := x.(map[string]any)
	if s, _ := m["reference"].(string); s == "" {
		v.add(path, "a reference is required")
	}
}

func (v *validator) code(path string, x any, allowed map[string]bool) {
	s, _ := x.(string)
	if !allowed[s] {
		v.add(path, "%q is not in the required value set", s)
	}
}

// codeFrom checks a CodeableConcept bound to a required value set of one
// code system.
func (v *validator) codeFrom(path string, x any, system string, allowed map[string]bool) {
	m, _ := x.(map[string]any)
	found := false
	for _, c := range list(m["coding"]) {
		cm, _ := c.(map[string]any)
		if cm["system"] == system {
			found = true
			if s, _ := cm["code"].(string); !allowed[s] {
				v.add(path, "%q is not a code of %s", s, system)
			}
		}
	}
	if !found {
		v.add(path, "needs a coding from %s", system)
	}
}

func (v *validator) codeableConcept(path string, x any, required bool) {
	m, _ := x.(map[string]any)
	if m == nil {
		if required {
			v.add(path, "required CodeableConcept is missing")
		}
		return
	}
	if len(list(m["coding"])) == 0 && !present(m["text"]) {
		v.add(path, "a CodeableConcept needs a coding or a text")
	}
}

// coding checks a Coding's system and code, and the code's syntax for the
// systems whose syntax is known.
func (v *validator) coding(path string, x any) {
	m, _ := x.(map[string]any)
	if m == nil {
		v.add(path, "not an object")
		return
	}
	sys, _ := m["system"].(string)
	code, _ := m["code"].(string)
	switch {
	case sys == "":
		v.add(path+".system", "a coding needs its system")
	case !uriRe.MatchString(sys):
		v.add(path+".system", "%q is not an absolute URI", sys)
	}
	if !codeRe.MatchString(code) {
		v.add(path+".code", "%q is not a FHIR code", code)
		return
	}
	switch sys {
	case LOINC:
		if !validLOINC(code) {
			v.add(path+".code", "%q is not a LOINC code (format or check digit)", code)
		}
	case ICD10:
		if !ValidICD10(code) {
			v.add(path+".code", "%q is not an ICD-10 code", code)
		}
	}
}

// validLOINC checks the format and the mod-10 check digit of a LOINC code.
func validLOINC(code string) bool {
	m := loincRe.FindStringSubmatch(code)
	if m == nil {
		return false
	}
	return loincCheckDigit(m[1]) == int(m[2][0]-'0')
}

// loincCheckDigit computes LOINC's mod-10 check digit: double every other
// digit from the right, starting with the rightmost, sum the digits of
// the results and of the undoubled digits, and take what brings the sum to
// a multiple of ten.
func loincCheckDigit(digits string) int {
	sum := 0
	double := true
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			d = d/10 + d%10
		}
		sum += d
		double = !double
	}
	return (10 - sum%10) % 10
}

func (v *validator) quantity(path string, x any) {
	m, _ := x.(map[string]any)
	if m == nil {
		v.add(path, "not an object")
		return
	}
	if _, ok := m["value"].(json.Number); !ok {
		v.add(path+".value", "a quantity needs a numeric value")
	}
	sys, _ := m["system"].(string)
	code, _ := m["code"].(string)
	if (sys == "") != (code == "") {
		v.add(path, "a coded quantity needs both system and code (qty-3)")
	}
	if sys != "" && sys != UCUM {
		v.add(path+".system", "vital signs and doses use UCUM, not %q", sys)
	}
	if code != "" && strings.ContainsAny(code, " \t") {
		v.add(path+".code", "%q is not a UCUM code", code)
	}
}

func (v *validator) section(path string, x any) {
	m, _ := x.(map[string]any)
	if m == nil {
		v.add(path, "not an object")
		return
	}
	// cmp-1: a section has text, entries or sections.
	if !present(m["text"]) && !present(m["entry"]) && !present(m["section"]) {
		v.add(path, "a section needs text, entries or sub-sections (cmp-1)")
	}
	if t, ok := m["text"].(map[string]any); ok {
		v.code(path+".text.status", t["status"], narrStatus)
	}
	if c, ok := m["code"]; ok {
		v.codeableConcept(path+".code", c, false)
	}
	for i, s := range list(m["section"]) {
		v.section(fmt.Sprintf("%s.section[%d]", path, i), s)
	}
}

func (v *validator) dosage(path string, x any) {
	m, _ := x.(map[string]any)
	if m == nil {
		v.add(path, "not an object")
		return
	}
	if t, ok := m["timing"].(map[string]any); ok {
		if r, ok := t["repeat"].(map[string]any); ok {
			if u, ok := r["periodUnit"]; ok {
				v.code(path+".timing.repeat.periodUnit", u, timeUnits)
			}
			if b, ok := r["boundsDuration"]; ok {
				v.quantity(path+".timing.repeat.boundsDuration", b)
			}
		}
	}
	if rt, ok := m["route"]; ok {
		v.codeableConcept(path+".route", rt, false)
	}
	for i, d := range list(m["doseAndRate"]) {
		dm, _ := d.(map[string]any)
		if q, ok := dm["doseQuantity"]; ok {
			v.quantity(fmt.Sprintf("%s.doseAndRate[%d].doseQuantity", path, i), q)
		}
	}
}
