package doctorapi

import (
	"cmp"
	"time"

	"github.com/oqim/oqim/connectors/httpedge"
	"github.com/oqim/oqim/inference/clinical/worker"
)

// Defaults for zero [Config] fields.
const (
	DefaultSyncMaxDuration   = 60 * time.Second
	DefaultMaxDuration       = 2 * time.Hour
	DefaultMaxUploadBytes    = 100 << 20
	DefaultRequestsPerMinute = 30
	DefaultBurst             = 10
	DefaultPollInterval      = 500 * time.Millisecond
	DefaultStreamTimeout     = 3 * time.Hour
	DefaultMaxStreamsPerDoc  = 4
	DefaultMaxStreams        = 1000
	DefaultMaxUploads        = 4
	DefaultMaxUploadsPerDoc  = 2
	DefaultSyncTimeout       = 3 * time.Minute
	DefaultPatientSystem     = "urn:oqim:patient"
	DefaultPractitionerSys   = "urn:oqim:doctor"
	DefaultEncounterSystem   = "urn:oqim:encounter"
	DefaultFHIRTimeout       = 30 * time.Second
	DefaultFHIRMaxAttempts   = 5
	DefaultFHIRMinBackoff    = 500 * time.Millisecond
	DefaultFHIRMaxBackoff    = 30 * time.Second
	DefaultFHIRWorkers       = 2
)

// NoFHIRReason is a failed delivery's reason when no FHIR server is
// configured: signing works, and the note waits, failed, for a retry
// once the setting is made.
const NoFHIRReason = "doctor.fhir.base_url is not set: Oqim has no Digital Healthcare FHIR server to deliver to"

// Config is the `doctor` section of the configuration.
type Config struct {
	// APIKeys are the doctors' keys, configured by hash only.
	APIKeys []APIKey `yaml:"api_keys"`
	// JWT accepts HS256 tokens whose sub is the doctor id.
	JWT JWTConfig `yaml:"jwt"`
	// SyncMaxDuration: recordings up to this long are transcribed in the
	// request (default 60 s); longer ones become jobs.
	SyncMaxDuration time.Duration `yaml:"sync_max_duration"`
	// MaxDuration caps a recording (default 2 h); longer is 413.
	MaxDuration time.Duration `yaml:"max_duration"`
	// SyncTimeout bounds a synchronous transcription (default 3 min).
	SyncTimeout time.Duration `yaml:"sync_timeout"`
	// Limits apply to each doctor separately; DoctorLimits overrides them
	// per doctor id (zero fields take the defaults of Limits).
	Limits       Limits            `yaml:"limits"`
	DoctorLimits map[string]Limits `yaml:"doctor_limits"`
	// Jobs are the settings shared with the workers: blob directory and
	// topics.
	Jobs worker.Config `yaml:"jobs"`
	// PollInterval is how often the process's one watcher of the job
	// store looks for changes to the jobs its event streams follow, in
	// two queries whatever the number of streams (default 500 ms);
	// StreamTimeout ends a stream that outlives it.
	PollInterval  time.Duration `yaml:"poll_interval"`
	StreamTimeout time.Duration `yaml:"stream_timeout"`
	// MaxStreamsPerDoctor caps one doctor's open event streams in this
	// process (default 4; the next is 429); MaxStreams caps all of them
	// (default 1000; the next is 503), which also bounds the jobs watched.
	MaxStreamsPerDoctor int `yaml:"max_streams_per_doctor"`
	MaxStreams          int `yaml:"max_streams"`
	// MaxUploads caps the recordings this process reads and decodes at
	// once (default 4; the next is 503 with Retry-After). Each may hold
	// its upload and its decoded samples in memory, up to about
	// max_upload_bytes plus 2 MB a minute of audio. MaxUploadsPerDoctor
	// caps one doctor's share of them (default 2; the next is 429), so
	// one doctor's slow uploads cannot hold every slot.
	MaxUploads          int `yaml:"max_uploads"`
	MaxUploadsPerDoctor int `yaml:"max_uploads_per_doctor"`
	// Identifier systems of the FHIR export: the patient id (such as the
	// PINFL system) and the doctor id.
	PatientSystem      string `yaml:"patient_system"`
	PractitionerSystem string `yaml:"practitioner_system"`
	EncounterSystem    string `yaml:"encounter_system"`
	// FHIR is Digital Healthcare's FHIR R4 server, to which signed notes
	// are delivered.
	FHIR FHIRConfig `yaml:"fhir"`
}

// FHIRConfig is where signed notes go: a FHIR R4 server that accepts
// POST [base]/Bundle.
type FHIRConfig struct {
	// BaseURL such as https://fhir.dh.example.uz/r4; empty: signed notes
	// are kept, and their delivery fails with NoFHIRReason.
	BaseURL string `yaml:"base_url"`
	// Token is sent as "Authorization: Bearer <token>", or as the value
	// of AuthHeader when that names another header (such as X-API-Key).
	Token      string `yaml:"token"`
	AuthHeader string `yaml:"auth_header"`
	// Timeout bounds each attempt (default 30 s); MaxAttempts bounds the
	// tries of one delivery (default 5), spaced by a backoff from
	// MinBackoff to MaxBackoff (defaults 500 ms, 30 s) or the server's
	// Retry-After, up to MaxBackoff.
	Timeout     time.Duration `yaml:"timeout"`
	MaxAttempts int           `yaml:"max_attempts"`
	MinBackoff  time.Duration `yaml:"min_backoff"`
	MaxBackoff  time.Duration `yaml:"max_backoff"`
	// Workers deliver in parallel (default 2).
	Workers int `yaml:"workers"`
}

func (f FHIRConfig) withDefaults() FHIRConfig {
	// A setting of zero or less takes its default.
	f.Timeout = cmp.Or(max(f.Timeout, 0), DefaultFHIRTimeout)
	f.MaxAttempts = cmp.Or(max(f.MaxAttempts, 0), DefaultFHIRMaxAttempts)
	f.MinBackoff = cmp.Or(max(f.MinBackoff, 0), DefaultFHIRMinBackoff)
	f.MaxBackoff = cmp.Or(max(f.MaxBackoff, 0), DefaultFHIRMaxBackoff)
	f.Workers = cmp.Or(max(f.Workers, 0), DefaultFHIRWorkers)
	return f
}

// APIKey is one doctor's key. Only its SHA-256 is configured, so a leaked
// configuration does not leak a key.
type APIKey struct {
	DoctorID string `yaml:"doctor_id"`
	Name     string `yaml:"name"`
	// KeySHA256 is the hex SHA-256 of the key (printf %s "$KEY" | sha256sum).
	KeySHA256 string `yaml:"key_sha256"`
}

// JWTConfig accepts tokens signed with HS256; the doctor API's audience
// is DefaultAudience unless configured. Empty Secret disables JWTs.
type JWTConfig = httpedge.JWTSettings

// DefaultAudience is the aud tokens for this service carry unless configured.
const DefaultAudience = "oqim-doctor"

// Limits bound one doctor's use.
type Limits struct {
	// MaxUploadBytes caps one recording (default 100 MiB).
	MaxUploadBytes int64 `yaml:"max_upload_bytes"`
	// RequestsPerMinute refills the doctor's token bucket, which holds
	// Burst tokens; every request takes one.
	RequestsPerMinute float64 `yaml:"requests_per_minute"`
	Burst             int     `yaml:"burst"`
}

// rate is the doctor's token bucket.
func (l Limits) rate() httpedge.Limit {
	return httpedge.Limit{Rate: l.RequestsPerMinute / 60, Burst: l.Burst}
}

func (l Limits) withDefaults() Limits {
	// A setting of zero or less takes its default.
	l.MaxUploadBytes = cmp.Or(max(l.MaxUploadBytes, 0), DefaultMaxUploadBytes)
	l.RequestsPerMinute = cmp.Or(max(l.RequestsPerMinute, 0), DefaultRequestsPerMinute)
	l.Burst = cmp.Or(max(l.Burst, 0), DefaultBurst)
	return l
}

func (c Config) withDefaults() Config {
	// A setting of zero or less takes its default.
	c.SyncMaxDuration = cmp.Or(max(c.SyncMaxDuration, 0), DefaultSyncMaxDuration)
	c.MaxDuration = cmp.Or(max(c.MaxDuration, 0), DefaultMaxDuration)
	c.SyncTimeout = cmp.Or(max(c.SyncTimeout, 0), DefaultSyncTimeout)
	c.PollInterval = cmp.Or(max(c.PollInterval, 0), DefaultPollInterval)
	c.StreamTimeout = cmp.Or(max(c.StreamTimeout, 0), DefaultStreamTimeout)
	c.MaxStreamsPerDoctor = cmp.Or(max(c.MaxStreamsPerDoctor, 0), DefaultMaxStreamsPerDoc)
	c.MaxStreams = cmp.Or(max(c.MaxStreams, 0), DefaultMaxStreams)
	c.MaxUploads = cmp.Or(max(c.MaxUploads, 0), DefaultMaxUploads)
	c.MaxUploadsPerDoctor = cmp.Or(max(c.MaxUploadsPerDoctor, 0), DefaultMaxUploadsPerDoc)
	if c.PatientSystem == "" {
		c.PatientSystem = DefaultPatientSystem
	}
	if c.PractitionerSystem == "" {
		c.PractitionerSystem = DefaultPractitionerSys
	}
	if c.EncounterSystem == "" {
		c.EncounterSystem = DefaultEncounterSystem
	}
	c.FHIR = c.FHIR.withDefaults()
	c.Jobs = c.Jobs.WithDefaults()
	return c
}
