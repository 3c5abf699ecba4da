package chatbot

import (
	"fmt"

	"github.com/oqim/oqim/connectors/httpedge"
)

type obj = httpedge.Obj

// OpenAPI documents the chatbot's API for the server's one OpenAPI
// document (/api/openapi.json, built by analytics/api). Every route is
// public: citizens have no account, a session's id is its only key, and
// the rate limit is what guards the service. A partner's key is optional
// and only changes how the caller is limited.
func OpenAPI() httpedge.APIDoc {
	str := obj{"type": "string"}
	message := httpedge.Ref("ChatMessage")
	session := []any{httpedge.PathParam("id", "the session_id POST /api/v1/chat/sessions returned", obj{"type": "string", "pattern": "^s_[0-9a-f]{24}$"})}
	notFound := httpedge.Fail("no such session, or it expired (error.field session_id); start a new one")
	maxBodyKiB := maxBody >> 10
	paths := obj{
		"/api/v1/chat/sessions": obj{"post": obj{
			"summary": "Start a conversation", "operationId": "createChatSession",
			"description": fmt.Sprintf("No account is needed and no body is read. The session id is the conversation's only key: whoever holds it reads the (redacted) conversation, so keep it to the citizen's client. An idle session ends after %g min (chatbot.session_ttl). ", DefaultSessionTTL.Minutes()) +
				fmt.Sprintf("A client (an IPv4 address or an IPv6 /64) holds at most %d sessions (chatbot.max_sessions_per_client); starting another ends its least recently used. A partner's sessions are not bounded per client. Defaults shown.", DefaultMaxSessionsPerClient),
			"responses": obj{"201": httpedge.Answer("the session, without messages", httpedge.Ref("ChatSession"))},
		}},
		"/api/v1/chat/sessions/{id}": obj{"parameters": session, "get": obj{
			"summary": "A conversation's messages", "operationId": "getChatSession",
			"description": fmt.Sprintf("The messages kept, oldest first: the last %d (chatbot.max_history), the citizen's as redacted.", DefaultMaxHistory),
			"responses":   obj{"200": httpedge.Answer("the session", httpedge.Ref("ChatSession")), "404": notFound},
		}},
		"/api/v1/chat/sessions/{id}/messages": obj{"parameters": session, "post": obj{
			"summary": "Ask a question", "operationId": "askChatbot",
			"description": "Answers about the Single Portal's public services, with citations, in the language and script of the question (or lang), or hands the conversation to a 1242 operator when it is not confident. The text is redacted (passports, PINFL, phones, cards, e-mails) before it is stored, logged or sent anywhere. " +
				"With Accept: text/event-stream (or stream=1) the answer streams as server-sent events: `meta` (the message without its text), `delta` ({\"text\"}, line by line), then `done` (the whole message) or `error` (the Error body). " +
				fmt.Sprintf("The route's time limit is %g min.", answerTimeout.Minutes()),
			"parameters":  []any{obj{"name": "stream", "in": "query", "required": false, "description": "1: answer as server-sent events, as Accept: text/event-stream asks", "schema": obj{"type": "string", "enum": []any{"1"}}}},
			"requestBody": httpedge.JSONBody(httpedge.Ref("ChatQuestion")),
			"responses": obj{
				"200": obj{"description": "the bot's reply", "content": obj{
					"application/json":  obj{"schema": message},
					"text/event-stream": obj{"schema": obj{"type": "string", "description": "events meta, delta..., then done or error"}}}},
				"400": httpedge.Fail("the body is not one JSON object of these fields, text is empty or not UTF-8, or lang is unknown; error.field names it"),
				"404": notFound,
				"413": httpedge.Fail(fmt.Sprintf("text is over %d characters (chatbot.max_message_runes; error.field text), or the body over %d KiB", DefaultMaxMessageRunes, maxBodyKiB)),
				"500": httpedge.Fail("the bot could not answer; the citizen is asked to call 1242"),
			},
		}},
		"/api/v1/chat/sessions/{id}/feedback": obj{"parameters": session, "post": obj{
			"summary": "Rate a reply", "operationId": "chatFeedback",
			"description": "A bot message takes one rating and one resolved answer: sending the same again is a 204 that counts nothing more, a different one a 409, so an answer cannot be rated many times.",
			"requestBody": httpedge.JSONBody(httpedge.Ref("ChatFeedback")),
			"responses": obj{
				"204": httpedge.Answer("taken", nil),
				"400": httpedge.Fail("neither rating nor resolved, a rating other than up or down, or message_id names no bot message of the session; error.field names it"),
				"404": notFound,
				"409": httpedge.Fail("the message was already rated, or answered resolved, otherwise"),
				"413": httpedge.Fail(fmt.Sprintf("the body is over %d KiB", maxBodyKiB)),
			},
		}},
		"/api/v1/chat/sessions/{id}/handoff": obj{"parameters": session, "post": obj{
			"summary": "Ask for a person", "operationId": "chatHandoff",
			"description": "Passes the (redacted) conversation to the 1242 call centre as a ticket; a session raises one ticket, however many requests race. The reply gives the ticket number, or, when no ticket could be raised, asks the citizen to call 1242.",
			"responses":   obj{"200": httpedge.Answer("the bot's reply, kind handoff", message), "404": notFound},
		}},
	}
	limits := fmt.Sprintf("by default %d requests a second per client, bursts of %d (chatbot.rate_per_second, chatbot.burst)", DefaultRatePerSecond, DefaultBurst)
	httpedge.Common{
		Tag: "chatbot",
		// Anonymous, or a partner's key: never refused either way.
		Security:  append([]any{obj{}}, httpedge.Security("chatPartnerKey")...),
		Responses: obj{"429": httpedge.Fail("the client's rate limit, " + limits + "; Retry-After says when to try again")},
	}.Apply(paths)
	citation := obj{"type": "object", "properties": obj{"id": str, "title": str,
		"url":          obj{"type": "string", "description": "not sent: the decrees give no addresses on the portal, and none is made up"},
		"source":       obj{"type": "string", "description": "the decree and item the entry rests on, or that it is portal help"},
		"source_title": obj{"type": "string", "description": "the decree's own wording of the service, verbatim; empty for portal help"}}}
	schemas := obj{
		"ChatSession": obj{"type": "object", "properties": obj{"session_id": str, "expires_at": obj{"type": "string", "format": "date-time"},
			"messages": obj{"type": "array", "items": message}}},
		"ChatMessage": obj{"type": "object", "properties": obj{
			"id": str, "role": obj{"type": "string", "enum": []any{"user", "bot"}}, "text": str, "time": obj{"type": "string", "format": "date-time"},
			"lang":       obj{"type": "string", "enum": []any{"uz-Latn", "uz-Cyrl", "ru", "en"}},
			"kind":       obj{"type": "string", "enum": []any{string(KindAnswer), string(KindHandoff), string(KindOffTopic), string(KindGreeting)}, "description": "of a bot message"},
			"citations":  obj{"type": "array", "items": citation},
			"ticket_id":  obj{"type": "string", "description": "the 1242 ticket, when the conversation was handed over"},
			"confidence": obj{"type": "number"}}},
		"ChatQuestion": obj{"type": "object", "required": []any{"text"}, "additionalProperties": false, "properties": obj{
			"text": obj{"type": "string", "description": fmt.Sprintf("the question, by default at most %d characters (chatbot.max_message_runes)", DefaultMaxMessageRunes)},
			"lang": obj{"type": "string", "enum": []any{"uz-Latn", "uz-Cyrl", "ru", "en"}, "description": "the reply's language form; default: the question's"}}},
		"ChatFeedback": obj{"type": "object", "required": []any{"message_id"}, "additionalProperties": false, "description": "rating, resolved or both", "properties": obj{
			"message_id": obj{"type": "string", "description": "a bot message of the session"},
			"rating":     obj{"type": "string", "enum": []any{"up", "down"}},
			"resolved":   obj{"type": "boolean", "description": "whether the reply solved the citizen's problem"}}},
	}
	security := obj{"chatPartnerKey": obj{"type": "apiKey", "in": "header", "name": "X-API-Key",
		"description": "optional: a partner's key (another agency's portal, the 1242 call centre) is rate limited per key instead of per address; an unknown key is ignored, not refused"}}
	return httpedge.APIDoc{Paths: paths, Schemas: schemas, SecuritySchemes: security}
}
