package ingest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"
	kafkago "github.com/segmentio/kafka-go"
)

// permanent reports whether a step's error is about what was sent, so
// that sending the same thing again fails again: a record ClickHouse
// refuses (a server exception other than overload), a message the broker
// refuses (kafka-go's protocol errors that are not temporary, such as
// MessageSizeTooLarge) or that the client refuses to send. Anything else,
// network errors and timeouts above all, is taken as transient: the step
// stalls and retries, so a valid record is never given up on because a
// server was unreachable.
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
		return !kerr.Temporary()
	}
	var ex *proto.Exception
	if errors.As(err, &ex) {
		return !transientException(ex)
	}
	return false
}

// transientException reports the ClickHouse error codes that describe the
// server's state, not the data, so the same insert can succeed later. A
// table, database or column not migrated yet is among them: it is an
// operator's fix, and every row would otherwise be dead-lettered. So is a
// full disk or a failing one, which refuses every row alike.
func transientException(ex *proto.Exception) bool {
	switch ex.Code {
	case 16, // NO_SUCH_COLUMN_IN_TABLE
		60,   // UNKNOWN_TABLE
		74,   // CANNOT_READ_FROM_FILE_DESCRIPTOR
		75,   // CANNOT_WRITE_TO_FILE_DESCRIPTOR: what a full disk gives
		76,   // CANNOT_OPEN_FILE
		81,   // UNKNOWN_DATABASE
		159,  // TIMEOUT_EXCEEDED
		164,  // READONLY
		173,  // CANNOT_ALLOCATE_MEMORY
		202,  // TOO_MANY_SIMULTANEOUS_QUERIES
		203,  // NO_FREE_CONNECTION
		209,  // SOCKET_TIMEOUT
		210,  // NETWORK_ERROR
		225,  // NO_ZOOKEEPER
		236,  // ABORTED
		241,  // MEMORY_LIMIT_EXCEEDED
		242,  // TABLE_IS_READ_ONLY
		243,  // NOT_ENOUGH_SPACE
		252,  // TOO_MANY_PARTS, but see tooManyPartitions
		285,  // TOO_FEW_LIVE_REPLICAS
		319,  // UNKNOWN_STATUS_OF_INSERT
		394,  // QUERY_WAS_CANCELLED
		425,  // SYSTEM_ERROR
		999,  // KEEPER_EXCEPTION
		1000, // POCO_EXCEPTION: the server's I/O
		1001: // STD_EXCEPTION: likewise (std::filesystem errors among them)
		return !tooManyPartitions(ex)
	}
	return false
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
