-- Test requests sent to /hook-test/{flow}: each became the trigger's sample.
CREATE TABLE captures (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    flow_id     TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
    sample      TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX captures_by_flow ON captures(flow_id, id);
