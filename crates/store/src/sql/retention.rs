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
use crate::{PruneBatch, PruneScope, Pruned, Retention, StoreError, Surplus};

/// Executions still queued or running are never pruned.
const FINISHED: &str = "status NOT IN ('queued', 'running')";

/// Deletes one batch of what retention no longer keeps (see
/// [`PruneBatch`]) inside the caller's transaction: the journal's, so the
/// deletes share the commit hooks wait for.
pub(crate) async fn prune(tx: &mut Transaction<'_, DB>, batch: &PruneBatch) -> Result<Pruned, StoreError> {
    match &batch.scope {
        PruneScope::Age { before, now } => prune_by_age(tx, before, now, batch.batch).await,
        PruneScope::Surplus(surplus) => prune_surplus(tx, surplus, batch.batch).await,
    }
}

async fn prune_by_age(tx: &mut Transaction<'_, DB>, before: &str, now: &str, batch: u32) -> Result<Pruned, StoreError> {
    let limit = i64::from(batch);
    let old: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT id FROM executions WHERE created_at < $1 AND {FINISHED} ORDER BY created_at LIMIT $2"
    ))
    .bind(before)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    let mut caught_up = old.len() < batch as usize;
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
        let went = sqlx::query(&statement).bind(before).bind(limit).execute(&mut **tx).await?.rows_affected();
        caught_up &= went < u64::from(batch);
        rows += went;
    }
    rows += sqlx::query("DELETE FROM capture_windows WHERE open_until < $1")
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(Pruned { rows, caught_up, shared: false })
}

/// Deletes one batch of a flow's rows of one kind beyond its count: an
/// index range below the oldest row kept, like the age pass.
async fn prune_surplus(tx: &mut Transaction<'_, DB>, surplus: &Surplus, batch: u32) -> Result<Pruned, StoreError> {
    let limit = i64::from(batch);
    let rows = match surplus {
        Surplus::Executions { flow_id, before } => {
            let ids: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT id FROM executions WHERE flow_id = $1 AND created_at < $2 AND {FINISHED}
                 ORDER BY created_at LIMIT $3"
            ))
            .bind(flow_id)
            .bind(before)
            .bind(limit)
            .fetch_all(&mut **tx)
            .await?;
            let deleted = delete_executions(tx, &ids).await?;
            // Each execution may take its request along: count executions.
            return Ok(Pruned { rows: deleted, caught_up: ids.len() < batch as usize, shared: false });
        }
        Surplus::Refused { flow_id, before } => {
            sqlx::query(&format!(
                "DELETE FROM inbox WHERE {ROWID} IN
                   (SELECT {ROWID} FROM inbox WHERE execution_id IS NULL AND flow_id = $1 AND received_at < $2
                    LIMIT $3)"
            ))
            .bind(flow_id)
            .bind(before)
            .bind(limit)
            .execute(&mut **tx)
            .await?
        }
        Surplus::Captures { flow_id, below } => {
            sqlx::query(&format!(
                "DELETE FROM captures WHERE {ROWID} IN
                   (SELECT {ROWID} FROM captures WHERE flow_id = $1 AND id < $2 LIMIT $3)"
            ))
            .bind(flow_id)
            .bind(below)
            .bind(limit)
            .execute(&mut **tx)
            .await?
        }
        Surplus::ScheduleFires { flow_id, before } => {
            sqlx::query(&format!(
                "DELETE FROM schedule_fires WHERE {ROWID} IN
                   (SELECT {ROWID} FROM schedule_fires WHERE flow_id = $1 AND slot < $2 LIMIT $3)"
            ))
            .bind(flow_id)
            .bind(before)
            .bind(limit)
            .execute(&mut **tx)
            .await?
        }
    }
    .rows_affected();
    Ok(Pruned { rows, caught_up: rows < u64::from(batch), shared: false })
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

/// Where `OFFSET` finds the oldest row kept when `keep` are (at least one).
fn offset_of_oldest_kept(keep: u32) -> i64 {
    i64::from(keep.max(1)) - 1
}

impl Db {
    /// What is beyond the counts retention keeps, per flow and kind: the
    /// scopes of the deletes that follow. Read-only, so it costs the writer
    /// nothing; counting per flow reads whole indexes (a million rows takes
    /// tens of milliseconds), so a prune asks once, after the age pass.
    /// At least one row of each kind stays.
    pub async fn surplus(&self, retention: &Retention) -> Result<Vec<Surplus>, StoreError> {
        let mut surplus = Vec::new();
        for flow_id in self.crowded("executions", "TRUE", retention.executions_per_flow).await? {
            let kept: Option<String> = sqlx::query_scalar(&format!(
                "SELECT created_at FROM executions WHERE flow_id = $1 AND {FINISHED}
                 ORDER BY created_at DESC LIMIT 1 OFFSET $2"
            ))
            .bind(&flow_id)
            .bind(offset_of_oldest_kept(retention.executions_per_flow))
            .fetch_optional(&self.reader)
            .await?;
            surplus.extend(kept.map(|before| Surplus::Executions { flow_id, before }));
        }
        // Refusals of names no flow has are bounded as they arrive.
        for flow_id in
            self.crowded("inbox", "execution_id IS NULL AND flow_id IS NOT NULL", retention.rejected_per_flow).await?
        {
            let kept: Option<String> = sqlx::query_scalar(
                "SELECT received_at FROM inbox WHERE execution_id IS NULL AND flow_id = $1
                 ORDER BY received_at DESC LIMIT 1 OFFSET $2",
            )
            .bind(&flow_id)
            .bind(offset_of_oldest_kept(retention.rejected_per_flow))
            .fetch_optional(&self.reader)
            .await?;
            surplus.extend(kept.map(|before| Surplus::Refused { flow_id, before }));
        }
        for flow_id in self.crowded("captures", "TRUE", retention.captures_per_flow).await? {
            let kept: Option<i64> =
                sqlx::query_scalar("SELECT id FROM captures WHERE flow_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2")
                    .bind(&flow_id)
                    .bind(offset_of_oldest_kept(retention.captures_per_flow))
                    .fetch_optional(&self.reader)
                    .await?;
            surplus.extend(kept.map(|below| Surplus::Captures { flow_id, below }));
        }
        // A schedule firing every second keeps no more fires than its flow
        // keeps executions.
        for flow_id in self.crowded("schedule_fires", "TRUE", retention.executions_per_flow).await? {
            let kept: Option<String> = sqlx::query_scalar(
                "SELECT slot FROM schedule_fires WHERE flow_id = $1 ORDER BY slot DESC LIMIT 1 OFFSET $2",
            )
            .bind(&flow_id)
            .bind(offset_of_oldest_kept(retention.executions_per_flow))
            .fetch_optional(&self.reader)
            .await?;
            surplus.extend(kept.map(|before| Surplus::ScheduleFires { flow_id, before }));
        }
        Ok(surplus)
    }

    /// The flows with more than `keep` rows of `table` matching `rows`.
    async fn crowded(&self, table: &str, rows: &str, keep: u32) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT flow_id FROM {table} WHERE {rows} GROUP BY flow_id HAVING COUNT(*) > $1"
        ))
        .bind(i64::from(keep.max(1)))
        .fetch_all(&self.reader)
        .await?)
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

    /// One batch of each scope, as the background prune runs them: the age
    /// pass, and once it has caught up, each flow's surplus.
    async fn prune(store: &Db, retention: &Retention, before: &str, now: &str, batch: u32) -> u64 {
        let age = PruneScope::Age { before: before.into(), now: now.into() };
        let pruned = prune_one(store, age, batch).await;
        if !pruned.caught_up {
            return pruned.rows;
        }
        let mut rows = pruned.rows;
        for surplus in store.surplus(retention).await.unwrap() {
            rows += prune_one(store, PruneScope::Surplus(surplus), batch).await.rows;
        }
        rows
    }

    async fn prune_one(store: &Db, scope: PruneScope, batch: u32) -> Pruned {
        let written = store.write_batch(&[Write::Prune(PruneBatch { scope, batch })]).await.unwrap();
        let [Written::Pruned(pruned)] = written[..] else {
            panic!("a prune batch reports what it pruned: {written:?}")
        };
        pruned
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
