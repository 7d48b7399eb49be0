-- The credential vault. Secret fields are stored only sealed (encrypted and
-- authenticated under the data key, which never enters the database); the
-- name, kind and non-secret fields are in clear.
CREATE TABLE vault_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE credentials (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    fields         TEXT NOT NULL,
    sealed         BLOB NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    verified_at    TEXT,
    verify_ok      INTEGER,
    verify_message TEXT
);

-- OAuth2 client-credentials tokens: the token sealed like a secret field,
-- its expiry and the last error in clear for the vault view.
CREATE TABLE oauth_tokens (
    credential_id TEXT PRIMARY KEY REFERENCES credentials(id) ON DELETE CASCADE,
    sealed        BLOB,
    expires_at    TEXT,
    fetched_at    TEXT,
    last_error    TEXT
);
