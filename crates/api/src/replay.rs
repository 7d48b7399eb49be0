//! Replays: an execution run again as a new one that names it (`replayOf`),
//! with the same input or an edited one, against the version that ran, the
//! latest published one or the draft, from the trigger or from the step that
//! failed. From the failed step, the steps before it are not run again:
//! their recorded outputs are reused, so a POST that succeeded is not sent
//! twice.

use std::sync::Arc;

use hookline_engine::{Plan, RunRequest};
use hookline_model::{Execution, ExecutionStatus, StepRun, StepStatus, TriggerSource};
use serde::Deserialize;
use serde_json::Value;

use crate::{ApiError, Core, ErrorCode, Result};

/// Which version a replay runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum ReplayVersion {
    /// The published version the original ran.
    #[default]
    Ran,
    /// The latest published version.
    Latest,
    /// The current draft, as saved.
    Draft,
}

/// Where a replay starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum ReplayFrom {
    /// Every step runs again.
    #[default]
    Trigger,
    /// The steps before the one that failed keep their recorded outputs.
    Failed,
}

/// How to replay an execution.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayOptions {
    #[serde(default)]
    #[ts(as = "Option<ReplayVersion>", optional)]
    pub version: ReplayVersion,
    #[serde(default)]
    #[ts(as = "Option<ReplayFrom>", optional)]
    pub from: ReplayFrom,
    /// The trigger output to run with instead of the original's.
    #[ts(optional)]
    pub input: Option<Value>,
}

/// Arguments of the replay operation: which execution, and how.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayArgs {
    pub id: String,
    #[serde(default)]
    #[ts(as = "Option<ReplayVersion>", optional)]
    pub version: ReplayVersion,
    #[serde(default)]
    #[ts(as = "Option<ReplayFrom>", optional)]
    pub from: ReplayFrom,
    #[ts(optional)]
    pub input: Option<Value>,
}

impl From<ReplayArgs> for ReplayOptions {
    fn from(args: ReplayArgs) -> ReplayOptions {
        ReplayOptions { version: args.version, from: args.from, input: args.input }
    }
}

impl Core {
    /// Runs `id` again in this process as a new execution and returns it
    /// once it has ended. Refused with a reason, and nothing run, when the
    /// choice cannot be honoured.
    pub async fn replay_execution(&self, id: &str, options: ReplayOptions) -> Result<Execution> {
        let original = self.get_execution(id).await?;
        if matches!(original.status, ExecutionStatus::Queued | ExecutionStatus::Running) {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!("{id} is still {}; replay it once it has ended", original.status),
            ));
        }
        let (plan, version) = self.replay_plan(&original, options.version).await?;
        let done = match options.from {
            ReplayFrom::Trigger => vec![],
            ReplayFrom::Failed => {
                if options.input.is_some() {
                    return Err(ApiError::new(
                        ErrorCode::InvalidInput,
                        "an edited input needs a replay from the trigger: the steps before the failed one \
                         produced their outputs from the original input",
                    ));
                }
                steps_before_failure(&original, &plan)?
            }
        };
        let request = RunRequest {
            flow_id: original.flow_id.clone(),
            version,
            trigger: original.trigger,
            input: options.input.unwrap_or_else(|| original.input.clone()),
            params: original.params.clone(),
            id: None,
            keep_input: true,
            replay_of: Some(original.id.clone()),
        };
        let execution = self.engine.enqueue_with_steps(&request, done).await?;
        tracing::info!(
            execution_id = %execution.id,
            replay_of = %original.id,
            from = ?options.from,
            version = ?version,
            "replaying an execution"
        );
        self.run_here(&plan, execution, Default::default()).await
    }

    /// Runs an inbox entry's request again against the latest published
    /// version: an accepted request through a replay of its execution (so the
    /// new one names it), a refused one, or one whose execution was pruned,
    /// as a new hook execution built from the request as stored (secrets the
    /// caller presented are already masked there). Parameters take their
    /// defaults.
    pub async fn replay_inbox(&self, id: &str) -> Result<Execution> {
        let entry = self
            .store
            .get_inbox(id)
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::InboxEntryNotFound, format!("no inbox entry {id:?}")))?;
        if let Some(execution_id) = &entry.execution_id {
            if self.store.execution_created_at(execution_id).await?.is_some() {
                let options = ReplayOptions { version: ReplayVersion::Latest, ..Default::default() };
                return self.replay_execution(execution_id, options).await;
            }
        }
        let flow_id = entry.flow_id.clone().ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "inbox entry {id} named {:?}, which is no flow; there is nothing to run it against",
                    entry.flow_key
                ),
            )
        })?;
        let (plan, version) = self.latest_plan(&flow_id, "replay", "").await?;
        let input = hookline_engine::webhook::output(&entry.request)
            .map_err(|e| ApiError::new(ErrorCode::InvalidJson, format!("inbox entry {id}: {e}")))?;
        let params = hookline_engine::params::flow_params(&plan.document, &Default::default())?;
        let request = RunRequest {
            flow_id,
            version: Some(version),
            trigger: TriggerSource::Webhook,
            input,
            params,
            id: None,
            keep_input: true,
            replay_of: None,
        };
        let execution = self.engine.enqueue(&request).await?;
        tracing::info!(execution_id = %execution.id, inbox_id = %id, "replaying an inbox request");
        self.run_here(&plan, execution, Default::default()).await
    }

    async fn replay_plan(&self, original: &Execution, choice: ReplayVersion) -> Result<(Arc<Plan>, Option<u32>)> {
        let flow_id = &original.flow_id;
        match (choice, original.version) {
            (ReplayVersion::Ran, Some(version)) => Ok((self.version_plan(flow_id, version).await?, Some(version))),
            (ReplayVersion::Ran, None) => Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "{} ran the draft of {flow_id}, which is not kept as it was; replay it against the draft or \
                     the latest version",
                    original.id
                ),
            )),
            (ReplayVersion::Latest, _) => {
                let (plan, version) = self.latest_plan(flow_id, "replay", "").await?;
                Ok((plan, Some(version)))
            }
            (ReplayVersion::Draft, _) => {
                let draft = self.get_flow(flow_id).await?.draft;
                let plan =
                    self.engine.compile_draft(draft).map_err(|p| ApiError::invalid_flow(flow_id, "replay", p))?;
                Ok((plan, None))
            }
        }
    }
}

/// The original's finished step runs that come before its failed step in
/// `plan`, with their positions there: what a replay from the failed step
/// keeps. A step the plan no longer has, or whose component changed, runs
/// again.
fn steps_before_failure(original: &Execution, plan: &Plan) -> Result<Vec<(u32, StepRun)>> {
    let failed = original.failed_step.as_deref().filter(|_| original.status == ExecutionStatus::Failed);
    let Some(failed) = failed else {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("{} did not fail ({}); replay it from the trigger", original.id, original.status),
        ));
    };
    let Some(failed_at) = plan.steps.iter().position(|step| step.id == failed) else {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("the failed step {failed} is not in the version chosen; replay from the trigger"),
        ));
    };
    Ok(plan.steps[..failed_at]
        .iter()
        .enumerate()
        .filter_map(|(seq, step)| {
            let run = original.steps.iter().find(|run| run.step_id == step.id && run.component == step.component)?;
            matches!(run.status, StepStatus::Succeeded | StepStatus::Skipped).then(|| (seq as u32, run.clone()))
        })
        .collect())
}
