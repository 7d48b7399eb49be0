-- Small facts about the store itself, such as the last prune's report, which
-- every process on the data dir (the app, `hookline serve`, the command line)
-- should see alike.
CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
