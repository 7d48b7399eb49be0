-- A flow's workflow access token (Boomerang Flow's "Build webhook URL"): one
-- per flow, kept only as the SHA-256 of the token, which is looked up by it.
-- Rotating replaces the row; deleting the flow deletes its token.
CREATE TABLE flow_tokens (
    flow_id    TEXT PRIMARY KEY REFERENCES flows(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
