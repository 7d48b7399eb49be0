//! The SQLite backend: one database file in WAL mode with
//! `synchronous=FULL` (an accepted webhook must survive a crash), one writer
//! connection (SQLite allows one writer; queueing writes here avoids
//! `SQLITE_BUSY` storms) and a pool of read-only connections.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteAutoVacuum, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::{Pages, StoreError};

/// How long a connection waits for a lock held by another process (the desktop
/// app and `hookline serve` may share a data dir) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
const READ_CONNECTIONS: u32 = 4;
/// Prepared statements the writer keeps. The journal's multi-row statements
/// differ by their row count (up to 256 of each kind), and preparing one
/// again costs more than running it: sqlx's default of 100 was evicting them
/// under load.
const WRITER_STATEMENTS: usize = 1024;

/// What SQLite spells its own way; `postgres::dialect` has the same names.
pub(crate) mod dialect {
    /// A row's physical id, for deleting a bounded batch of a table.
    pub const ROWID: &str = "rowid";
    /// The larger of two values (scalar, not the aggregate).
    pub const GREATEST: &str = "MAX";
    /// A join whose left side stays the outer loop.
    pub const JOIN_IN_ORDER: &str = "CROSS JOIN";
    /// Locks a JSON array of idempotency keys bound as `$1` for the rest of
    /// the transaction: none needed, the write lock already serialises.
    pub const LOCK_KEYS_1: Option<&str> = None;
    /// What a claim adds to its row selection so concurrent claimers skip
    /// each other's rows: nothing, there is one writer.
    pub const SKIP_LOCKED: &str = "";
    /// `LIMIT` with no limit, before an `OFFSET`.
    pub const NO_LIMIT: &str = "-1";
    /// The strings of a JSON array bound as `$1`, as a one-column subquery.
    pub const JSON_STRINGS_1: &str = "SELECT value FROM json_each($1)";

    /// `{"truncated": true, "bytes": N, "preview": "…"}` for a text column.
    pub fn truncated(column: &str, preview_chars: i64) -> String {
        format!(
            "json_object('truncated', json('true'), 'bytes', length(CAST({column} AS BLOB)), \
             'preview', substr({column}, 1, {preview_chars}))"
        )
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Sqlite {
    pub(crate) writer: SqlitePool,
    pub(crate) reader: SqlitePool,
    /// Copies the WAL into the database beside the writer (a checkpoint
    /// needs a connection that may write, not the write lock), so a long
    /// prune keeps the WAL short and the writer's own commits rarely stop
    /// to checkpoint.
    checkpointer: SqlitePool,
}

impl Sqlite {
    pub(crate) async fn open(path: &Path) -> Result<Sqlite, StoreError> {
        let url = format!("sqlite://{}", path.display());
        let base = SqliteConnectOptions::from_str(&url)?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        // auto_vacuum only takes effect on a new database, before its first table.
        let writer_options = base
            .clone()
            .create_if_missing(true)
            .auto_vacuum(SqliteAutoVacuum::Incremental)
            .statement_cache_capacity(WRITER_STATEMENTS);
        // A file does not hang up: the pool's liveness ping before each
        // transaction would only add a round trip to SQLite's thread to
        // every commit of the journal.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .test_before_acquire(false)
            .connect_with(writer_options)
            .await?;
        sqlx::migrate!("./migrations").run(&writer).await?;
        restrict_to_owner(path);
        let reader = SqlitePoolOptions::new()
            .max_connections(READ_CONNECTIONS)
            .connect_with(base.clone().read_only(true))
            .await?;
        let checkpointer = SqlitePoolOptions::new().max_connections(1).connect_with(base).await?;
        Ok(Sqlite { writer, reader, checkpointer })
    }

    /// Begins a write transaction that holds the database's write lock from
    /// its first statement. Another process (the app beside `hookline
    /// serve`, a CLI command) may commit at any moment; a transaction that
    /// read before its first write would then fail at once with
    /// `SQLITE_BUSY` instead of waiting its turn, since its snapshot is stale.
    pub(crate) async fn write_transaction(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.writer.begin_with("BEGIN IMMEDIATE").await
    }

    pub(crate) async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
        self.checkpointer.close().await;
    }

    pub(crate) async fn pages(&self) -> Result<Pages, StoreError> {
        let read = |pragma: &'static str| async move {
            let value: i64 = sqlx::query_scalar(pragma).fetch_one(&self.writer).await?;
            Ok::<u64, StoreError>(value.max(0) as u64)
        };
        Ok(Pages {
            size: read("PRAGMA page_size").await?,
            count: read("PRAGMA page_count").await?,
            free: read("PRAGMA freelist_count").await?,
        })
    }

    /// Gives up to `pages` free pages (0: every one) back to the file system
    /// (the database is created with `auto_vacuum=INCREMENTAL`), then copies
    /// the WAL into the database; `truncate` also empties the WAL file (it
    /// waits for readers, so only an explicit prune asks for it). Returns the
    /// pages given back.
    pub(crate) async fn reclaim(&self, pages: u32, truncate: bool) -> Result<u64, StoreError> {
        let before = self.pages().await?.free;
        sqlx::query(&format!("PRAGMA incremental_vacuum({pages})")).execute(&self.writer).await?;
        let after = self.pages().await?.free;
        if truncate {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.writer).await?;
        } else {
            // Off the writer's connection: hooks keep committing meanwhile.
            self.checkpoint().await?;
        }
        Ok(before.saturating_sub(after))
    }

    /// Whether the database answers a query, for a readiness check; on the
    /// readers' pool, so it never waits behind the writer.
    pub(crate) async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    /// Copies what it can of the WAL into the database without waiting for
    /// anyone (a passive checkpoint), off the writer's connection.
    pub(crate) async fn checkpoint(&self) -> Result<(), StoreError> {
        sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&self.checkpointer).await?;
        Ok(())
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

/// What keeps a test's database alive: the temp dir that holds it.
#[cfg(test)]
pub(crate) type TestGuard = tempfile::TempDir;

/// A fresh database for one test, and the temp dir that holds it.
#[cfg(test)]
pub(crate) async fn test_db() -> (TestGuard, Sqlite) {
    let dir = tempfile::tempdir().unwrap();
    let db = Sqlite::open(&dir.path().join("test.db")).await.unwrap();
    (dir, db)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::on_sqlite::flows::tests::document;

    #[tokio::test]
    async fn opening_applies_wal_full_sync_and_incremental_vacuum() {
        let (_dir, store) = test_db().await;
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
        let url = format!("sqlite://{}", path.display());
        let store = crate::Store::connect(&url).await.unwrap();
        assert_eq!(store.kind(), crate::Kind::Sqlite);
        let doc = document("flw_keep", None);
        store.save_draft(&doc, None, "2026-01-01T00:00:00.000Z").await.unwrap();
        store.close().await;
        let store = crate::Store::open(&path).await.unwrap();
        assert!(store.get_flow("flw_keep").await.unwrap().is_some(), "the flow survives a reopen");
    }

    #[tokio::test]
    async fn the_read_pool_cannot_write() {
        let (_dir, store) = test_db().await;
        let result = sqlx::query("DELETE FROM flows").execute(&store.reader).await;
        assert!(result.is_err(), "writes must go through the single writer connection");
    }

    #[tokio::test]
    async fn deleted_rows_give_their_pages_back() {
        let (_dir, store) = test_db().await;
        // Fill pages, delete them, and see the file shrink by what was freed.
        let big = "x".repeat(4000);
        for n in 0..200 {
            store.set_meta(&format!("filler-{n}"), &big).await.unwrap();
        }
        let full = store.pages().await.unwrap();
        sqlx::query("DELETE FROM store_meta WHERE key LIKE 'filler-%'").execute(&store.writer).await.unwrap();
        let freed = store.pages().await.unwrap();
        assert!(freed.free >= 150, "{freed:?}");
        let given_back = store.reclaim(10_000, true).await.unwrap();
        let after = store.pages().await.unwrap();
        assert_eq!(after.free, 0);
        assert_eq!(given_back, freed.free);
        assert!(after.count + 150 <= full.count, "{full:?} → {after:?}");
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

        let store = crate::Store::open(&path).await.unwrap();
        let stored = store.get_execution("exe_1").await.unwrap().expect("the execution survives the upgrade");
        assert_eq!(stored.execution.input, serde_json::json!({"body": 1}), "its input is kept");
        assert_eq!(stored.execution.steps.len(), 1, "its step runs are kept, not cascaded away");
        assert_eq!(stored.request, None, "it refers to no inbox entry");
        let flow = store.list_flows().await.unwrap().remove(0);
        assert_eq!(flow.live_slug.as_deref(), Some("a"), "a published flow's slug becomes its live slug");
    }
}
