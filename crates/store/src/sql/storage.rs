//! What the database holds, and the store's own notes (the last prune).
//! How much room it takes and giving room back are each backend's own
//! (`sqlite.rs`, `postgres.rs`).

use super::Db;
use crate::StoreError;

/// The tables a user sees counted in Storage, in the order shown.
const COUNTED: [&str; 7] = ["executions", "step_runs", "inbox", "idempotency", "captures", "samples", "schedule_fires"];

impl Db {
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

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO store_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2")
            .bind(key)
            .bind(value)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM store_meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.reader)
            .await?)
    }
}

#[cfg(test)]
mod tests {

    #[tokio::test]
    async fn ping_answers_while_the_database_is_open_and_fails_once_closed() {
        let (_dir, store) = super::super::test_db().await;
        store.ping().await.unwrap();
        store.close().await;
        assert!(store.ping().await.is_err(), "a closed store is not ready");
    }

    #[tokio::test]
    async fn rows_are_counted_per_table_and_meta_round_trips() {
        let (_dir, store) = super::super::test_db().await;
        let counts = store.row_counts().await.unwrap();
        assert_eq!(
            counts.iter().map(|(table, _)| *table).collect::<Vec<_>>()[..3],
            ["executions", "step_runs", "inbox"]
        );
        assert!(counts.iter().all(|(_, rows)| *rows == 0));

        store.set_meta("last_prune", "{\"deleted\": 3}").await.unwrap();
        assert_eq!(store.meta("last_prune").await.unwrap().as_deref(), Some("{\"deleted\": 3}"));
        store.set_meta("last_prune", "{}").await.unwrap();
        assert_eq!(store.meta("last_prune").await.unwrap().as_deref(), Some("{}"), "a second write replaces");
        assert_eq!(store.meta("nothing").await.unwrap(), None);
        let pages = store.pages().await.unwrap();
        assert!(pages.size > 0 && pages.count > 0, "{pages:?}");
    }
}
