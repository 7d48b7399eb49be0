-- When a flow's test URL (/hook-test/{flow}) takes requests: while someone
-- waits for one (the designer's Send sample request, `hookline capture`)
-- and for a few minutes after. Kept in the store, so a wait in one process
-- opens the test URL served by another.
CREATE TABLE capture_windows (
    flow_id    TEXT PRIMARY KEY REFERENCES flows(id) ON DELETE CASCADE,
    open_until TEXT NOT NULL
);
