//! Retention: what the store forgets, so a listener that runs for months (or
//! is flooded) keeps a bounded database. Finished executions, refused
//! requests, idempotency keys, captures and closed capture windows go after
//! the retention period, and finished executions, refused requests and
//! captures beyond a count per flow go first. An accepted request is its
//! execution's record, so it goes with the execution; an execution still
//! queued or running is never touched. Each call deletes at most `batch` rows
//! per table, so the one writer is never held for long.

use sqlx::Transaction;

use super::dialect::{JSON_STRINGS_1, NO_LIMIT, ROWID};
use super::{Db, DB};
use crate::{PruneBatch, Pruned, Retention, StoreError};

/// Executions still queued or running are never pruned.
const FINISHED: &str = "status NOT IN ('queued', 'running')";

/// Deletes one batch of what is older than retention keeps (see
/// [`PruneBatch`]) inside the caller's transaction: the journal's, so the
/// deletes share the commit hooks wait for.
pub(crate) async fn prune_by_age(tx: &mut Transaction<'_, DB>, batch: &PruneBatch) -> Result<Pruned, StoreError> {
    let limit = i64::from(batch.batch);
    let old: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT id FROM executions WHERE created_at < $1 AND {FINISHED} ORDER BY created_at LIMIT $2"
    ))
    .bind(&batch.before)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    let mut caught_up = old.len() < batch.batch as usize;
    let mut rows = delete_executions(tx, &old).await?;
    let older = [
        format!(
            "DELETE FROM inbox WHERE {ROWID} IN
           (SELECT {ROWID} FROM inbox WHERE execution_id IS NULL AND received_at < $1 LIMIT $2)"
        ),
        format!(
            "DELETE FROM idempotency WHERE {ROWID} IN (SELECT {ROWID} FROM idempotency WHERE created_at < $1 LIMIT $2)"
        ),
        format!("DELETE FROM captures WHERE {ROWID} IN (SELECT {ROWID} FROM captures WHERE received_at < $1 LIMIT $2)"),
        // A flow's newest fire stays whatever its age: it tells a
        // restarted scheduler what it missed, and that an `at` fired.
        format!(
            "DELETE FROM schedule_fires WHERE {ROWID} IN
           (SELECT s.{ROWID} FROM schedule_fires s WHERE s.slot < $1
              AND s.slot < (SELECT MAX(m.slot) FROM schedule_fires m WHERE m.flow_id = s.flow_id)
            LIMIT $2)"
        ),
    ];
    for statement in older {
        let went = sqlx::query(&statement).bind(&batch.before).bind(limit).execute(&mut **tx).await?.rows_affected();
        caught_up &= went < u64::from(batch.batch);
        rows += went;
    }
    rows += sqlx::query("DELETE FROM capture_windows WHERE open_until < $1")
        .bind(&batch.now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(Pruned { rows, caught_up })
}

/// Deletes executions by id, with their step runs (by cascade) and the
/// requests they were started by. Ids go in as one JSON array: SQLite caps
/// bound parameters, and one statement per id would hold the writer longer.
async fn delete_executions(tx: &mut Transaction<'_, DB>, ids: &[String]) -> Result<u64, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let ids = serde_json::Value::from(ids.to_vec()).to_string();
    let requests = sqlx::query(&format!(
        "DELETE FROM inbox WHERE id IN (SELECT inbox_id FROM executions WHERE id IN ({JSON_STRINGS_1}))"
    ))
    .bind(&ids)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    let executions = sqlx::query(&format!("DELETE FROM executions WHERE id IN ({JSON_STRINGS_1})"))
        .bind(&ids)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(requests + executions)
}

impl Db {
    /// Deletes, per flow, one batch of what is beyond the counts retention
    /// keeps (finished executions, refused requests, captures, schedule
    /// fires); returns how many rows went. Counting per flow reads whole
    /// indexes (a million rows takes tens of milliseconds of a core that
    /// intake needs), so callers run it once the age pass has caught up,
    /// not between every batch of it.
    pub async fn prune_crowded(&self, retention: &Retention, batch: u32) -> Result<u64, StoreError> {
        let batch = i64::from(batch);
        let mut deleted = self.prune_crowded_executions(retention, batch).await?;
        // Counts per flow: the newest are kept.
        let crowded: Vec<Option<String>> = sqlx::query_scalar(
            "SELECT flow_id FROM inbox WHERE execution_id IS NULL GROUP BY flow_id HAVING COUNT(*) > $1 LIMIT $2",
        )
        .bind(i64::from(retention.rejected_per_flow))
        .bind(batch)
        .fetch_all(&self.reader)
        .await?;
        for flow in crowded {
            deleted += sqlx::query(&format!(
                "DELETE FROM inbox WHERE {ROWID} IN
                   (SELECT {ROWID} FROM inbox WHERE execution_id IS NULL AND flow_id IS NOT DISTINCT FROM $1
                    ORDER BY received_at DESC LIMIT $3 OFFSET $2)"
            ))
            .bind(flow)
            .bind(i64::from(retention.rejected_per_flow))
            .bind(batch)
            .execute(&self.writer)
            .await?
            .rows_affected();
        }
        let crowded: Vec<String> =
            sqlx::query_scalar("SELECT flow_id FROM captures GROUP BY flow_id HAVING COUNT(*) > $1 LIMIT $2")
                .bind(i64::from(retention.captures_per_flow))
                .bind(batch)
                .fetch_all(&self.reader)
                .await?;
        for flow in crowded {
            deleted += sqlx::query(&format!(
                "DELETE FROM captures WHERE {ROWID} IN
                   (SELECT {ROWID} FROM captures WHERE flow_id = $1 ORDER BY id DESC LIMIT $3 OFFSET $2)"
            ))
            .bind(flow)
            .bind(i64::from(retention.captures_per_flow))
            .bind(batch)
            .execute(&self.writer)
            .await?
            .rows_affected();
        }
        // A schedule firing every second keeps no more fires than its flow
        // keeps executions; the newest always stays (offset ≥ 1).
        let crowded: Vec<String> =
            sqlx::query_scalar("SELECT flow_id FROM schedule_fires GROUP BY flow_id HAVING COUNT(*) > $1 LIMIT $2")
                .bind(i64::from(retention.executions_per_flow))
                .bind(batch)
                .fetch_all(&self.reader)
                .await?;
        for flow in crowded {
            deleted += sqlx::query(&format!(
                "DELETE FROM schedule_fires WHERE {ROWID} IN
                   (SELECT {ROWID} FROM schedule_fires WHERE flow_id = $1 ORDER BY slot DESC LIMIT $3 OFFSET $2)"
            ))
            .bind(flow)
            .bind(i64::from(retention.executions_per_flow.max(1)))
            .bind(batch)
            .execute(&self.writer)
            .await?
            .rows_affected();
        }
        Ok(deleted)
    }

    /// Deletes, for each flow with more finished executions than retention
    /// keeps, one batch of its oldest beyond the count.
    async fn prune_crowded_executions(&self, retention: &Retention, batch: i64) -> Result<u64, StoreError> {
        let crowded: Vec<String> =
            sqlx::query_scalar("SELECT flow_id FROM executions GROUP BY flow_id HAVING COUNT(*) > $1 LIMIT $2")
                .bind(i64::from(retention.executions_per_flow))
                .bind(batch)
                .fetch_all(&self.reader)
                .await?;
        let mut deleted = 0;
        for flow in crowded {
            let surplus: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT id FROM executions WHERE flow_id = $1 AND {FINISHED}
                 ORDER BY created_at DESC LIMIT $3 OFFSET $2"
            ))
            .bind(flow)
            .bind(i64::from(retention.executions_per_flow))
            .bind(batch)
            .fetch_all(&self.reader)
            .await?;
            deleted += self.delete_executions(&surplus).await?;
        }
        Ok(deleted)
    }

    /// Deletes executions by id, in a transaction of their own.
    async fn delete_executions(&self, ids: &[String]) -> Result<u64, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut tx = self.write_transaction().await?;
        let deleted = delete_executions(&mut tx, ids).await?;
        tx.commit().await?;
        Ok(deleted)
    }

    /// Keeps at most `keep` refused requests that named no flow (a scan of
    /// random names must not grow the inbox without bound between prunes).
    pub(crate) async fn bound_unknown_rejections(
        tx: &mut sqlx::Transaction<'_, DB>,
        keep: u32,
    ) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "DELETE FROM inbox WHERE {ROWID} IN
               (SELECT {ROWID} FROM inbox WHERE flow_id IS NULL ORDER BY received_at DESC LIMIT {NO_LIMIT} OFFSET $1)"
        ))
        .bind(i64::from(keep))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use hookline_model::{ExecutionStatus, InboxEntry};
    use serde_json::json;

    use super::super::flows::tests::document;
    use super::super::inbox::tests::acceptance;
    use super::*;
    use crate::{Write, Written};

    /// One batch of both passes, as the background prune runs them: the age
    /// pass through a batch of writes, the counts once it has caught up.
    async fn prune(store: &Db, retention: &Retention, before: &str, now: &str, batch: u32) -> u64 {
        let age = PruneBatch { before: before.into(), now: now.into(), batch };
        let written = store.write_batch(&[Write::Prune(age)]).await.unwrap();
        let [Written::Pruned(pruned)] = written[..] else {
            panic!("a prune batch reports what it pruned: {written:?}")
        };
        let crowded = if pruned.caught_up { store.prune_crowded(retention, batch).await.unwrap() } else { 0 };
        pruned.rows + crowded
    }

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
        let (_dir, store) = super::super::test_db().await;
        store.save_draft(&document("flw_a", None), None, "2026-01-01T00:00:00.000Z").await.unwrap();
        let retention = Retention { days: 14, executions_per_flow: 10, rejected_per_flow: 2, captures_per_flow: 1 };

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
            match prune(&store, &retention, "2026-01-01T00:00:00.000Z", "2026-01-06T00:00:00.000Z", 1).await {
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
    async fn finished_executions_go_with_their_steps_and_requests_and_unfinished_ones_stay() {
        let (_dir, store) = super::super::test_db().await;
        store.save_draft(&document("flw_a", None), None, "2026-01-01T00:00:00.000Z").await.unwrap();
        let retention = Retention { days: 14, executions_per_flow: 2, rejected_per_flow: 10, captures_per_flow: 10 };
        let accept = |id: &str, at: &str, status: ExecutionStatus| {
            let mut accepted = acceptance(id, None);
            accepted.inbox.as_mut().unwrap().received_at = at.into();
            accepted.execution.created_at = at.into();
            accepted.execution.status = status;
            Write::Accept(accepted)
        };
        store
            .write_batch(&[
                accept("exe_old_done", "2025-01-01T00:00:00.000Z", ExecutionStatus::Succeeded),
                accept("exe_old_queued", "2025-01-01T00:00:01.000Z", ExecutionStatus::Queued),
                accept("exe_1", "2026-01-02T00:00:01.000Z", ExecutionStatus::Failed),
                accept("exe_2", "2026-01-02T00:00:02.000Z", ExecutionStatus::Succeeded),
                accept("exe_3", "2026-01-02T00:00:03.000Z", ExecutionStatus::Succeeded),
                accept("exe_4", "2026-01-02T00:00:04.000Z", ExecutionStatus::Running),
            ])
            .await
            .unwrap();
        sqlx::query("INSERT INTO step_runs (execution_id, seq, step_id, name, component, status) VALUES ($1, 0, 's', 'S', 'transform', 'succeeded')")
            .bind("exe_1")
            .execute(&store.writer)
            .await
            .unwrap();

        while prune(&store, &retention, "2026-01-01T00:00:00.000Z", "2026-01-06T00:00:00.000Z", 1).await > 0 {}

        let mut kept: Vec<String> =
            sqlx::query_scalar("SELECT id FROM executions").fetch_all(&store.reader).await.unwrap();
        kept.sort();
        assert_eq!(kept, ["exe_2", "exe_3", "exe_4", "exe_old_queued"], "the newest two finished, and the unfinished");
        let mut requests: Vec<String> =
            sqlx::query_scalar("SELECT id FROM inbox").fetch_all(&store.reader).await.unwrap();
        requests.sort();
        assert_eq!(requests, ["inb_exe_2", "inb_exe_3", "inb_exe_4", "inb_exe_old_queued"]);
        let steps: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM step_runs").fetch_one(&store.reader).await.unwrap();
        assert_eq!(steps, 0, "the step runs of a deleted execution go with it");
    }

    #[tokio::test]
    async fn old_and_surplus_schedule_fires_go_and_each_flows_newest_stays() {
        let (_dir, store) = super::super::test_db().await;
        let retention = Retention { days: 14, executions_per_flow: 2, rejected_per_flow: 10, captures_per_flow: 10 };
        let fires = [
            ("flw_a", "2025-01-01T09:00:00.000Z"),
            ("flw_a", "2025-01-02T09:00:00.000Z"),
            ("flw_a", "2026-01-05T09:00:00.000Z"),
            ("flw_at", "2025-06-01T12:00:00.000Z"),
            ("flw_fast", "2026-01-05T09:00:01.000Z"),
            ("flw_fast", "2026-01-05T09:00:02.000Z"),
            ("flw_fast", "2026-01-05T09:00:03.000Z"),
            ("flw_fast", "2026-01-05T09:00:04.000Z"),
        ];
        for (flow, slot) in fires {
            store.save_draft(&document(flow, None), None, "2025-01-01T00:00:00.000Z").await.unwrap();
            assert!(store.claim_schedule_fire(flow, slot, slot).await.unwrap());
        }

        while prune(&store, &retention, "2026-01-01T00:00:00.000Z", "2026-01-06T00:00:00.000Z", 1).await > 0 {}

        let kept: Vec<(String, String)> =
            sqlx::query_as("SELECT flow_id, slot FROM schedule_fires ORDER BY flow_id, slot")
                .fetch_all(&store.reader)
                .await
                .unwrap();
        let kept: Vec<(&str, &str)> = kept.iter().map(|(f, s)| (f.as_str(), s.as_str())).collect();
        assert_eq!(
            kept,
            [
                ("flw_a", "2026-01-05T09:00:00.000Z"),
                ("flw_at", "2025-06-01T12:00:00.000Z"),
                ("flw_fast", "2026-01-05T09:00:03.000Z"),
                ("flw_fast", "2026-01-05T09:00:04.000Z"),
            ],
            "old fires go except a flow's newest (the at that fired once stays); a crowded flow keeps its newest"
        );
    }

    #[tokio::test]
    async fn refusals_of_names_no_flow_has_are_bounded_as_they_arrive() {
        let (_dir, store) = super::super::test_db().await;
        for n in 0..5 {
            let at = format!("2026-01-01T00:00:0{n}.000Z");
            store.record_rejection(&refused(&format!("inb_{n}"), None, &at), 3).await.unwrap();
        }
        let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbox").fetch_one(&store.reader).await.unwrap();
        assert_eq!(kept, 3);
    }
}
