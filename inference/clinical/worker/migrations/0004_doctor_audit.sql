-- The doctor's transcription service: the audit trail of every access to
-- patient data (audio, transcripts, notes), and the job state that the
-- API, the ASR workers and the note workers share across processes.

-- One row per access. Never holds transcript or note text.
CREATE TABLE IF NOT EXISTS {db}.doctor_audit
(
    time        DateTime('UTC'),
    actor       String,  -- "doctor", or the worker/job that acted for the doctor
    doctor_id   String,
    action      String,  -- such as transcription.create, job.read, audio.read, note.write, audio.delete
    resource_id String,  -- job or note id
    patient_id  String,
    outcome     String,  -- ok, not_found, rejected, error
    detail      String   -- why, for outcomes other than ok; never patient text
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(time)
ORDER BY (doctor_id, time);

-- One row per job; every stage rewrites the whole row with a higher
-- version (the stage's rank), so a redelivered job collapses into one
-- row and a late stage is never overwritten by an earlier one. Read with
-- FINAL.
CREATE TABLE IF NOT EXISTS {db}.doctor_jobs
(
    job_id       String,
    doctor_id    String,
    patient_id   String,
    encounter_id String,
    language     String,
    status       String,
    reason       String,
    audio_ms     UInt64,
    transcript   String,  -- JSON, empty until transcribed
    note         String,  -- JSON, empty until structured
    created_at   DateTime('UTC'),
    updated_at   DateTime('UTC'),
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(created_at)
ORDER BY job_id;

-- Partial results as the ASR worker produces them, for the API's event
-- stream. (job_id, seq) is a function of the audio, so a re-run after a
-- crash replaces rather than duplicates.
CREATE TABLE IF NOT EXISTS {db}.doctor_job_segments
(
    job_id     String,
    seq        UInt32,
    start_ms   UInt64,
    end_ms     UInt64,
    text       String,
    created_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(created_at)
ORDER BY (job_id, seq);
