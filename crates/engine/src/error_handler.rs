//! Error handlers: a flow may name another flow, one with a Manual trigger,
//! to start whenever one of its executions fails. The handler's trigger
//! output is `{execution, failedStep, error}`, so it can alert someone, open
//! a ticket or park the input for later, and it can be run by hand with a
//! sample failure of that shape.
//!
//! Starting a handler is durable and happens once per failed execution (it
//! is keyed by the failed execution's id, so a run resumed after a crash
//! starts nothing twice). A handler's own failure starts no handler, so
//! handlers naming each other cannot loop.

use std::sync::Arc;

use hookline_model::{Execution, ExecutionStatus, TriggerSource};
use serde_json::{json, Map, Value};

use crate::executor::{Engine, Published, RunRequest};
use crate::plan::Plan;
use crate::trigger::TriggerSettings;

/// Why a flow's error handler did not start.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("the error handler {0:?} is no flow")]
    NotFound(String),
    #[error("the error handler {0} has no published version")]
    NotPublished(String),
    #[error("the error handler {0} does not start from a Manual trigger")]
    NotManual(String),
    #[error("the error handler {0} does not compile: {1}")]
    Invalid(String, String),
    #[error("the execution queue is full")]
    Overloaded,
    #[error(transparent)]
    Engine(#[from] crate::EngineError),
    #[error(transparent)]
    Store(#[from] hookline_store::StoreError),
}

/// The trigger output an error handler starts with.
pub fn failure_output(execution: &Execution, flow_name: &str) -> Value {
    let failed_step = execution.failed_step.as_deref().and_then(|id| {
        let run = execution.steps.iter().rev().find(|run| run.step_id == id)?;
        Some(json!({
            "id": run.step_id,
            "name": run.name,
            "component": run.component,
            "input": run.input,
            "attempts": run.attempts.len().max(1),
        }))
    });
    json!({
        "execution": {
            "id": execution.id,
            "flowId": execution.flow_id,
            "flowName": flow_name,
            "version": execution.version,
            "trigger": execution.trigger,
            "createdAt": execution.created_at,
            "finishedAt": execution.finished_at,
            "input": execution.input,
            "params": execution.params,
        },
        "failedStep": failed_step,
        "error": execution.error,
    })
}

/// Whether `execution` was itself started as an error handler: its Manual
/// trigger's output has the shape [`failure_output`] gives.
pub fn is_handler_run(execution: &Execution) -> bool {
    let input = &execution.input;
    execution.trigger == TriggerSource::Manual
        && input.pointer("/execution/id").is_some_and(Value::is_string)
        && input.get("failedStep").is_some()
        && input.get("error").is_some()
}

impl Engine {
    /// Starts the error handler `plan` names for `execution`, if it failed
    /// and names one. Never fails the execution itself: a handler that cannot
    /// start is logged with the reason.
    pub(crate) async fn start_error_handler(&self, plan: &Plan, execution: &Execution) {
        let Some(handler) = plan.document.error_handler.as_deref().filter(|h| !h.is_empty()) else { return };
        if execution.status != ExecutionStatus::Failed || is_handler_run(execution) {
            return;
        }
        match self.start_handler(handler, plan, execution).await {
            Ok(id) => tracing::info!(
                execution_id = %execution.id, handler_execution_id = %id, handler, "started the error handler"
            ),
            Err(error) => tracing::warn!(
                execution_id = %execution.id, flow_id = %execution.flow_id, handler, %error,
                "the error handler did not start"
            ),
        }
    }

    async fn start_handler(&self, key: &str, plan: &Plan, execution: &Execution) -> Result<String, HandlerError> {
        let flow = self.store.find_flow(key).await?.ok_or_else(|| HandlerError::NotFound(key.to_string()))?;
        let flow_id = flow.summary.id;
        let (version, handler_plan) = self.handler_plan(&flow_id).await?;
        let TriggerSettings::Manual(_) = &handler_plan.trigger else {
            return Err(HandlerError::NotManual(flow_id));
        };
        let params = crate::params::flow_params(&handler_plan.document, &Map::new())
            .map_err(|error| HandlerError::Invalid(flow_id.clone(), error.to_string()))?;
        let request = RunRequest {
            flow_id,
            version: Some(version),
            trigger: TriggerSource::Manual,
            input: failure_output(execution, &plan.document.name),
            params,
            id: None,
            keep_input: false,
            replay_of: None,
        };
        let key = format!("error-handler:{}", execution.id);
        self.start_detached(handler_plan, request, Some(key)).await?.ok_or(HandlerError::Overloaded)
    }

    /// The handler's latest published version, compiled.
    async fn handler_plan(&self, flow_id: &str) -> Result<(u32, Arc<Plan>), HandlerError> {
        match self.latest_plan(flow_id).await? {
            None | Some((_, Published::Missing)) => Err(HandlerError::NotPublished(flow_id.into())),
            Some((version, Published::Plan(plan))) => Ok((version, plan)),
            Some((_, Published::Invalid(problems))) => {
                let text = problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
                Err(HandlerError::Invalid(flow_id.into(), text))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use hookline_model::{StepRun, StepStatus};

    use super::*;

    fn failed() -> Execution {
        let mut execution = Engine::into_execution(RunRequest {
            flow_id: "flw_orders".into(),
            version: Some(3),
            trigger: TriggerSource::Webhook,
            input: json!({"body": {"order": 7}}),
            params: Map::new(),
            id: Some("exe_1".into()),
            keep_input: false,
            replay_of: None,
        });
        execution.status = ExecutionStatus::Failed;
        execution.error = Some("HTTP 503 from the warehouse".into());
        execution.failed_step = Some("stp_ship".into());
        execution.steps.push(StepRun {
            step_id: "stp_ship".into(),
            name: "Ship".into(),
            component: "http_request".into(),
            status: StepStatus::Failed,
            input: Some(json!({"url": "http://warehouse/ship"})),
            output: None,
            error: Some("HTTP 503 from the warehouse".into()),
            started_at: None,
            duration_ms: None,
            branch: None,
            attempts: vec![],
            resumed: false,
        });
        execution
    }

    #[test]
    fn a_failure_names_the_execution_the_step_and_the_error() {
        let output = failure_output(&failed(), "Orders");
        assert_eq!(output["execution"]["id"], "exe_1");
        assert_eq!(output["execution"]["flowName"], "Orders");
        assert_eq!(output["execution"]["version"], 3);
        assert_eq!(output["execution"]["input"], json!({"body": {"order": 7}}));
        assert_eq!(output["failedStep"]["id"], "stp_ship");
        assert_eq!(output["failedStep"]["input"]["url"], "http://warehouse/ship");
        assert_eq!(output["error"], "HTTP 503 from the warehouse");
    }

    #[test]
    fn a_handler_run_is_known_by_its_input() {
        let original = failed();
        assert!(!is_handler_run(&original), "a webhook run");
        let mut handler = failed();
        handler.trigger = TriggerSource::Manual;
        handler.input = failure_output(&original, "Orders");
        assert!(is_handler_run(&handler));
        handler.input = json!({"params": {}});
        assert!(!is_handler_run(&handler), "an ordinary manual run");
    }
}
