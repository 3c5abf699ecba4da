-- Application snapshot: one plain row per application, as of the last
-- sealing run, for the per-application KPIs (processing time, stalled
-- applications, top services).
--
-- Those KPIs merge every application of the period out of
-- kpi_application_facts (0008) one by one: 1.6 M applications a month
-- nationally, over a second a query at 100 M events. A day seal (0011)
-- cannot help, because an event today changes an application submitted
-- weeks ago. Instead the sealing job (kpi.Sealer) keeps this table: each
-- application's merged timestamps as plain columns, partitioned by the
-- month of its submission, and rebuilt a whole month at a time (ALTER …
-- REPLACE PARTITION, so a reader sees the old month or the new one,
-- never half of each).
--
-- kpi_application_changes records, per insert into portal_applications,
-- which applications it touched and the server time. A query reads an
-- application from the snapshot only if it has no change since the last
-- sealing run (minus the settle time); the few that do are merged live
-- from kpi_application_facts, as before. The sealing run rebuilds the
-- submission months of every application changed since the previous run,
-- both the month it is in now and the month the snapshot has it in (a
-- late submission event can move it). Applications never submitted are
-- left out, as the KPIs leave them out.
CREATE TABLE IF NOT EXISTS {db}.kpi_application_snapshot
(
    sub_month  Date,
    sub_day    Date,
    dec_day    Date,
    region     String,
    district   String,
    service_id String,
    app        UInt64,
    t_sub      DateTime('UTC'),
    t_dec      DateTime('UTC'),
    t_closed   DateTime('UTC'),
    t_ref      DateTime('UTC'),
    t_last     DateTime('UTC'),
    t_dl       DateTime('UTC')
)
ENGINE = MergeTree()
PARTITION BY sub_month
ORDER BY (region, dec_day, app);

-- Applications per insert. Partitioned by day, so the sealing job drops
-- the days no query needs any more.
CREATE TABLE IF NOT EXISTS {db}.kpi_application_changes
(
    at  DateTime,
    app UInt64
)
ENGINE = MergeTree()
PARTITION BY toYYYYMMDD(at)
ORDER BY (at, app);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.kpi_application_changes_mv TO {db}.kpi_application_changes AS
SELECT now() AS at, sipHash64(region, district, service_id, application_id) AS app
FROM {db}.portal_applications
GROUP BY app;

-- One row per completed sealing run. valid is the server time the run
-- started at less the settle time: the snapshot holds every change
-- inserted before it. months and apps are what the run rebuilt.
CREATE TABLE IF NOT EXISTS {db}.kpi_application_snapshot_runs
(
    valid   DateTime,
    started DateTime,
    months  UInt32,
    apps    UInt64
)
ENGINE = MergeTree()
ORDER BY valid;
