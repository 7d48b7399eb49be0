use std::collections::{BTreeMap, HashMap, HashSet};

use hookline_model::{Execution, ExecutionStatus, HookRequest, InboxEntry, StepRun};
use sqlx::{FromRow, QueryBuilder, Transaction};

use super::dialect::{self, JSON_STRINGS_1};
use super::retention;
use super::{Db, DB};
use crate::{from_json, to_json, Acceptance, Accepted, Pruned, StoreError, Write, Written, LOGGED_PAYLOAD_LIMIT};

/// One write of the execution journal.
// Writes are moved into the journal's queue once and applied in batches; a
// box would cost an allocation per accepted request to save a few hundred
// bytes of queue slot.
#[derive(FromRow)]
struct InboxRow {
    id: String,
    flow_key: String,
    flow_id: Option<String>,
    method: String,
    path: String,
    query: Option<String>,
    headers: String,
    body: Vec<u8>,
    received_at: String,
    status: i64,
    reason: Option<String>,
    execution_id: Option<String>,
}

impl InboxRow {
    fn into_model(self) -> Result<InboxEntry, StoreError> {
        Ok(InboxEntry {
            request: HookRequest {
                headers: from_json::<BTreeMap<String, String>>("inbox.headers", &self.headers)?,
                method: self.method,
                path: self.path,
                query: self.query,
                body: self.body,
            },
            id: self.id,
            flow_key: self.flow_key,
            flow_id: self.flow_id,
            received_at: self.received_at,
            status: self.status as u16,
            reason: self.reason,
            execution_id: self.execution_id,
        })
    }
}

/// Rows per multi-row statement: well under SQLite's limit of 32,766 bound
/// parameters at fourteen columns a row.
const ROWS_PER_STATEMENT: usize = 256;

/// The executions that already own the items' idempotency keys, with when
/// each key was first seen (the caller compares it with the window).
async fn seen_keys(
    tx: &mut Transaction<'_, DB>,
    items: &[&Acceptance],
) -> Result<HashMap<(String, String), (String, String)>, StoreError> {
    // SQLite's CROSS JOIN keeps the batch's keys as the outer loop, so each
    // is one primary-key lookup whatever it guesses about the VALUES list.
    let mut query = QueryBuilder::<DB>::new("SELECT i.flow_id, i.key, i.execution_id, i.created_at FROM (");
    query.push_values(items, |mut row, item| {
        row.push_bind(&item.execution.flow_id).push_bind(item.idempotency_key.as_deref());
    });
    query.push(format!(
        ") AS v {} idempotency i ON i.flow_id = v.column1 AND i.key = v.column2",
        dialect::JOIN_IN_ORDER
    ));
    let rows: Vec<(String, String, String, String)> = query.build_query_as().fetch_all(&mut **tx).await?;
    Ok(rows.into_iter().map(|(flow, key, execution, at)| ((flow, key), (execution, at))).collect())
}

/// Records the items' keys for their executions (replacing expired claims).
async fn claim_keys(tx: &mut Transaction<'_, DB>, items: &[&Acceptance]) -> Result<(), StoreError> {
    let mut query = QueryBuilder::<DB>::new("INSERT INTO idempotency (flow_id, key, execution_id, created_at) ");
    query.push_values(items, |mut row, item| {
        row.push_bind(&item.execution.flow_id)
            .push_bind(item.idempotency_key.as_deref())
            .push_bind(&item.execution.id)
            .push_bind(&item.execution.created_at);
    });
    query.push(
        " ON CONFLICT (flow_id, key) DO UPDATE SET execution_id = excluded.execution_id, created_at = excluded.created_at",
    );
    query.build().execute(&mut **tx).await?;
    Ok(())
}

/// The one place new executions are inserted.
async fn insert_executions(tx: &mut Transaction<'_, DB>, rows: &[&Acceptance]) -> Result<(), StoreError> {
    let mut query = QueryBuilder::<DB>::new(
        "INSERT INTO executions (id, flow_id, version, trigger, status, input, params, inbox_id, created_at, started_at, owner, lease_until, replay_of) ",
    );
    query.push_values(rows, |mut row, item| {
        let execution = &item.execution;
        row.push_bind(&execution.id)
            .push_bind(&execution.flow_id)
            .push_bind(execution.version.map(i64::from))
            .push_bind(execution.trigger.as_str())
            .push_bind(execution.status.as_str())
            // A hook's input is its request, kept once in the inbox, unless
            // the trigger added to it (the row then carries it).
            .push_bind((item.inbox.is_none() || !execution.input.is_null()).then(|| to_json(&execution.input)))
            .push_bind((!execution.params.is_empty()).then(|| to_json(&execution.params)))
            .push_bind(item.inbox.as_ref().map(|entry| &entry.id))
            .push_bind(&execution.created_at)
            .push_bind(&execution.started_at)
            .push_bind(&item.claim.owner)
            .push_bind(&item.claim.until)
            .push_bind(&execution.replay_of);
    });
    query.build().execute(&mut **tx).await?;
    Ok(())
}

async fn insert_inbox_rows(tx: &mut Transaction<'_, DB>, rows: &[InboxEntry]) -> Result<(), StoreError> {
    let mut query = QueryBuilder::<DB>::new(
        "INSERT INTO inbox (id, flow_key, flow_id, method, path, query, headers, body, received_at, status, reason, execution_id) ",
    );
    query.push_values(rows, |mut row, entry| {
        row.push_bind(&entry.id)
            .push_bind(&entry.flow_key)
            .push_bind(&entry.flow_id)
            .push_bind(&entry.request.method)
            .push_bind(&entry.request.path)
            .push_bind(&entry.request.query)
            .push_bind(to_json(&entry.request.headers))
            .push_bind(&entry.request.body)
            .push_bind(&entry.received_at)
            .push_bind(i64::from(entry.status))
            .push_bind(&entry.reason)
            .push_bind(&entry.execution_id);
    });
    query.build().execute(&mut **tx).await?;
    Ok(())
}

pub(crate) async fn upsert_step_runs(
    tx: &mut Transaction<'_, DB>,
    rows: &[(&str, u32, &StepRun)],
) -> Result<(), StoreError> {
    let mut query = QueryBuilder::<DB>::new(
        "INSERT INTO step_runs (execution_id, seq, step_id, name, component, status, input, output, error, started_at, duration_ms, branch, attempts, resumed) ",
    );
    query.push_values(rows, |mut row, (execution_id, seq, step)| {
        row.push_bind(*execution_id)
            .push_bind(i64::from(*seq))
            .push_bind(&step.step_id)
            .push_bind(&step.name)
            .push_bind(&step.component)
            .push_bind(step.status.as_str())
            .push_bind(step.input.as_ref().map(to_json))
            .push_bind(step.output.as_ref().map(to_json))
            .push_bind(&step.error)
            .push_bind(&step.started_at)
            .push_bind(step.duration_ms)
            .push_bind(step.branch)
            .push_bind((!step.attempts.is_empty()).then(|| to_json(&step.attempts)))
            .push_bind(step.resumed);
    });
    // A step run written again (a resumed execution) replaces the earlier one.
    query.push(
        " ON CONFLICT (execution_id, step_id) DO UPDATE SET
           seq = excluded.seq, status = excluded.status, input = excluded.input, output = excluded.output,
           error = excluded.error, started_at = excluded.started_at, duration_ms = excluded.duration_ms,
           branch = excluded.branch, attempts = excluded.attempts, resumed = excluded.resumed",
    );
    query.build().execute(&mut **tx).await?;
    Ok(())
}

pub(crate) async fn update_outcomes(tx: &mut Transaction<'_, DB>, rows: &[&Execution]) -> Result<(), StoreError> {
    // UPDATE … FROM (VALUES …) sets every row in one statement; the VALUES
    // columns are named column1, column2, … by SQLite.
    let mut query = QueryBuilder::<DB>::new(
        "UPDATE executions SET status = v.column2, output = v.column3, error = v.column4, failed_step = v.column5,
                reply = v.column6, started_at = v.column7, finished_at = v.column8, duration_ms = v.column9
         FROM (",
    );
    query.push_values(rows, |mut row, execution| {
        row.push_bind(&execution.id)
            .push_bind(execution.status.as_str())
            .push_bind(execution.output.as_ref().map(to_json))
            .push_bind(&execution.error)
            .push_bind(&execution.failed_step)
            .push_bind(execution.reply.as_ref().map(to_json))
            .push_bind(&execution.started_at)
            .push_bind(&execution.finished_at)
            .push_bind(execution.duration_ms);
    });
    query.push(") AS v WHERE executions.id = v.column1");
    query.build().execute(&mut **tx).await?;
    let trimmed: Vec<&str> =
        rows.iter().filter(|e| e.status != ExecutionStatus::Failed).map(|e| e.id.as_str()).collect();
    if !trimmed.is_empty() {
        truncate_logged_payloads(tx, &trimmed).await?;
    }
    Ok(())
}

/// How much of a cut value the run log keeps, as text.
const PREVIEW_CHARS: i64 = 2048;

/// Replaces each large value of `ids`' step runs and outcome with
/// `{"truncated": true, "bytes": N, "preview": "…"}`. The trigger input is
/// kept whole: a replay runs with it.
async fn truncate_logged_payloads(tx: &mut Transaction<'_, DB>, ids: &[&str]) -> Result<(), StoreError> {
    let cut = |column: &str| {
        format!(
            "{column} = CASE WHEN length({column}) > {LOGGED_PAYLOAD_LIMIT} THEN {} ELSE {column} END",
            dialect::truncated(column, PREVIEW_CHARS)
        )
    };
    for (table, key, columns) in
        [("step_runs", "execution_id", &["input", "output"][..]), ("executions", "id", &["output"][..])]
    {
        let sets: Vec<String> = columns.iter().map(|c| cut(c)).collect();
        let large: Vec<String> = columns.iter().map(|c| format!("length({c}) > {LOGGED_PAYLOAD_LIMIT}")).collect();
        let mut query = QueryBuilder::<DB>::new(format!(
            "UPDATE {table} SET {} WHERE ({}) AND {key} IN (",
            sets.join(", "),
            large.join(" OR ")
        ));
        let mut list = query.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        query.push(")");
        query.build().execute(&mut **tx).await?;
    }
    Ok(())
}

impl Db {
    /// Stores a batch of accepted webhook requests in one transaction (one
    /// fsync for the batch): for each, its execution and inbox entry, unless
    /// its idempotency key was already seen within the window.
    pub async fn accept_batch(&self, batch: &[Acceptance]) -> Result<Vec<Accepted>, StoreError> {
        let writes: Vec<Write> = batch.iter().cloned().map(Write::Accept).collect();
        Ok(self
            .write_batch(&writes)
            .await?
            .into_iter()
            .filter_map(|written| match written {
                Written::Accepted(accepted) => Some(accepted),
                _ => None,
            })
            .collect())
    }

    /// Applies a batch of journal writes in one transaction: under load the
    /// accepts, step runs and outcomes of many executions share one fsync,
    /// and rows of a kind go in as one multi-row statement (each statement
    /// is a round trip to SQLite's thread). Step runs and outcomes must
    /// belong to executions accepted in an earlier batch; within the batch a
    /// later step run of the same step replaces an earlier one; a prune
    /// batch runs last. Returns what became of each write.
    pub async fn write_batch(&self, batch: &[Write]) -> Result<Vec<Written>, StoreError> {
        let mut tx = self.write_transaction().await?;
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut executions = Vec::new();
        let mut inbox = Vec::new();
        let mut step_runs = Vec::new();
        let mut finished = Vec::new();
        // Idempotency keys of the whole batch are looked up in one statement;
        // `claimed` then holds, per (flow, key), the execution that owns it,
        // including keys first seen earlier in this batch.
        let keyed: Vec<&Acceptance> = batch
            .iter()
            .filter_map(|write| match write {
                Write::Accept(item) if item.idempotency_key.is_some() => Some(item),
                _ => None,
            })
            .collect();
        if let (Some(lock), false) = (dialect::LOCK_KEYS_1, keyed.is_empty()) {
            // Another process may accept the same key at this moment; the
            // lock makes the second wait for the first's commit, after which
            // the lookup below sees its key.
            let mut keys: Vec<String> = keyed
                .iter()
                .map(|item| {
                    format!("{}\u{1f}{}", item.execution.flow_id, item.idempotency_key.as_deref().unwrap_or(""))
                })
                .collect();
            keys.sort();
            keys.dedup();
            sqlx::query(lock).bind(serde_json::Value::from(keys).to_string()).execute(&mut *tx).await?;
        }
        let mut claimed = HashMap::new();
        for chunk in keyed.chunks(ROWS_PER_STATEMENT) {
            claimed.extend(seen_keys(&mut tx, chunk).await?);
        }
        // Ids chosen by callers that are taken: by stored executions, and
        // then by earlier accepts of this batch.
        let chosen: Vec<&str> = batch
            .iter()
            .filter_map(|write| match write {
                Write::Accept(item) if item.chosen_id => Some(item.execution.id.as_str()),
                _ => None,
            })
            .collect();
        let mut taken = HashSet::new();
        if !chosen.is_empty() {
            let ids = serde_json::Value::from(chosen).to_string();
            let existing: Vec<String> =
                sqlx::query_scalar(&format!("SELECT id FROM executions WHERE id IN ({JSON_STRINGS_1})"))
                    .bind(ids)
                    .fetch_all(&mut *tx)
                    .await?;
            taken.extend(existing);
        }
        let mut new_keys = Vec::new();
        for write in batch {
            match write {
                Write::Accept(item) if item.chosen_id && !taken.insert(item.execution.id.clone()) => {
                    let mut entry = item.inbox.clone();
                    if let Some(entry) = entry.as_mut() {
                        entry.execution_id = Some(item.execution.id.clone());
                        entry.status = 409;
                        entry.reason = Some("task_id_taken".into());
                    }
                    inbox.extend(entry);
                    outcomes.push(Written::Accepted(Accepted::IdTaken));
                }
                Write::Accept(item) => {
                    let mut entry = item.inbox.clone();
                    let outcome = match &item.idempotency_key {
                        Some(key) => {
                            let slot = (item.execution.flow_id.clone(), key.clone());
                            match claimed.get(&slot) {
                                Some((original, at)) if *at >= item.dedupe_since => {
                                    Accepted::Duplicate(original.clone())
                                }
                                _ => {
                                    claimed
                                        .insert(slot, (item.execution.id.clone(), item.execution.created_at.clone()));
                                    new_keys.push(item);
                                    Accepted::Created
                                }
                            }
                        }
                        None => Accepted::Created,
                    };
                    match &outcome {
                        Accepted::Created => {
                            executions.push(item);
                            if let Some(entry) = entry.as_mut() {
                                entry.execution_id = Some(item.execution.id.clone());
                            }
                        }
                        Accepted::Duplicate(original) => {
                            if let Some(entry) = entry.as_mut() {
                                entry.execution_id = Some(original.clone());
                                entry.status = 200;
                            }
                        }
                        // Decided before keys are looked at (the arm above).
                        Accepted::IdTaken => {}
                    }
                    inbox.extend(entry);
                    outcomes.push(Written::Accepted(outcome));
                }
                Write::StepRun { execution_id, seq, run } => {
                    step_runs.push((execution_id.as_str(), *seq, run));
                    outcomes.push(Written::Stored);
                }
                Write::Finish(execution) => {
                    finished.push(execution);
                    outcomes.push(Written::Stored);
                }
                // Filled in once the rows above are written.
                Write::Prune(_) => outcomes.push(Written::Pruned(Pruned::default())),
            }
        }
        for chunk in new_keys.chunks(ROWS_PER_STATEMENT) {
            claim_keys(&mut tx, chunk).await?;
        }
        for chunk in executions.chunks(ROWS_PER_STATEMENT) {
            insert_executions(&mut tx, chunk).await?;
        }
        for chunk in inbox.chunks(ROWS_PER_STATEMENT) {
            insert_inbox_rows(&mut tx, chunk).await?;
        }
        for chunk in step_runs.chunks(ROWS_PER_STATEMENT) {
            upsert_step_runs(&mut tx, chunk).await?;
        }
        for chunk in finished.chunks(ROWS_PER_STATEMENT) {
            update_outcomes(&mut tx, chunk).await?;
        }
        let shared = batch.iter().any(|write| !matches!(write, Write::Prune(_)));
        for (write, outcome) in batch.iter().zip(outcomes.iter_mut()) {
            if let Write::Prune(prune) = write {
                *outcome = Written::Pruned(Pruned { shared, ..retention::prune(&mut tx, prune).await? });
            }
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    /// Keeps a rejected request in the inbox. Of those that named no flow,
    /// only the newest `keep_unknown` stay.
    pub async fn record_rejection(&self, entry: &InboxEntry, keep_unknown: u32) -> Result<(), StoreError> {
        let mut tx = self.write_transaction().await?;
        insert_inbox_rows(&mut tx, std::slice::from_ref(entry)).await?;
        if entry.flow_id.is_none() {
            Db::bound_unknown_rejections(&mut tx, keep_unknown).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Inbox entries of a flow (by id, or by the key requests used when they
    /// named no existing flow), newest first.
    pub async fn list_inbox(
        &self,
        flow_id: Option<&str>,
        key: &str,
        limit: u32,
    ) -> Result<Vec<InboxEntry>, StoreError> {
        let rows: Vec<InboxRow> = sqlx::query_as(
            "SELECT * FROM inbox WHERE flow_id = $1 OR (flow_id IS NULL AND flow_key = $2)
             ORDER BY received_at DESC, id DESC LIMIT $3",
        )
        .bind(flow_id)
        .bind(key)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await?;
        rows.into_iter().map(InboxRow::into_model).collect()
    }

    /// One inbox entry with its raw body.
    pub async fn get_inbox(&self, id: &str) -> Result<Option<InboxEntry>, StoreError> {
        let row: Option<InboxRow> =
            sqlx::query_as("SELECT * FROM inbox WHERE id = $1").bind(id).fetch_optional(&self.reader).await?;
        row.map(InboxRow::into_model).transpose()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use hookline_model::{ExecutionStatus, TriggerSource};
    use serde_json::json;

    use super::super::flows::tests::document;
    use super::*;
    use crate::Claim;

    pub(crate) fn acceptance(id: &str, key: Option<&str>) -> Acceptance {
        let execution = Execution {
            id: id.into(),
            flow_id: "flw_a".into(),
            version: Some(1),
            trigger: TriggerSource::Webhook,
            status: ExecutionStatus::Queued,
            input: json!({}),
            params: Default::default(),
            output: None,
            error: None,
            failed_step: None,
            reply: None,
            created_at: "2026-01-02T00:00:00.000Z".into(),
            started_at: None,
            finished_at: None,
            duration_ms: None,
            steps: vec![],
            replay_of: None,
        };
        let inbox = InboxEntry {
            id: format!("inb_{id}"),
            flow_key: "a".into(),
            flow_id: Some("flw_a".into()),
            request: HookRequest {
                method: "POST".into(),
                path: "/hook/a".into(),
                query: None,
                headers: BTreeMap::from([("authorization".to_string(), "Bearer s3cret".to_string())]),
                body: vec![0, 159, 146, 150],
            },
            received_at: "2026-01-02T00:00:00.000Z".into(),
            status: 202,
            reason: None,
            execution_id: None,
        };
        Acceptance {
            execution,
            inbox: Some(inbox),
            idempotency_key: key.map(str::to_string),
            dedupe_since: "2026-01-01T00:00:00.000Z".into(),
            claim: Claim { owner: "test".into(), until: "2026-01-02T00:00:30.000Z".into() },
            chosen_id: false,
        }
    }

    #[tokio::test]
    async fn a_batch_stores_executions_and_raw_inbox_bodies_and_dedupes_keys() {
        let (_dir, store) = super::super::test_db().await;
        store.save_draft(&document("flw_a", Some("a")), Some("a"), "2026-01-01T00:00:00.000Z").await.unwrap();
        let outcomes = store
            .accept_batch(&[
                acceptance("exe_1", Some("k1")),
                acceptance("exe_2", Some("k1")),
                acceptance("exe_3", None),
            ])
            .await
            .unwrap();
        assert_eq!(outcomes, [Accepted::Created, Accepted::Duplicate("exe_1".into()), Accepted::Created]);
        assert!(store.get_execution("exe_2").await.unwrap().is_none(), "a duplicate starts nothing");

        let inbox = store.list_inbox(Some("flw_a"), "a", 10).await.unwrap();
        assert_eq!(inbox.len(), 3, "duplicates are kept in the inbox too");
        let entry = store.get_inbox("inb_exe_2").await.unwrap().unwrap();
        assert_eq!(entry.request.body, vec![0, 159, 146, 150], "the raw bytes are kept exactly");
        assert_eq!(entry.execution_id.as_deref(), Some("exe_1"), "a duplicate points at the original");
        assert_eq!(entry.masked_headers()["authorization"], "••••••");

        let mut late = acceptance("exe_4", Some("k1"));
        late.dedupe_since = "2026-01-03T00:00:00.000Z".into();
        assert_eq!(store.accept_batch(&[late]).await.unwrap(), [Accepted::Created], "an expired key starts a new run");
    }

    #[tokio::test]
    async fn an_id_a_caller_chose_is_refused_when_taken_without_failing_the_batch() {
        let (_dir, store) = super::super::test_db().await;
        store.save_draft(&document("flw_a", Some("a")), Some("a"), "2026-01-01T00:00:00.000Z").await.unwrap();
        let chosen = |id: &str, inbox: &str| {
            let mut item = acceptance(id, None);
            item.chosen_id = true;
            item.inbox.as_mut().unwrap().id = inbox.into();
            item
        };
        let first = store.accept_batch(&[chosen("task-1", "inb_1")]).await.unwrap();
        assert_eq!(first, [Accepted::Created]);
        let outcomes = store
            .accept_batch(&[chosen("task-1", "inb_2"), chosen("task-2", "inb_3"), chosen("task-2", "inb_4")])
            .await
            .unwrap();
        assert_eq!(
            outcomes,
            [Accepted::IdTaken, Accepted::Created, Accepted::IdTaken],
            "stored, then within the batch"
        );
        let refused = store.get_inbox("inb_2").await.unwrap().unwrap();
        assert_eq!((refused.status, refused.reason.as_deref()), (409, Some("task_id_taken")));
        assert_eq!(refused.execution_id.as_deref(), Some("task-1"), "it names the run that has the id");
        assert!(store.get_execution("task-2").await.unwrap().is_some());
    }

    #[tokio::test]
    async fn a_journal_batch_applies_accepts_step_runs_and_outcomes_in_order() {
        let (_dir, store) = super::super::test_db().await;
        store.save_draft(&document("flw_a", Some("a")), Some("a"), "2026-01-01T00:00:00.000Z").await.unwrap();
        let accepted = acceptance("exe_1", None);
        let run = StepRun {
            step_id: "stp_hook".into(),
            name: "Hook".into(),
            component: "webhook".into(),
            status: hookline_model::StepStatus::Succeeded,
            input: None,
            output: Some(json!({"body": 1})),
            error: None,
            started_at: Some("2026-01-02T00:00:00.001Z".into()),
            duration_ms: Some(0),
            branch: None,
            attempts: vec![],
            resumed: false,
        };
        let mut finished = accepted.execution.clone();
        finished.status = ExecutionStatus::Succeeded;
        finished.output = Some(json!({"body": 1}));
        finished.finished_at = Some("2026-01-02T00:00:00.002Z".into());
        let outcomes = store
            .write_batch(&[
                Write::Accept(accepted),
                Write::StepRun { execution_id: "exe_1".into(), seq: 0, run },
                Write::Finish(finished),
            ])
            .await
            .unwrap();
        assert_eq!(outcomes, [Written::Accepted(Accepted::Created), Written::Stored, Written::Stored]);
        let stored = store.get_execution("exe_1").await.unwrap().expect("the accept was committed").execution;
        assert_eq!(stored.status, ExecutionStatus::Succeeded, "the outcome written after the accept applies");
        assert_eq!(stored.steps.len(), 1, "the step run is stored with its execution");
        assert_eq!(stored.steps[0].output, Some(json!({"body": 1})));
    }
}
