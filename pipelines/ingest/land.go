package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/clickhouse"
	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/retry"
	"github.com/oqim/oqim/pipelines/events"
)

// land writes a batch's dead letters, then each table's rows, then
// commits its offsets. A step failing for a transient reason (a server
// unreachable) is retried until it succeeds or ctx ends, so nothing is
// committed early; one failing for a permanent reason (see permanent) is
// tried PermanentTries times and then routed around: rows ClickHouse
// refuses are isolated and dead-lettered, dead letters the broker refuses
// are parked. Either way the pipeline moves on.
func (p *Pipeline) land(ctx context.Context, b *batch, w *clickhouse.RecordWriter) error {
	if err := p.writeDead(ctx, b.dead); err != nil {
		return err
	}
	for _, r := range b.records {
		err := p.retry(ctx, "insert", p.opts.PermanentTries, func() error { return w.Insert(ctx, p.conn, r.table, r.rec) })
		if permanent(err) {
			err = p.isolate(ctx, w, r.table, r.rec, r.src, err)
		}
		if err != nil {
			return err
		}
	}
	next := map[string]map[int]int64{}
	for k, s := range b.parts {
		if next[k.topic] == nil {
			next[k.topic] = map[int]int64{}
		}
		next[k.topic][k.id] = s.last + 1
	}
	err := p.retry(ctx, "commit", 0, func() error {
		err := p.consumer.Commit(ctx, b.gen, next)
		if errors.Is(err, kafka.ErrRebalanced) {
			// The rows are in ClickHouse; whoever owns the partitions now
			// reads them again and dedup by id absorbs the repeat.
			p.opts.Logger.Info("batch landed but not committed: the group rebalanced", "records", b.count)
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	for k, s := range b.parts {
		p.opts.Metrics.lag.committed(k, s.last+1)
	}
	if p.opts.OnCommit != nil {
		c := Commit{Started: b.started, Committed: time.Now(), Rows: b.rows, Bytes: b.bytes}
		for k, s := range b.parts {
			c.Ranges = append(c.Ranges, OffsetRange{Topic: k.topic, Partition: k.id, First: s.first, Last: s.last})
		}
		p.opts.OnCommit(c)
	}
	p.opts.Metrics.Rows.Add(b.rows)
	p.opts.Metrics.Batches.Inc()
	p.opts.Metrics.BatchTime.UpdateDuration(b.started)
	return nil
}

// writeDead writes dead letters. If the broker refuses the lot for good,
// each is written on its own, and the ones it refuses are parked.
func (p *Pipeline) writeDead(ctx context.Context, dead []kafkago.Message) error {
	if len(dead) == 0 {
		return nil
	}
	err := p.retry(ctx, "dlq", p.opts.PermanentTries, func() error { return p.dlq.WriteMessages(ctx, dead...) })
	if !permanent(err) || len(dead) == 1 {
		if permanent(err) {
			p.park("dlq", dead[0], err)
			return nil
		}
		return err
	}
	for _, m := range dead {
		err := p.retry(ctx, "dlq", 1, func() error { return p.dlq.WriteMessages(ctx, m) })
		switch {
		case permanent(err):
			p.park("dlq", m, err)
		case err != nil:
			return err
		}
	}
	return nil
}

// park gives up on a dead letter the broker will not take: it is counted
// and logged with its source coordinates and the SHA-256 of the original
// record, never its content, and its offset is committed with the batch.
// The record stays on the source topic until retention removes it.
func (p *Pipeline) park(stage string, m kafkago.Message, err error) {
	p.opts.Metrics.Parked[stage].Inc()
	p.opts.Logger.Error("record parked: its dead letter was refused for good; it stays on the source topic",
		"stage", stage, "source", header(m, headerSource), "sha256", header(m, headerSHA256),
		"reason", header(m, headerReason), "dead_letter_bytes", len(m.Value), "err", logged(err))
}

// isolate lands the rows of rec that ClickHouse accepts and dead-letters
// the ones it refuses, by bisection: a half that fails for a permanent
// reason is split again, down to single rows. Each try is a real insert,
// so a poison row costs about 2·log2(rows) inserts; a transient failure
// on the way stalls and retries as any insert does. Rows that landed
// before a later failure are inserted again on redelivery, which dedup by
// id absorbs.
func (p *Pipeline) isolate(ctx context.Context, w *clickhouse.RecordWriter, table string, rec arrow.Record, src []source, cause error) error {
	n := rec.NumRows()
	if n == 1 {
		return p.deadRow(ctx, table, rec, src[0], cause)
	}
	for _, half := range [2][2]int64{{0, n / 2}, {n / 2, n}} {
		sub := rec.NewSlice(half[0], half[1])
		err := p.retry(ctx, "insert", 1, func() error { return w.Insert(ctx, p.conn, table, sub) })
		if permanent(err) {
			err = p.isolate(ctx, w, table, sub, src[half[0]:half[1]], err)
		}
		sub.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// deadRow dead-letters one row ClickHouse refused, with the store's error
// as the reason and the row as it would have been stored as the payload;
// the coordinates name the record it came from.
func (p *Pipeline) deadRow(ctx context.Context, table string, row arrow.Record, src source, cause error) error {
	var buf bytes.Buffer
	if err := array.RecordToJSON(row, &buf); err != nil {
		buf.Reset()
		fmt.Fprintf(&buf, "row not renderable: %v", err)
	}
	fe := &events.FieldError{Reason: events.ReasonStoreRejected, Detail: fmt.Sprintf("%s refused the row: %v", table, cause)}
	m := deadLetter(src.topic, src.partition, src.offset, bytes.TrimSpace(buf.Bytes()), fe, p.opts.DeadPayload)
	p.opts.Metrics.DLQ[events.ReasonStoreRejected].Inc()
	p.opts.Logger.Warn("row refused by ClickHouse; dead-lettered", "table", table, "source", header(m, headerSource),
		"sha256", header(m, headerSHA256), "err", logged(cause))
	err := p.retry(ctx, "dlq", p.opts.PermanentTries, func() error { return p.dlq.WriteMessages(ctx, m) })
	if permanent(err) {
		p.park("insert", m, err)
		return nil
	}
	return err
}

// retry calls fn until it succeeds, ctx ends, or it has failed tries
// times in a row for a permanent reason (tries 0: never give up). A
// transient failure is retried without bound: that is what stalls the
// pipeline, and so consumption, while a server is unreachable.
func (p *Pipeline) retry(ctx context.Context, stage string, tries int, fn func() error) error {
	var b retry.Backoff
	for n := 1; ; n++ {
		err := fn()
		if err == nil {
			return nil
		}
		p.opts.Metrics.Errors[stage].Inc()
		if ctx.Err() != nil || p.stopped() {
			// The grace period after a stop is for work in flight to
			// finish, not for retrying a step that fails: what has not
			// landed is left uncommitted and redelivered. %v, not %w: a
			// step cut short is never taken as permanent, so nothing is
			// parked because the pipeline is stopping.
			return fmt.Errorf("ingest: %s: stopped: %v", stage, err)
		}
		if tries > 0 && permanent(err) {
			if n >= tries {
				return fmt.Errorf("ingest: %s: gave up after %d tries: %w", stage, n, err)
			}
		} else {
			n = 0 // a transient failure resets the count of permanent ones
		}
		d := b.Next()
		p.opts.Logger.Warn("ingest step failed; retrying", "stage", stage, "err", logged(err), "permanent", permanent(err), "in", d)
		if !retry.SleepUnless(ctx, d, p.stopping) {
			return fmt.Errorf("ingest: %s: stopped: %v", stage, err)
		}
	}
}

// stopped reports whether Run's context has ended.
func (p *Pipeline) stopped() bool {
	select {
	case <-p.stopping:
		return true
	default:
		return false
	}
}
