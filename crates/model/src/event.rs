//! What the core tells its adapters as it happens, so a window or a browser
//! refreshes what changed instead of polling.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ExecutionStatus;

/// A change in the core. Events are hints to refresh: a slow listener that
/// misses some reads the current state again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum CoreEvent {
    /// A flow was created or its draft, versions or state changed.
    #[serde(rename_all = "camelCase")]
    FlowChanged { flow_id: String },
    /// An execution was accepted, finished a step, or ended.
    #[serde(rename_all = "camelCase")]
    ExecutionChanged {
        execution_id: String,
        flow_id: String,
        status: ExecutionStatus,
        /// The step that just finished, if that is the change.
        step_id: Option<String>,
    },
    /// The webhook listener started, stopped, moved or failed to bind.
    ListenerChanged,
    /// A step's samples changed: one was captured, added, generated,
    /// retrieved, made current or removed.
    #[serde(rename_all = "camelCase")]
    SampleChanged { flow_id: String, step_id: String },
    /// A credential was added, edited, verified or removed (`name`), or the
    /// vault's key changed (no name): a recovery kit shown, a key file made.
    #[serde(rename_all = "camelCase")]
    CredentialChanged { name: Option<String> },
}

/// One cached answer of the UI that an event makes stale: the answers of
/// operation `op` (a `Request` name such as `getFlow`), narrowed by the id
/// the event carries. The UI keys each cached answer by the operation and
/// then the flow, step or execution id it was asked for, so a change to one
/// flow refetches only that flow's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stale {
    pub op: &'static str,
    pub by: StaleBy,
}

/// Which of an event's ids narrows a [`Stale`] answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaleBy {
    /// Every answer of the operation (`listFlows`, or all flows' hooks).
    All,
    /// The answers for the event's flow.
    Flow,
    /// The answers for the event's flow and step.
    Step,
    /// The answers for the event's execution.
    Execution,
}

impl StaleBy {
    pub fn as_str(self) -> &'static str {
        match self {
            StaleBy::All => "all",
            StaleBy::Flow => "flow",
            StaleBy::Step => "step",
            StaleBy::Execution => "execution",
        }
    }
}

const fn stale(op: &'static str, by: StaleBy) -> Stale {
    Stale { op, by }
}

impl CoreEvent {
    /// What this event makes stale in the UI. The designer refetches exactly
    /// these answers (the table is generated into `ui/src/bindings`), so what
    /// a change touches is decided here, next to the change, not guessed in
    /// the UI.
    pub fn stale(&self) -> &'static [Stale] {
        use StaleBy::*;
        // The draft, state or versions changed; samples are keyed by step
        // id, and a draft edit can add, remove or retype steps. The
        // Launcher's Buttons follow each flow's state and latest version;
        // each credential lists the flows whose steps name it.
        const FLOW: &[Stale] = &[
            stale("listFlows", All),
            stale("getFlow", Flow),
            stale("versions", Flow),
            stale("hooks", Flow),
            stale("listSamples", Flow),
            stale("inferSchema", Flow),
            stale("previewStep", Flow),
            stale("listButtons", All),
            stale("dashboard", All),
            stale("listCredentials", All),
        ];
        // A flow's summary and the dashboard carry its last run, and its
        // inbox gains the request that started the execution.
        const EXECUTION: &[Stale] = &[
            stale("listExecutions", All),
            stale("getExecution", Execution),
            stale("listInbox", Flow),
            stale("listFlows", All),
            stale("getFlow", Flow),
            stale("dashboard", All),
        ];
        const LISTENER: &[Stale] = &[stale("settings", All), stale("hooks", All)];
        // Samples live apart from the draft: the flow itself did not change,
        // but what its steps preview and infer did.
        const SAMPLE: &[Stale] =
            &[stale("listSamples", Step), stale("inferSchema", Flow), stale("previewStep", Flow), stale("hooks", Flow)];
        // A credential's status, verification and users show on the
        // Credentials page and in every credential picker; the vault's
        // status counts and checks them all.
        const CREDENTIAL: &[Stale] =
            &[stale("listCredentials", All), stale("getCredential", All), stale("vaultStatus", All)];
        match self {
            CoreEvent::FlowChanged { .. } => FLOW,
            CoreEvent::ExecutionChanged { .. } => EXECUTION,
            CoreEvent::ListenerChanged => LISTENER,
            CoreEvent::SampleChanged { .. } => SAMPLE,
            CoreEvent::CredentialChanged { .. } => CREDENTIAL,
        }
    }

    /// One event of each kind, with empty ids: what the generated table of
    /// [`CoreEvent::stale`] is read from.
    pub fn one_of_each() -> Vec<CoreEvent> {
        vec![
            CoreEvent::FlowChanged { flow_id: String::new() },
            CoreEvent::ExecutionChanged {
                execution_id: String::new(),
                flow_id: String::new(),
                status: ExecutionStatus::Queued,
                step_id: None,
            },
            CoreEvent::ListenerChanged,
            CoreEvent::SampleChanged { flow_id: String::new(), step_id: String::new() },
            CoreEvent::CredentialChanged { name: None },
        ]
    }

    /// The `type` tag the UI switches on: `flowChanged`, …
    pub fn kind(&self) -> &'static str {
        match self {
            CoreEvent::FlowChanged { .. } => "flowChanged",
            CoreEvent::ExecutionChanged { .. } => "executionChanged",
            CoreEvent::ListenerChanged => "listenerChanged",
            CoreEvent::SampleChanged { .. } => "sampleChanged",
            CoreEvent::CredentialChanged { .. } => "credentialChanged",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_with_camel_case_fields() {
        let event = CoreEvent::ExecutionChanged {
            execution_id: "exe_1".into(),
            flow_id: "flw_a".into(),
            status: ExecutionStatus::Running,
            step_id: Some("stp_x".into()),
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "executionChanged", "executionId": "exe_1", "flowId": "flw_a", "status": "running", "stepId": "stp_x"}),
            "the UI switches on `type`"
        );
    }

    #[test]
    fn each_kind_is_named_as_serde_tags_it() {
        for event in CoreEvent::one_of_each() {
            let json = serde_json::to_value(&event).unwrap();
            assert_eq!(json["type"], event.kind(), "{event:?}");
            assert!(!event.stale().is_empty(), "{event:?} refreshes something");
        }
    }
}
