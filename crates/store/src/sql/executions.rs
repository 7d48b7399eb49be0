use std::collections::BTreeMap;

use hookline_model::{Execution, ExecutionStatus, ExecutionSummary, HookRequest, StepRun, StepStatus, TriggerSource};
use sqlx::{FromRow, QueryBuilder};

use super::{dialect, Db, DB};
use crate::types::DEFAULT_LIMIT;
use crate::{from_json, ActivityCount, ExecutionFilter, StoreError, StoredExecution, MAX_PAGE};

#[derive(FromRow)]
struct ExecutionRow {
    id: String,
    flow_id: String,
    version: Option<i64>,
    trigger: String,
    status: String,
    input: Option<String>,
    params: Option<String>,
    output: Option<String>,
    error: Option<String>,
    failed_step: Option<String>,
    reply: Option<String>,
    created_at: String,
    started_at: Option<String>,
    finished_at: Option<String>,
    duration_ms: Option<i64>,
    replay_of: Option<String>,
    // The request kept in the inbox, when a hook started the execution.
    request_method: Option<String>,
    request_path: Option<String>,
    request_query: Option<String>,
    request_headers: Option<String>,
    request_body: Option<Vec<u8>>,
}

/// A run log row: id, flow, version, trigger, status, error, created, duration, replay of.
type SummaryRow = (String, String, Option<i64>, String, String, Option<String>, String, Option<i64>, Option<String>);

#[derive(FromRow)]
struct StepRunRow {
    step_id: String,
    name: String,
    component: String,
    status: String,
    input: Option<String>,
    output: Option<String>,
    error: Option<String>,
    started_at: Option<String>,
    duration_ms: Option<i64>,
    branch: Option<bool>,
    attempts: Option<String>,
    resumed: bool,
}

fn status(text: &str) -> Result<ExecutionStatus, StoreError> {
    ExecutionStatus::parse(text).ok_or_else(|| StoreError::Corrupt(format!("executions.status: {text:?}")))
}

fn trigger(text: &str) -> Result<TriggerSource, StoreError> {
    TriggerSource::parse(text).ok_or_else(|| StoreError::Corrupt(format!("executions.trigger: {text:?}")))
}

fn optional_json<T: serde::de::DeserializeOwned>(column: &str, text: Option<String>) -> Result<Option<T>, StoreError> {
    text.map(|t| from_json(column, &t)).transpose()
}

impl StepRunRow {
    fn into_model(self) -> Result<StepRun, StoreError> {
        Ok(StepRun {
            status: StepStatus::parse(&self.status)
                .ok_or_else(|| StoreError::Corrupt(format!("step_runs.status: {:?}", self.status)))?,
            input: optional_json("step_runs.input", self.input)?,
            output: optional_json("step_runs.output", self.output)?,
            step_id: self.step_id,
            name: self.name,
            component: self.component,
            error: self.error,
            started_at: self.started_at,
            duration_ms: self.duration_ms,
            branch: self.branch,
            attempts: optional_json("step_runs.attempts", self.attempts)?.unwrap_or_default(),
            resumed: self.resumed,
        })
    }
}

impl Db {
    /// Renews until `until` the claims of `owner`'s unfinished executions
    /// that still hold at `now`; returns how many it holds. A claim that
    /// ended (given up, left for the workers, or lapsed) is not taken back
    /// here: another process may have it, and if none does, the next
    /// claim of expired executions gives it to whoever runs it.
    pub async fn renew_claims(&self, owner: &str, until: &str, now: &str) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE executions SET lease_until = $1
             WHERE owner = $2 AND status IN ('queued', 'running') AND lease_until >= $3",
        )
        .bind(until)
        .bind(owner)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected())
    }

    /// The owners holding claims on unfinished executions that have not
    /// expired by `now`.
    pub async fn claim_owners(&self, now: &str) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT owner FROM executions
             WHERE status IN ('queued', 'running') AND owner IS NOT NULL AND lease_until >= $1",
        )
        .bind(now)
        .fetch_all(&self.reader)
        .await?)
    }

    /// Ends `owner`'s claims at once (a process known to be gone), so
    /// [`Store::claim_expired`] can take its executions over.
    pub async fn release_claims(&self, owner: &str) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE executions SET lease_until = NULL WHERE owner = $1 AND status IN ('queued', 'running')",
        )
        .bind(owner)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected())
    }

    /// Ends `owner`'s claim on one unfinished execution, so the next claim
    /// (of any process, this one included) takes it: its run could not be
    /// recorded to the end. Returns whether a claim was ended.
    pub async fn release_claim(&self, id: &str, owner: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE executions SET lease_until = NULL
             WHERE id = $1 AND owner = $2 AND status IN ('queued', 'running')",
        )
        .bind(id)
        .bind(owner)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Claims for `owner` (until `until`) at most `limit` of the unfinished
    /// executions whose claim expired before `now`, oldest first: those of a
    /// process that stopped or was killed, and those an intake-only process
    /// queued for workers. One statement, so two claimers never take the
    /// same execution: SQLite has one writer, and on PostgreSQL each row is
    /// locked as it is chosen, other claimers skip it, and a row claimed
    /// meanwhile no longer matches. Returns their ids, oldest first.
    pub async fn claim_expired(
        &self,
        owner: &str,
        now: &str,
        until: &str,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        let mut ids: Vec<(String, String)> = sqlx::query_as(&format!(
            "UPDATE executions SET owner = $1, lease_until = $2
             WHERE id IN (SELECT id FROM executions
                          WHERE status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < $3)
                          ORDER BY created_at, id LIMIT $4 {})
             RETURNING id, created_at",
            dialect::SKIP_LOCKED
        ))
        .bind(owner)
        .bind(until)
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.writer)
        .await?;
        ids.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
        Ok(ids.into_iter().map(|(id, _)| id).collect())
    }

    /// One execution with its step runs in the order they ran.
    pub async fn get_execution(&self, id: &str) -> Result<Option<StoredExecution>, StoreError> {
        let row: Option<ExecutionRow> = sqlx::query_as(
            "SELECT e.*, i.method AS request_method, i.path AS request_path, i.query AS request_query,
                    i.headers AS request_headers, i.body AS request_body
             FROM executions e LEFT JOIN inbox i ON i.id = e.inbox_id WHERE e.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let steps: Vec<StepRunRow> = sqlx::query_as(
            "SELECT step_id, name, component, status, input, output, error, started_at, duration_ms, branch,
                    attempts, resumed
             FROM step_runs WHERE execution_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.reader)
        .await?;
        let request = match (row.request_method, row.request_path, row.request_headers, row.request_body) {
            (Some(method), Some(path), Some(headers), Some(body)) => Some(HookRequest {
                method,
                path,
                query: row.request_query,
                headers: from_json::<BTreeMap<String, String>>("inbox.headers", &headers)?,
                body,
            }),
            _ => None,
        };
        let execution = Execution {
            status: status(&row.status)?,
            trigger: trigger(&row.trigger)?,
            input: optional_json("executions.input", row.input)?.unwrap_or(serde_json::Value::Null),
            params: optional_json("executions.params", row.params)?.unwrap_or_default(),
            output: optional_json("executions.output", row.output)?,
            reply: optional_json("executions.reply", row.reply)?,
            steps: steps.into_iter().map(StepRunRow::into_model).collect::<Result<_, _>>()?,
            id: row.id,
            flow_id: row.flow_id,
            version: row.version.map(|v| v as u32),
            error: row.error,
            failed_step: row.failed_step,
            created_at: row.created_at,
            started_at: row.started_at,
            finished_at: row.finished_at,
            duration_ms: row.duration_ms,
            replay_of: row.replay_of,
        };
        Ok(Some(StoredExecution { execution, request }))
    }

    /// When an execution was created, to page on from it.
    pub async fn execution_created_at(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT created_at FROM executions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.reader)
            .await?)
    }

    /// Executions matching `filter`, newest first.
    pub async fn list_executions(&self, filter: &ExecutionFilter) -> Result<Vec<ExecutionSummary>, StoreError> {
        let mut query: QueryBuilder<DB> = QueryBuilder::new(
            "SELECT id, flow_id, version, trigger, status, error, created_at, duration_ms, replay_of FROM executions WHERE 1 = 1",
        );
        if let Some(flow_id) = &filter.flow_id {
            query.push(" AND flow_id = ").push_bind(flow_id);
        }
        if let Some(status) = filter.status {
            query.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(trigger) = filter.trigger {
            query.push(" AND trigger = ").push_bind(trigger.as_str());
        }
        if let Some(since) = &filter.since {
            query.push(" AND created_at >= ").push_bind(since);
        }
        if let Some(until) = &filter.until {
            query.push(" AND created_at < ").push_bind(until);
        }
        if let Some(search) = filter.search.as_deref().filter(|s| !s.is_empty()) {
            // The beginning of an id (or of a Cells TaskID), with or without
            // `exe_`: two ranges of the primary key, so a search stays an
            // index lookup at a million executions, where a substring match
            // would read them all.
            let mut ranges = query.separated(" OR ");
            ranges.push_unseparated(" AND (");
            for prefix in [search.to_string(), format!("exe_{search}")] {
                let end = format!("{prefix}\u{10FFFF}");
                ranges
                    .push("(id >= ")
                    .push_bind_unseparated(prefix)
                    .push_unseparated(" AND id < ")
                    .push_bind_unseparated(end)
                    .push_unseparated(")");
            }
            ranges.push_unseparated(")");
        }
        // Keyset paging: stable while new executions arrive, and as quick on
        // the thousandth page as on the first (the time index serves both).
        if let Some((created_at, id)) = &filter.before {
            // Written so the range `created_at <= ?` can use the index.
            query.push(" AND created_at <= ").push_bind(created_at);
            query.push(" AND (created_at < ").push_bind(created_at).push(" OR id < ").push_bind(id).push(")");
        }
        let limit = filter.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_PAGE);
        query.push(" ORDER BY created_at DESC, id DESC LIMIT ").push_bind(i64::from(limit));
        let rows: Vec<SummaryRow> = query.build_query_as().fetch_all(&self.reader).await?;
        rows.into_iter()
            .map(|(id, flow_id, version, trig, stat, error, created_at, duration_ms, replay_of)| {
                Ok(ExecutionSummary {
                    id,
                    flow_id,
                    version: version.map(|v| v as u32),
                    trigger: trigger(&trig)?,
                    status: status(&stat)?,
                    error,
                    created_at,
                    duration_ms,
                    replay_of,
                })
            })
            .collect()
    }
}

impl Db {
    /// Executions per flow created at or after `since`.
    pub async fn activity_since(&self, since: &str) -> Result<Vec<ActivityCount>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT flow_id, '' AS period, COUNT(*) AS runs, COUNT(*) FILTER (WHERE status = 'failed') AS failed \
             FROM executions WHERE created_at >= $1 GROUP BY flow_id",
        )
        .bind(since)
        .fetch_all(&self.reader)
        .await?)
    }

    /// Executions per flow and UTC hour created at or after `since`: the
    /// hour is the first 13 characters of the stored timestamp, so the time
    /// index serves the range and no date arithmetic runs per row.
    pub async fn activity_by_hour(&self, since: &str) -> Result<Vec<ActivityCount>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT flow_id, substr(created_at, 1, 13) AS period, COUNT(*) AS runs, \
             COUNT(*) FILTER (WHERE status = 'failed') AS failed \
             FROM executions WHERE created_at >= $1 GROUP BY flow_id, period",
        )
        .bind(since)
        .fetch_all(&self.reader)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use hookline_model::Attempt;
    use serde_json::json;

    use super::super::flows::tests::document;
    use super::*;
    use crate::{Acceptance, Claim, Write};

    /// Stores a new execution the way the journal does.
    async fn create(store: &Db, execution: &Execution) {
        store.write_batch(&[Write::Accept(accept(execution, "test", "2026-01-01T00:01:00.000Z"))]).await.unwrap();
    }

    fn accept(execution: &Execution, owner: &str, until: &str) -> Acceptance {
        Acceptance {
            execution: execution.clone(),
            inbox: None,
            idempotency_key: None,
            dedupe_since: String::new(),
            claim: Claim { owner: owner.into(), until: until.into() },
            chosen_id: false,
        }
    }

    async fn finish(store: &Db, execution: &Execution) {
        store.write_batch(&[Write::Finish(execution.clone())]).await.unwrap();
    }

    async fn step_run(store: &Db, execution_id: &str, seq: u32, run: StepRun) {
        store.write_batch(&[Write::StepRun { execution_id: execution_id.into(), seq, run }]).await.unwrap();
    }

    fn execution(id: &str, created_at: &str) -> Execution {
        Execution {
            id: id.into(),
            flow_id: "flw_a".into(),
            version: Some(1),
            trigger: TriggerSource::Manual,
            status: ExecutionStatus::Running,
            input: json!({"body": {"petname": "Gromit"}}),
            params: Default::default(),
            output: None,
            error: None,
            failed_step: None,
            reply: None,
            created_at: created_at.into(),
            started_at: Some(created_at.into()),
            finished_at: None,
            duration_ms: None,
            steps: vec![],
            replay_of: None,
        }
    }

    async fn store() -> (super::super::TestGuard, Db) {
        let (dir, store) = super::super::test_db().await;
        store.save_draft(&document("flw_a", None), None, "2026-01-01T00:00:00.000Z").await.unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn an_execution_reads_back_with_its_steps_in_order() {
        let (_dir, store) = store().await;
        let mut exe = execution("exe_1", "2026-01-01T00:00:01.000Z");
        create(&store, &exe).await;
        let step = |id: &str, status| StepRun {
            step_id: id.into(),
            name: id.into(),
            component: "transform".into(),
            status,
            input: Some(json!({"value": 1})),
            output: Some(json!(1)),
            error: None,
            started_at: Some("2026-01-01T00:00:01.000Z".into()),
            duration_ms: Some(3),
            branch: None,
            attempts: vec![],
            resumed: false,
        };
        let mut retried = step("stp_b", StepStatus::Succeeded);
        retried.resumed = true;
        retried.attempts = vec![
            Attempt {
                started_at: "2026-01-01T00:00:01.000Z".into(),
                duration_ms: 2,
                error: Some("503".into()),
                waited_ms: Some(10),
            },
            Attempt { started_at: "2026-01-01T00:00:01.012Z".into(), duration_ms: 1, error: None, waited_ms: None },
        ];
        step_run(&store, "exe_1", 0, retried.clone()).await;
        step_run(&store, "exe_1", 1, step("stp_a", StepStatus::Skipped)).await;

        exe.status = ExecutionStatus::Failed;
        exe.error = Some("boom".into());
        exe.failed_step = Some("stp_b".into());
        exe.output = Some(json!({"x": [1, 2]}));
        exe.finished_at = Some("2026-01-01T00:00:02.000Z".into());
        exe.duration_ms = Some(1000);
        finish(&store, &exe).await;

        let read = store.get_execution("exe_1").await.unwrap().expect("recorded").execution;
        assert_eq!(
            read.steps.iter().map(|s| s.step_id.as_str()).collect::<Vec<_>>(),
            ["stp_b", "stp_a"],
            "ordered by seq"
        );
        assert_eq!(read.steps[0].output, Some(json!(1)));
        assert_eq!(read.steps[1].status, StepStatus::Skipped);
        assert_eq!(read.steps[0], retried, "attempts and the resumed mark are kept");
        exe.steps = read.steps.clone();
        assert_eq!(read, exe, "every field round-trips");
        assert!(store.get_execution("exe_missing").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn the_run_log_filters_by_trigger_time_and_id_and_pages_without_gaps_or_repeats() {
        let (_dir, store) = store().await;
        // Seven executions; two share a timestamp, so paging must order by id too.
        let times = ["00:00:01", "00:00:02", "00:00:03", "00:00:03", "00:00:04", "00:00:05", "00:00:06"];
        for (i, time) in times.iter().enumerate() {
            let mut exe = execution(&format!("exe_{i}"), &format!("2026-01-01T{time}.000Z"));
            if i % 2 == 1 {
                exe.trigger = TriggerSource::Webhook;
            }
            create(&store, &exe).await;
        }
        let ids = |list: Vec<ExecutionSummary>| list.into_iter().map(|e| e.id).collect::<Vec<_>>();

        let webhooks = ExecutionFilter { trigger: Some(TriggerSource::Webhook), ..Default::default() };
        assert_eq!(ids(store.list_executions(&webhooks).await.unwrap()), ["exe_5", "exe_3", "exe_1"]);
        let window = ExecutionFilter {
            since: Some("2026-01-01T00:00:03.000Z".into()),
            until: Some("2026-01-01T00:00:05.000Z".into()),
            ..Default::default()
        };
        assert_eq!(ids(store.list_executions(&window).await.unwrap()), ["exe_4", "exe_3", "exe_2"]);
        let search = |text: &str| ExecutionFilter { search: Some(text.into()), ..Default::default() };
        assert_eq!(ids(store.list_executions(&search("exe_6")).await.unwrap()), ["exe_6"], "a whole id");
        assert_eq!(ids(store.list_executions(&search("6")).await.unwrap()), ["exe_6"], "its beginning, without exe_");
        let every = store.list_executions(&ExecutionFilter::default()).await.unwrap().len();
        assert_eq!(store.list_executions(&search("ex")).await.unwrap().len(), every, "its beginning, with exe_");
        assert!(store.list_executions(&search("%")).await.unwrap().is_empty(), "% is a character, not a pattern");
        assert!(store.list_executions(&search("xe_6")).await.unwrap().is_empty(), "the middle of an id is no match");

        let mut pages = vec![];
        let mut filter = ExecutionFilter { limit: Some(2), ..Default::default() };
        loop {
            let page = store.list_executions(&filter).await.unwrap();
            let Some(last) = page.last() else { break };
            let created_at = store.execution_created_at(&last.id).await.unwrap().unwrap();
            filter.before = Some((created_at, last.id.clone()));
            pages.push(ids(page));
        }
        assert_eq!(pages, [vec!["exe_6", "exe_5"], vec!["exe_4", "exe_3"], vec!["exe_2", "exe_1"], vec!["exe_0"]]);
        assert_eq!(store.execution_created_at("exe_gone").await.unwrap(), None);
    }

    #[tokio::test]
    async fn executions_are_listed_newest_first_and_filtered() {
        let (_dir, store) = store().await;
        store.save_draft(&document("flw_b", None), None, "2026-01-01T00:00:00.000Z").await.unwrap();
        for (i, flow) in ["flw_a", "flw_b", "flw_a"].iter().enumerate() {
            let mut exe = execution(&format!("exe_{i}"), &format!("2026-01-01T00:00:0{i}.000Z"));
            exe.flow_id = flow.to_string();
            create(&store, &exe).await;
        }
        let mut done = execution("exe_0", "2026-01-01T00:00:00.000Z");
        done.status = ExecutionStatus::Succeeded;
        finish(&store, &done).await;

        let all = store.list_executions(&ExecutionFilter::default()).await.unwrap();
        assert_eq!(all.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["exe_2", "exe_1", "exe_0"]);
        let only_a = store
            .list_executions(&ExecutionFilter { flow_id: Some("flw_a".into()), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(only_a.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["exe_2", "exe_0"]);
        let succeeded = ExecutionFilter { status: Some(ExecutionStatus::Succeeded), ..Default::default() };
        assert_eq!(store.list_executions(&succeeded).await.unwrap().len(), 1);
        let limited = ExecutionFilter { limit: Some(1), ..Default::default() };
        assert_eq!(store.list_executions(&limited).await.unwrap().len(), 1);
        assert_eq!(
            store.list_flows().await.unwrap().iter().find(|f| f.id == "flw_a").unwrap().last_execution,
            Some(ExecutionStatus::Running),
            "the flows list shows the newest execution's status"
        );
    }

    #[tokio::test]
    async fn concurrent_claimers_take_each_queued_execution_once_and_at_most_their_limit() {
        let (_dir, store) = store().await;
        let queued: Vec<Execution> =
            (0..60).map(|n| execution(&format!("exe_{n:02}"), &format!("2026-01-01T00:00:{n:02}.000Z"))).collect();
        // Queued by an intake-only process: its claim is already over.
        let writes: Vec<Write> =
            queued.iter().map(|e| Write::Accept(accept(e, "intake", "2026-01-01T00:00:00.000Z"))).collect();
        store.write_batch(&writes).await.unwrap();
        let now = "2026-01-01T00:01:00.000Z";
        let first = store.claim_expired("w0", now, "2026-01-01T00:02:00.000Z", 5).await.unwrap();
        assert_eq!(first, ["exe_00", "exe_01", "exe_02", "exe_03", "exe_04"], "oldest first, no more than asked");
        let claimers: Vec<_> = (1..=4)
            .map(|w| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    loop {
                        let taken =
                            store.claim_expired(&format!("w{w}"), now, "2026-01-01T00:02:00.000Z", 3).await.unwrap();
                        if taken.is_empty() {
                            return mine;
                        }
                        assert!(taken.len() <= 3);
                        mine.extend(taken);
                    }
                })
            })
            .collect();
        let mut all = first;
        for claimer in claimers {
            all.extend(claimer.await.unwrap());
        }
        all.sort();
        let expected: Vec<String> = queued.iter().map(|e| e.id.clone()).collect();
        assert_eq!(all, expected, "every execution claimed by exactly one worker");
    }

    #[tokio::test]
    async fn only_expired_claims_are_taken_and_each_by_one_owner() {
        let (_dir, store) = store().await;
        let live = execution("exe_live", "2026-01-01T00:00:01.000Z");
        let dead = execution("exe_dead", "2026-01-01T00:00:02.000Z");
        store
            .write_batch(&[
                Write::Accept(accept(&live, "alive", "2026-01-01T00:01:00.000Z")),
                Write::Accept(accept(&dead, "killed", "2026-01-01T00:00:30.000Z")),
            ])
            .await
            .unwrap();
        let now = "2026-01-01T00:00:40.000Z";
        let taken = store.claim_expired("rescuer", now, "2026-01-01T00:01:10.000Z", 100).await.unwrap();
        assert_eq!(taken, ["exe_dead"], "only the execution whose claim expired is taken");
        assert!(
            store.claim_expired("other", now, "2026-01-01T00:01:10.000Z", 100).await.unwrap().is_empty(),
            "a claimed execution is not taken twice"
        );
        assert_eq!(store.renew_claims("alive", "2026-01-01T00:02:00.000Z", now).await.unwrap(), 1, "the owner renews");
        let later = "2026-01-01T00:01:30.000Z";
        assert!(
            store.claim_expired("other", later, "2026-01-01T00:03:00.000Z", 100).await.unwrap() == ["exe_dead"],
            "the renewed claim holds while the rescuer's expired"
        );
        assert_eq!(store.claim_owners(later).await.unwrap().len(), 2, "both claims hold: {later}");
        assert_eq!(store.release_claims("alive").await.unwrap(), 1, "a gone owner's claims are released");
        assert_eq!(
            store.claim_expired("other", later, "2026-01-01T00:03:00.000Z", 100).await.unwrap(),
            ["exe_live"],
            "and taken over at once"
        );
        let mut done = live.clone();
        done.status = ExecutionStatus::Succeeded;
        finish(&store, &done).await;
        assert!(
            store.claim_expired("other", "2026-01-01T00:09:00.000Z", "2026-01-01T00:10:00.000Z", 100).await.unwrap()
                == ["exe_dead"],
            "finished executions are never claimed"
        );
    }

    #[tokio::test]
    async fn activity_counts_runs_and_failures_per_flow_and_hour() {
        let (_dir, store) = store().await;
        for (n, at, status) in [
            (1, "2026-12-04T08:10:00.000Z", ExecutionStatus::Succeeded),
            (2, "2026-12-04T08:50:00.000Z", ExecutionStatus::Failed),
            (3, "2026-12-04T09:05:00.000Z", ExecutionStatus::Failed),
            (4, "2026-12-03T23:59:00.000Z", ExecutionStatus::Succeeded),
        ] {
            let mut execution = execution(&format!("exe_{n}"), at);
            create(&store, &execution).await;
            execution.status = status;
            finish(&store, &execution).await;
        }
        let hours = store.activity_by_hour("2026-12-04T00:00:00.000Z").await.unwrap();
        let row = |period: &str| hours.iter().find(|r| r.period == period).map(|r| (r.runs, r.failed));
        assert_eq!(row("2026-12-04T08"), Some((2, 1)));
        assert_eq!(row("2026-12-04T09"), Some((1, 1)));
        assert_eq!(hours.len(), 2, "the day before is outside the range");
        let today = store.activity_since("2026-12-04T00:00:00.000Z").await.unwrap();
        assert_eq!(today, vec![ActivityCount { flow_id: "flw_a".into(), period: String::new(), runs: 3, failed: 2 }]);
    }

    #[tokio::test]
    async fn large_payloads_are_cut_in_the_log_of_a_run_that_did_not_fail() {
        let (_dir, store) = store().await;
        let big = json!({"blob": "x".repeat(300 * 1024)});
        for (id, status) in [("exe_ok", ExecutionStatus::Succeeded), ("exe_bad", ExecutionStatus::Failed)] {
            let mut exe = execution(id, "2026-01-01T00:00:01.000Z");
            exe.input = big.clone();
            create(&store, &exe).await;
            let run = StepRun {
                step_id: "stp_a".into(),
                name: "A".into(),
                component: "transform".into(),
                status: StepStatus::Succeeded,
                input: Some(json!({"small": true})),
                output: Some(big.clone()),
                error: None,
                started_at: None,
                duration_ms: Some(1),
                branch: None,
                attempts: vec![],
                resumed: false,
            };
            step_run(&store, id, 0, run).await;
            exe.status = status;
            exe.output = Some(big.clone());
            finish(&store, &exe).await;
        }
        let ok = store.get_execution("exe_ok").await.unwrap().unwrap().execution;
        let cut = ok.steps[0].output.as_ref().unwrap();
        assert_eq!(cut["truncated"], true);
        assert_eq!(cut["bytes"], big.to_string().len());
        assert!(cut["preview"].as_str().unwrap().starts_with(r#"{"blob":"xxx"#), "{}", &cut["preview"]);
        assert_eq!(ok.output.as_ref().unwrap()["truncated"], true);
        assert_eq!(ok.steps[0].input, Some(json!({"small": true})), "small values stay");
        assert_eq!(ok.input, big, "the trigger input stays whole: a replay runs with it");
        let bad = store.get_execution("exe_bad").await.unwrap().unwrap().execution;
        assert_eq!(bad.steps[0].output.as_ref(), Some(&big), "a failed run keeps everything");
        assert_eq!(bad.output.as_ref(), Some(&big));
    }
}
