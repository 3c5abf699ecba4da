-- The portal chatbot's questions, feedback and handoffs (pipelines/schema,
-- family chatbot). Region is often empty: the portal is national.

CREATE TABLE IF NOT EXISTS {db}.chatbot_events
(
    id           String,
    source       String,
    time         DateTime('UTC'),
    region       String,
    district     String,
    event        String,
    session_id   String,
    message_id   String,
    lang         String,
    outcome      String,
    kind         String,
    confidence   Float64,
    llm          UInt8,
    rating       String,
    resolved     UInt8,
    reason       String,
    ticket_id    String,
    question     String,
    question_key String,
    ingested_at  DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(time)
ORDER BY (event, time, id);
