use thiserror::Error;

/// Failures of the store. Constraint conflicts that a user can fix get their own
/// variant; everything else is a database or I/O failure.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// Another flow already uses this webhook slug.
    #[error("slug {slug:?} is already used by flow {flow_id}")]
    SlugTaken { slug: String, flow_id: String },
    /// Another credential already has this name.
    #[error("a credential named {0:?} already exists")]
    NameTaken(String),
    /// A flow id was expected to exist.
    #[error("no flow {0}")]
    FlowNotFound(String),
    /// A stored value no longer reads back (edited by hand, or a bug).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}
