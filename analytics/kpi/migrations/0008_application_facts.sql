-- Single Portal applications, one row per application and UTC month of
-- its events, for the per-application KPIs (processing times, stalled
-- applications, top services).
--
-- kpi_application_lifecycle keeps one row per application for all time,
-- so every period query merged the whole history (12 M applications at
-- 100 M events: 5 s). Here the events of an application are folded per
-- month (PARTITION BY month). The applications submitted in a period have
-- every step in the months from the period start on (no step precedes
-- the submission), so those months alone hold their whole lifecycle; the
-- applications decided in a period are found in its months and then
-- merged over every month, since their submission may lie far back.
--
-- app identifies the row as the old key did (region, district, service,
-- application) by its 64-bit SipHash: queries group by that one integer,
-- several times faster than by four strings. A collision needs two such
-- keys of one month among about 2 M to share 64 bits.
--
-- Replay safety as in 0005: only min and max states, so a redelivered
-- event changes nothing. The view comes first and the backfill second;
-- a row landing in between is seen twice, which the states make harmless.
CREATE TABLE IF NOT EXISTS {db}.kpi_application_facts
(
    month      Date,
    region     String,
    district   String,
    service_id String,
    app        UInt64,
    submitted  AggregateFunction(minIf, DateTime('UTC'), UInt8),
    decided    AggregateFunction(minIf, DateTime('UTC'), UInt8),
    closed     AggregateFunction(minIf, DateTime('UTC'), UInt8),
    refused    AggregateFunction(minIf, DateTime('UTC'), UInt8),
    last_step  AggregateFunction(max, DateTime('UTC')),
    deadline   AggregateFunction(max, DateTime('UTC'))
)
ENGINE = AggregatingMergeTree()
PARTITION BY month
ORDER BY (region, app);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.kpi_application_facts_mv TO {db}.kpi_application_facts AS
SELECT toStartOfMonth(time) AS month, region, district, service_id, sipHash64(region, district, service_id, application_id) AS app,
       minIfState(time, status = 'submitted') AS submitted,
       minIfState(time, status = 'decided') AS decided,
       minIfState(time, status IN ('issued', 'refused')) AS closed,
       minIfState(time, status = 'refused') AS refused,
       maxState(time) AS last_step,
       maxState(deadline) AS deadline
FROM {db}.portal_applications
GROUP BY month, region, district, service_id, app;

-- The backfill groups every application of the history at once; spilling
-- the aggregation to disk keeps it within the memory limit of the server.
INSERT INTO {db}.kpi_application_facts (month, region, district, service_id, app, submitted, decided, closed, refused, last_step, deadline)
SELECT toStartOfMonth(time) AS month, region, district, service_id, sipHash64(region, district, service_id, application_id) AS app,
       minIfState(time, status = 'submitted'), minIfState(time, status = 'decided'),
       minIfState(time, status IN ('issued', 'refused')), minIfState(time, status = 'refused'),
       maxState(time), maxState(deadline)
FROM {db}.portal_applications
GROUP BY month, region, district, service_id, app
SETTINGS max_bytes_before_external_group_by = 1000000000;
