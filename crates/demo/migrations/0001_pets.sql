-- The demo pet store's own database (not Hookline's): one table of pets.
CREATE TABLE pets (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL,
    document   TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX pets_by_status ON pets(status COLLATE NOCASE);
