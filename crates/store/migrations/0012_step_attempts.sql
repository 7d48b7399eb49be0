-- Retries and resumed side effects: a step run keeps its attempts (JSON, only
-- when it was tried more than once) and whether it ran again after a restart.
ALTER TABLE step_runs ADD COLUMN attempts TEXT;
ALTER TABLE step_runs ADD COLUMN resumed INTEGER NOT NULL DEFAULT 0;
