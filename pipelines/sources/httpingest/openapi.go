package httpingest

import (
	"fmt"
	"time"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/pipelines/events"
)

type obj = httpedge.Obj

// OpenAPI documents POST /api/v1/ingest for the server's one OpenAPI
// document (/api/openapi.json, built by analytics/api), with the default
// limits; the server may configure others (http_ingest.*).
func OpenAPI() httpedge.APIDoc {
	schemes, sec := httpedge.CredentialSchemes("agencyBearer", "agencyApiKey", "an agency's API key (http_ingest.agencies); the agency is every event's source")
	lim := events.DefaultLimits()
	lineBytes := lim.MaxBytes
	lines := obj{"type": "string", "description": "NDJSON: one IngestEvent per line, LF or CRLF; blank lines are skipped and counted"}
	errs := func(desc string) obj {
		return httpedge.Fail(desc + "; errors lists every bad line (line, field, reason, detail) up to http_ingest.max_errors, omitted counts the rest, and error is the first")
	}
	paths := obj{Path: obj{"post": obj{
		"summary": "Send events", "operationId": "ingestEvents", "tags": []any{"ingest"},
		"description": "Agencies that cannot produce to Kafka send their events here, validated as the ingest pipeline validates them (the envelope, and data against the type's schema) and written to Kafka. A request is accepted all or nothing: on any error nothing is written, and the answer lists every bad line, so fix them and resend the whole request (events are deduplicated by id). An event's source must be the key's agency, and its type one the agency may send; the chatbot family is the chatbot service's own. " +
			fmt.Sprintf("The body is at most %d MiB, on the wire and after gzip (http_ingest.max_body_bytes), a line at most %d KiB (http_ingest.max_line_bytes). The path takes POST only; another method is a 405 in the Error body.", DefaultMaxBodyBytes>>20, lineBytes>>10),
		"security":   sec,
		"parameters": []any{obj{"name": "Content-Encoding", "in": "header", "required": false, "schema": obj{"type": "string", "enum": []any{"gzip", "identity"}}}},
		"requestBody": obj{"required": true, "content": obj{
			"application/x-ndjson": obj{"schema": lines},
			"application/json":     obj{"schema": lines}}},
		"responses": obj{
			"202": httpedge.Answer("every line was valid and Kafka acknowledged them all", obj{"type": "object", "properties": obj{"accepted": obj{"type": "integer"}}}),
			"400": errs("a line is invalid (reasons of pipelines/events such as missing_field, unknown_region, duplicate_key), the body has no events (empty_body) or its gzip is corrupt"),
			"401": httpedge.Fail("no key, or a key of no agency (WWW-Authenticate: Bearer)"),
			"403": errs("a line's type is not the agency's to send (forbidden_type), or its source is not the agency (source_mismatch): when a request has both kinds of bad line, the answer is 403"),
			"413": httpedge.Fail(fmt.Sprintf("the body is over %d MiB, before or after gunzip, or a line over %d KiB (reason too_large; error.line names the line)", DefaultMaxBodyBytes>>20, lineBytes>>10)),
			"415": httpedge.Fail("Content-Type is not application/x-ndjson or application/json, or Content-Encoding is not gzip"),
			"503": httpedge.Fail(fmt.Sprintf("the event log did not take the events (Retry-After, by default %g s), or HTTP ingest is not configured; nothing was accepted, so resend the request", DefaultRetryAfter.Seconds())),
		},
	}}}
	str := obj{"type": "string"}
	schemas := obj{"IngestEvent": obj{"type": "object", "required": []any{"id", "source", "type", "time", "data"},
		"description": "one line of POST /api/v1/ingest: the event envelope every Oqim event shares (pipelines/events); each key at most once", "properties": obj{
			"id":     obj{"type": "string", "description": "unique per event: a resent event with the same id is stored once"},
			"source": obj{"type": "string", "description": "the sending agency, as its key names it"},
			"type":   obj{"type": "string", "example": "portal.application.submitted", "description": "a type of the schema registry"},
			"time": obj{"type": "string", "example": "2025-11-03T08:30:00+05:00", "description": fmt.Sprintf("RFC 3339 (without a zone: Tashkent time), or Unix seconds as a string; at most %g min in the future and not before %s",
				lim.MaxClockSkew.Minutes(), lim.Oldest.Format(time.DateOnly))},
			"region":   obj{"type": "string", "example": "UZ-JI", "description": "an ISO 3166-2:UZ region code, the region's name or its SOATO code; required unless the type's family has no region"},
			"district": str,
			"data":     obj{"type": "object", "description": "the payload, checked against the type's schema"}}}}
	return httpedge.APIDoc{Paths: paths, Schemas: schemas, SecuritySchemes: schemes}
}
