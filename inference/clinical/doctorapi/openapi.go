package doctorapi

// obj is a JSON object of the OpenAPI document.
type obj = map[string]any

// OpenAPI documents the clinical-note lifecycle for the server's one
// OpenAPI document (/api/openapi.json, built by analytics/api): its
// paths, the schemas they use and the doctors' security scheme.
func OpenAPI() (paths, schemas, security map[string]any) {
	ref := func(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }
	jsonBody := func(schema obj) obj {
		return obj{"required": true, "content": obj{"application/json": obj{"schema": schema}}}
	}
	answer := func(desc string, schema obj) obj {
		return obj{"description": desc, "content": obj{"application/json": obj{"schema": schema}}}
	}
	errResp := func(desc string) obj { return answer(desc, ref("Error")) }
	sec := []any{obj{"doctorBearer": []any{}}, obj{"doctorApiKey": []any{}}}
	common := func(ok map[string]obj) obj {
		out := obj{
			"401": errResp("no valid doctor's API key or token"),
			"403": errResp("credentials of another kind (a BI analyst's, say)"),
			"404": errResp("no such note, or another doctor's: only its author sees it, and others are not told it exists"),
			"429": errResp("the doctor's rate limit; Retry-After says when to try again"),
			"503": errResp("the note store or the audit log is unavailable; nothing is served unaudited"),
		}
		for k, v := range ok {
			out[k] = v
		}
		return out
	}
	idParam := []any{obj{"name": "id", "in": "path", "required": true, "schema": obj{"type": "string", "pattern": "^[0-9a-f]{32}$"}}}
	note := ref("ClinicalNote")
	paths = obj{
		"/api/v1/clinical-notes": obj{"post": obj{
			"summary": "Create a draft clinical note", "operationId": "createClinicalNote", "tags": []any{"clinical notes"}, "security": sec,
			"description": "Stores the structured note (as POST /api/v1/notes returns it, possibly edited), the assistant's differential and the dictation it came from, as version 1 of a draft the calling doctor owns. Audited as clinical_note.create.",
			"requestBody": jsonBody(ref("ClinicalNoteCreate")),
			"responses": common(map[string]obj{
				"201": answer("the draft; Location names it", note),
				"400": errResp("a field is missing or invalid; error.field names it (patient_id, note.vitals, note.medications[0].dose_unit, ...)"),
				"413": errResp("the body is over 1 MiB"),
			}),
		}},
		"/api/v1/clinical-notes/{id}": obj{
			"get": obj{
				"summary": "Read a clinical note", "operationId": "getClinicalNote", "tags": []any{"clinical notes"}, "security": sec, "parameters": idParam,
				"description": "The latest version, with its delivery state. Audited as clinical_note.read (not_found for another doctor's).",
				"responses":   common(map[string]obj{"200": answer("the record", note)}),
			},
			"put": obj{
				"summary": "Edit a draft", "operationId": "updateClinicalNote", "tags": []any{"clinical notes"}, "security": sec, "parameters": idParam,
				"description": "Replaces the note and the conditions the doctor confirmed, based on version (optimistic concurrency). Audited as clinical_note.update.",
				"requestBody": jsonBody(ref("ClinicalNoteUpdate")),
				"responses": common(map[string]obj{
					"200": answer("the next version", note),
					"400": errResp("a field is missing or invalid (version, note.vitals, confirmed_conditions[0].icd10, ...)"),
					"409": errResp("version is not the latest, or the note is signed (final)"),
				}),
			},
		},
		"/api/v1/clinical-notes/{id}/sign": obj{"post": obj{
			"summary": "Sign a draft", "operationId": "signClinicalNote", "tags": []any{"clinical notes"}, "security": sec, "parameters": idParam,
			"description": "Makes the note final (status signed) and starts its delivery to Digital Healthcare as a FHIR R4 document Bundle: Composition final, authored by the doctor, Conditions only for the confirmed diagnoses (ICD-10, verificationStatus confirmed), vitals as Observations in UCUM. Delivery runs in the background with bounded retries honouring Retry-After; poll the note until it is delivered (delivery.location) or failed (delivery.last_error). A note left signed by a process that stopped is delivered by the next one. Audited as clinical_note.sign, each attempt as clinical_note.delivery_attempt.",
			"requestBody": jsonBody(ref("VersionBody")),
			"responses": common(map[string]obj{
				"200": answer("the signed note", note),
				"400": errResp("version is missing"),
				"409": errResp("version is not the latest, or the note is already signed"),
			}),
		}},
		"/api/v1/clinical-notes/{id}/deliver": obj{"post": obj{
			"summary": "Retry a failed delivery", "operationId": "redeliverClinicalNote", "tags": []any{"clinical notes"}, "security": sec, "parameters": idParam,
			"description": "Puts a failed note back to signed and delivers it again; the send is a conditional create on the Bundle's identifier, so Digital Healthcare stores the note once. Audited as clinical_note.redeliver.",
			"responses": common(map[string]obj{
				"202": answer("the note, signed again, its delivery under way", note),
				"409": errResp("the note's delivery has not failed (draft, signed or delivered)"),
			}),
		}},
		"/api/v1/clinical-notes/{id}/history": obj{"get": obj{
			"summary": "A clinical note's history", "operationId": "clinicalNoteHistory", "tags": []any{"clinical notes"}, "security": sec, "parameters": idParam,
			"description": "Every version, oldest first: who made it (a doctor id, or fhir-delivery), when, and the status it left. Audited as clinical_note.history.",
			"responses": common(map[string]obj{"200": answer("the versions", obj{"type": "object", "properties": obj{
				"id": obj{"type": "string"}, "versions": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
					"version": obj{"type": "integer"}, "status": obj{"type": "string"}, "updated_by": obj{"type": "string"},
					"updated_at": obj{"type": "string", "format": "date-time"}}}}}})}),
		}},
	}
	str := obj{"type": "string"}
	dt := obj{"type": "string", "format": "date-time"}
	condition := obj{"type": "object", "required": []any{"icd10", "name"}, "properties": obj{
		"icd10": obj{"type": "string", "pattern": "^[A-TV-Z][0-9][0-9AB](\\.[0-9A-Z]{1,4})?$", "example": "J18.9"},
		"name":  str, "condition_id": obj{"type": "string", "description": "the assistant's condition, when it came from the differential"}}}
	noteSchema := obj{"type": "object", "description": "the structured note of POST /api/v1/notes: language, sections, vitals (checked against plausible ranges), medications, engine"}
	schemas = obj{
		"ConfirmedCondition": condition,
		"ClinicalNoteCreate": obj{"type": "object", "required": []any{"patient_id", "note"}, "additionalProperties": false, "properties": obj{
			"patient_id":   obj{"type": "string", "maxLength": maxIDLen, "description": "no spaces or control characters"},
			"encounter_id": obj{"type": "string", "maxLength": maxIDLen, "description": "the visit; defaults to the note's id"},
			"note":         noteSchema,
			"differential": obj{"nullable": true, "description": "the assistant's answer as shown to the doctor, as POST /api/v1/diagnosis gives it (an object) or POST /api/v1/notes (an array of conditions); kept, never delivered",
				"oneOf": []any{obj{"type": "object"}, obj{"type": "array", "items": obj{"type": "object"}}}},
			"source": obj{"type": "object", "nullable": true, "description": "what the note was made from, such as {\"text\": ...}"}}},
		"ClinicalNoteUpdate": obj{"type": "object", "required": []any{"note", "version"}, "additionalProperties": false, "properties": obj{
			"note": noteSchema, "version": obj{"type": "integer", "minimum": 1},
			"confirmed_conditions": obj{"type": "array", "maxItems": maxConfirmed, "items": ref("ConfirmedCondition")}}},
		"VersionBody": obj{"type": "object", "required": []any{"version"}, "properties": obj{"version": obj{"type": "integer", "minimum": 1}}},
		"ClinicalNote": obj{"type": "object", "properties": obj{
			"id": str, "status": obj{"type": "string", "enum": []any{"draft", "signed", "delivered", "failed"}},
			"version":    obj{"type": "integer", "description": "send it back with the next change"},
			"patient_id": str, "encounter_id": str, "note": noteSchema,
			"differential":         obj{"nullable": true, "oneOf": []any{obj{"type": "object"}, obj{"type": "array", "items": obj{"type": "object"}}}},
			"confirmed_conditions": obj{"type": "array", "items": ref("ConfirmedCondition")},
			"source":               obj{"type": "object", "nullable": true},
			"created_by":           str, "created_at": dt, "updated_by": obj{"type": "string", "description": "a doctor id, or fhir-delivery"}, "updated_at": dt,
			"signed_by": str, "signed_at": dt,
			"delivery": obj{"type": "object", "properties": obj{
				"attempts":     obj{"type": "integer", "description": "POSTs to Digital Healthcare so far, retries included"},
				"last_error":   obj{"type": "string", "description": "why the last attempt failed: an HTTP status and OperationOutcome codes, or doctor.fhir.base_url is not set"},
				"delivered_at": dt,
				"location":     obj{"type": "string", "description": "where Digital Healthcare stored the Bundle"}}}}},
	}
	security = obj{
		"doctorBearer": obj{"type": "http", "scheme": "bearer", "description": "a doctor's API key, or an HS256 JWT (sub = doctor id, iss oqim, aud oqim-doctor)"},
		"doctorApiKey": obj{"type": "apiKey", "in": "header", "name": "X-API-Key"},
	}
	return paths, schemas, security
}
