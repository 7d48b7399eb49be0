//! Retention: what the store forgets, so a listener that runs for months (or
//! is flooded) keeps a bounded database. Accepted requests stay while their
//! execution does (they are its record); refused ones, idempotency keys,
//! captures and closed capture windows go after the retention period, and
//! refused requests and captures beyond a count per flow go first. Each call
//! deletes at most `batch` rows per table, so the one writer is never held
//! for long.

use sqlx::Sqlite;

use crate::{Store, StoreError};

/// How long and how much the store keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Refused requests, idempotency keys and captures older than this many
    /// days are deleted.
    pub days: u32,
    /// Refused requests kept per flow (and for names no flow has, together).
    pub rejected_per_flow: u32,
    /// Captured test requests kept per flow.
    pub captures_per_flow: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { days: 14, rejected_per_flow: 1_000, captures_per_flow: 100 }
    }
}

impl Store {
    /// Deletes one batch of what `retention` no longer keeps, given the
    /// timestamp before which rows are too old; returns how many rows went.
    /// Call it again while it returns `batch` or more.
    pub async fn prune(&self, retention: &Retention, before: &str, now: &str, batch: u32) -> Result<u64, StoreError> {
        let batch = i64::from(batch);
        let mut deleted = 0;
        let old = [
            "DELETE FROM inbox WHERE rowid IN
               (SELECT rowid FROM inbox WHERE execution_id IS NULL AND received_at < ?1 LIMIT ?2)",
            "DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM idempotency WHERE created_at < ?1 LIMIT ?2)",
            "DELETE FROM captures WHERE rowid IN (SELECT rowid FROM captures WHERE received_at < ?1 LIMIT ?2)",
        ];
        for statement in old {
            deleted += sqlx::query(statement).bind(before).bind(batch).execute(&self.writer).await?.rows_affected();
        }
        deleted += sqlx::query("DELETE FROM capture_windows WHERE open_until < ?1")
            .bind(now)
            .execute(&self.writer)
            .await?
            .rows_affected();

        // Counts per flow: the newest are kept.
        let crowded: Vec<Option<String>> = sqlx::query_scalar(
            "SELECT flow_id FROM inbox WHERE execution_id IS NULL GROUP BY flow_id HAVING COUNT(*) > ?1 LIMIT ?2",
        )
        .bind(i64::from(retention.rejected_per_flow))
        .bind(batch)
        .fetch_all(&self.reader)
        .await?;
        for flow in crowded {
            deleted += sqlx::query(
                "DELETE FROM inbox WHERE rowid IN
                   (SELECT rowid FROM inbox WHERE execution_id IS NULL AND flow_id IS ?1
                    ORDER BY received_at DESC LIMIT ?3 OFFSET ?2)",
            )
            .bind(flow)
            .bind(i64::from(retention.rejected_per_flow))
            .bind(batch)
            .execute(&self.writer)
            .await?
            .rows_affected();
        }
        let crowded: Vec<String> =
            sqlx::query_scalar("SELECT flow_id FROM captures GROUP BY flow_id HAVING COUNT(*) > ?1 LIMIT ?2")
                .bind(i64::from(retention.captures_per_flow))
                .bind(batch)
                .fetch_all(&self.reader)
                .await?;
        for flow in crowded {
            deleted += sqlx::query(
                "DELETE FROM captures WHERE rowid IN
                   (SELECT rowid FROM captures WHERE flow_id = ?1 ORDER BY id DESC LIMIT ?3 OFFSET ?2)",
            )
            .bind(flow)
            .bind(i64::from(retention.captures_per_flow))
            .bind(batch)
            .execute(&self.writer)
            .await?
            .rows_affected();
        }
        Ok(deleted)
    }

    /// Keeps at most `keep` refused requests that named no flow (a scan of
    /// random names must not grow the inbox without bound between prunes).
    pub(crate) async fn bound_unknown_rejections(
        tx: &mut sqlx::Transaction<'_, Sqlite>,
        keep: u32,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM inbox WHERE rowid IN
               (SELECT rowid FROM inbox WHERE flow_id IS NULL ORDER BY received_at DESC LIMIT -1 OFFSET ?1)",
        )
        .bind(i64::from(keep))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use hookline_model::InboxEntry;
    use serde_json::json;

    use super::*;
    use crate::flows::tests::document;
    use crate::inbox::tests::acceptance;
    use crate::Write;

    fn refused(id: &str, flow_id: Option<&str>, at: &str) -> InboxEntry {
        let mut entry = acceptance(id, None).inbox.unwrap();
        entry.id = id.into();
        entry.flow_id = flow_id.map(str::to_string);
        entry.flow_key = flow_id.unwrap_or("nope").into();
        entry.received_at = at.into();
        entry.status = 404;
        entry
    }

    #[tokio::test]
    async fn old_and_surplus_rows_go_and_accepted_requests_stay_with_their_execution() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("test.db")).await.unwrap();
        store.save_draft(&document("flw_a", None), None, "2026-01-01T00:00:00.000Z").await.unwrap();
        let retention = Retention { days: 14, rejected_per_flow: 2, captures_per_flow: 1 };

        // An old accepted request (its execution's record) and old refusals.
        let mut accepted = acceptance("exe_old", Some("key-1"));
        accepted.inbox.as_mut().unwrap().received_at = "2025-01-01T00:00:00.000Z".into();
        accepted.execution.created_at = "2025-01-01T00:00:00.000Z".into();
        store.write_batch(&[Write::Accept(accepted)]).await.unwrap();
        store.record_rejection(&refused("inb_old", Some("flw_a"), "2025-01-01T00:00:00.000Z"), 10).await.unwrap();
        for n in 0..3 {
            let at = format!("2026-01-0{}T00:00:00.000Z", n + 2);
            store.record_rejection(&refused(&format!("inb_new{n}"), Some("flw_a"), &at), 10).await.unwrap();
        }
        for n in 0..2 {
            store.record_capture("flw_a", "stp_hook", &json!({"n": n}), "2026-01-05T00:00:00.000Z").await.unwrap();
        }

        let mut deleted = 0;
        loop {
            let batch = store.prune(&retention, "2026-01-01T00:00:00.000Z", "2026-01-06T00:00:00.000Z", 1).await;
            match batch.unwrap() {
                0 => break,
                n => deleted += n,
            }
        }
        let ids: Vec<String> =
            store.list_inbox(Some("flw_a"), "a", 50).await.unwrap().into_iter().map(|e| e.id).collect();
        assert_eq!(ids, ["inb_new2", "inb_new1", "inb_exe_old"], "the newest two refusals and the accepted request");
        assert_eq!(store.last_capture_id("flw_a").await.unwrap(), 2, "the newest capture stays");
        let idempotency: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM idempotency").fetch_one(&store.reader).await.unwrap();
        let captures: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM captures").fetch_one(&store.reader).await.unwrap();
        assert_eq!((idempotency, captures), (0, 1), "the old key and the surplus capture went");
        assert_eq!(deleted, 4);
    }

    #[tokio::test]
    async fn refusals_of_names_no_flow_has_are_bounded_as_they_arrive() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("test.db")).await.unwrap();
        for n in 0..5 {
            let at = format!("2026-01-01T00:00:0{n}.000Z");
            store.record_rejection(&refused(&format!("inb_{n}"), None, &at), 3).await.unwrap();
        }
        let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbox").fetch_one(&store.reader).await.unwrap();
        assert_eq!(kept, 3);
    }
}
