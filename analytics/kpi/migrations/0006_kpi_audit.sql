-- Who read which Digital Region KPI, when, with which parameters and
-- scope, and what they got. One row per API request, denied ones included.
CREATE TABLE IF NOT EXISTS {db}.kpi_audit
(
    time      DateTime('UTC'),
    principal String,  -- key name or JWT subject; "anonymous" when access control is off
    role      String,
    scope     String,  -- comma-separated region codes, or "*" for national
    method    String,
    path      String,
    query     String,  -- the raw query string, as sent
    status    UInt16,
    rows      UInt64,
    remote    String
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(time)
ORDER BY (principal, time);
