-- Sealed daily counts: plain per-day numbers for closed UTC days, so the
-- dashboard does not decode millions of uniqExact states per query.
--
-- The daily rollups keep sets of ids (uniqExact states) because a replay
-- must not count twice; reading them costs one hash insert per id. Once a
-- day is over, its counts no longer change unless an event of that day
-- arrives late or is replayed. The sealing job (kpi.Sealer, run by
-- `oqim worker seal` and in the demo) copies each closed day's counts,
-- computed from the exact rollups at the grain each query merges them,
-- into the kpi_sealed_* tables below, and records the seal in kpi_seals
-- together with the number of raw rows the day had received
-- (kpi_day_touches) when it was read.
--
-- kpi_day_touches counts, per family and day, every row ever inserted
-- into the family's raw table (replays included: a materialized view
-- fires on every insert, before ReplacingMergeTree collapses anything),
-- and the server time of the latest such insert. The count only grows,
-- so a day whose count differs from its seal's was touched after sealing:
-- the queries read such a day, like today and any unsealed day, from the
-- live uniqExact rollups, until the job seals it again.
--
-- Every sealed row carries its seal id (unique per family and day); the
-- queries read only the rows of the newest seal of a day that is still
-- valid, so a re-seal, or two sealers running at once, never adds rows
-- twice. The sealed tables start empty (every day is live) and are filled
-- by the job; kpi_day_touches is back-filled from the raw tables here.
CREATE TABLE IF NOT EXISTS {db}.kpi_day_touches
(
    family   String,
    day      Date,
    inserted AggregateFunction(count),
    touched  AggregateFunction(max, DateTime)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (family, day);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.kpi_day_touches_applications_mv TO {db}.kpi_day_touches AS
SELECT 'applications' AS family, toDate(time) AS day, countState() AS inserted, maxState(now()) AS touched
FROM {db}.portal_applications
GROUP BY day;

INSERT INTO {db}.kpi_day_touches (family, day, inserted, touched)
SELECT 'applications', toDate(time) AS day, countState(), maxState(now())
FROM {db}.portal_applications
GROUP BY day;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.kpi_day_touches_prescriptions_mv TO {db}.kpi_day_touches AS
SELECT 'prescriptions' AS family, toDate(time) AS day, countState() AS inserted, maxState(now()) AS touched
FROM {db}.e_prescriptions
GROUP BY day;

INSERT INTO {db}.kpi_day_touches (family, day, inserted, touched)
SELECT 'prescriptions', toDate(time) AS day, countState(), maxState(now())
FROM {db}.e_prescriptions
GROUP BY day;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.kpi_day_touches_calls_mv TO {db}.kpi_day_touches AS
SELECT 'calls' AS family, toDate(time) AS day, countState() AS inserted, maxState(now()) AS touched
FROM {db}.emergency_calls
GROUP BY day;

INSERT INTO {db}.kpi_day_touches (family, day, inserted, touched)
SELECT 'calls', toDate(time) AS day, countState(), maxState(now())
FROM {db}.emergency_calls
GROUP BY day;

-- One row per seal: the family's day, the seal id its sealed rows carry,
-- and the day's kpi_day_touches count read before its rollups were.
CREATE TABLE IF NOT EXISTS {db}.kpi_seals
(
    family   String,
    day      Date,
    seal     UInt64,
    inserted UInt64
)
ENGINE = MergeTree()
ORDER BY (family, day, seal);

-- Applications per day and status, nationally (the /applications counts).
CREATE TABLE IF NOT EXISTS {db}.kpi_sealed_application_status_uz
(
    day          Date,
    seal         UInt64,
    status       String,
    applications UInt64
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (day, seal, status);

-- Applications per day, status, service, agency and channel, nationally
-- (kpi_application_days_uz's grain).
CREATE TABLE IF NOT EXISTS {db}.kpi_sealed_application_days_uz
(
    day          Date,
    seal         UInt64,
    status       String,
    service_id   String,
    agency       String,
    channel      String,
    applications UInt64
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (day, seal, status, service_id, agency, channel);

-- The same per place (kpi_application_days's grain).
CREATE TABLE IF NOT EXISTS {db}.kpi_sealed_application_days
(
    day          Date,
    seal         UInt64,
    region       String,
    district     String,
    status       String,
    service_id   String,
    agency       String,
    channel      String,
    applications UInt64
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (region, day, seal, status, district, service_id, agency, channel);

-- E-prescriptions per day, place and event (kpi_prescriptions_daily's grain).
CREATE TABLE IF NOT EXISTS {db}.kpi_sealed_prescription_days
(
    day           Date,
    seal          UInt64,
    region        String,
    district      String,
    event         String,
    prescriptions UInt64
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (region, day, seal, event, district);

-- 112 calls per day, place, service and response time: how many calls of
-- kpi_calls (after merging each call's states) had that response time.
CREATE TABLE IF NOT EXISTS {db}.kpi_sealed_call_days
(
    day              Date,
    seal             UInt64,
    region           String,
    district         String,
    service          String,
    response_seconds Int64,
    calls            UInt64
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (region, day, seal, service, district, response_seconds);
