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
}
