-- Every request that reached /hook/…, accepted or rejected, with its raw body.
CREATE TABLE inbox (
    id           TEXT PRIMARY KEY,
    flow_key     TEXT NOT NULL,
    flow_id      TEXT,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    query        TEXT,
    headers      TEXT NOT NULL,
    body         BLOB NOT NULL,
    received_at  TEXT NOT NULL,
    status       INTEGER NOT NULL,
    reason       TEXT,
    execution_id TEXT
);
CREATE INDEX inbox_by_flow ON inbox(flow_id, received_at DESC);
CREATE INDEX inbox_by_key ON inbox(flow_key, received_at DESC);

-- Idempotency keys seen per flow, with the execution they started.
CREATE TABLE idempotency (
    flow_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (flow_id, key)
);
