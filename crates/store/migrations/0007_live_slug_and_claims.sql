-- The slug of the latest published version: live hooks answer under it, so a
-- slug changed in the draft takes effect only when it is published.
ALTER TABLE flows ADD COLUMN live_slug TEXT;
UPDATE flows SET live_slug = slug WHERE EXISTS (SELECT 1 FROM flow_versions v WHERE v.flow_id = flows.id);
CREATE UNIQUE INDEX flows_by_live_slug ON flows(live_slug) WHERE live_slug IS NOT NULL;

-- Which process runs an unfinished execution, and until when its claim holds
-- unless renewed. Recovery takes only executions whose claim has expired, so
-- two processes on one database never run the same execution.
ALTER TABLE executions ADD COLUMN owner TEXT;
ALTER TABLE executions ADD COLUMN lease_until TEXT;
