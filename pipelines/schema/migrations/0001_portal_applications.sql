-- Single Portal application lifecycle events, one row per step.
-- ReplacingMergeTree collapses rows with the same sorting key, and every
-- column of the key is a function of the event, so a redelivered event
-- (same id) collapses into the original: replays cannot double-count.
CREATE TABLE IF NOT EXISTS {db}.portal_applications
(
    id             String,
    source         String,
    time           DateTime('UTC'),
    region         String,
    district       String,
    status         String,
    application_id String,
    service_id     String,
    agency         String,
    channel        String,
    deadline       DateTime('UTC'),
    ingested_at    DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(time)
ORDER BY (region, status, time, id);
