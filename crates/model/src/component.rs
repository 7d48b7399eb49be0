use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// Whether a component starts a flow or runs inside one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum ComponentKind {
    Trigger,
    Action,
}

/// Everything the designer and the validator need to know about a component,
/// without running it. The UI builds its forms from these schemas, so adding a
/// component is adding a descriptor and its runtime, nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct ComponentDescriptor {
    pub id: String,
    pub kind: ComponentKind,
    pub title: String,
    pub description: String,
    /// Name of the icon the UI shows (a Lucide icon name).
    pub icon: String,
    /// JSON Schema of a trigger's `config` (an empty object schema for actions).
    pub config_schema: Value,
    /// JSON Schema of an action's input; its properties are the mapping targets.
    pub input_schema: Value,
    /// Credential kinds the step may name (`basic`, `bearer`, …); empty when the
    /// component takes no credential.
    pub credential_kinds: Vec<String>,
    /// What the step's output looks like, for documentation and generated samples.
    pub example_output: Value,
    /// A branching step's outgoing edges carry `when: true|false`.
    pub branching: bool,
    /// Running the step may change something outside Hookline (a POST, a
    /// write). Whether a given step does depends on its input (an HTTP GET
    /// does not): the core answers `confirmation_required` when it would.
    pub side_effects: bool,
    /// The trigger is called over HTTP: its flow has hook URLs and a test URL
    /// that captures a request as a sample.
    pub receives_http: bool,
    /// The trigger fires at times its config names (a cron expression or a
    /// date): the designer previews the next ones (`previewSchedule`).
    pub fires_on_schedule: bool,
    /// What a sample typed by hand is taken as, for the trigger whose output
    /// wraps it (a webhook keeps a pasted body as a whole request).
    pub sample_hint: Option<String>,
}
