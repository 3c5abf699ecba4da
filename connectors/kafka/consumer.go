package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/oqim/oqim/connectors/retry"
	kafkago "github.com/segmentio/kafka-go"
)

// ConsumerConfig configures a Consumer.
type ConsumerConfig struct {
	Group  string
	Topics []string
	// SessionTimeout is how long the group waits for a member that
	// stopped heartbeating before giving its partitions to the others;
	// 0 keeps kafka-go's 30 s.
	SessionTimeout time.Duration
	// FetchBytes bounds one fetch and so one chunk's buffer (default
	// 4 MiB); a record larger than it is still read, in a chunk of its own.
	FetchBytes int
	// FetchWait is how long the broker may hold a fetch for data (default
	// 250 ms).
	FetchWait time.Duration
	// Queue is how many fetched chunks may wait for Poll (default 4); with
	// FetchBytes it bounds the consumer's memory.
	Queue  int
	Logger *slog.Logger
	// OnFetchError is called for every failed fetch before it is retried,
	// for metrics.
	OnFetchError func(error)
	// OnPosition, if set, is called after every fetch, empty ones
	// included, with the partition's high watermark and the offset this
	// member started the partition from in the current generation (the
	// group's committed offset), so a caller can report lag while it is
	// not committing.
	OnPosition func(topic string, partition int, start, highWater int64)
}

// ErrRebalanced is returned by Commit for records fetched under a group
// generation that has ended: their partitions may belong to another member
// now, which will read them again from the last committed offset.
var ErrRebalanced = errors.New("kafka: the consumer group rebalanced; offsets of the ended generation were not committed")

// Consumer reads topics as a member of a consumer group. Each partition's
// fetcher copies a whole fetch's record values into one pooled Chunk and
// hands it over in one channel send, so the per-record cost is a copy,
// not a Message with its own allocations and a channel hop as with
// kafka-go's Reader (about four times the CPU per record on small records).
type Consumer struct {
	cfg    ConsumerConfig
	dialer *kafkago.Dialer
	// brokers is where fetchers look for partition leaders.
	brokers []string
	group   *kafkago.ConsumerGroup
	chunks  chan *Chunk
	pool    sync.Pool
	stop    context.CancelFunc
	done    chan struct{}

	mu  sync.Mutex
	gen *kafkago.Generation
}

// Chunk is the records of one fetch from one partition, in offset order.
type Chunk struct {
	Topic     string
	Partition int
	// Generation is the group generation the chunk was fetched under.
	Generation int32
	// HighWaterMark is the partition's end offset when it was fetched.
	HighWaterMark int64

	buf  []byte
	ends []int
	offs []int64
}

// Len is the number of records.
func (c *Chunk) Len() int { return len(c.offs) }

// Value is record i's value, valid until the chunk is released.
func (c *Chunk) Value(i int) []byte {
	from := 0
	if i > 0 {
		from = c.ends[i-1]
	}
	return c.buf[from:c.ends[i]:c.ends[i]]
}

// Offset is record i's offset.
func (c *Chunk) Offset(i int) int64 { return c.offs[i] }

// NewConsumer joins the group and starts fetching in the background.
func (cl *Cluster) NewConsumer(cfg ConsumerConfig) (*Consumer, error) {
	if len(cl.brokers) == 0 || cfg.Group == "" || len(cfg.Topics) == 0 {
		return nil, errors.New("kafka: a consumer needs brokers, a group and topics")
	}
	// A setting of zero or less takes its default.
	cfg.FetchBytes = cmp.Or(max(cfg.FetchBytes, 0), 4<<20)
	cfg.FetchWait = cmp.Or(max(cfg.FetchWait, 0), 250*time.Millisecond)
	cfg.Queue = cmp.Or(max(cfg.Queue, 0), 4)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	gcfg := kafkago.ConsumerGroupConfig{
		ID:          cfg.Group,
		Brokers:     cl.Brokers(),
		Dialer:      cl.dialer,
		Topics:      cfg.Topics,
		StartOffset: kafkago.FirstOffset,
		ErrorLogger: SlogLogger(cfg.Logger, slog.LevelWarn),
	}
	if cfg.SessionTimeout > 0 {
		gcfg.SessionTimeout = cfg.SessionTimeout
	}
	g, err := kafkago.NewConsumerGroup(gcfg)
	if err != nil {
		return nil, fmt.Errorf("kafka: consumer group %s: %w", cfg.Group, err)
	}
	ctx, stop := context.WithCancel(context.Background())
	c := &Consumer{cfg: cfg, dialer: cl.dialer, brokers: cl.Brokers(), group: g, chunks: make(chan *Chunk, cfg.Queue), stop: stop, done: make(chan struct{})}
	c.pool.New = func() any { return &Chunk{buf: make([]byte, 0, cfg.FetchBytes)} }
	go c.run(ctx)
	return c, nil
}

// run follows the group from generation to generation, starting one
// fetcher per assigned partition; kafka-go cancels their context when
// the generation ends.
func (c *Consumer) run(ctx context.Context) {
	defer close(c.done)
	for {
		gen, err := c.group.Next(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, kafkago.ErrGroupClosed) {
				return
			}
			// kafka-go reports join and sync failures here and retries
			// them itself, with backoff.
			c.cfg.Logger.Warn("kafka consumer group: joining failed; retrying", "group", c.cfg.Group, "err", err)
			continue
		}
		c.mu.Lock()
		c.gen = gen
		c.mu.Unlock()
		for topic, parts := range gen.Assignments {
			for _, pa := range parts {
				topic, pa, id := topic, pa, gen.ID
				gen.Start(func(ctx context.Context) { c.fetch(ctx, id, topic, pa.ID, pa.Offset) })
			}
		}
	}
}

// Poll returns the next chunk, blocking until one is fetched or ctx ends.
// Chunks of an ended generation are dropped, not returned. Release the
// chunk when done with its values.
func (c *Consumer) Poll(ctx context.Context) (*Chunk, error) {
	for {
		select {
		case ch := <-c.chunks:
			if c.current() != ch.Generation {
				c.Release(ch)
				continue
			}
			return ch, nil
		case <-c.done:
			return nil, errors.New("kafka: consumer closed")
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (c *Consumer) current() int32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == nil {
		return -1
	}
	return c.gen.ID
}

// Release returns a chunk's buffers for reuse.
func (c *Consumer) Release(ch *Chunk) {
	ch.buf, ch.ends, ch.offs = ch.buf[:0], ch.ends[:0], ch.offs[:0]
	c.pool.Put(ch)
}

// Commit stores next offsets (the offset of the next record to read, per
// topic and partition) for records fetched under generation gen. It
// returns ErrRebalanced, committing nothing, when that generation ended.
func (c *Consumer) Commit(ctx context.Context, gen int32, next map[string]map[int]int64) error {
	c.mu.Lock()
	g := c.gen
	c.mu.Unlock()
	if g == nil || g.ID != gen {
		return ErrRebalanced
	}
	if err := g.CommitOffsets(next); err != nil {
		if errors.Is(err, kafkago.IllegalGeneration) || errors.Is(err, kafkago.RebalanceInProgress) || errors.Is(err, kafkago.UnknownMemberId) {
			return fmt.Errorf("%w (%v)", ErrRebalanced, err)
		}
		return fmt.Errorf("kafka: committing offsets of group %s: %w", c.cfg.Group, err)
	}
	return nil
}

// Close leaves the group and stops the fetchers.
func (c *Consumer) Close() error {
	c.stop()
	err := c.group.Close()
	<-c.done
	return err
}

// fetch reads one partition from offset until ctx ends, reconnecting
// with backoff on errors.
func (c *Consumer) fetch(ctx context.Context, gen int32, topic string, partition int, offset int64) {
	var conn *kafkago.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	var backoff retry.Backoff
	fail := func(err error) bool {
		if ctx.Err() != nil {
			return false
		}
		if c.cfg.OnFetchError != nil {
			c.cfg.OnFetchError(err)
		}
		delay := backoff.Next()
		c.cfg.Logger.Warn("kafka fetch failed; retrying", "topic", topic, "partition", partition, "err", err, "in", delay)
		return retry.Sleep(ctx, delay)
	}
	start := int64(-1) // the offset the generation started this partition at
	var ch *Chunk      // kept across fetches that return nothing
	defer func() {
		if ch != nil {
			c.Release(ch)
		}
	}()
	for ctx.Err() == nil {
		if conn == nil {
			var err error
			if conn, offset, err = c.dial(ctx, topic, partition, offset); err != nil {
				conn = nil
				if !fail(err) {
					return
				}
				continue
			}
			if start < 0 {
				start = offset
			}
		}
		// The read deadline is what lets a stopped generation interrupt a
		// fetch the broker is holding.
		_ = conn.SetReadDeadline(time.Now().Add(c.cfg.FetchWait + 10*time.Second))
		if ch == nil {
			ch = c.pool.Get().(*Chunk)
		}
		batch := conn.ReadBatchWith(kafkago.ReadBatchConfig{MinBytes: 1, MaxBytes: max(cap(ch.buf), c.cfg.FetchBytes), MaxWait: c.cfg.FetchWait})
		ch.Topic, ch.Partition, ch.Generation, ch.HighWaterMark = topic, partition, gen, batch.HighWaterMark()
		short := false
		for {
			if len(ch.buf) == cap(ch.buf) {
				short = true
				break
			}
			n, err := batch.Read(ch.buf[len(ch.buf):cap(ch.buf)])
			if err != nil {
				short = errors.Is(err, io.ErrShortBuffer)
				break
			}
			if batch.Offset()-1 < offset {
				// A fetch returns whole record batches, which can start
				// before the offset asked for; kafka-go leaves skipping
				// those records to the caller.
				continue
			}
			ch.buf = ch.buf[:len(ch.buf)+n]
			ch.ends = append(ch.ends, len(ch.buf))
			ch.offs = append(ch.offs, batch.Offset()-1)
		}
		err := batch.Close()
		offset = batch.Offset()
		if errors.Is(err, kafkago.RequestTimedOut) {
			// kafka-go's word for a fetch that found nothing new within
			// FetchWait; the connection stays good.
			err = nil
		}
		if err == nil && c.cfg.OnPosition != nil {
			c.cfg.OnPosition(topic, partition, start, ch.HighWaterMark)
		}
		if short && ch.Len() == 0 {
			// One record larger than the buffer: read it again into a
			// buffer that fits (the batch rolled back to it).
			ch.buf = make([]byte, 0, 2*cap(ch.buf))
			continue
		}
		if errors.Is(err, io.ErrShortBuffer) {
			err = nil // the records before it are in the chunk; the next fetch starts at it
		}
		// Records read before an error are good and offset is already past
		// them: hand them over first, or they would be skipped.
		if ch.Len() > 0 {
			if !c.handOver(ctx, conn, ch, start) {
				return
			}
			ch = nil
		}
		if err == nil {
			backoff.Reset()
			continue
		}
		var kerr kafkago.Error
		if errors.As(err, &kerr) && kerr == kafkago.OffsetOutOfRange {
			// Retention removed records this group never read: start
			// again at the oldest that is left.
			c.cfg.Logger.Warn("committed offset is out of range; resuming at the oldest record", "topic", topic, "partition", partition, "offset", offset)
			offset = kafkago.FirstOffset
		}
		conn.Close()
		conn = nil
		if !fail(err) {
			return
		}
	}
}

// handOver queues ch for Poll; it reports false if ctx ended first. While
// the queue is full (the caller is not polling: a stalled pipeline) it
// asks the leader for the partition's high watermark every
// positionRefresh, so OnPosition keeps reporting records that arrive
// meanwhile.
func (c *Consumer) handOver(ctx context.Context, conn *kafkago.Conn, ch *Chunk, start int64) bool {
	select {
	case c.chunks <- ch:
		return true
	default:
	}
	var tick <-chan time.Time
	if c.cfg.OnPosition != nil {
		t := time.NewTicker(positionRefresh)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case c.chunks <- ch:
			return true
		case <-ctx.Done():
			return false
		case <-tick:
			_ = conn.SetDeadline(time.Now().Add(positionRefresh))
			hw, err := conn.ReadLastOffset()
			_ = conn.SetDeadline(time.Time{}) // the fetch loop sets its own
			if err == nil {
				c.cfg.OnPosition(ch.Topic, ch.Partition, start, hw)
			}
		}
	}
}

// positionRefresh is how often a fetcher waiting to hand over a chunk
// asks for the high watermark.
const positionRefresh = time.Second

// dial connects to the partition's leader and positions the connection
// at offset, resolving FirstOffset and LastOffset.
func (c *Consumer) dial(ctx context.Context, topic string, partition int, offset int64) (*kafkago.Conn, int64, error) {
	var err error
	for _, b := range c.brokers {
		var conn *kafkago.Conn
		conn, err = c.dialer.DialLeader(ctx, "tcp", b, topic, partition)
		if err != nil {
			continue
		}
		switch offset {
		case kafkago.FirstOffset:
			offset, err = conn.Seek(0, kafkago.SeekStart)
		case kafkago.LastOffset:
			offset, err = conn.Seek(0, kafkago.SeekEnd)
		default:
			_, err = conn.Seek(offset, kafkago.SeekAbsolute|kafkago.SeekDontCheck)
		}
		if err != nil {
			conn.Close()
			continue
		}
		return conn, offset, nil
	}
	return nil, offset, fmt.Errorf("kafka: connecting to the leader of %s/%d: %w", topic, partition, err)
}
