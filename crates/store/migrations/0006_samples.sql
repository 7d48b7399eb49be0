-- Samples of each step's output, kept for designing mappings. A step may keep
-- several; at most one is current (the one the draft's step.sample holds).
CREATE TABLE samples (
    id         TEXT PRIMARY KEY,
    flow_id    TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
    step_id    TEXT NOT NULL,
    source     TEXT NOT NULL,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    current    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX samples_by_step ON samples(flow_id, step_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX samples_one_current ON samples(flow_id, step_id) WHERE current = 1;
