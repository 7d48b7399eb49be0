-- The slug of the latest published version: live hooks answer under it, so a
-- slug changed in the draft takes effect only when it is published.
ALTER TABLE flows ADD COLUMN live_slug TEXT;
UPDATE flows SET live_slug = slug WHERE EXISTS (SELECT 1 FROM flow_versions v WHERE v.flow_id = flows.id);
CREATE UNIQUE INDEX flows_by_live_slug ON flows(live_slug) WHERE live_slug IS NOT NULL;

-- Executions are rebuilt with three changes:
-- * `inbox_id`: a hook's execution refers to the request kept in the inbox,
--   whose raw body is the record of what arrived; its `input` (the trigger's
--   output) is then NULL and rebuilt from the request when read, so the
--   payload is stored once.
-- * `owner` and `lease_until`: which process runs an unfinished execution and
--   until when its claim holds unless renewed. Recovery takes only executions
--   whose claim has expired, so two processes on one database never run the
--   same execution.
-- SQLite cannot drop NOT NULL from a column, hence the copy. Dropping the old
-- table deletes its step runs through ON DELETE CASCADE (foreign keys cannot
-- be switched off inside the migration's transaction), so they are kept aside
-- and put back.
CREATE TABLE step_runs_kept AS SELECT * FROM step_runs;

CREATE TABLE executions_new (
    id          TEXT PRIMARY KEY,
    flow_id     TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
    version     INTEGER,
    trigger     TEXT NOT NULL,
    status      TEXT NOT NULL,
    input       TEXT,
    inbox_id    TEXT,
    output      TEXT,
    error       TEXT,
    failed_step TEXT,
    reply       TEXT,
    created_at  TEXT NOT NULL,
    started_at  TEXT,
    finished_at TEXT,
    duration_ms INTEGER,
    owner       TEXT,
    lease_until TEXT
);
INSERT INTO executions_new (id, flow_id, version, trigger, status, input, output, error, failed_step, reply,
                            created_at, started_at, finished_at, duration_ms)
SELECT id, flow_id, version, trigger, status, input, output, error, failed_step, reply,
       created_at, started_at, finished_at, duration_ms
FROM executions;
DROP TABLE executions;
ALTER TABLE executions_new RENAME TO executions;
CREATE INDEX executions_by_flow ON executions(flow_id, created_at DESC);
CREATE INDEX executions_by_time ON executions(created_at DESC);
CREATE INDEX executions_by_status ON executions(status) WHERE status IN ('queued', 'running');

INSERT INTO step_runs SELECT * FROM step_runs_kept;
DROP TABLE step_runs_kept;
