-- The branch a branching step chose, so a resumed execution follows the same
-- edges without running the step again.
ALTER TABLE step_runs ADD COLUMN branch INTEGER;
CREATE INDEX executions_by_status ON executions(status) WHERE status IN ('queued', 'running');
