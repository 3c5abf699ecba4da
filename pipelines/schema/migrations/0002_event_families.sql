-- One table per event family of pipelines/schema/types.yaml, with the same
-- dedup design as portal_applications: every sorting-key column is a
-- function of the event, so a replayed event collapses into the original.

CREATE TABLE IF NOT EXISTS {db}.portal_payments
(
    id             String,
    source         String,
    time           DateTime('UTC'),
    region         String,
    district       String,
    status         String,
    payment_id     String,
    application_id String,
    service_id     String,
    amount_uzs     Float64,
    method         String,
    ingested_at    DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(time)
ORDER BY (region, status, time, id);

CREATE TABLE IF NOT EXISTS {db}.opendata_datasets
(
    id          String,
    source      String,
    time        DateTime('UTC'),
    region      String,
    district    String,
    action      String,
    agency      String,
    dataset     String,
    title       String,
    format      String,
    rows        Int64,
    url         String,
    agency_key  String,
    title_key   String,
    ingested_at DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(time)
ORDER BY (region, action, time, id);

CREATE TABLE IF NOT EXISTS {db}.telecom_rollout
(
    id            String,
    source        String,
    time          DateTime('UTC'),
    region        String,
    district      String,
    event         String,
    operator      String,
    fibre_km      Float64,
    base_stations Int64,
    ingested_at   DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(time)
ORDER BY (region, event, time, id);

CREATE TABLE IF NOT EXISTS {db}.project_milestones
(
    id           String,
    source       String,
    time         DateTime('UTC'),
    region       String,
    district     String,
    status       String,
    project_id   String,
    annex        String,
    item_no      Int64,
    step         Int64,
    executor     String,
    deadline     DateTime('UTC'),
    executor_key String,
    ingested_at  DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(time)
ORDER BY (region, status, time, id);

CREATE TABLE IF NOT EXISTS {db}.emergency_calls
(
    id               String,
    source           String,
    time             DateTime('UTC'),
    region           String,
    district         String,
    event            String,
    call_id          String,
    service          String,
    response_seconds Int64,
    ingested_at      DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(time)
ORDER BY (region, event, time, id);

CREATE TABLE IF NOT EXISTS {db}.e_prescriptions
(
    id              String,
    source          String,
    time            DateTime('UTC'),
    region          String,
    district        String,
    event           String,
    prescription_id String,
    facility        String,
    inn_count       Int64,
    facility_key    String,
    ingested_at     DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(time)
ORDER BY (region, event, time, id);

CREATE TABLE IF NOT EXISTS {db}.mahalla_appeals
(
    id          String,
    source      String,
    time        DateTime('UTC'),
    region      String,
    district    String,
    event       String,
    appeal_id   String,
    mahalla     String,
    category    String,
    resolved    UInt8,
    mahalla_key String,
    ingested_at DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(time)
ORDER BY (region, event, time, id);
