//! The PostgreSQL backend: several `hookline serve` processes share one
//! database. Every connection comes from one pool; PostgreSQL's row locks
//! and constraints, not a single writer, keep concurrent writers apart.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};

use crate::{Notice, Pages, StoreError};

/// The channels processes talk on.
const QUEUED: &str = "hookline_queued";
const FINISHED: &str = "hookline_finished";

/// Connections per process: the journal's group commit needs one, readers
/// and workers the rest; PostgreSQL's default allows 100 in all.
const CONNECTIONS: u32 = 16;
/// How long a call waits for a free connection, or for the server during
/// an outage, before it fails (and intake answers 503).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// What PostgreSQL spells its own way; `sqlite::dialect` has the same names.
pub(crate) mod dialect {
    /// A row's physical id, for deleting a bounded batch of a table.
    pub const ROWID: &str = "ctid";
    /// The larger of two values (scalar, not the aggregate).
    pub const GREATEST: &str = "GREATEST";
    /// A join whose left side stays the outer loop (PostgreSQL's planner
    /// picks the order itself; its CROSS JOIN takes no condition).
    pub const JOIN_IN_ORDER: &str = "JOIN";
    /// Locks a JSON array of idempotency keys bound as `$1` for the rest of
    /// the transaction (in sorted order, so two batches cannot deadlock).
    pub const LOCK_KEYS_1: Option<&str> = Some(
        "SELECT pg_advisory_xact_lock(h) FROM
           (SELECT hashtextextended(value, 0) AS h FROM json_array_elements_text($1::json) AS value ORDER BY 1) AS k",
    );
    /// What a claim adds to its row selection so concurrent claimers skip
    /// each other's rows instead of waiting for them.
    pub const SKIP_LOCKED: &str = "FOR UPDATE SKIP LOCKED";
    /// `LIMIT` with no limit, before an `OFFSET`.
    pub const NO_LIMIT: &str = "ALL";
    /// The strings of a JSON array bound as `$1`, as a one-column subquery.
    pub const JSON_STRINGS_1: &str = "SELECT json_array_elements_text($1::json)";

    /// `{"truncated": true, "bytes": N, "preview": "…"}` for a text column.
    pub fn truncated(column: &str, preview_chars: i64) -> String {
        format!(
            "json_build_object('truncated', true, 'bytes', octet_length({column}), \
             'preview', substr({column}, 1, {preview_chars}))::text"
        )
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Postgres {
    /// The same pool as `reader`: the shared queries name the pool by what
    /// they do, as SQLite needs two.
    pub(crate) writer: PgPool,
    pub(crate) reader: PgPool,
}

impl Postgres {
    /// Connects and applies the embedded migrations. sqlx holds an advisory
    /// lock while migrating, so processes starting together take turns.
    pub(crate) async fn connect(url: &str) -> Result<Postgres, StoreError> {
        let options = url.parse::<PgConnectOptions>()?.application_name("hookline");
        // One plain connection first: a pool that cannot connect reports
        // only that it timed out, and the reason (refused, wrong password,
        // no such database) is what the user needs.
        sqlx::Connection::close(<sqlx::PgConnection as sqlx::Connection>::connect_with(&options).await?).await?;
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations-postgres").run(&pool).await?;
        Ok(Postgres { writer: pool.clone(), reader: pool })
    }

    /// A transaction at PostgreSQL's default isolation (read committed);
    /// statements that must not race another process say so with their own
    /// locks (`FOR UPDATE`, `ON CONFLICT`).
    pub(crate) async fn write_transaction(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.writer.begin().await
    }

    pub(crate) async fn close(&self) {
        self.writer.close().await;
    }

    /// The database's size in PostgreSQL's blocks. Space freed by deletes is
    /// reused inside its tables rather than counted free here.
    pub(crate) async fn pages(&self) -> Result<Pages, StoreError> {
        let (size, bytes): (i64, i64) =
            sqlx::query_as("SELECT current_setting('block_size')::bigint, pg_database_size(current_database())")
                .fetch_one(&self.reader)
                .await?;
        let size = size.max(1) as u64;
        Ok(Pages { size, count: bytes.max(0) as u64 / size, free: 0 })
    }

    /// Vacuums the tables a prune deletes from, which makes their dead rows'
    /// room reusable and gives empty pages at their end back to the file
    /// system. `pages` and `truncate` are SQLite's knobs; PostgreSQL's
    /// vacuum works through whole tables without holding up writers.
    /// Returns the pages the database shrank by.
    pub(crate) async fn reclaim(&self, _pages: u32, _truncate: bool) -> Result<u64, StoreError> {
        let before = self.pages().await?.count;
        // VACUUM cannot run inside a transaction block; a pooled connection
        // outside one runs it as a plain statement.
        sqlx::query("VACUUM (ANALYZE) executions, step_runs, inbox, idempotency, captures, schedule_fires")
            .execute(&self.writer)
            .await?;
        let after = self.pages().await?.count;
        Ok(before.saturating_sub(after))
    }

    pub(crate) async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    pub(crate) async fn notify(&self, notice: &Notice) -> Result<(), StoreError> {
        let (channel, payload) = match notice {
            Notice::Queued => (QUEUED, ""),
            Notice::Finished(id) => (FINISHED, id.as_str()),
        };
        sqlx::query("SELECT pg_notify($1, $2)").bind(channel).bind(payload).execute(&self.writer).await?;
        Ok(())
    }

    pub(crate) async fn listen(&self) -> Result<Notices, StoreError> {
        let mut listener = PgListener::connect_with(&self.reader).await?;
        listener.listen_all([QUEUED, FINISHED]).await?;
        Ok(Notices { listener })
    }

    /// PostgreSQL checkpoints its own write-ahead log; there is nothing to
    /// copy by hand.
    pub(crate) async fn checkpoint(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// The notices of the other processes, on a connection of its own.
pub struct Notices {
    listener: PgListener,
}

impl Notices {
    /// The next notice; `Ok(None)` when the connection was lost and
    /// notices sent meanwhile may be missed (it reconnects on the next call),
    /// so the caller looks at the queue itself.
    pub async fn recv(&mut self) -> Result<Option<Notice>, StoreError> {
        let Some(notification) = self.listener.try_recv().await? else { return Ok(None) };
        Ok(match notification.channel() {
            FINISHED => Some(Notice::Finished(notification.payload().to_string())),
            _ => Some(Notice::Queued),
        })
    }
}

/// A test's database lives as long as the test server: nothing to keep.
#[cfg(test)]
pub(crate) type TestGuard = ();

/// A fresh database for one test, on one PostgreSQL server per test process
/// (started by `hookline-testdb`, stopped when the process exits).
#[cfg(test)]
pub(crate) async fn test_db() -> (TestGuard, Postgres) {
    let url = hookline_testdb::shared().fresh_database();
    ((), Postgres::connect(&url).await.unwrap())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn processes_starting_together_migrate_once() {
        let url = hookline_testdb::shared().fresh_database();
        let opened = connect_together(&url).await;
        assert!(opened.iter().all(|r| r.is_ok()), "{opened:?}");
        let store = crate::Store::connect(&url).await.unwrap();
        assert_eq!(store.kind(), crate::Kind::Postgres);
        store.ping().await.unwrap();
    }

    async fn connect_together(url: &str) -> Vec<Result<(), StoreError>> {
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let url = url.to_string();
                tokio::spawn(async move { Postgres::connect(&url).await.map(|_| ()) })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        results
    }

    #[tokio::test]
    async fn notices_reach_the_other_processes() {
        let url = hookline_testdb::shared().fresh_database();
        let (sender, receiver) =
            (crate::Store::connect(&url).await.unwrap(), crate::Store::connect(&url).await.unwrap());
        let mut notices = receiver.listen().await.unwrap().expect("PostgreSQL carries notices");
        sender.notify(&Notice::Queued).await.unwrap();
        sender.notify(&Notice::Finished("exe_1".into())).await.unwrap();
        assert_eq!(notices.recv().await.unwrap(), Some(Notice::Queued));
        assert_eq!(notices.recv().await.unwrap(), Some(Notice::Finished("exe_1".into())));
    }

    #[tokio::test]
    async fn an_unreachable_server_is_a_clear_error_without_the_password() {
        let error = crate::Store::connect("postgres://hookline:hunter2@127.0.0.1:1/hookline").await.unwrap_err();
        let text = error.to_string();
        assert!(!text.contains("hunter2"), "{text}");
    }
}
