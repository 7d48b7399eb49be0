use hookline_model::{Execution, ExecutionStatus, ExecutionSummary, StepRun, StepStatus, TriggerSource};
use sqlx::{FromRow, QueryBuilder, Sqlite};

use crate::inbox::{update_outcomes, upsert_step_runs};
use crate::{from_json, to_json, Store, StoreError};

/// Which executions to list. Newest first, at most `limit`.
#[derive(Debug, Clone, Default)]
pub struct ExecutionFilter {
    pub flow_id: Option<String>,
    pub status: Option<ExecutionStatus>,
    pub limit: Option<u32>,
}

const DEFAULT_LIMIT: u32 = 100;

#[derive(FromRow)]
struct ExecutionRow {
    id: String,
    flow_id: String,
    version: Option<i64>,
    trigger: String,
    status: String,
    input: String,
    output: Option<String>,
    error: Option<String>,
    failed_step: Option<String>,
    reply: Option<String>,
    created_at: String,
    started_at: Option<String>,
    finished_at: Option<String>,
    duration_ms: Option<i64>,
}

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
        })
    }
}

impl Store {
    /// Records a new execution (its steps are recorded as they finish).
    pub async fn create_execution(&self, execution: &Execution) -> Result<(), StoreError> {
        self.create_executions(std::slice::from_ref(execution)).await
    }

    /// Records several new executions in one transaction.
    pub async fn create_executions(&self, executions: &[Execution]) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        for execution in executions {
            Self::insert_execution(&mut tx, execution).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn insert_execution(
        tx: &mut sqlx::Transaction<'_, Sqlite>,
        execution: &Execution,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO executions (id, flow_id, version, trigger, status, input, created_at, started_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&execution.id)
        .bind(&execution.flow_id)
        .bind(execution.version.map(i64::from))
        .bind(execution.trigger.as_str())
        .bind(execution.status.as_str())
        .bind(to_json(&execution.input))
        .bind(&execution.created_at)
        .bind(&execution.started_at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Ids of executions that were accepted but did not finish (queued or
    /// running when the process stopped), oldest first.
    pub async fn unfinished_executions(&self) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM executions WHERE status IN ('queued', 'running') ORDER BY created_at, id",
        )
        .fetch_all(&self.reader)
        .await?)
    }

    /// Records one step's run as the `seq`-th of its execution.
    pub async fn record_step_run(&self, execution_id: &str, seq: u32, step: &StepRun) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        upsert_step_runs(&mut tx, &[(execution_id, seq, step)]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes an execution's outcome: status, output, error, reply and timings.
    pub async fn finish_execution(&self, execution: &Execution) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        update_outcomes(&mut tx, &[execution]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One execution with its step runs in the order they ran.
    pub async fn get_execution(&self, id: &str) -> Result<Option<Execution>, StoreError> {
        let row: Option<ExecutionRow> =
            sqlx::query_as("SELECT * FROM executions WHERE id = ?").bind(id).fetch_optional(&self.reader).await?;
        let Some(row) = row else { return Ok(None) };
        let steps: Vec<StepRunRow> = sqlx::query_as(
            "SELECT step_id, name, component, status, input, output, error, started_at, duration_ms, branch
             FROM step_runs WHERE execution_id = ? ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.reader)
        .await?;
        Ok(Some(Execution {
            status: status(&row.status)?,
            trigger: trigger(&row.trigger)?,
            input: from_json("executions.input", &row.input)?,
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
        }))
    }

    /// Executions matching `filter`, newest first.
    pub async fn list_executions(&self, filter: &ExecutionFilter) -> Result<Vec<ExecutionSummary>, StoreError> {
        let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT id, flow_id, version, trigger, status, error, created_at, duration_ms FROM executions WHERE 1 = 1",
        );
        if let Some(flow_id) = &filter.flow_id {
            query.push(" AND flow_id = ").push_bind(flow_id);
        }
        if let Some(status) = filter.status {
            query.push(" AND status = ").push_bind(status.as_str());
        }
        query
            .push(" ORDER BY created_at DESC, id DESC LIMIT ")
            .push_bind(i64::from(filter.limit.unwrap_or(DEFAULT_LIMIT)));
        #[allow(clippy::type_complexity)]
        let rows: Vec<(String, String, Option<i64>, String, String, Option<String>, String, Option<i64>)> =
            query.build_query_as().fetch_all(&self.reader).await?;
        rows.into_iter()
            .map(|(id, flow_id, version, trig, stat, error, created_at, duration_ms)| {
                Ok(ExecutionSummary {
                    id,
                    flow_id,
                    version: version.map(|v| v as u32),
                    trigger: trigger(&trig)?,
                    status: status(&stat)?,
                    error,
                    created_at,
                    duration_ms,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::flows::tests::document;

    fn execution(id: &str, created_at: &str) -> Execution {
        Execution {
            id: id.into(),
            flow_id: "flw_a".into(),
            version: Some(1),
            trigger: TriggerSource::Manual,
            status: ExecutionStatus::Running,
            input: json!({"body": {"petname": "Gromit"}}),
            output: None,
            error: None,
            failed_step: None,
            reply: None,
            created_at: created_at.into(),
            started_at: Some(created_at.into()),
            finished_at: None,
            duration_ms: None,
            steps: vec![],
        }
    }

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("test.db")).await.unwrap();
        store.save_draft(&document("flw_a", None), None, "2026-01-01T00:00:00.000Z").await.unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn an_execution_reads_back_with_its_steps_in_order() {
        let (_dir, store) = store().await;
        let mut exe = execution("exe_1", "2026-01-01T00:00:01.000Z");
        store.create_execution(&exe).await.unwrap();
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
        };
        store.record_step_run("exe_1", 0, &step("stp_b", StepStatus::Succeeded)).await.unwrap();
        store.record_step_run("exe_1", 1, &step("stp_a", StepStatus::Skipped)).await.unwrap();

        exe.status = ExecutionStatus::Failed;
        exe.error = Some("boom".into());
        exe.failed_step = Some("stp_b".into());
        exe.output = Some(json!({"x": [1, 2]}));
        exe.finished_at = Some("2026-01-01T00:00:02.000Z".into());
        exe.duration_ms = Some(1000);
        store.finish_execution(&exe).await.unwrap();

        let read = store.get_execution("exe_1").await.unwrap().expect("recorded");
        assert_eq!(
            read.steps.iter().map(|s| s.step_id.as_str()).collect::<Vec<_>>(),
            ["stp_b", "stp_a"],
            "ordered by seq"
        );
        assert_eq!(read.steps[0].output, Some(json!(1)));
        assert_eq!(read.steps[1].status, StepStatus::Skipped);
        exe.steps = read.steps.clone();
        assert_eq!(read, exe, "every field round-trips");
        assert!(store.get_execution("exe_missing").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn executions_are_listed_newest_first_and_filtered() {
        let (_dir, store) = store().await;
        store.save_draft(&document("flw_b", None), None, "2026-01-01T00:00:00.000Z").await.unwrap();
        for (i, flow) in ["flw_a", "flw_b", "flw_a"].iter().enumerate() {
            let mut exe = execution(&format!("exe_{i}"), &format!("2026-01-01T00:00:0{i}.000Z"));
            exe.flow_id = flow.to_string();
            store.create_execution(&exe).await.unwrap();
        }
        let mut done = execution("exe_0", "2026-01-01T00:00:00.000Z");
        done.status = ExecutionStatus::Succeeded;
        store.finish_execution(&done).await.unwrap();

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
}
