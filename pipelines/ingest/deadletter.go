package ingest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/pipelines/events"
)

// DefaultDeadPayload bounds a dead letter's JSON body. The original
// record is cut until the body fits (JSON escapes a control character in
// six bytes, base64 grows bytes by a third, so the cut depends on what
// the record holds), which keeps a dead letter well inside Kafka's default
// 1 MB message limit whatever the record was. The SHA-256 and size of the
// whole original let an operator find it on the source topic.
const DefaultDeadPayload = 256 << 10

// maxDetail bounds the error detail a dead letter carries (a store's
// error message can quote the data).
const maxDetail = 4 << 10

// DeadLetter is the JSON body of a DLQ record.
type DeadLetter struct {
	Topic     string             `json:"topic"`
	Partition int                `json:"partition"`
	Offset    int64              `json:"offset"`
	Error     *events.FieldError `json:"error"`
	// Payload is the original record, cut to the dead-letter bound at a
	// character boundary, when it is valid UTF-8; otherwise PayloadBase64
	// carries its (cut) bytes. A row ClickHouse refused carries the row
	// as stored, one JSON object.
	Payload       string `json:"payload,omitempty"`
	PayloadBase64 string `json:"payload_base64,omitempty"`
	// PayloadSHA256 (hex) and PayloadSize are of the whole original, so
	// the record can be identified even when Truncated.
	PayloadSHA256 string `json:"payload_sha256"`
	PayloadSize   int    `json:"payload_size"`
	Truncated     bool   `json:"truncated,omitempty"`
}

// Headers of a dead letter, for consumers that route without parsing.
const (
	headerReason = "oqim-error-reason"
	headerSource = "oqim-source"
	headerSHA256 = "oqim-payload-sha256"
)

func deadLetter(topic string, partition int, offset int64, value []byte, fe *events.FieldError, bound int) kafkago.Message {
	sum := sha256.Sum256(value)
	dl := DeadLetter{Topic: topic, Partition: partition, Offset: offset, Error: fe,
		PayloadSHA256: hex.EncodeToString(sum[:]), PayloadSize: len(value)}
	if len(fe.Detail) > maxDetail {
		cut := *fe
		cut.Detail = truncateUTF8(cut.Detail, maxDetail) + "…"
		dl.Error = &cut
	}
	out := encodeDead(&dl, value, utf8.Valid(value), bound)
	source := topic + "/" + strconv.Itoa(partition) + "/" + strconv.FormatInt(offset, 10)
	return kafkago.Message{
		// Keyed by where it came from, so one source record always lands
		// in the same DLQ partition.
		Key:   []byte(source),
		Value: out,
		Headers: []kafkago.Header{
			{Key: headerReason, Value: []byte(fe.Reason)},
			{Key: headerSource, Value: []byte(source)},
			{Key: headerSHA256, Value: []byte(dl.PayloadSHA256)},
		},
	}
}

// encodeDead marshals dl with as much of value as keeps the body within
// bound bytes: all of it when it fits, otherwise a prefix halved until it
// does, cut back to a character boundary when value is text.
func encodeDead(dl *DeadLetter, value []byte, text bool, bound int) []byte {
	body := value[:min(len(value), bound)]
	for {
		dl.Truncated = len(body) < len(value)
		dl.Payload, dl.PayloadBase64 = "", ""
		if text {
			for len(body) > 0 && !utf8.Valid(body) {
				body = body[:len(body)-1]
			}
			dl.Payload = string(body)
		} else {
			dl.PayloadBase64 = base64.StdEncoding.EncodeToString(body)
		}
		out, _ := json.Marshal(dl) // a struct of strings and numbers always marshals
		if len(out) <= bound || len(body) == 0 {
			return out
		}
		body = body[:min(len(body)/2, bound)]
	}
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// header returns the value of a message's header key.
func header(m kafkago.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
