-- The run log pages by (created_at, id), newest first: the time indexes carry
-- the id too, so a page is read straight off the index with no sort.
DROP INDEX IF EXISTS executions_by_time;
DROP INDEX IF EXISTS executions_by_flow;
CREATE INDEX executions_by_time ON executions(created_at DESC, id DESC);
CREATE INDEX executions_by_flow ON executions(flow_id, created_at DESC, id DESC);
