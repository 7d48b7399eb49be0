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
    /// The database URL names no backend this store has.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE")]
    UnknownDatabase(String),
    /// A stored value no longer reads back (edited by hand, or a bug).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A copy's target already holds rows in these tables; nothing was copied.
    #[error("the target database already holds data (in {0}): copying needs an empty database, so nothing was copied")]
    NotEmpty(String),
    /// A copy between these two databases cannot be made.
    #[error("cannot copy: {0}")]
    CannotCopy(String),
}

impl StoreError {
    /// Whether the database could not be reached (down, restarting, the
    /// network lost, no connection free in time) rather than refusing the
    /// statement: the caller may retry later, and nothing was stored.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Database(error) => match error {
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed => true,
                // SQLSTATE class 08 is "connection exception"; 57P01–57P03
                // are a server shutting down or not accepting yet.
                sqlx::Error::Database(db) => {
                    db.code().is_some_and(|code| code.starts_with("08") || code.starts_with("57P"))
                }
                _ => false,
            },
            _ => false,
        }
    }
}
