//! What the database holds and how much room it takes, and giving room back
//! after a prune: incremental vacuum (the database is created with
//! `auto_vacuum=INCREMENTAL`) and WAL checkpoints.

use crate::{Store, StoreError};

/// The tables a user sees counted in Storage, in the order shown.
const COUNTED: [&str; 7] = ["executions", "step_runs", "inbox", "idempotency", "captures", "samples", "schedule_fires"];

/// Pages of the database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pages {
    pub size: u64,
    pub count: u64,
    /// Pages freed by deletes and not yet given back to the file system.
    pub free: u64,
}

impl Store {
    /// Rows in each table Storage shows.
    pub async fn row_counts(&self) -> Result<Vec<(&'static str, u64)>, StoreError> {
        let mut counts = Vec::with_capacity(COUNTED.len());
        for table in COUNTED {
            // The names come from the list above, never from a caller.
            let count: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&self.reader).await?;
            counts.push((table, count.max(0) as u64));
        }
        Ok(counts)
    }

    pub async fn pages(&self) -> Result<Pages, StoreError> {
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

    /// Gives up to `pages` free pages (0: every one) back to the file system, then copies
    /// the WAL into the database; `truncate` also empties the WAL file (it
    /// waits for readers, so only an explicit prune asks for it). Returns the
    /// pages given back.
    pub async fn reclaim(&self, pages: u32, truncate: bool) -> Result<u64, StoreError> {
        let before = self.pages().await?.free;
        sqlx::query(&format!("PRAGMA incremental_vacuum({pages})")).execute(&self.writer).await?;
        let after = self.pages().await?.free;
        let mode = if truncate { "TRUNCATE" } else { "PASSIVE" };
        sqlx::query(&format!("PRAGMA wal_checkpoint({mode})")).execute(&self.writer).await?;
        Ok(before.saturating_sub(after))
    }

    /// Whether the database answers a query, for a readiness check; on the
    /// readers' pool, so it never waits behind the writer.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    /// Copies what it can of the WAL into the database without waiting for
    /// anyone (a passive checkpoint), off the writer's connection.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&self.checkpointer).await?;
        Ok(())
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO store_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2")
            .bind(key)
            .bind(value)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM store_meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.reader)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[tokio::test]
    async fn ping_answers_while_the_database_is_open_and_fails_once_closed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("test.db")).await.unwrap();
        store.ping().await.unwrap();
        store.close().await;
        assert!(store.ping().await.is_err(), "a closed store is not ready");
    }

    #[tokio::test]
    async fn deleted_rows_give_their_pages_back_and_meta_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("test.db")).await.unwrap();
        let counts = store.row_counts().await.unwrap();
        assert_eq!(
            counts.iter().map(|(table, _)| *table).collect::<Vec<_>>()[..3],
            ["executions", "step_runs", "inbox"]
        );
        assert!(counts.iter().all(|(_, rows)| *rows == 0));

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

        store.set_meta("last_prune", "{\"deleted\": 3}").await.unwrap();
        assert_eq!(store.meta("last_prune").await.unwrap().as_deref(), Some("{\"deleted\": 3}"));
        assert_eq!(store.meta("nothing").await.unwrap(), None);
    }
}
