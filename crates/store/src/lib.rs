//! Hookline's persistence: flows, published versions, executions and step runs
//! in SQLite, through sqlx.
//!
//! This is the only crate that contains SQL. It opens the database in WAL mode
//! with `synchronous=FULL` (an accepted webhook must survive a crash), one
//! writer connection (SQLite allows one writer; queueing writes here avoids
//! `SQLITE_BUSY` storms) and a pool of read-only connections. It stores and
//! returns model types; it never decides whether a flow is valid or runnable.

mod error;
mod executions;
mod flows;
mod inbox;
mod retention;
mod samples;
mod schedule;
mod storage;
mod tokens;
mod vault;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteAutoVacuum, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use error::StoreError;
pub use executions::{ActivityCount, ExecutionFilter, StoredExecution, MAX_PAGE};
pub use flows::HookTarget;
pub use inbox::{Acceptance, Accepted, Claim, Write, LOGGED_PAYLOAD_LIMIT};
pub use retention::Retention;
pub use schedule::LiveVersion;
pub use storage::Pages;
pub use vault::{CredentialRow, Resealed, TokenRow};

/// How long a connection waits for a lock held by another process (the desktop
/// app and `hookline serve` may share a data dir) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
const READ_CONNECTIONS: u32 = 4;

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    writer: SqlitePool,
    reader: SqlitePool,
    /// Copies the WAL into the database beside the writer (a checkpoint
    /// needs a connection that may write, not the write lock), so a long
    /// prune keeps the WAL short and the writer's own commits rarely stop
    /// to checkpoint.
    checkpointer: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database file at `path` and applies the
    /// embedded migrations, which are forward-only.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        let url = format!("sqlite://{}", path.display());
        let base = SqliteConnectOptions::from_str(&url)?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        // auto_vacuum only takes effect on a new database, before its first table.
        let writer_options = base.clone().create_if_missing(true).auto_vacuum(SqliteAutoVacuum::Incremental);
        let writer =
            SqlitePoolOptions::new().max_connections(1).min_connections(1).connect_with(writer_options).await?;
        sqlx::migrate!("./migrations").run(&writer).await?;
        restrict_to_owner(path);
        let reader = SqlitePoolOptions::new()
            .max_connections(READ_CONNECTIONS)
            .connect_with(base.clone().read_only(true))
            .await?;
        let checkpointer = SqlitePoolOptions::new().max_connections(1).connect_with(base).await?;
        Ok(Store { writer, reader, checkpointer })
    }

    /// Begins a write transaction that holds the database's write lock from
    /// its first statement. Another process (the app beside `hookline
    /// serve`, a CLI command) may commit at any moment; a transaction that
    /// read before its first write would then fail at once with
    /// `SQLITE_BUSY` instead of waiting its turn, since its snapshot is stale.
    pub(crate) async fn write_transaction(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.writer.begin_with("BEGIN IMMEDIATE").await
    }

    /// Closes both pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
        self.checkpointer.close().await;
    }
}

/// Makes the database and its WAL files readable by their owner only, as
/// the data they hold deserves; SQLite creates them with the process umask.
/// A file system without Unix permissions keeps its own rules.
fn restrict_to_owner(path: &Path) {
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm"] {
        use std::os::unix::fs::PermissionsExt;
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        if let Err(error) = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)) {
            if error.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(file = %file.display(), %error, "could not make the database private to its owner");
            }
        }
    }
}

/// Reads a JSON column written by this crate; a value that no longer parses is
/// reported as corruption rather than hidden.
fn from_json<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serialising model types to a string cannot fail: they hold only JSON values,
    // strings and numbers, with string keys.
    serde_json::to_string(value).expect("model values serialise to JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opening_applies_wal_full_sync_and_incremental_vacuum() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("hookline.db")).await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&store.writer).await.unwrap();
        assert_eq!(mode, "wal", "WAL lets readers work while a webhook is being committed");
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&store.writer).await.unwrap();
        assert_eq!(sync, 2, "synchronous=FULL (2): an accepted request must survive power loss");
        let vacuum: i64 = sqlx::query_scalar("PRAGMA auto_vacuum").fetch_one(&store.writer).await.unwrap();
        assert_eq!(vacuum, 2, "auto_vacuum=INCREMENTAL (2) lets pruning return space in small steps");
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout").fetch_one(&store.reader).await.unwrap();
        assert_eq!(busy, 10_000, "readers wait for locks instead of failing at once");
    }

    #[tokio::test]
    async fn reopening_an_existing_database_keeps_its_data_and_migrations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hookline.db");
        let store = Store::open(&path).await.unwrap();
        let doc = flows::tests::document("flw_keep", None);
        store.save_draft(&doc, None, "2026-01-01T00:00:00.000Z").await.unwrap();
        store.close().await;
        let store = Store::open(&path).await.unwrap();
        assert!(store.get_flow("flw_keep").await.unwrap().is_some(), "the flow survives a reopen");
    }

    #[tokio::test]
    async fn the_read_pool_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("hookline.db")).await.unwrap();
        let result = sqlx::query("DELETE FROM flows").execute(&store.reader).await;
        assert!(result.is_err(), "writes must go through the single writer connection");
    }

    #[tokio::test]
    async fn upgrading_keeps_executions_and_their_step_runs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .unwrap()
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
        // The database as the release before executions were rebuilt left it.
        let mut before = sqlx::migrate!("./migrations");
        before.migrations = std::borrow::Cow::Owned(before.migrations[..6].to_vec());
        before.run(&pool).await.unwrap();
        for statement in [
            "INSERT INTO flows (id, name, slug, draft, created_at, updated_at) VALUES ('flw_a', 'A', 'a', '{}', 't', 't')",
            "INSERT INTO flow_versions (flow_id, version, document, created_at) VALUES ('flw_a', 1, '{}', 't')",
            "INSERT INTO executions (id, flow_id, version, trigger, status, input, created_at)
             VALUES ('exe_1', 'flw_a', 1, 'webhook', 'succeeded', '{\"body\":1}', 't')",
            "INSERT INTO step_runs (execution_id, seq, step_id, name, component, status, output)
             VALUES ('exe_1', 0, 'stp_hook', 'Hook', 'webhook', 'succeeded', '{\"body\":1}')",
        ] {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        pool.close().await;

        let store = Store::open(&path).await.unwrap();
        let stored = store.get_execution("exe_1").await.unwrap().expect("the execution survives the upgrade");
        assert_eq!(stored.execution.input, serde_json::json!({"body": 1}), "its input is kept");
        assert_eq!(stored.execution.steps.len(), 1, "its step runs are kept, not cascaded away");
        assert_eq!(stored.request, None, "it refers to no inbox entry");
        let flow = store.list_flows().await.unwrap().remove(0);
        assert_eq!(flow.live_slug.as_deref(), Some("a"), "a published flow's slug becomes its live slug");
    }
}
