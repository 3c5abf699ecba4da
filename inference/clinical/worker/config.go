package worker

import (
	"cmp"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/oqim/oqim/connectors/kafka"
	"github.com/oqim/oqim/inference/clinical/asr"
	"github.com/oqim/oqim/inference/clinical/notes"
)

// Defaults for zero [Config] fields.
const (
	DefaultBlobDir          = "var/doctor-audio"
	DefaultJobsTopic        = "oqim.doctor.jobs"
	DefaultTranscriptsTopic = "oqim.doctor.transcripts"
	DefaultASRGroup         = "oqim-doctor-asr"
	DefaultNotesGroup       = "oqim-doctor-notes"
	DefaultPartitions       = 8
	DefaultJobTimeout       = 30 * time.Minute
	DefaultMaxAttempts      = 5
	DefaultAudioRetention   = 30 * 24 * time.Hour
	// DefaultTranscriptRetention bounds how long jobs with their
	// transcripts, notes and segments are kept when nothing is configured:
	// patient data is not kept forever by default.
	DefaultTranscriptRetention = 90 * 24 * time.Hour
)

// Config is the part of the configuration the API and the workers share
// (the `doctor.jobs` settings).
type Config struct {
	// BlobDir holds uploaded recordings until retention removes them.
	BlobDir string `yaml:"blob_dir"`
	// JobsTopic carries queued job ids to the ASR workers;
	// TranscriptsTopic carries transcribed job ids to the note workers.
	JobsTopic        string `yaml:"jobs_topic"`
	TranscriptsTopic string `yaml:"transcripts_topic"`
	// Partitions of the topics when the workers create them; the number
	// of workers of one role that can be busy at once.
	Partitions int `yaml:"partitions"`
	// Consumer groups of the two roles. Run more workers with the same
	// group to add capacity.
	ASRGroup   string `yaml:"asr_group"`
	NotesGroup string `yaml:"notes_group"`
	// Concurrency is how many jobs one worker process handles at once
	// (one group member each); default 1.
	Concurrency int `yaml:"concurrency"`
	// JobTimeout bounds one attempt at one job.
	JobTimeout time.Duration `yaml:"job_timeout"`
	// MaxAttempts bounds attempts at a job failing for a passing reason
	// (engine or database unavailable) before it is marked failed.
	MaxAttempts int `yaml:"max_attempts"`
	// MaxAudioDuration caps what the ASR worker decodes (default 2 h).
	MaxAudioDuration time.Duration   `yaml:"max_audio_duration"`
	Retention        RetentionConfig `yaml:"retention"`
}

// RetentionConfig says how long patient data is kept.
type RetentionConfig struct {
	// AudioDays after upload, audio blobs are deleted; default 30.
	AudioDays int `yaml:"audio_days"`
	// TranscriptDays after creation, jobs with their transcripts, notes
	// and segments are deleted; default 90. Keeping them forever takes an
	// explicit -1, so no configuration keeps patient data without bound.
	TranscriptDays int `yaml:"transcript_days"`
	// Interval between sweeps; default 1 h.
	Interval time.Duration `yaml:"interval"`
}

// WithDefaults fills zero fields.
func (c Config) WithDefaults() Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.BlobDir, DefaultBlobDir)
	def(&c.JobsTopic, DefaultJobsTopic)
	def(&c.TranscriptsTopic, DefaultTranscriptsTopic)
	def(&c.ASRGroup, DefaultASRGroup)
	def(&c.NotesGroup, DefaultNotesGroup)
	// A setting of zero or less takes its default.
	c.Partitions = cmp.Or(max(c.Partitions, 0), DefaultPartitions)
	c.Concurrency = cmp.Or(max(c.Concurrency, 0), 1)
	c.JobTimeout = cmp.Or(max(c.JobTimeout, 0), DefaultJobTimeout)
	c.MaxAttempts = cmp.Or(max(c.MaxAttempts, 0), DefaultMaxAttempts)
	c.Retention.AudioDays = cmp.Or(max(c.Retention.AudioDays, 0), int(DefaultAudioRetention/(24*time.Hour)))
	if c.Retention.TranscriptDays == 0 {
		c.Retention.TranscriptDays = int(DefaultTranscriptRetention / (24 * time.Hour))
	}
	if c.Retention.Interval <= 0 {
		c.Retention.Interval = time.Hour
	}
	return c
}

// Options are what [RunASR] and [RunNotes] need beyond [Config].
type Options struct {
	Config
	// Kafka is the cluster of the jobs and transcripts topics.
	Kafka      *kafka.Cluster
	ClickHouse driver.Conn
	// Database holds the tables of migration 0004.
	Database string
	// Engine transcribes (RunASR); build it with asr.New.
	Engine asr.Engine
	// Structurer structures transcripts (RunNotes); nil means the offline
	// engine.
	Structurer notes.Structurer
	// Log receives job ids, statuses and error classes, never audio or
	// text. Nil discards.
	Log *slog.Logger
	// Backoff is the first wait before retrying a job; it doubles up to
	// 30 s. Default 1 s.
	Backoff time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// RetentionOptions are the [Retain] options c configures (c with its
// defaults applied), over the given stores.
func (c Config) RetentionOptions(blobs *Blobs, store *Store, drafts DraftSweeper, audit Auditor) RetentionOptions {
	c = c.WithDefaults()
	const day = 24 * time.Hour
	o := RetentionOptions{Blobs: blobs, Store: store, Drafts: drafts, Audit: audit, AudioAge: time.Duration(c.Retention.AudioDays) * day}
	if c.Retention.TranscriptDays > 0 {
		o.TranscriptAge = time.Duration(c.Retention.TranscriptDays) * day
	}
	return o
}
