-- Rollups for the Digital Region dashboard. Every dashboard KPI reads one
-- of these tables, never the raw event tables.
--
-- Replay safety. A materialized view fires once per insert into its source
-- table, so a replayed event (same id) reaches the rollup a second time
-- even though the source table collapses it. Every rollup below is built
-- only from aggregate states that are idempotent under a repeated input:
--   * counts are uniqExact states over the entity id, never count();
--   * additive measures (fibre km, base stations) and per-entity values
--     (response times, lifecycle timestamps) are min/max states in a row
--     keyed by the entity id, so a second copy of an event changes nothing,
--     and sums or quantiles are taken over the merged per-entity values.
--
-- Each view is followed by a backfill of what the source table already
-- holds. A row inserted between the two steps is seen twice, which the
-- states above make harmless.

-- Single Portal: applications that reached each status, per UTC day.
CREATE TABLE IF NOT EXISTS {db}.kpi_applications_daily
(
    day          Date,
    region       String,
    district     String,
    status       String,
    service_id   String,
    agency       String,
    channel      String,
    applications AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (region, day, status, district, service_id, agency, channel);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.kpi_applications_daily_mv TO {db}.kpi_applications_daily AS
SELECT toDate(time) AS day, region, district, status, service_id, agency, channel,
       uniqExactState(application_id) AS applications
FROM {db}.portal_applications
GROUP BY day, region, district, status, service_id, agency, channel;

INSERT INTO {db}.kpi_applications_daily (day, region, district, status, service_id, agency, channel, applications)
SELECT toDate(time) AS day, region, district, status, service_id, agency, channel, uniqExactState(application_id)
FROM {db}.portal_applications
GROUP BY day, region, district, status, service_id, agency, channel;

-- Single Portal: one row per application with its lifecycle timestamps,
-- for processing times (submitted to decided) and stalled applications.
CREATE TABLE IF NOT EXISTS {db}.kpi_application_lifecycle
(
    region         String,
    district       String,
    service_id     String,
    application_id String,
    submitted      AggregateFunction(minIf, DateTime('UTC'), UInt8),
    decided        AggregateFunction(minIf, DateTime('UTC'), UInt8),
    closed         AggregateFunction(minIf, DateTime('UTC'), UInt8),
    refused        AggregateFunction(minIf, DateTime('UTC'), UInt8),
    last_step      AggregateFunction(max, DateTime('UTC')),
    deadline       AggregateFunction(max, DateTime('UTC'))
)
ENGINE = AggregatingMergeTree()
ORDER BY (region, district, service_id, application_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.kpi_application_lifecycle_mv TO {db}.kpi_application_lifecycle AS
SELECT region, district, service_id, application_id,
       minIfState(time, status = 'submitted') AS submitted,
       minIfState(time, status = 'decided') AS decided,
       minIfState(time, status IN ('issued', 'refused')) AS closed,
       minIfState(time, status = 'refused') AS refused,
       maxState(time) AS last_step,
       maxState(deadline) AS deadline
FROM {db}.portal_applications
GROUP BY region, district, service_id, application_id;

INSERT INTO {db}.kpi_application_lifecycle (region, district, service_id, application_id, submitted, decided, closed, refused, last_step, deadline)
SELECT region, district, service_id, application_id,
       minIfState(time, status = 'submitted'), minIfState(time, status = 'decided'),
       minIfState(time, status IN ('issued', 'refused')), minIfState(time, status = 'refused'), maxState(time), maxState(deadline)
FROM {db}.portal_applications
GROUP BY region, district, service_id, application_id;

-- Telecom rollout: each progress report is an increment, so the rollup
-- keeps one row per report (keyed by its id) with only the measures, and
-- sums the merged values.
CREATE TABLE IF NOT EXISTS {db}.kpi_telecom
(
    day           Date,
    region        String,
    district      String,
    operator      String,
    id            String,
    fibre_km      AggregateFunction(max, Float64),
    base_stations AggregateFunction(max, Int64)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYear(day)
ORDER BY (region, day, district, operator, id);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.kpi_telecom_mv TO {db}.kpi_telecom AS
SELECT toDate(time) AS day, region, district, operator, id,
       maxState(fibre_km) AS fibre_km, maxState(base_stations) AS base_stations
FROM {db}.telecom_rollout
GROUP BY day, region, district, operator, id;

INSERT INTO {db}.kpi_telecom (day, region, district, operator, id, fibre_km, base_stations)
SELECT toDate(time) AS day, region, district, operator, id, maxState(fibre_km), maxState(base_stations)
FROM {db}.telecom_rollout
GROUP BY day, region, district, operator, id;

-- Decree projects: one row per project step with the first time it was
-- reported started, done and late.
CREATE TABLE IF NOT EXISTS {db}.kpi_project_steps
(
    region     String,
    annex      String,
    project_id String,
    step       Int64,
    executor   String,
    started    AggregateFunction(minIf, DateTime('UTC'), UInt8),
    done       AggregateFunction(minIf, DateTime('UTC'), UInt8),
    late       AggregateFunction(minIf, DateTime('UTC'), UInt8),
    deadline   AggregateFunction(max, DateTime('UTC'))
)
ENGINE = AggregatingMergeTree()
ORDER BY (region, annex, project_id, step, executor);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.kpi_project_steps_mv TO {db}.kpi_project_steps AS
SELECT region, annex, project_id, step, executor,
       minIfState(time, status = 'started') AS started,
       minIfState(time, status = 'done') AS done,
       minIfState(time, status = 'late') AS late,
       maxState(deadline) AS deadline
FROM {db}.project_milestones
GROUP BY region, annex, project_id, step, executor;

INSERT INTO {db}.kpi_project_steps (region, annex, project_id, step, executor, started, done, late, deadline)
SELECT region, annex, project_id, step, executor,
       minIfState(time, status = 'started'), minIfState(time, status = 'done'),
       minIfState(time, status = 'late'), maxState(deadline)
FROM {db}.project_milestones
GROUP BY region, annex, project_id, step, executor;

-- Open data: publications and updates per dataset and day, with the last
-- event time for freshness.
CREATE TABLE IF NOT EXISTS {db}.kpi_opendata_daily
(
    day        Date,
    region     String,
    agency     String,
    action     String,
    dataset    String,
    events     AggregateFunction(uniqExact, String),
    last_event AggregateFunction(max, DateTime('UTC'))
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (region, agency, day, action, dataset);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.kpi_opendata_daily_mv TO {db}.kpi_opendata_daily AS
SELECT toDate(time) AS day, region, agency, action, dataset,
       uniqExactState(id) AS events, maxState(time) AS last_event
FROM {db}.opendata_datasets
GROUP BY day, region, agency, action, dataset;

INSERT INTO {db}.kpi_opendata_daily (day, region, agency, action, dataset, events, last_event)
SELECT toDate(time) AS day, region, agency, action, dataset, uniqExactState(id), maxState(time)
FROM {db}.opendata_datasets
GROUP BY day, region, agency, action, dataset;

-- 112 calls: one row per call with its response time, for quantiles.
CREATE TABLE IF NOT EXISTS {db}.kpi_calls
(
    day              Date,
    region           String,
    district         String,
    service          String,
    call_id          String,
    response_seconds AggregateFunction(max, Int64)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (region, day, service, district, call_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.kpi_calls_mv TO {db}.kpi_calls AS
SELECT toDate(time) AS day, region, district, service, call_id, maxState(response_seconds) AS response_seconds
FROM {db}.emergency_calls
GROUP BY day, region, district, service, call_id;

INSERT INTO {db}.kpi_calls (day, region, district, service, call_id, response_seconds)
SELECT toDate(time) AS day, region, district, service, call_id, maxState(response_seconds)
FROM {db}.emergency_calls
GROUP BY day, region, district, service, call_id;

-- E-prescriptions issued and dispensed per day.
CREATE TABLE IF NOT EXISTS {db}.kpi_prescriptions_daily
(
    day           Date,
    region        String,
    district      String,
    event         String,
    prescriptions AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (region, day, event, district);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.kpi_prescriptions_daily_mv TO {db}.kpi_prescriptions_daily AS
SELECT toDate(time) AS day, region, district, event, uniqExactState(prescription_id) AS prescriptions
FROM {db}.e_prescriptions
GROUP BY day, region, district, event;

INSERT INTO {db}.kpi_prescriptions_daily (day, region, district, event, prescriptions)
SELECT toDate(time) AS day, region, district, event, uniqExactState(prescription_id)
FROM {db}.e_prescriptions
GROUP BY day, region, district, event;

-- Digital Mahalla appeals submitted and resolved per day and category.
CREATE TABLE IF NOT EXISTS {db}.kpi_appeals_daily
(
    day      Date,
    region   String,
    district String,
    event    String,
    category String,
    resolved UInt8,
    appeals  AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (region, day, event, category, district, resolved);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.kpi_appeals_daily_mv TO {db}.kpi_appeals_daily AS
SELECT toDate(time) AS day, region, district, event, category, resolved, uniqExactState(appeal_id) AS appeals
FROM {db}.mahalla_appeals
GROUP BY day, region, district, event, category, resolved;

INSERT INTO {db}.kpi_appeals_daily (day, region, district, event, category, resolved, appeals)
SELECT toDate(time) AS day, region, district, event, category, resolved, uniqExactState(appeal_id)
FROM {db}.mahalla_appeals
GROUP BY day, region, district, event, category, resolved;

-- Chatbot usage per day; question_key groups unanswered questions, with
-- one original (redacted) wording kept.
CREATE TABLE IF NOT EXISTS {db}.kpi_chatbot_daily
(
    day          Date,
    region       String,
    event        String,
    lang         String,
    outcome      String,
    rating       String,
    question_key String,
    events       AggregateFunction(uniqExact, String),
    question     AggregateFunction(any, String)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (day, event, lang, outcome, rating, region, question_key);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.kpi_chatbot_daily_mv TO {db}.kpi_chatbot_daily AS
SELECT toDate(time) AS day, region, event, lang, outcome, rating, question_key,
       uniqExactState(id) AS events, anyState(question) AS question
FROM {db}.chatbot_events
GROUP BY day, region, event, lang, outcome, rating, question_key;

INSERT INTO {db}.kpi_chatbot_daily (day, region, event, lang, outcome, rating, question_key, events, question)
SELECT toDate(time) AS day, region, event, lang, outcome, rating, question_key, uniqExactState(id), anyState(question)
FROM {db}.chatbot_events
GROUP BY day, region, event, lang, outcome, rating, question_key;

-- Doctor assistant: one row per job with when it was created, first
-- transcribed and first given a note. Every stage rewrites the job row,
-- so the view sees each job several times; min states keep the first.
CREATE TABLE IF NOT EXISTS {db}.kpi_doctor_jobs
(
    job_id      String,
    created     AggregateFunction(min, DateTime('UTC')),
    transcribed AggregateFunction(minIf, DateTime('UTC'), UInt8),
    noted       AggregateFunction(minIf, DateTime('UTC'), UInt8)
)
ENGINE = AggregatingMergeTree()
ORDER BY job_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.kpi_doctor_jobs_mv TO {db}.kpi_doctor_jobs AS
SELECT job_id, minState(created_at) AS created,
       minIfState(updated_at, transcript != '') AS transcribed,
       minIfState(updated_at, note != '') AS noted
FROM {db}.doctor_jobs
GROUP BY job_id;

INSERT INTO {db}.kpi_doctor_jobs (job_id, created, transcribed, noted)
SELECT job_id, minState(created_at), minIfState(updated_at, transcript != ''), minIfState(updated_at, note != '')
FROM {db}.doctor_jobs
GROUP BY job_id;
