package ingest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"
	kafkago "github.com/segmentio/kafka-go"
)

// permanent reports whether a step's error is about what was sent, so
// that sending the same thing again fails again: a row ClickHouse refuses
// for its data (dataException), a message the broker refuses (kafka-go's
// refusals of the message itself, such as MessageSizeTooLarge) or that
// the client refuses to send. Anything else, network errors,
// timeouts and every other server exception above all, is taken as
// transient: the step stalls and retries, so a valid record is never
// given up on because a server was unreachable, refused the credentials
// or had a shard down.
func permanent(err error) bool {
	if err == nil {
		return false
	}
	var we kafkago.WriteErrors
	if errors.As(err, &we) {
		// Permanent only when every message that failed did so for good.
		seen := false
		for _, e := range we {
			if e == nil {
				continue
			}
			if !permanent(e) {
				return false
			}
			seen = true
		}
		return seen
	}
	var tooLarge kafkago.MessageTooLargeError
	if errors.As(err, &tooLarge) {
		return true
	}
	var kerr kafkago.Error
	if errors.As(err, &kerr) {
		return dataKafkaError(kerr)
	}
	var ex *proto.Exception
	if errors.As(err, &ex) {
		return dataException(ex)
	}
	return false
}

// dataKafkaError reports the broker's refusals of a message for what it
// is. The list is closed, as dataException's: a refusal of the writer
// (an ACL without Write on the dead-letter topic, a policy) or of the
// cluster's state refuses every message alike, and taking it as the
// message's fault would park every bad record, which is then in no topic.
func dataKafkaError(e kafkago.Error) bool {
	switch e {
	case kafkago.MessageSizeTooLarge, kafkago.RecordListTooLarge, kafkago.InvalidRecord, kafkago.InvalidMessage, kafkago.InvalidMessageSize, kafkago.InvalidTimestamp:
		return true
	}
	return false
}

// dataException reports the ClickHouse error codes that are about a
// row's data, so the same insert fails again however long one waits: the
// rows at fault go to the dead-letter topic after isolate has split the
// batch down to them. The list is closed on purpose. An exception not on
// it (wrong credentials after a password rotation, a shard with no live
// replica, a table not migrated yet, a full disk, codes a newer server
// adds) describes the server's state, refuses every row alike, and
// taking it as the data's would dead-letter the whole stream; it stalls
// the pipeline instead, for an operator to fix.
func dataException(ex *proto.Exception) bool {
	switch ex.Code {
	case 6, // CANNOT_PARSE_TEXT
		27,  // CANNOT_PARSE_INPUT_ASSERTION_FAILED
		38,  // CANNOT_PARSE_DATE
		41,  // CANNOT_PARSE_DATETIME
		53,  // TYPE_MISMATCH
		69,  // ARGUMENT_OUT_OF_BOUND
		70,  // CANNOT_CONVERT_TYPE
		72,  // CANNOT_PARSE_NUMBER
		117, // INCORRECT_DATA
		131, // TOO_LARGE_STRING_SIZE
		190, // SIZES_OF_ARRAYS_DONT_MATCH
		321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
		395, // FUNCTION_THROW_IF_VALUE_IS_NON_ZERO: a throwIf of a column's expression
		469: // VIOLATED_CONSTRAINT: a table's CHECK
		return true
	}
	return tooManyPartitions(ex)
}

// tooManyPartitions reports the one TOO_MANY_PARTS the data causes: a
// block whose rows span more partitions than max_partitions_per_insert_block
// allows. Waiting never fixes it, and taking it as transient would stall
// the pipeline on that batch for good; as permanent, isolate splits the
// batch until each half spans few enough partitions, so every row lands.
func tooManyPartitions(ex *proto.Exception) bool {
	return ex.Code == 252 && strings.Contains(strings.ToLower(ex.Message), "too many partitions")
}

// logged is what a log line says about a step's error: a ClickHouse
// exception by its code and name only, as its message can quote the
// refused data, which must not reach the logs (the dead letter, bounded,
// carries it).
func logged(err error) string {
	var ex *proto.Exception
	if errors.As(err, &ex) {
		return fmt.Sprintf("ClickHouse exception %d (%s)", ex.Code, ex.Name)
	}
	return err.Error()
}
