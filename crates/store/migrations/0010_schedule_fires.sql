-- Every fire of a schedule, claimed before its run starts. The primary key
-- lets exactly one of the processes sharing the database (the desktop app,
-- `hookline serve`) fire a slot; the newest slot of a flow tells a restarted
-- scheduler which fires it missed. `slot` and `fired_at` are RFC 3339 UTC
-- timestamps of fixed width, so text order is time order. `execution_id` is
-- set once the run is stored.
CREATE TABLE schedule_fires (
    flow_id      TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
    slot         TEXT NOT NULL,
    fired_at     TEXT NOT NULL,
    execution_id TEXT,
    PRIMARY KEY (flow_id, slot)
);
-- Retention finds old fires by slot without reading the whole table.
CREATE INDEX schedule_fires_by_slot ON schedule_fires(slot);
