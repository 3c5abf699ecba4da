-- The prescription and appeal rollups have few, large rows: each carries
-- a uniqExact state of ids. With the default 8,192-row granules one granule
-- spans every region, so a region filter still read all of them. 64-row
-- granules let the primary key skip other regions (UZ-SA prescriptions at
-- 100 M events: 570 ms -> 70 ms). The tables are rebuilt from the raw
-- events after their views exist again, so an event that lands while this
-- runs is still counted (uniqExact states make a second landing harmless).

DROP TABLE IF EXISTS {db}.kpi_prescriptions_daily_mv;
DROP TABLE IF EXISTS {db}.kpi_prescriptions_daily;

CREATE TABLE {db}.kpi_prescriptions_daily
(
    day           Date,
    region        String,
    district      String,
    event         String,
    prescriptions AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (region, day, event, district)
SETTINGS index_granularity = 64;

CREATE MATERIALIZED VIEW {db}.kpi_prescriptions_daily_mv TO {db}.kpi_prescriptions_daily AS
SELECT toDate(time) AS day, region, district, event, uniqExactState(prescription_id) AS prescriptions
FROM {db}.e_prescriptions
GROUP BY day, region, district, event;

INSERT INTO {db}.kpi_prescriptions_daily (day, region, district, event, prescriptions)
SELECT toDate(time) AS day, region, district, event, uniqExactState(prescription_id)
FROM {db}.e_prescriptions
GROUP BY day, region, district, event;

DROP TABLE IF EXISTS {db}.kpi_appeals_daily_mv;
DROP TABLE IF EXISTS {db}.kpi_appeals_daily;

CREATE TABLE {db}.kpi_appeals_daily
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
ORDER BY (region, day, event, category, district, resolved)
SETTINGS index_granularity = 64;

CREATE MATERIALIZED VIEW {db}.kpi_appeals_daily_mv TO {db}.kpi_appeals_daily AS
SELECT toDate(time) AS day, region, district, event, category, resolved, uniqExactState(appeal_id) AS appeals
FROM {db}.mahalla_appeals
GROUP BY day, region, district, event, category, resolved;

INSERT INTO {db}.kpi_appeals_daily (day, region, district, event, category, resolved, appeals)
SELECT toDate(time) AS day, region, district, event, category, resolved, uniqExactState(appeal_id)
FROM {db}.mahalla_appeals
GROUP BY day, region, district, event, category, resolved;
