-- Flows keep their draft as a canonical JSON document; published versions are
-- immutable copies. Executions and step runs are the run log.
CREATE TABLE flows (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    slug        TEXT UNIQUE,
    draft       TEXT NOT NULL,
    live        INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE flow_versions (
    flow_id    TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    document   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (flow_id, version)
);

CREATE TABLE executions (
    id          TEXT PRIMARY KEY,
    flow_id     TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
    version     INTEGER,
    trigger     TEXT NOT NULL,
    status      TEXT NOT NULL,
    input       TEXT NOT NULL,
    output      TEXT,
    error       TEXT,
    failed_step TEXT,
    reply       TEXT,
    created_at  TEXT NOT NULL,
    started_at  TEXT,
    finished_at TEXT,
    duration_ms INTEGER
);
CREATE INDEX executions_by_flow ON executions(flow_id, created_at DESC);
CREATE INDEX executions_by_time ON executions(created_at DESC);

CREATE TABLE step_runs (
    execution_id TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    step_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    component    TEXT NOT NULL,
    status       TEXT NOT NULL,
    input        TEXT,
    output       TEXT,
    error        TEXT,
    started_at   TEXT,
    duration_ms  INTEGER,
    PRIMARY KEY (execution_id, step_id)
);
