-- The doctor's clinical-note records (inference/clinical/lifecycle): a
-- draft the doctor edits, signs, and Oqim delivers to Digital Healthcare
-- as a FHIR R4 Bundle.
--
-- Every change inserts a new row with the next version, and no row is
-- ever replaced by another version, so the table is the record's history:
-- who changed it, when, and into what. (note_id, version) is the sorting
-- key; two writers racing for the same version collapse into one row, the
-- one with the highest write_seq, which is also the one every reader
-- takes (FINAL) and the writer that lost is told so (409).
-- Read the latest version with FINAL ... ORDER BY version DESC LIMIT 1,
-- or argMax(column, version).
CREATE TABLE IF NOT EXISTS {db}.clinical_notes
(
    note_id           String,
    version           UInt64,
    write_seq         UInt64,  -- decides between writers of the same version
    status            String,  -- draft, signed, delivered, failed
    patient_id        String,
    encounter_id      String,
    note              String,  -- JSON of the structured note
    differential      String,  -- JSON of the assistant's differential, as the page sent it
    confirmed         String,  -- JSON of the conditions the doctor confirmed
    source            String,  -- JSON of what the note was made from (dictation text)
    created_by        String,  -- the author: the only doctor who may read or change the record
    created_at        DateTime('UTC'),
    updated_by        String,  -- who made this version: a doctor id, or fhir-delivery
    updated_at        DateTime('UTC'),
    signed_by         String,
    signed_at         DateTime('UTC'),  -- 0 until signed
    delivery_attempts UInt32,
    last_error        String,  -- why the last delivery attempt failed; never patient data
    delivered_at      DateTime('UTC'),  -- 0 until delivered
    location          String   -- the Location Digital Healthcare answered
)
ENGINE = ReplacingMergeTree(write_seq)
PARTITION BY toYYYYMM(created_at)
ORDER BY (note_id, version);
