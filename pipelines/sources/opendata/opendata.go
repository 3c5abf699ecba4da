// Package opendata polls an open-data portal's dataset and announces each
// new version on Kafka as an opendata.dataset.published or
// opendata.dataset.updated event, optionally with the dataset's rows.
package opendata

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/connectors/retry"
	"github.com/oqim/oqim/pipelines/events"
)

// Event types the poller emits.
const (
	TypePublished = "opendata.dataset.published"
	TypeUpdated   = "opendata.dataset.updated"
)

// Config describes one dataset to poll; zero values take the defaults.
type Config struct {
	// Agency publishes the dataset; it is the events' source.
	Agency string `yaml:"agency"`
	// Dataset names the dataset within the agency.
	Dataset string `yaml:"dataset"`
	// URL is fetched with GET; redirects are followed.
	URL string `yaml:"url"`
	// Format is csv or json (an array of objects); empty: from the
	// response's Content-Type.
	Format string `yaml:"format"`
	// Region is the events' ISO 3166-2:UZ region: the region the dataset
	// covers, or the publisher's for a national dataset.
	Region string `yaml:"region"`
	// Topic receives the dataset events.
	Topic string `yaml:"topic"`
	// RowsTopic, when set, also receives every row of a new version as a
	// flat JSON object.
	RowsTopic string `yaml:"rows_topic"`
	// StatePath is the state file; empty keeps state in memory only, so
	// a restart fetches the dataset again and emits it as a new event
	// (same id; its time is new when the portal sends no Last-Modified,
	// and its type is published). `oqim ingest` defaults it (see
	// cmd/oqim/config).
	StatePath string `yaml:"state_path"`
	// Interval between polls. Default 15m.
	Interval time.Duration `yaml:"interval"`
	// Timeout bounds one fetch, body included. Default 5m.
	Timeout time.Duration `yaml:"timeout"`
	// MinBackoff and MaxBackoff bound the wait after a failed poll, which
	// doubles from MinBackoff up to MaxBackoff, with jitter (see
	// connectors/retry). Defaults 10s and 15m. A portal's longer
	// Retry-After is honoured up to MaxBackoff.
	MinBackoff time.Duration `yaml:"min_backoff"`
	MaxBackoff time.Duration `yaml:"max_backoff"`
	// MaxBytes bounds the dataset's size. Default 1 GiB.
	MaxBytes int64 `yaml:"max_bytes"`
	// RowsBatch is how many rows go to Kafka per write. Default 1000.
	RowsBatch int `yaml:"rows_batch"`
	// MaxRowBytes bounds one row as JSON. A CSV row becomes an object
	// that repeats every column name, so a wide header with long names
	// over rows of empty cells grows a hundredfold; a row over the bound
	// is skipped (counted in oqim_opendata_rows_skipped_total and logged
	// with its number), not sent. Default 512 KiB, under Kafka's 1 MB.
	MaxRowBytes int `yaml:"max_row_bytes"`
	// BatchBytes flushes a batch once its rows reach this size, whatever
	// their count, so memory holds at most about this much. Default 8 MiB.
	BatchBytes int `yaml:"batch_bytes"`
}

func (c *Config) check() error {
	var missing []string
	for name, v := range map[string]string{"agency": c.Agency, "dataset": c.Dataset, "url": c.URL, "region": c.Region, "topic": c.Topic} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("opendata: %s must be set", strings.Join(missing, ", "))
	}
	if c.Format != "" && c.Format != FormatCSV && c.Format != FormatJSON {
		return fmt.Errorf("opendata: format %q: use csv, json or leave it empty to follow Content-Type", c.Format)
	}
	if !strings.HasPrefix(c.URL, "http://") && !strings.HasPrefix(c.URL, "https://") {
		return fmt.Errorf("opendata: url %q is not an http(s) URL", c.URL)
	}
	setDefault(&c.Interval, 15*time.Minute)
	setDefault(&c.Timeout, 5*time.Minute)
	setDefault(&c.MinBackoff, 10*time.Second)
	setDefault(&c.MaxBackoff, 15*time.Minute)
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = c.MinBackoff
	}
	// A setting of zero or less takes its default.
	c.MaxBytes = cmp.Or(max(c.MaxBytes, 0), 1<<30)
	c.RowsBatch = cmp.Or(max(c.RowsBatch, 0), 1000)
	c.MaxRowBytes = cmp.Or(max(c.MaxRowBytes, 0), 512<<10)
	c.BatchBytes = cmp.Or(max(c.BatchBytes, 0), 8<<20)
	return nil
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

// Option adjusts a Poller.
type Option func(*Poller)

// WithHTTPClient fetches with c (default: a client with Config.Timeout).
func WithHTTPClient(c *http.Client) Option { return func(p *Poller) { p.client = c } }

// sameOrigin lets the poller follow a redirect only on the dataset's own
// scheme and host: a portal that sends it elsewhere (an internal address,
// or https down to http) would have it fetch and publish what it finds
// there as the agency's rows. At most 5 redirects.
func sameOrigin(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return fmt.Errorf("opendata: more than 5 redirects")
	}
	from := via[0].URL
	if req.URL.Scheme != from.Scheme || !strings.EqualFold(req.URL.Host, from.Host) {
		return fmt.Errorf("opendata: a redirect from %s://%s to %s://%s leaves the dataset's origin", from.Scheme, from.Host, req.URL.Scheme, req.URL.Host)
	}
	return nil
}

// WithLogger logs polls and failures to log (default: nowhere).
func WithLogger(log *slog.Logger) Option { return func(p *Poller) { p.log = log } }

// WithMetrics registers the poller's series in set, labelled by dataset.
func WithMetrics(set *metrics.Set) Option { return func(p *Poller) { p.set = set } }

// Poller polls one dataset. Poll and Run must not be called concurrently.
type Poller struct {
	cfg    Config
	w      kafka.Writer
	client *http.Client
	log    *slog.Logger
	set    *metrics.Set
	state  State
	now    func() time.Time

	polls map[string]*metrics.Counter
	rows  *metrics.Counter
	skip  *metrics.Counter
}

// NewPoller loads the state file and returns a poller writing to w. The
// poller sets each message's topic, so w must have none
// (Cluster.NewWriter("")), and it must be synchronous with RequiredAcks
// all: the poller records a version as done only after WriteMessages
// returns nil.
func NewPoller(cfg Config, w kafka.Writer, opts ...Option) (*Poller, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if w == nil {
		return nil, errors.New("opendata: a writer is required")
	}
	if kw, ok := w.(*kafkago.Writer); ok && kw.Topic != "" {
		// kafka-go would refuse every message at the first poll, which
		// Run only logs and retries: nothing would ever be written.
		return nil, fmt.Errorf("opendata: the writer names topic %q; the poller sets each message's topic, so give it a writer with none (Cluster.NewWriter(\"\"))", kw.Topic)
	}
	st, err := loadState(cfg.StatePath)
	if err != nil {
		return nil, err
	}
	// A version is saved as pending before it is sent, so a state file
	// that cannot be written would stop every send: say so now, not at
	// the first new version.
	if err := checkWritable(cfg.StatePath); err != nil {
		return nil, fmt.Errorf("opendata: state_path %s cannot be written: %w", cfg.StatePath, err)
	}
	if st.URL != cfg.URL {
		// State about another URL says nothing about this one.
		st = State{}
	}
	p := &Poller{cfg: cfg, w: w, state: st, now: time.Now}
	for _, o := range opts {
		o(p)
	}
	if p.client == nil {
		p.client = &http.Client{Timeout: cfg.Timeout, CheckRedirect: sameOrigin}
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.set == nil {
		p.set = metrics.NewSet()
	}
	l := fmt.Sprintf(`agency=%q,dataset=%q`, cfg.Agency, cfg.Dataset)
	p.polls = map[string]*metrics.Counter{}
	for _, r := range []string{resultChanged, resultNotModified, resultUnchanged, resultError} {
		p.polls[r] = p.set.NewCounter(fmt.Sprintf(`oqim_opendata_polls_total{%s,result=%q}`, l, r))
	}
	p.rows = p.set.NewCounter(`oqim_opendata_rows_total{` + l + `}`)
	p.skip = p.set.NewCounter(`oqim_opendata_rows_skipped_total{` + l + `}`)
	return p, nil
}

const (
	resultChanged     = "changed"
	resultNotModified = "not_modified"
	resultUnchanged   = "unchanged"
	resultError       = "error"
)

// Result describes one poll.
type Result struct {
	// Status is the HTTP status of the fetch.
	Status int
	// Event is the emitted event, nil when nothing changed.
	Event *Event
}

// Event is the envelope the poller emits.
type Event = events.Event[EventData]

// EventData is the payload of the dataset events.
type EventData struct {
	Agency  string `json:"agency"`
	Dataset string `json:"dataset"`
	Format  string `json:"format"`
	Rows    int64  `json:"rows"`
	URL     string `json:"url"`
}

// StatusError is a fetch answered with a status other than 200 or 304.
type StatusError struct {
	URL        string
	StatusCode int
	Status     string
	// Body is the start of the response body, for the log.
	Body string
	// RetryAfter is the wait the portal asked for, 0 when it did not.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("opendata: GET %s: %s (expected 200 or 304): %q", e.URL, e.Status, e.Body)
}

// Run polls until ctx is done, waiting Config.Interval after a poll and
// backing off exponentially after failures. It returns nil once ctx is
// cancelled; failed polls are logged and retried, never returned.
func (p *Poller) Run(ctx context.Context) error {
	backoff := retry.Backoff{Min: p.cfg.MinBackoff, Max: p.cfg.MaxBackoff}
	for {
		wait := p.cfg.Interval
		if _, err := p.Poll(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// Jitter keeps many pollers of one portal from retrying in step.
			wait = backoff.Next()
			if se := (*StatusError)(nil); errors.As(err, &se) {
				wait = max(wait, min(se.RetryAfter, p.cfg.MaxBackoff))
			}
			p.log.Warn("opendata: poll failed", "dataset", p.cfg.Dataset, "url", p.cfg.URL, "retry_in", wait, "err", err)
		} else {
			backoff.Reset()
		}
		if !retry.Sleep(ctx, wait) {
			return nil
		}
	}
}

// Poll fetches the dataset once and emits an event if it changed.
func (p *Poller) Poll(ctx context.Context) (Result, error) {
	res, err := p.poll(ctx)
	switch {
	case err != nil:
		p.polls[resultError].Inc()
	case res.Event != nil:
		p.polls[resultChanged].Inc()
	case res.Status == http.StatusNotModified:
		p.polls[resultNotModified].Inc()
	default:
		p.polls[resultUnchanged].Inc()
	}
	return res, err
}

func (p *Poller) poll(ctx context.Context) (Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.cfg.URL, nil)
	if err != nil {
		return Result{}, fmt.Errorf("opendata: %w", err)
	}
	if p.state.ETag != "" {
		req.Header.Set("If-None-Match", p.state.ETag)
	}
	if p.state.LastModified != "" {
		req.Header.Set("If-Modified-Since", p.state.LastModified)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return Result{}, fmt.Errorf("opendata: GET %s: %w", p.cfg.URL, err)
	}
	defer resp.Body.Close()
	res := Result{Status: resp.StatusCode}
	switch resp.StatusCode {
	case http.StatusNotModified:
		return res, nil
	case http.StatusOK:
	default:
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return res, &StatusError{URL: p.cfg.URL, StatusCode: resp.StatusCode, Status: resp.Status, Body: string(snippet),
			RetryAfter: retry.RetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	}
	format, err := p.format(resp.Header.Get("Content-Type"))
	if err != nil {
		return res, err
	}

	// First pass, straight from the network: hash and count. When rows go
	// to Kafka too, the body is spooled to a temporary file so that they
	// are sent only once the hash shows the content really is new, without
	// holding the dataset in memory.
	hash := sha256.New()
	body := io.TeeReader(http.MaxBytesReader(nil, resp.Body, p.cfg.MaxBytes), hash)
	var spool *os.File
	if p.cfg.RowsTopic != "" {
		if spool, err = os.CreateTemp("", "oqim-opendata-*"); err != nil {
			return res, fmt.Errorf("opendata: spooling %s: %w", p.cfg.URL, err)
		}
		defer func() {
			spool.Close()
			os.Remove(spool.Name())
		}()
		body = io.TeeReader(body, spool)
	}
	rows, err := scanRows(body, format, nil)
	if err != nil {
		return res, fmt.Errorf("opendata: %s: %w", p.cfg.URL, p.sizeError(err))
	}
	// Drain whatever follows the data (trailing whitespace) into the hash.
	if _, err := io.Copy(io.Discard, body); err != nil {
		return res, fmt.Errorf("opendata: reading %s: %w", p.cfg.URL, p.sizeError(err))
	}
	sum := hex.EncodeToString(hash.Sum(nil))

	next := p.state
	next.URL = p.cfg.URL
	next.ETag = resp.Header.Get("ETag")
	next.LastModified = resp.Header.Get("Last-Modified")
	if sum == p.state.ContentSHA256 {
		// A server that ignores conditional requests sent what we have.
		return res, p.commit(next)
	}

	ev := p.event(sum, format, rows, next.LastModified)
	if pe := p.state.Pending; pe != nil && pe.ContentSHA256 == sum {
		ev = pe.Event // this version was being sent: send the same event
	} else {
		// Saved before anything is written, with the old validators, so
		// that a restart fetches this version again and finds it here.
		pending := p.state
		pending.URL, pending.Pending = p.cfg.URL, &Pending{ContentSHA256: sum, Event: ev}
		if err := p.commit(pending); err != nil {
			return res, err
		}
	}
	next.Pending = nil
	if spool != nil {
		if _, err := spool.Seek(0, io.SeekStart); err != nil {
			return res, fmt.Errorf("opendata: spool: %w", err)
		}
		if err := p.writeRows(ctx, spool, format, ev.ID); err != nil {
			return res, err
		}
	}
	value, err := json.Marshal(ev)
	if err != nil {
		return res, fmt.Errorf("opendata: encoding event: %w", err)
	}
	// The event goes last, so that a consumer seeing it can rely on the
	// rows being there; keyed by dataset so its versions stay in order.
	msg := kafkago.Message{Topic: p.cfg.Topic, Key: []byte(p.cfg.Agency + "/" + p.cfg.Dataset), Value: value}
	if err := p.w.WriteMessages(ctx, msg); err != nil {
		return res, fmt.Errorf("opendata: writing event to %s: %w", p.cfg.Topic, err)
	}
	next.ContentSHA256, next.EventID, next.Rows = sum, ev.ID, rows
	res.Event = &ev
	p.log.Info("opendata: new version", "dataset", p.cfg.Dataset, "type", ev.Type, "id", ev.ID, "rows", rows)
	return res, p.commit(next)
}

// commit records a handled version; it is in memory even if the file
// write fails, and the error says the file is stale.
func (p *Poller) commit(s State) error {
	p.state = s
	return saveState(p.cfg.StatePath, s)
}

// event builds the envelope for a new version. Its id depends only on the
// URL and the content, so emitting the same version again after a restart
// produces the same id, which the pipeline deduplicates.
func (p *Poller) event(sum, format string, rows int64, lastModified string) Event {
	id := sha256.Sum256([]byte("oqim.opendata.v1\x00" + p.cfg.URL + "\x00" + sum))
	typ := TypeUpdated
	if p.state.ContentSHA256 == "" {
		typ = TypePublished
	}
	// The version's own time when the server states a plausible one, so a
	// re-emitted version is identical; otherwise when it was seen.
	t := p.now().UTC()
	if lm, err := http.ParseTime(lastModified); err == nil && !lm.After(t) && !lm.Before(events.DefaultLimits().Oldest) {
		t = lm.UTC()
	}
	return Event{
		ID:     "opendata-" + hex.EncodeToString(id[:16]),
		Source: p.cfg.Agency,
		Type:   typ,
		Time:   t.Truncate(time.Second),
		Region: p.cfg.Region,
		Data: EventData{
			Agency: p.cfg.Agency, Dataset: p.cfg.Dataset, Format: format, Rows: rows, URL: p.cfg.URL,
		},
	}
}

// writeRows sends every row to the rows topic in batches. Row keys are
// the version's event id and row number, so re-sent rows are recognisable.
func (p *Poller) writeRows(ctx context.Context, r io.Reader, format, version string) error {
	headers := []kafkago.Header{
		{Key: "oqim-agency", Value: []byte(p.cfg.Agency)},
		{Key: "oqim-dataset", Value: []byte(p.cfg.Dataset)},
		{Key: "oqim-version", Value: []byte(version)},
	}
	batch := make([]kafkago.Message, 0, p.cfg.RowsBatch)
	size := 0 // bytes of the rows in batch
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := p.w.WriteMessages(ctx, batch...); err != nil {
			return fmt.Errorf("opendata: writing rows to %s: %w", p.cfg.RowsTopic, err)
		}
		p.rows.Add(len(batch))
		batch, size = batch[:0], 0
		return nil
	}
	var n int64
	_, err := scanRows(r, format, func(row []byte) error {
		n++
		if len(row) > p.cfg.MaxRowBytes {
			p.skip.Inc()
			p.log.Warn("open data row skipped: larger than max_row_bytes", "dataset", p.cfg.Dataset, "version", version,
				"row", n, "bytes", len(row), "max_row_bytes", p.cfg.MaxRowBytes)
			return nil
		}
		size += len(row)
		batch = append(batch, kafkago.Message{
			Topic:   p.cfg.RowsTopic,
			Key:     []byte(version + "/" + strconv.FormatInt(n, 10)),
			Value:   row,
			Headers: headers,
		})
		if len(batch) == cap(batch) || size >= p.cfg.BatchBytes {
			return flush()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("opendata: rows of %s: %w", p.cfg.URL, err)
	}
	return flush()
}

// format is the configured format, or else the one Content-Type names.
func (p *Poller) format(contentType string) (string, error) {
	if p.cfg.Format != "" {
		return p.cfg.Format, nil
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "text/csv" || mt == "application/csv":
		return FormatCSV, nil
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return FormatJSON, nil
	}
	return "", fmt.Errorf("opendata: %s: Content-Type %q is neither CSV nor JSON; set format in the configuration", p.cfg.URL, contentType)
}

// sizeError names the setting when err is the body outgrowing max_bytes.
func (p *Poller) sizeError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fmt.Errorf("dataset is larger than max_bytes (%d): %w", p.cfg.MaxBytes, err)
	}
	return err
}
