package ingest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/pipelines/events"
)

func decodeDead(t *testing.T, m kafkago.Message) DeadLetter {
	t.Helper()
	var dl DeadLetter
	if err := json.Unmarshal(m.Value, &dl); err != nil {
		t.Fatal(err)
	}
	return dl
}

// A dead letter stays within its bound whatever the record holds: text is
// cut at a character boundary, binary travels as base64, and the whole
// original is described by its size and SHA-256.
func TestDeadLetterBounded(t *testing.T) {
	fe := &events.FieldError{Reason: events.ReasonMalformed, Detail: strings.Repeat("d", 10000)}
	const bound = 16 << 10
	for name, value := range map[string][]byte{
		"controls": bytes.Repeat([]byte{1, 2, 0x1f}, 100000),
		"cyrillic": []byte(strings.Repeat("ж", 50000)),
		"binary":   bytes.Repeat([]byte{0xff, 0x00, 0xfe}, 100000),
		"small":    []byte(`{"id":1}`),
	} {
		m := deadLetter("t", 1, 7, value, fe, bound)
		if len(m.Value) > bound {
			t.Errorf("%s: dead letter %d bytes, bound %d", name, len(m.Value), bound)
		}
		dl := decodeDead(t, m)
		if dl.PayloadSize != len(value) || len(dl.PayloadSHA256) != 64 || header(m, headerSHA256) != dl.PayloadSHA256 {
			t.Errorf("%s: size %d sha %q", name, dl.PayloadSize, dl.PayloadSHA256)
		}
		if len(dl.Error.Detail) > maxDetail+len("…") {
			t.Errorf("%s: detail %d bytes", name, len(dl.Error.Detail))
		}
		got := []byte(dl.Payload)
		if utf8.Valid(value) {
			if !utf8.ValidString(dl.Payload) {
				t.Errorf("%s: payload cut inside a character", name)
			}
		} else {
			var err error
			if got, err = base64.StdEncoding.DecodeString(dl.PayloadBase64); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.HasPrefix(value, got) || dl.Truncated != (len(got) < len(value)) || len(got) == 0 {
			t.Errorf("%s: payload %d of %d bytes, truncated %v", name, len(got), len(value), dl.Truncated)
		}
	}
}

func TestPermanent(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{kafkago.MessageSizeTooLarge, true},
		{kafkago.WriteErrors{nil, kafkago.MessageSizeTooLarge}, true},
		{kafkago.WriteErrors{kafkago.MessageSizeTooLarge, kafkago.NotLeaderForPartition}, false},
		{kafkago.MessageTooLargeError{}, true},
		{kafkago.NotLeaderForPartition, false},
		// The writer may not write the dead-letter topic: every dead
		// letter alike, so stall, never park them all.
		{kafkago.TopicAuthorizationFailed, false},
		{kafkago.PolicyViolation, false},
		{kafkago.RecordListTooLarge, true},
		{fmt.Errorf("insert: %w", &proto.Exception{Code: 395, Message: "throwIf"}), true},
		{&proto.Exception{Code: 252, Message: "Too many parts (300). Merges are processing significantly slower than inserts"}, false},
		// The batch, not the server, is at fault: isolate splits it.
		{&proto.Exception{Code: 252, Message: "Too many partitions for single INSERT block (more than 100). The limit is controlled by 'max_partitions_per_insert_block' setting."}, true},
		{&proto.Exception{Code: 60, Message: "unknown table"}, false},
		// A full or failing disk refuses every row alike: stall, never
		// dead-letter the lot.
		{&proto.Exception{Code: 75, Message: "Cannot write to file descriptor: No space left on device"}, false},
		{&proto.Exception{Code: 243, Message: "not enough space"}, false},
		{&proto.Exception{Code: 1001, Message: "std::exception: filesystem error"}, false},
		{&proto.Exception{Code: 6, Message: "cannot parse text"}, true},
		{&proto.Exception{Code: 469, Message: "Constraint `region_known` is violated"}, true},
		// The server's state, whatever the code: wrong credentials after a
		// rotation, a shard with no live replica, a code this list does
		// not know. Stall; never dead-letter every row alike.
		{&proto.Exception{Code: 193, Message: "Wrong password for user default"}, false},
		{&proto.Exception{Code: 516, Message: "Authentication failed"}, false},
		{&proto.Exception{Code: 279, Message: "All connection tries failed"}, false},
		{&proto.Exception{Code: 99999, Message: "a code added in a newer server"}, false},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, false},
		{errors.New("i/o timeout"), false},
	} {
		if got := permanent(c.err); got != c.want {
			t.Errorf("permanent(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
