use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// Where an execution stands. Terminal states are `succeeded`, `failed` and
/// `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum ExecutionStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// Where one step of an execution stands. `skipped` marks a step on a branch
/// that was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Running,
    Succeeded,
    Failed,
    Skipped,
    Cancelled,
}

/// What started an execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum TriggerSource {
    /// `hookline run` or the app's Run button.
    Manual,
    /// A request to a live hook.
    Webhook,
    /// A Schedule trigger's fire.
    Schedule,
    /// A Custom Event, emitted by a flow or `POST /events/{name}`.
    Event,
}

macro_rules! text_enum {
    ($ty:ty { $($variant:ident => $text:literal),* $(,)? }) => {
        impl $ty {
            /// The lowercase name used in JSON and in the store.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }
            /// Parses the lowercase name; `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)* _ => None }
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(ExecutionStatus { Queued => "queued", Running => "running", Succeeded => "succeeded", Failed => "failed", Cancelled => "cancelled" });
text_enum!(StepStatus { Running => "running", Succeeded => "succeeded", Failed => "failed", Skipped => "skipped", Cancelled => "cancelled" });
text_enum!(TriggerSource { Manual => "manual", Webhook => "webhook", Schedule => "schedule", Event => "event" });

impl Execution {
    /// A copy without the parts that can be large (the input and the step
    /// runs): what a row of the run log needs to record an outcome.
    pub fn shallow(&self) -> Execution {
        Execution {
            id: self.id.clone(),
            flow_id: self.flow_id.clone(),
            version: self.version,
            trigger: self.trigger,
            status: self.status,
            input: Value::Null,
            params: self.params.clone(),
            output: self.output.clone(),
            error: self.error.clone(),
            failed_step: self.failed_step.clone(),
            reply: self.reply.clone(),
            created_at: self.created_at.clone(),
            started_at: self.started_at.clone(),
            finished_at: self.finished_at.clone(),
            duration_ms: self.duration_ms,
            steps: vec![],
            replay_of: self.replay_of.clone(),
        }
    }
}

impl ExecutionStatus {
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }
}

/// The reply a Respond step built for a synchronous webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct Reply {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Value,
}

/// One run of a flow, with every step that ran. Times are RFC 3339 in UTC
/// with milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    pub id: String,
    pub flow_id: String,
    /// The published version that ran; `None` for a run of the draft.
    pub version: Option<u32>,
    pub trigger: TriggerSource,
    pub status: ExecutionStatus,
    /// The trigger's output, which is the input of every expression.
    pub input: Value,
    /// The flow parameters it runs with (`$params`): defaults, and the values
    /// a caller gave for those it may override.
    #[serde(default)]
    pub params: serde_json::Map<String, Value>,
    /// The output of the last step that ran.
    pub output: Option<Value>,
    pub error: Option<String>,
    pub failed_step: Option<String>,
    pub reply: Option<Reply>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    // Milliseconds fit a JavaScript number; ts-rs would say bigint.
    #[ts(type = "number | null")]
    pub duration_ms: Option<i64>,
    pub steps: Vec<StepRun>,
    /// The execution this one runs again, when it is a replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub replay_of: Option<String>,
}

/// One step of one execution: what it was given, what it produced or why it failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct StepRun {
    pub step_id: String,
    pub name: String,
    pub component: String,
    pub status: StepStatus,
    /// The step's input after mapping.
    pub input: Option<Value>,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub started_at: Option<String>,
    // Milliseconds fit a JavaScript number; ts-rs would say bigint.
    #[ts(type = "number | null")]
    pub duration_ms: Option<i64>,
    /// The branch a branching step (Condition) chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<bool>,
    /// Every attempt of a step that was tried more than once, oldest first
    /// (the last is the one whose outcome the step run shows).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<Attempt>>", optional)]
    pub attempts: Vec<Attempt>,
    /// The step had started (and may have acted) when the process running
    /// it stopped; it ran again after the restart, with the same
    /// `Idempotency-Key`, so a service that honours the key acts once.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>", optional)]
    pub resumed: bool,
}

/// One try of a step: when, how long, and why it failed when it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub started_at: String,
    // Milliseconds fit a JavaScript number; ts-rs would say bigint.
    #[ts(type = "number")]
    pub duration_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long the engine waited before the next attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number", optional)]
    pub waited_ms: Option<i64>,
}

/// A row of the run log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionSummary {
    pub id: String,
    pub flow_id: String,
    pub version: Option<u32>,
    pub trigger: TriggerSource,
    pub status: ExecutionStatus,
    pub error: Option<String>,
    pub created_at: String,
    // Milliseconds fit a JavaScript number; ts-rs would say bigint.
    #[ts(type = "number | null")]
    pub duration_ms: Option<i64>,
    /// The execution this one runs again, when it is a replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub replay_of: Option<String>,
}
