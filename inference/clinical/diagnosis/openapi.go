package diagnosis

import (
	"fmt"

	"github.com/oqim/oqim/connectors/httpedge"
)

type obj = httpedge.Obj

// OpenAPI documents POST /api/v1/diagnosis for the server's one OpenAPI
// document: the request, the answer and the errors the handler gives.
// The doctor API mounts the route behind the doctors' edge and adds
// their security and the edge's answers (see doctorapi.OpenAPI).
func OpenAPI() httpedge.APIDoc {
	str := obj{"type": "string"}
	strs := obj{"type": "array", "items": str}
	finding := obj{"type": "object", "properties": obj{
		"id": str, "name": obj{"type": "string", "description": "in the answer's language"},
		"choice_id":   obj{"type": "string", "enum": []any{"present", "absent"}},
		"values":      strs,
		"value_names": obj{"type": "array", "items": str, "description": "values in the answer's language; a scale's number as it is"},
		"source":      obj{"type": "string", "enum": []any{"text"}, "description": "text when read from the text rather than given"},
		"phrase":      obj{"type": "string", "description": "the words of the text it was read from"}}}
	paths := obj{"/api/v1/diagnosis": obj{"post": obj{
		"summary": "Differential diagnosis", "operationId": "diagnose", "tags": []any{"diagnosis"},
		"description": "Decision support for a clinician, not a diagnosis: ranks the knowledge base's conditions (DDXPlus) for what is known of the patient, explains each ranking with the findings for and against it, flags those that need urgent referral (red_flag) and asks the next most useful question; it gives no treatment advice. Send answered questions as evidence, free text as text, or both (an answer given explicitly wins over what the text suggests). Without a finding present there is no differential (conditions is empty and warning says so). " +
			fmt.Sprintf("The body is at most %d KiB; the route's time limit is %g min.", DefaultMaxBodyBytes>>10, routeTimeout.Minutes()),
		"requestBody": httpedge.JSONBody(httpedge.Ref("DiagnosisRequest")),
		"responses": obj{
			"200": httpedge.Answer("the differential", httpedge.Ref("DiagnosisResponse")),
			"400": httpedge.Fail("a field is invalid; error.field names it (age, sex, language, top_k, text_mode, evidence[2].value, text when it yields contradictory findings, ...), and an unknown or repeated field is refused"),
			"413": httpedge.Fail(fmt.Sprintf("the body is over %d KiB", DefaultMaxBodyBytes>>10)),
			"415": httpedge.Fail("Content-Type is not application/json"),
			"500": httpedge.Fail("the engine failed"),
			"502": httpedge.Fail("text_mode llm: the language model did not read the text"),
		},
	}}}
	schemas := obj{
		"DiagnosisRequest": obj{"type": "object", "additionalProperties": false, "properties": obj{
			"age":       obj{"type": "integer", "minimum": 0, "maximum": 120, "description": "years"},
			"sex":       obj{"type": "string", "enum": []any{"female", "male", "f", "m"}},
			"language":  obj{"type": "string", "enum": []any{"uz", "uz-Latn", "uz-Cyrl", "ru", "en"}, "description": "of the answer; default: the text's own (uz for Uzbek in Latin script)"},
			"evidence":  obj{"type": "array", "items": httpedge.Ref("DiagnosisEvidence"), "description": "answered questions, each evidence once"},
			"text":      obj{"type": "string", "description": "the doctor's free text (complaints, history), in Uzbek, Russian or English"},
			"text_mode": obj{"type": "string", "enum": []any{"lexicon", "llm"}, "default": "lexicon", "description": "how the text is read: the offline lexicon, or the configured language model (400 naming the settings when there is none)"},
			"top_k":     obj{"type": "integer", "minimum": 1, "default": 5, "description": "conditions to rank; at most the knowledge base's"}}},
		"DiagnosisEvidence": obj{"type": "object", "required": []any{"id"}, "additionalProperties": false, "properties": obj{
			"id":        obj{"type": "string", "description": "an evidence code such as E_91, as question.id gives it"},
			"choice_id": obj{"type": "string", "enum": []any{"present", "absent"}, "default": "present"},
			"value":     obj{"oneOf": []any{str, obj{"type": "number"}}, "description": "the answer of a categorical evidence: a value code, or a number on a 0-10 scale"},
			"values":    obj{"type": "array", "items": str, "description": "the answers of a multi-choice evidence"}}},
		"DiagnosisResponse": obj{"type": "object", "properties": obj{
			"language": str, "disclaimer": str, "should_stop": obj{"type": "boolean", "description": "the leading condition is probable enough, or no question is expected to change the ranking"},
			"conditions": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
				"id": str, "name": str, "icd10": strs, "severity": obj{"type": "integer"},
				"probability": obj{"type": "number"}, "rank": obj{"type": "integer"}, "red_flag": obj{"type": "boolean"},
				"referral":   obj{"type": "string", "description": "what to do about a red flag"},
				"supporting": obj{"type": "array", "items": finding}, "opposing": obj{"type": "array", "items": finding}}}},
			"question": obj{"type": "object", "nullable": true, "description": "the next question to ask; answer it in evidence", "properties": obj{
				"id": str, "type": obj{"type": "string", "enum": []any{"single", "categorical", "multiple"}}, "text": str,
				"choices": obj{"type": "array", "items": obj{"type": "object", "properties": obj{"id": str, "label": str}}}}},
			"evidence": obj{"type": "array", "items": finding, "description": "every finding the ranking used"},
			"rejected": obj{"type": "array", "description": "findings the language model proposed that the knowledge base does not allow",
				"items": obj{"type": "object", "properties": obj{"evidence": str, "value": str, "reason": str}}},
			"warning": obj{"type": "string", "description": "why there is no differential, or how little it rests on"}}},
	}
	return httpedge.APIDoc{Paths: paths, Schemas: schemas}
}
