package chatbot

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// identifiers are one of each format connectors/redact recognises, as
// citizens type them (the README's table); secrets are what must not be
// found of them anywhere the message goes.
var (
	identifiers = []string{
		"AA 123 45 67",               // passport, Latin series, spaced
		"АВ1234568",                  // passport, Cyrillic series
		"31205\u00a0678901\u00a0234", // PINFL grouped with no-break spaces
		"+998 90 12 345 67",          // phone, international
		"93.765.43.21",               // phone, local with dots
		"8600 1234 5678 9012",        // Uzcard, in fours
		"aziza.karimova@mail.uz",     // e-mail
	}
	secrets = []string{"123 45 67", "1234567", "1234568", "678901", "12 345 67", "765.43.21", "93.765",
		"1234 5678", "5678 9012", "8600", "aziza", "karimova", "mail.uz"}
	// kept is what the redactor leaves alone: an amount grouped in
	// thousands, a date and an ICD-10 code.
	kept = []string{"1 250 000", "12.03.2025", "J45.0"}
)

// A citizen's message with every identifier format goes to the session,
// the usage event and the operators' ticket (through a real Kafka broker)
// with none of them, and with amounts, dates and codes intact.
func TestNoIdentifierLeavesTheRequest(t *testing.T) {
	svc, brokers, srv := newKafkaService(t)
	sid := startSession(t, srv.URL)
	// A question the knowledge base has no entry for: handed to an
	// operator, and its text kept for the analysts, redacted.
	text := "Ajrashish uchun ariza qayerga beriladi? Pasport " + identifiers[0] + ", eski pasport " + identifiers[1] +
		", JShShIR " + identifiers[2] + ", tel " + identifiers[3] + " yoki " + identifiers[4] +
		", karta " + identifiers[5] + ", pochta " + identifiers[6] +
		". 12.03.2025 da 1 250 000 so'm to'ladim, tashxis J45.0"
	reply, code := ask(t, srv.URL, sid, text)
	if code != http.StatusOK || reply.Kind != KindHandoff || reply.TicketID == "" {
		t.Fatalf("reply %d %+v, want a handoff with a ticket", code, reply)
	}

	resp, err := http.Get(srv.URL + "/api/v1/chat/sessions/" + sid)
	if err != nil {
		t.Fatal(err)
	}
	var s sessionResponse
	err = json.NewDecoder(resp.Body).Decode(&s)
	resp.Body.Close()
	if err != nil || len(s.Messages) == 0 {
		t.Fatalf("session: %v, %d messages", err, len(s.Messages))
	}
	stored := s.Messages[0].Text
	check(t, "stored session", stored)
	for _, k := range kept {
		if !strings.Contains(stored, k) {
			t.Errorf("stored session lost %q, which is not personal: %q", k, stored)
		}
	}
	for _, p := range []string{"[PASSPORT]", "[PINFL]", "[PHONE]", "[CARD]", "[EMAIL]"} {
		if !strings.Contains(stored, p) {
			t.Errorf("stored session lacks %s: %q", p, stored)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := svc.Close(ctx); err != nil {
		t.Fatal(err)
	}
	tickets := readTopic(ctx, t, brokers, DefaultHandoffTopic, 1)
	check(t, "handoff ticket", string(tickets[0]))
	var tk Ticket
	if err := json.Unmarshal(tickets[0], &tk); err != nil || len(tk.Conversation) == 0 || !strings.Contains(tk.Conversation[0].Text, "J45.0") {
		t.Errorf("ticket %s (%v): want the citizen's redacted message", tickets[0], err)
	}
	events := readTopic(ctx, t, brokers, DefaultEventsTopic, 2)
	question := false
	for _, ev := range events {
		check(t, "event", string(ev))
		question = question || strings.Contains(string(ev), `"question":`)
	}
	if !question {
		t.Errorf("no question event carries the (redacted) text: %s", events)
	}
}

func check(t *testing.T, where, got string) {
	t.Helper()
	// JSON may escape the no-break space; compare both spellings.
	plain := strings.ReplaceAll(got, `\u00a0`, "\u00a0")
	for _, s := range append(append([]string(nil), identifiers...), secrets...) {
		if strings.Contains(plain, s) {
			t.Errorf("%s carries %q: %s", where, s, got)
		}
	}
}
