package doctorapi

import (
	"fmt"
	"maps"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/audio"
	"github.com/oqim/oqim/inference/clinical/diagnosis"
	"github.com/oqim/oqim/inference/clinical/notes"
)

// obj is a JSON object of the OpenAPI document.
type obj = httpedge.Obj

// OpenAPI documents the doctor's API for the server's one OpenAPI
// document (/api/openapi.json, built by analytics/api): transcriptions,
// notes, the diagnostic assistant it mounts (whose body package
// diagnosis documents) and the clinical-note lifecycle, every path
// behind the doctors' credentials, rate limit and audit.
func OpenAPI() httpedge.APIDoc {
	schemes, sec := httpedge.CredentialSchemes("doctorBearer", "doctorApiKey",
		"a doctor's API key, an HS256 JWT (sub = doctor id, iss "+httpedge.DefaultJWTIssuer+", aud "+DefaultAudience+"), or the identity provider's token when oidc lists the doctor surface; the doctor's workspace page may instead sign in through the provider and send its session cookie")
	lim := Limits{}.withDefaults()
	common := httpedge.Refused(httpedge.Doctor)
	common["429"] = httpedge.Fail(fmt.Sprintf("the doctor's rate limit (by default %g requests a minute, bursts of %d: doctor.limits); Retry-After says when to try again", lim.RequestsPerMinute, lim.Burst))
	common["503"] = httpedge.Fail("the audit log, or the store the path needs, is unavailable; nothing is served unaudited")
	diag := diagnosis.OpenAPI()
	paths := diag.Paths
	for _, p := range []obj{transcriptionPaths(), notePaths(), clinicalNotePaths()} {
		maps.Copy(paths, p)
	}
	httpedge.Common{Security: sec, Responses: common}.Apply(paths)
	maps.Copy(diag.Schemas, doctorSchemas())
	return httpedge.APIDoc{Paths: paths, Schemas: diag.Schemas, SecuritySchemes: schemes}
}

// idParam is a path's {id}: a job's or a note's, as the API made it.
func idParam(what string) []any {
	return []any{httpedge.PathParam("id", what, obj{"type": "string", "pattern": "^[0-9a-f]{32}$"})}
}

func transcriptionPaths() obj {
	lim := Limits{}.withDefaults()
	job := httpedge.Ref("Transcription")
	notFound := httpedge.Fail("no transcription with this id, or another doctor's: others are not told it exists")
	tag := []any{"transcriptions"}
	return obj{
		"/api/v1/transcriptions": obj{"post": obj{
			"summary": "Transcribe a recording", "operationId": "createTranscription", "tags": tag,
			"description": fmt.Sprintf("A recording of up to %g s (doctor.sync_max_duration) is transcribed and structured in the request, within %g min (doctor.sync_timeout): 200 with the transcript and the note. ", DefaultSyncMaxDuration.Seconds(), DefaultSyncTimeout.Minutes()) +
				fmt.Sprintf("A longer one, up to %g h (doctor.max_duration), becomes a job for the workers (they need Kafka and ClickHouse): 202, then follow it with GET on Location or its events. ", DefaultMaxDuration.Hours()) +
				fmt.Sprintf("Audio is %s, at most the doctor's upload limit (by default %d MiB: doctor.limits.max_upload_bytes). ", audio.SupportedFormats, lim.MaxUploadBytes>>20) +
				fmt.Sprintf("Each doctor sends at most %d recordings at once and the server receives %d (doctor.max_uploads_per_doctor, doctor.max_uploads). Defaults shown; audited as transcription.create.", DefaultMaxUploadsPerDoc, DefaultMaxUploads),
			"requestBody": httpedge.Body("multipart/form-data", obj{"type": "object", "required": []any{"audio", "patient_id", "encounter_id"}, "properties": obj{
				"audio":        obj{"type": "string", "format": "binary", "description": "the recording"},
				"language":     obj{"type": "string", "enum": []any{"uz", "ru", "auto"}, "default": "auto"},
				"patient_id":   obj{"type": "string", "maxLength": maxIDLen, "description": "no spaces or control characters"},
				"encounter_id": obj{"type": "string", "maxLength": maxIDLen, "description": "no spaces or control characters"}}}),
			"responses": obj{
				"200": httpedge.Answer("transcribed in the request", job),
				"202": httpedge.Answer("queued; Location names the job", httpedge.Ref("TranscriptionQueued")),
				"400": httpedge.Fail("the form is not multipart/form-data, or a field is missing or invalid; error.field names it (audio, patient_id, encounter_id, language)"),
				"413": httpedge.Fail("the recording is over the doctor's upload limit or longer than the longest allowed"),
				"415": httpedge.Fail("the audio is in none of the formats taken: " + audio.SupportedFormats),
				"429": httpedge.Fail("the doctor's rate limit, or the doctor is already sending as many recordings as allowed; Retry-After says when to try again"),
				"502": httpedge.Fail("the speech recognition engine failed"),
				"503": httpedge.Fail("no speech engine is configured (asr.engine), the server is receiving as many recordings as it takes, a long recording has no Kafka and ClickHouse to be queued on, or the audit log is unavailable; error.detail says which"),
			},
		}},
		"/api/v1/transcriptions/{id}": obj{"parameters": idParam("the job's id"), "get": obj{
			"summary": "A transcription's status and result", "operationId": "getTranscription", "tags": tag,
			"description": "Audited as transcription.read.",
			"responses":   obj{"200": httpedge.Answer("the job", job), "404": notFound},
		}},
		"/api/v1/transcriptions/{id}/events": obj{"parameters": idParam("the job's id"), "get": obj{
			"summary": "Follow a transcription", "operationId": "streamTranscription", "tags": tag,
			"description": "Server-sent events, whichever process runs the job: `status` ({\"status\"}) on every change; `segment` (a Segment, its seq as the event id) as each is final; then `done` (the job as GET returns it) or `failed` ({\"id\",\"status\",\"reason\"}), and the stream ends. " +
				fmt.Sprintf("An idle stream sends a comment every %g s; one that outlives doctor.stream_timeout (by default %g h) ends with `timeout`. ", keepAlive.Seconds(), DefaultStreamTimeout.Hours()) +
				fmt.Sprintf("Reconnect with Last-Event-ID to resume after that segment. Each doctor has at most %d streams open and the server %d (doctor.max_streams_per_doctor, doctor.max_streams). Audited as transcription.events.", DefaultMaxStreamsPerDoc, DefaultMaxStreams),
			"parameters": []any{obj{"name": "Last-Event-ID", "in": "header", "required": false, "description": "the last segment's seq received", "schema": obj{"type": "integer", "minimum": 0}}},
			"responses": obj{
				"200": obj{"description": "the event stream", "content": obj{"text/event-stream": obj{"schema": obj{"type": "string"}}}},
				"404": notFound,
				"429": httpedge.Fail(fmt.Sprintf("the doctor's rate limit, or the doctor's streams are all open; Retry-After (%d s for streams) says when to try again", streamRetryAfter)),
				"503": httpedge.Fail("the server's streams are all open, the job store needs ClickHouse, or the audit log is unavailable"),
			},
		}},
	}
}

func notePaths() obj {
	return obj{"/api/v1/notes": obj{"post": obj{
		"summary": "Structure a note", "operationId": "createNote", "tags": []any{"notes"},
		"description": fmt.Sprintf("Turns a dictation (text, or a transcript as this API returns it) into a structured note: sections, vitals, medications. With age or sex, adds the diagnostic assistant's differential (decision support only). With format=fhir, answers a FHIR R4 document Bundle instead. The note is not kept; to keep and sign it, POST it to /api/v1/clinical-notes. The body is at most %d MiB. Audited as note.create.", maxNoteBytes>>20),
		"parameters":  []any{obj{"name": "format", "in": "query", "required": false, "schema": obj{"type": "string", "enum": []any{"json", "fhir"}, "default": "json"}}},
		"requestBody": httpedge.JSONBody(httpedge.Ref("NoteRequest")),
		"responses": obj{
			"200": obj{"description": "the note, or with format=fhir the Bundle", "content": obj{
				"application/json":      obj{"schema": httpedge.Ref("NoteAnswer")},
				"application/fhir+json": obj{"schema": obj{"type": "object", "description": "a FHIR R4 Bundle of type document"}}}},
			"400": httpedge.Fail("a field is invalid; error.field names it (text, age, sex, patient_id, format; patient_id is required for format=fhir), and an unknown or repeated field is refused"),
			"413": httpedge.Fail(fmt.Sprintf("the body is over %d MiB", maxNoteBytes>>20)),
			"500": httpedge.Fail("structuring the note, or building the Bundle, failed"),
		},
	}}}
}

func clinicalNotePaths() obj {
	note := httpedge.Ref("ClinicalNote")
	id := idParam("the note's id")
	tag := []any{"clinical notes"}
	notFound := httpedge.Fail("no such note, or another doctor's: only its author sees it, and others are not told it exists")
	tooLarge := httpedge.Fail(fmt.Sprintf("the body is over %d MiB", maxClinicalNoteBytes>>20))
	return obj{
		"/api/v1/clinical-notes": obj{"post": obj{
			"summary": "Create a draft clinical note", "operationId": "createClinicalNote", "tags": tag,
			"description": "Stores the structured note (as POST /api/v1/notes returns it, possibly edited), the assistant's differential and the dictation it came from, as version 1 of a draft the calling doctor owns. Audited as clinical_note.create.",
			"requestBody": httpedge.JSONBody(httpedge.Ref("ClinicalNoteCreate")),
			"responses": obj{
				"201": httpedge.Answer("the draft; Location names it", note),
				"400": httpedge.Fail("a field is missing or invalid; error.field names it (patient_id, note.vitals, note.medications[0].dose_unit, ...)"),
				"413": tooLarge,
			},
		}},
		"/api/v1/clinical-notes/{id}": obj{
			"parameters": id,
			"get": obj{
				"summary": "Read a clinical note", "operationId": "getClinicalNote", "tags": tag,
				"description": "The latest version, with its delivery state. Audited as clinical_note.read (not_found for another doctor's).",
				"responses":   obj{"200": httpedge.Answer("the record", note), "404": notFound},
			},
			"put": obj{
				"summary": "Edit a draft", "operationId": "updateClinicalNote", "tags": tag,
				"description": "Replaces the note and the conditions the doctor confirmed, based on version (optimistic concurrency). Audited as clinical_note.update.",
				"requestBody": httpedge.JSONBody(httpedge.Ref("ClinicalNoteUpdate")),
				"responses": obj{
					"200": httpedge.Answer("the next version", note),
					"400": httpedge.Fail("a field is missing or invalid (version, note.vitals, confirmed_conditions[0].icd10, ...)"),
					"404": notFound,
					"409": httpedge.Fail("version is not the latest, or the note is signed (final)"),
					"413": tooLarge,
				},
			},
		},
		"/api/v1/clinical-notes/{id}/sign": obj{"parameters": id, "post": obj{
			"summary": "Sign a draft", "operationId": "signClinicalNote", "tags": tag,
			"description": "Makes the note final (status signed) and starts its delivery to Digital Healthcare as a FHIR R4 document Bundle: Composition final, authored by the doctor, Conditions only for the confirmed diagnoses (ICD-10, verificationStatus confirmed), vitals as Observations in UCUM. Delivery runs in the background with bounded retries honouring Retry-After; poll the note until it is delivered (delivery.location) or failed (delivery.last_error). A note left signed by a process that stopped is delivered by the next one. Audited as clinical_note.sign, each attempt as clinical_note.delivery_attempt.",
			"requestBody": httpedge.JSONBody(httpedge.Ref("VersionBody")),
			"responses": obj{
				"200": httpedge.Answer("the signed note", note),
				"400": httpedge.Fail("version is missing"),
				"404": notFound,
				"409": httpedge.Fail("version is not the latest, or the note is already signed"),
			},
		}},
		"/api/v1/clinical-notes/{id}/deliver": obj{"parameters": id, "post": obj{
			"summary": "Retry a failed delivery", "operationId": "redeliverClinicalNote", "tags": tag,
			"description": "Puts a failed note back to signed and delivers it again; the send is a conditional create on the Bundle's identifier, so Digital Healthcare stores the note once. Audited as clinical_note.redeliver.",
			"responses": obj{
				"202": httpedge.Answer("the note, signed again, its delivery under way", note),
				"404": notFound,
				"409": httpedge.Fail("the note's delivery has not failed (draft, signed or delivered)"),
			},
		}},
		"/api/v1/clinical-notes/{id}/history": obj{"parameters": id, "get": obj{
			"summary": "A clinical note's history", "operationId": "clinicalNoteHistory", "tags": tag,
			"description": "Every version, oldest first: who made it (a doctor id, or fhir-delivery), when, and the status it left. Audited as clinical_note.history.",
			"responses": obj{"200": httpedge.Answer("the versions", obj{"type": "object", "properties": obj{
				"id": obj{"type": "string"}, "versions": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
					"version": obj{"type": "integer"}, "status": obj{"type": "string"}, "updated_by": obj{"type": "string"},
					"updated_at": obj{"type": "string", "format": "date-time"}}}}}}), "404": notFound},
		}},
	}
}

func doctorSchemas() obj {
	str := obj{"type": "string"}
	integer := obj{"type": "integer"}
	dt := obj{"type": "string", "format": "date-time"}
	id := obj{"type": "string", "maxLength": maxIDLen, "description": "no spaces or control characters"}
	note := httpedge.Ref("StructuredNote")
	strs := func(vs []string) []any {
		out := make([]any, len(vs))
		for i, v := range vs {
			out[i] = v
		}
		return out
	}
	condition := obj{"type": "object", "required": []any{"icd10", "name"}, "properties": obj{
		"icd10": obj{"type": "string", "pattern": "^[A-TV-Z][0-9][0-9AB](\\.[0-9A-Z]{1,4})?$", "example": "J18.9"},
		"name":  str, "condition_id": obj{"type": "string", "description": "the assistant's condition, when it came from the differential"}}}
	return obj{
		"StructuredNote": obj{"type": "object", "description": "a structured clinical note; vitals outside plausible ranges are dropped when structuring and refused when stored", "properties": obj{
			"language": obj{"type": "string", "description": "uz-Latn, uz-Cyrl, ru, en, or mixed when both scripts are used"},
			"sections": obj{"type": "object", "properties": obj{"complaints": str, "history": str, "objective": str, "assessment": str, "plan": str}},
			"vitals": obj{"type": "object", "properties": obj{
				"bp_systolic": obj{"type": "integer", "description": "mm[Hg]"}, "bp_diastolic": obj{"type": "integer", "description": "mm[Hg]"},
				"pulse": obj{"type": "integer", "description": "beats per minute"}, "temperature_c": obj{"type": "number"},
				"spo2": obj{"type": "integer", "description": "percent"}}},
			"medications": obj{"type": "array", "items": obj{"type": "object", "required": []any{"name"}, "properties": obj{
				"name": obj{"type": "string", "description": "the international non-proprietary name, in English, lower case"}, "source": obj{"type": "string", "description": "as written in the note"},
				"dose_value": obj{"type": "number"}, "dose_unit": obj{"type": "string", "enum": strs(notes.DoseUnits())},
				"times_per_day": integer, "duration_days": integer, "route": obj{"type": "string", "enum": strs(notes.Routes())},
				"once": obj{"type": "boolean", "description": "a single dose"}}}},
			"engine":   obj{"type": "string", "enum": []any{"offline", "llm"}},
			"fallback": obj{"type": "string", "description": "why the language model's note was not used"}}},
		"Transcript": obj{"type": "object", "properties": obj{"language": str, "text": str, "segments": obj{"type": "array", "items": httpedge.Ref("Segment")}}},
		"Segment":    obj{"type": "object", "properties": obj{"seq": obj{"type": "integer", "description": "from 0, in the recording's order"}, "start_ms": integer, "end_ms": integer, "text": str}},
		"Transcription": obj{"type": "object", "properties": obj{
			"id": str, "status": obj{"type": "string", "enum": []any{"queued", "running", "done", "failed"}}, "reason": obj{"type": "string", "description": "why it failed"},
			"patient_id": str, "encounter_id": str, "language": str, "audio_ms": integer, "created_at": dt, "updated_at": dt,
			"transcript": httpedge.Ref("Transcript"), "note": note}},
		"TranscriptionQueued": obj{"type": "object", "properties": obj{
			"id": str, "status": obj{"type": "string", "enum": []any{"queued"}}, "location": str, "events": obj{"type": "string", "description": "the job's event stream"}, "audio_ms": integer}},
		"NoteRequest": obj{"type": "object", "additionalProperties": false, "description": "text or transcript.text is required; text wins when both are sent", "properties": obj{
			"text": str, "transcript": httpedge.Ref("Transcript"),
			"age":          obj{"type": "integer", "minimum": 0, "maximum": 130, "description": "asks for the differential"},
			"sex":          obj{"type": "string", "enum": []any{"female", "male"}, "description": "asks for the differential"},
			"patient_id":   obj{"type": "string", "maxLength": maxIDLen, "description": "required for format=fhir"},
			"encounter_id": obj{"type": "string", "maxLength": maxIDLen, "description": "names the note: the same encounter gives the same FHIR identifiers"}}},
		"NoteAnswer": obj{"type": "object", "properties": obj{
			"id": str, "note": note,
			"differential": obj{"type": "array", "description": "decision support, when age or sex was sent", "items": obj{"type": "object", "properties": obj{
				"condition_id": str, "name": str, "local_name": obj{"type": "string", "description": "in the note's language"}, "icd10": obj{"type": "array", "items": str},
				"probability": obj{"type": "number"}, "rank": integer, "red_flag": obj{"type": "boolean"}}}},
			"differential_note":       obj{"type": "string", "description": "why the differential is empty"},
			"differential_warning":    obj{"type": "string", "description": "in the note's language, when the differential rests on fewer than five findings"},
			"differential_disclaimer": obj{"type": "string", "description": "in the note's language: decision support for a clinician, not a diagnosis"}}},
		"ConfirmedCondition": condition,
		"ClinicalNoteCreate": obj{"type": "object", "required": []any{"patient_id", "note"}, "additionalProperties": false, "properties": obj{
			"patient_id":   id,
			"encounter_id": obj{"type": "string", "maxLength": maxIDLen, "description": "the visit; defaults to the note's id"},
			"note":         note,
			"differential": obj{"nullable": true, "description": "the assistant's answer as shown to the doctor, as POST /api/v1/diagnosis gives it (an object) or POST /api/v1/notes (an array of conditions); kept, never delivered",
				"oneOf": []any{obj{"type": "object"}, obj{"type": "array", "items": obj{"type": "object"}}}},
			"source": obj{"type": "object", "nullable": true, "description": "what the note was made from, such as {\"text\": ...}"}}},
		"ClinicalNoteUpdate": obj{"type": "object", "required": []any{"note", "version"}, "additionalProperties": false, "properties": obj{
			"note": note, "version": obj{"type": "integer", "minimum": 1},
			"confirmed_conditions": obj{"type": "array", "maxItems": maxConfirmed, "items": httpedge.Ref("ConfirmedCondition")}}},
		"VersionBody": obj{"type": "object", "required": []any{"version"}, "properties": obj{"version": obj{"type": "integer", "minimum": 1}}},
		"ClinicalNote": obj{"type": "object", "properties": obj{
			"id": str, "status": obj{"type": "string", "enum": []any{"draft", "signed", "delivered", "failed"}},
			"version":    obj{"type": "integer", "description": "send it back with the next change"},
			"patient_id": str, "encounter_id": str, "note": note,
			"differential":         obj{"nullable": true, "oneOf": []any{obj{"type": "object"}, obj{"type": "array", "items": obj{"type": "object"}}}},
			"confirmed_conditions": obj{"type": "array", "items": httpedge.Ref("ConfirmedCondition")},
			"source":               obj{"type": "object", "nullable": true},
			"created_by":           str, "created_at": dt, "updated_by": obj{"type": "string", "description": "a doctor id, or fhir-delivery"}, "updated_at": dt,
			"signed_by": str, "signed_at": dt,
			"delivery": obj{"type": "object", "properties": obj{
				"attempts":     obj{"type": "integer", "description": "POSTs to Digital Healthcare so far, retries included"},
				"last_error":   obj{"type": "string", "description": "why the last attempt failed: an HTTP status and OperationOutcome codes, or doctor.fhir.base_url is not set"},
				"delivered_at": dt,
				"location":     obj{"type": "string", "description": "where Digital Healthcare stored the Bundle"}}}}},
	}
}
