use std::collections::BTreeMap;

use hookline_model::{Sample, SampleSource};
use serde_json::Value;
use sqlx::{FromRow, Transaction};

use super::{Db, DB};
use crate::{from_json, to_json, StoreError};

#[derive(FromRow)]
struct SampleRow {
    id: String,
    flow_id: String,
    step_id: String,
    source: String,
    value: String,
    created_at: String,
    current: bool,
}

impl SampleRow {
    fn into_model(self) -> Result<Sample, StoreError> {
        Ok(Sample {
            source: SampleSource::parse(&self.source)
                .ok_or_else(|| StoreError::Corrupt(format!("samples.source: unknown source {:?}", self.source)))?,
            value: from_json("samples.value", &self.value)?,
            id: self.id,
            flow_id: self.flow_id,
            step_id: self.step_id,
            created_at: self.created_at,
            current: self.current,
        })
    }
}

const COLUMNS: &str = "id, flow_id, step_id, source, value, created_at, current";

impl Db {
    /// Keeps a sample of a step. A sample added as current replaces the
    /// step's current one; the first sample of a step is always current.
    /// Returns the sample as stored.
    pub async fn add_sample(&self, sample: &Sample) -> Result<Sample, StoreError> {
        let mut tx = self.write_transaction().await?;
        let stored = insert_sample(&mut tx, sample).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// The step's samples, newest first.
    pub async fn list_samples(&self, flow_id: &str, step_id: &str) -> Result<Vec<Sample>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM samples WHERE flow_id = $1 AND step_id = $2 ORDER BY created_at DESC, id DESC"
        );
        let rows: Vec<SampleRow> = sqlx::query_as(&sql).bind(flow_id).bind(step_id).fetch_all(&self.reader).await?;
        rows.into_iter().map(SampleRow::into_model).collect()
    }

    /// The step's current sample, if it has any.
    pub async fn current_sample(&self, flow_id: &str, step_id: &str) -> Result<Option<Sample>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM samples WHERE flow_id = $1 AND step_id = $2 AND current = TRUE");
        let row: Option<SampleRow> =
            sqlx::query_as(&sql).bind(flow_id).bind(step_id).fetch_optional(&self.reader).await?;
        row.map(SampleRow::into_model).transpose()
    }

    /// The current sample of every step of the flow that has one, by step id.
    pub async fn current_samples(&self, flow_id: &str) -> Result<BTreeMap<String, Value>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM samples WHERE flow_id = $1 AND current = TRUE");
        let rows: Vec<SampleRow> = sqlx::query_as(&sql).bind(flow_id).fetch_all(&self.reader).await?;
        rows.into_iter().map(|row| row.into_model().map(|s| (s.step_id, s.value))).collect()
    }

    /// Makes sample `id` of the step its current one. Returns it, or `None`
    /// when the step has no such sample (nothing changes then).
    pub async fn set_current_sample(
        &self,
        flow_id: &str,
        step_id: &str,
        id: &str,
    ) -> Result<Option<Sample>, StoreError> {
        let mut tx = self.write_transaction().await?;
        let exists: Option<bool> =
            sqlx::query_scalar("SELECT TRUE FROM samples WHERE id = $1 AND flow_id = $2 AND step_id = $3")
                .bind(id)
                .bind(flow_id)
                .bind(step_id)
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_none() {
            return Ok(None);
        }
        make_current(&mut tx, flow_id, step_id, id).await?;
        let sql = format!("SELECT {COLUMNS} FROM samples WHERE id = $1");
        let row: SampleRow = sqlx::query_as(&sql).bind(id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        row.into_model().map(Some)
    }

    /// Removes sample `id` of the step. When it was current, the newest
    /// remaining sample becomes current. Returns `false` when the step had no
    /// such sample.
    pub async fn remove_sample(&self, flow_id: &str, step_id: &str, id: &str) -> Result<bool, StoreError> {
        let mut tx = self.write_transaction().await?;
        let removed: Option<bool> =
            sqlx::query_scalar("DELETE FROM samples WHERE id = $1 AND flow_id = $2 AND step_id = $3 RETURNING current")
                .bind(id)
                .bind(flow_id)
                .bind(step_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(was_current) = removed else { return Ok(false) };
        if was_current {
            sqlx::query(
                "UPDATE samples SET current = TRUE WHERE id = (
                     SELECT id FROM samples WHERE flow_id = $1 AND step_id = $2
                     ORDER BY created_at DESC, id DESC LIMIT 1)",
            )
            .bind(flow_id)
            .bind(step_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The output of `step_id` in the newest succeeded execution of the flow
    /// that ran it successfully.
    pub async fn latest_step_output(&self, flow_id: &str, step_id: &str) -> Result<Option<Value>, StoreError> {
        let text: Option<String> = sqlx::query_scalar(
            "SELECT r.output FROM step_runs r JOIN executions e ON e.id = r.execution_id
             WHERE e.flow_id = $1 AND r.step_id = $2 AND e.status = 'succeeded' AND r.status = 'succeeded'
               AND r.output IS NOT NULL
             ORDER BY e.created_at DESC LIMIT 1",
        )
        .bind(flow_id)
        .bind(step_id)
        .fetch_optional(&self.reader)
        .await?;
        text.map(|t| from_json("step_runs.output", &t)).transpose()
    }
}

/// Inserts `sample` inside `tx`, current when asked or when it is the step's first.
pub(crate) async fn insert_sample(tx: &mut Transaction<'_, DB>, sample: &Sample) -> Result<Sample, StoreError> {
    let has_current: Option<bool> =
        sqlx::query_scalar("SELECT TRUE FROM samples WHERE flow_id = $1 AND step_id = $2 AND current = TRUE")
            .bind(&sample.flow_id)
            .bind(&sample.step_id)
            .fetch_optional(&mut **tx)
            .await?;
    let current = sample.current || has_current.is_none();
    if current {
        sqlx::query("UPDATE samples SET current = FALSE WHERE flow_id = $1 AND step_id = $2 AND current = TRUE")
            .bind(&sample.flow_id)
            .bind(&sample.step_id)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO samples (id, flow_id, step_id, source, value, created_at, current) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&sample.id)
    .bind(&sample.flow_id)
    .bind(&sample.step_id)
    .bind(sample.source.as_str())
    .bind(to_json(&sample.value))
    .bind(&sample.created_at)
    .bind(current)
    .execute(&mut **tx)
    .await?;
    Ok(Sample { current, ..sample.clone() })
}

async fn make_current(tx: &mut Transaction<'_, DB>, flow_id: &str, step_id: &str, id: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE samples SET current = FALSE WHERE flow_id = $1 AND step_id = $2 AND current = TRUE AND id <> $3",
    )
    .bind(flow_id)
    .bind(step_id)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE samples SET current = TRUE WHERE id = $1").bind(id).execute(&mut **tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use hookline_model::ids;
    use serde_json::json;

    use super::*;

    async fn store_with_flow() -> (super::super::TestGuard, Db) {
        let (dir, store) = super::super::test_db().await;
        let doc = super::super::flows::tests::document("flw_s", None);
        store.save_draft(&doc, None, "2026-01-01T00:00:00.000Z").await.unwrap();
        (dir, store)
    }

    fn sample(step: &str, n: u32, current: bool) -> Sample {
        Sample {
            id: ids::generate(ids::SAMPLE_PREFIX),
            flow_id: "flw_s".into(),
            step_id: step.into(),
            source: SampleSource::Manual,
            created_at: format!("2026-01-01T00:00:{n:02}.000Z"),
            value: json!({"n": n}),
            current,
        }
    }

    fn ns(samples: &[Sample]) -> Vec<(u64, bool)> {
        samples.iter().map(|s| (s.value["n"].as_u64().unwrap(), s.current)).collect()
    }

    #[tokio::test]
    async fn the_first_sample_of_a_step_is_current_and_samples_list_newest_first() {
        let (_dir, store) = store_with_flow().await;
        let first = store.add_sample(&sample("stp_hook", 1, false)).await.unwrap();
        assert!(first.current, "a step's first sample becomes current even when not asked");
        store.add_sample(&sample("stp_hook", 2, false)).await.unwrap();
        store.add_sample(&sample("stp_other", 9, false)).await.unwrap();
        let listed = store.list_samples("flw_s", "stp_hook").await.unwrap();
        assert_eq!(ns(&listed), [(2, false), (1, true)], "newest first, only this step's, first one still current");
        assert_eq!(listed[1], first, "a sample reads back as stored");
    }

    #[tokio::test]
    async fn adding_a_current_sample_replaces_the_current_one() {
        let (_dir, store) = store_with_flow().await;
        store.add_sample(&sample("stp_hook", 1, true)).await.unwrap();
        store.add_sample(&sample("stp_hook", 2, true)).await.unwrap();
        let listed = store.list_samples("flw_s", "stp_hook").await.unwrap();
        assert_eq!(ns(&listed), [(2, true), (1, false)], "exactly one current per step");
        assert_eq!(store.current_sample("flw_s", "stp_hook").await.unwrap().unwrap().value, json!({"n": 2}));
        assert_eq!(store.current_sample("flw_s", "stp_none").await.unwrap(), None, "a step without samples");
    }

    #[tokio::test]
    async fn setting_the_current_sample_moves_the_mark_and_refuses_a_foreign_id() {
        let (_dir, store) = store_with_flow().await;
        let one = store.add_sample(&sample("stp_hook", 1, true)).await.unwrap();
        store.add_sample(&sample("stp_hook", 2, true)).await.unwrap();
        let other = store.add_sample(&sample("stp_other", 3, true)).await.unwrap();
        let set = store.set_current_sample("flw_s", "stp_hook", &one.id).await.unwrap().unwrap();
        assert!(set.current, "the returned sample is current");
        assert_eq!(ns(&store.list_samples("flw_s", "stp_hook").await.unwrap()), [(2, false), (1, true)]);
        assert_eq!(
            store.set_current_sample("flw_s", "stp_hook", &other.id).await.unwrap(),
            None,
            "a sample of another step cannot become this step's current one"
        );
        assert_eq!(ns(&store.list_samples("flw_s", "stp_hook").await.unwrap()), [(2, false), (1, true)], "unchanged");
    }

    #[tokio::test]
    async fn removing_the_current_sample_makes_the_newest_remaining_current() {
        let (_dir, store) = store_with_flow().await;
        let one = store.add_sample(&sample("stp_hook", 1, true)).await.unwrap();
        store.add_sample(&sample("stp_hook", 2, false)).await.unwrap();
        let three = store.add_sample(&sample("stp_hook", 3, false)).await.unwrap();
        assert!(store.remove_sample("flw_s", "stp_hook", &one.id).await.unwrap());
        assert_eq!(ns(&store.list_samples("flw_s", "stp_hook").await.unwrap()), [(3, true), (2, false)]);
        assert!(!store.remove_sample("flw_s", "stp_hook", &one.id).await.unwrap(), "a second removal finds nothing");
        assert!(store.remove_sample("flw_s", "stp_hook", &three.id).await.unwrap());
        let listed = store.list_samples("flw_s", "stp_hook").await.unwrap();
        assert_eq!(ns(&listed), [(2, true)]);
        assert!(store.remove_sample("flw_s", "stp_hook", &listed[0].id).await.unwrap());
        assert_eq!(store.current_sample("flw_s", "stp_hook").await.unwrap(), None, "no samples, none current");
    }

    #[tokio::test]
    async fn a_capture_is_kept_as_the_triggers_current_captured_sample() {
        let (_dir, store) = store_with_flow().await;
        store.add_sample(&sample("stp_hook", 1, true)).await.unwrap();
        let value = json!({"method": "POST", "body": {"x": 1}});
        store.record_capture("flw_s", "stp_hook", &value, "2026-01-01T00:01:00.000Z").await.unwrap();
        let current = store.current_sample("flw_s", "stp_hook").await.unwrap().unwrap();
        assert_eq!((current.source, &current.value), (SampleSource::Captured, &value));
        assert_eq!(store.list_samples("flw_s", "stp_hook").await.unwrap().len(), 2, "the manual sample is kept");
    }

    #[tokio::test]
    async fn deleting_a_flow_deletes_its_samples() {
        let (_dir, store) = store_with_flow().await;
        store.add_sample(&sample("stp_hook", 1, true)).await.unwrap();
        store.delete_flow("flw_s").await.unwrap();
        assert!(store.list_samples("flw_s", "stp_hook").await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn the_latest_step_output_comes_from_a_succeeded_execution() {
        use hookline_model::{Execution, ExecutionStatus, StepRun, StepStatus, TriggerSource};
        let (_dir, store) = store_with_flow().await;
        assert_eq!(store.latest_step_output("flw_s", "stp_a").await.unwrap(), None, "no runs yet");
        for (n, status) in [(1, ExecutionStatus::Succeeded), (2, ExecutionStatus::Failed)] {
            let execution = Execution {
                id: format!("exe_{n}"),
                flow_id: "flw_s".into(),
                version: None,
                trigger: TriggerSource::Manual,
                status,
                input: json!({}),
                params: Default::default(),
                output: None,
                error: None,
                failed_step: None,
                reply: None,
                replay_of: None,
                created_at: format!("2026-01-01T00:00:0{n}.000Z"),
                started_at: None,
                finished_at: None,
                duration_ms: None,
                steps: vec![StepRun {
                    step_id: "stp_a".into(),
                    name: "A".into(),
                    component: "transform".into(),
                    status: StepStatus::Succeeded,
                    input: None,
                    output: Some(json!({"n": n})),
                    error: None,
                    started_at: None,
                    duration_ms: None,
                    branch: None,
                    attempts: vec![],
                    resumed: false,
                }],
            };
            let accept = crate::Acceptance {
                execution: execution.clone(),
                inbox: None,
                idempotency_key: None,
                dedupe_since: String::new(),
                claim: crate::Claim { owner: "test".into(), until: execution.created_at.clone() },
                chosen_id: false,
            };
            let run = execution.steps[0].clone();
            store
                .write_batch(&[
                    crate::Write::Accept(accept),
                    crate::Write::StepRun { execution_id: execution.id.clone(), seq: 0, run },
                    crate::Write::Finish(execution.clone()),
                ])
                .await
                .unwrap();
        }
        assert_eq!(
            store.latest_step_output("flw_s", "stp_a").await.unwrap(),
            Some(json!({"n": 1})),
            "the failed execution's newer output is not used"
        );
    }
}
