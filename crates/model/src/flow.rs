use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{ids, ModelError};
use ts_rs::TS;

/// The document format version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// A flow definition: the import/export file, a draft, or a published version.
///
/// Unknown fields are refused rather than dropped, so a typo in a hand-edited
/// file (`inptus`) is reported instead of silently losing the user's mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlowDocument {
    pub schema_version: u32,
    /// Optional on import (one is generated); always set once stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    pub steps: Vec<Step>,
    #[serde(default)]
    pub edges: Vec<Edge>,
    /// A flow with a Manual trigger (id or webhook slug) started with
    /// `{execution, failedStep, error}` whenever an execution of this one
    /// fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error_handler: Option<String>,
}

/// A flow parameter, seen by expressions as `$params.<name>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Parameter {
    pub name: String,
    /// The JSON type its value must have (`any` when absent).
    #[serde(default, rename = "type", skip_serializing_if = "FieldType::is_any")]
    pub param_type: FieldType,
    #[serde(default)]
    pub default: Value,
    /// A run must have a value for it: a default, or one a caller gives.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// Whether a caller may override the default when triggering the flow.
    #[serde(default)]
    pub overridable: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// One node of the flow graph: the trigger or an action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Step {
    /// Stable id that edges and expressions refer to; renaming a step never
    /// changes it.
    pub id: String,
    /// Catalog id of the component (`webhook`, `http_request`, …).
    pub component: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// A trigger's settings, checked against the component's config schema.
    #[serde(default, skip_serializing_if = "is_absent")]
    pub config: Option<Value>,
    /// An action's input fields, keyed by dotted path into its input schema.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inputs: BTreeMap<String, Input>,
    /// Fields the user declares inside an open object input (an HTTP
    /// Request's `body`), each with a type and a required mark, so they become
    /// mapping targets of their own and are checked like the component's
    /// fields. In the order the user declared them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<DeclaredField>,
    /// Name of a vault credential; never a secret value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    /// The step's current sample output, used for mapping and for runs
    /// started without an explicit input.
    #[serde(default, skip_serializing_if = "is_absent")]
    pub sample: Option<Value>,
    /// How an action is tried again when it fails for a passing reason
    /// (a 503, a refused connection); absent means one attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub retry: Option<RetryPolicy>,
    /// Whether the flow goes on when this action fails (after its retries),
    /// with the failure as the step's output (`$steps.<id>.error`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>", optional)]
    pub continue_on_error: bool,
}

/// Retries of a failed action: up to `maxAttempts` attempts in all, waiting
/// `backoffMs`, then twice as long each time (with jitter), at most
/// `maxBackoffMs`; a `Retry-After` the service sent wins when it is longer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    #[serde(default = "RetryPolicy::default_backoff_ms")]
    #[ts(type = "number")]
    pub backoff_ms: u64,
    #[serde(default = "RetryPolicy::default_max_backoff_ms")]
    #[ts(type = "number")]
    pub max_backoff_ms: u64,
    /// Which failures are tried again; by default every passing kind and
    /// never a 4xx other than 429, which a retry would only repeat.
    #[serde(default = "RetryOn::defaults")]
    pub on: Vec<RetryOn>,
}

impl RetryPolicy {
    /// Most attempts a step may make: enough for a flaky service, few enough
    /// that a broken one fails within minutes.
    pub const MAX_ATTEMPTS: u32 = 10;
    /// Longest wait between two attempts (an hour).
    pub const MAX_BACKOFF_MS: u64 = 3_600_000;

    fn default_backoff_ms() -> u64 {
        1_000
    }

    fn default_max_backoff_ms() -> u64 {
        30_000
    }

    /// The policy's problem, if any, in words for the step panel.
    pub fn problem(&self) -> Option<String> {
        if !(1..=Self::MAX_ATTEMPTS).contains(&self.max_attempts) {
            return Some(format!("maxAttempts must be between 1 and {}", Self::MAX_ATTEMPTS));
        }
        if self.max_backoff_ms > Self::MAX_BACKOFF_MS {
            return Some(format!("maxBackoffMs must be at most {} (an hour)", Self::MAX_BACKOFF_MS));
        }
        if self.backoff_ms > self.max_backoff_ms {
            return Some("backoffMs must not be longer than maxBackoffMs".into());
        }
        None
    }
}

/// A kind of failure a retry policy may try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum RetryOn {
    /// The service answered 500–599.
    #[serde(rename = "5xx")]
    ServerError,
    /// The service answered 429 Too Many Requests.
    #[serde(rename = "429")]
    TooManyRequests,
    /// The service answered another 400–499 (off by default: a retry sends
    /// the same refused request).
    #[serde(rename = "4xx")]
    ClientError,
    /// No connection could be made, or it broke.
    #[serde(rename = "connection")]
    Connection,
    /// No answer in time.
    #[serde(rename = "timeout")]
    Timeout,
}

impl RetryOn {
    pub fn defaults() -> Vec<RetryOn> {
        vec![RetryOn::ServerError, RetryOn::TooManyRequests, RetryOn::Connection, RetryOn::Timeout]
    }
}

/// Whether an optional JSON field is left out of a document: `null` reads
/// back as absent, so it is written as absent too, and a file exported again
/// after an import is the same file.
fn is_absent(value: &Option<Value>) -> bool {
    matches!(value, None | Some(Value::Null))
}

/// A field declared on a step: `field` is a dotted input path below an open
/// object input (`body.name`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeclaredField {
    pub field: String,
    #[serde(rename = "type", default)]
    pub field_type: FieldType,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>", optional)]
    pub required: bool,
}

/// The type of a declared field, as JSON Schema names it; `any` accepts every
/// value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Number,
    Integer,
    Boolean,
    Object,
    Array,
    #[default]
    Any,
}

impl FieldType {
    /// The type's name as JSON Schema and flow files write it.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Number => "number",
            FieldType::Integer => "integer",
            FieldType::Boolean => "boolean",
            FieldType::Object => "object",
            FieldType::Array => "array",
            FieldType::Any => "any",
        }
    }

    pub fn is_any(&self) -> bool {
        *self == FieldType::Any
    }

    /// The JSON Schema a value of this type satisfies.
    pub fn schema(self) -> Value {
        match self {
            FieldType::Any => Value::Object(Default::default()),
            other => serde_json::json!({ "type": other.as_str() }),
        }
    }

    /// Whether `value` has this type. A whole number written `2.0` is an
    /// integer, as JSON Schema counts it.
    pub fn admits(self, value: &Value) -> bool {
        match self {
            FieldType::String => value.is_string(),
            FieldType::Number => value.is_number(),
            FieldType::Integer => value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|n| n.fract() == 0.0),
            FieldType::Boolean => value.is_boolean(),
            FieldType::Object => value.is_object(),
            FieldType::Array => value.is_array(),
            FieldType::Any => true,
        }
    }
}

/// How an input field gets its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Input {
    /// A literal JSON value, validated against the field's schema.
    Value(Value),
    /// A JSONata expression evaluated when the step runs.
    Expr(String),
}

/// A directed edge. `when` is set on the edges leaving a branching step
/// (Condition): the edge is followed only when the step's result matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Edge {
    pub from: String,
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<bool>,
}

impl FlowDocument {
    /// Reads a flow document from JSON text.
    ///
    /// Errors name the line and column of a syntax error, or the path of the
    /// offending field (`steps[1].inputs.url: …`) for a shape error, and refuse a
    /// `schemaVersion` other than [`SCHEMA_VERSION`].
    pub fn parse(text: &str) -> Result<FlowDocument, ModelError> {
        let value: Value = serde_json::from_str(text).map_err(|e| ModelError::Malformed(e.to_string()))?;
        Self::from_value(value)
    }

    /// Like [`FlowDocument::parse`], from an already parsed JSON value.
    pub fn from_value(value: Value) -> Result<FlowDocument, ModelError> {
        let Some(object) = value.as_object() else {
            return Err(ModelError::Malformed("the document must be a JSON object".into()));
        };
        match object.get("schemaVersion") {
            None => return Err(ModelError::Malformed("schemaVersion: missing; add \"schemaVersion\": 1".into())),
            Some(v) => match v.as_u64() {
                Some(n) if n == u64::from(SCHEMA_VERSION) => {}
                Some(n) => return Err(ModelError::UnsupportedVersion { found: n, supported: SCHEMA_VERSION }),
                None => return Err(ModelError::Malformed(format!("schemaVersion: expected the number 1, found {v}"))),
            },
        }
        let doc: FlowDocument = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            if path == "." {
                ModelError::Malformed(inner)
            } else {
                ModelError::Malformed(format!("{path}: {inner}"))
            }
        })?;
        if let Some(id) = &doc.id {
            ids::check_flow_id(id).map_err(|message| ModelError::InvalidId { path: "id".into(), message })?;
        }
        Ok(doc)
    }

    /// The step with this id.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PETS: &str = r#"{
      "schemaVersion": 1, "id": "flw_pets", "name": "Pets",
      "steps": [
        {"id": "stp_hook", "component": "webhook", "name": "Webhook", "config": {"methods": ["POST"]}, "credential": null},
        {"id": "stp_create", "component": "http_request", "name": "Create",
         "inputs": {"url": {"value": "http://x/pet"}, "body.name": {"expr": "$trigger.body.petname"}}}
      ],
      "edges": [{"from": "stp_hook", "to": "stp_create"}]
    }"#;

    #[test]
    fn a_document_in_the_spec_format_parses_with_literal_and_expression_inputs() {
        let doc = FlowDocument::parse(PETS).expect("the example must parse");
        assert_eq!(doc.steps.len(), 2);
        assert_eq!(doc.steps[1].inputs["body.name"], Input::Expr("$trigger.body.petname".into()));
        assert_eq!(doc.steps[1].inputs["url"], Input::Value(Value::from("http://x/pet")));
    }

    #[test]
    fn a_misspelled_field_is_reported_with_its_path() {
        let text = PETS.replace("\"inputs\"", "\"inptus\"");
        let err = FlowDocument::parse(&text).unwrap_err().to_string();
        assert!(err.contains("steps[1]") && err.contains("inptus"), "path and field named: {err}");
    }

    #[test]
    fn an_input_that_is_neither_value_nor_expr_is_refused_with_its_path() {
        let text = PETS.replace(r#"{"value": "http://x/pet"}"#, r#"{"literal": 1}"#);
        let err = FlowDocument::parse(&text).unwrap_err().to_string();
        assert!(err.contains("steps[1].inputs"), "path named: {err}");
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let err = FlowDocument::parse("{\n  \"schemaVersion\": 1,\n  oops\n}").unwrap_err().to_string();
        assert!(err.contains("line 3"), "line named: {err}");
    }

    #[test]
    fn other_schema_versions_are_refused() {
        let err = FlowDocument::parse(&PETS.replace("\"schemaVersion\": 1", "\"schemaVersion\": 2")).unwrap_err();
        assert!(matches!(err, ModelError::UnsupportedVersion { found: 2, .. }), "{err}");
        let err = FlowDocument::parse(&PETS.replace("\"schemaVersion\": 1,", "")).unwrap_err();
        assert!(err.to_string().contains("schemaVersion: missing"), "{err}");
    }

    #[test]
    fn a_null_config_or_sample_is_written_as_absent_since_it_reads_back_as_absent() {
        let mut doc = FlowDocument::parse(PETS).unwrap();
        doc.steps[0].config = Some(Value::Null);
        doc.steps[0].sample = Some(Value::Null);
        let text = crate::to_canonical_json(&doc).unwrap();
        assert!(!text.contains("\"config\"") && !text.contains("\"sample\""), "{text}");
        let again = FlowDocument::parse(&text).unwrap();
        assert_eq!((again.steps[0].config.clone(), again.steps[0].sample.clone()), (None, None));
        assert_eq!(crate::to_canonical_json(&again).unwrap(), text, "export → import → export is identical");
    }

    #[test]
    fn a_flow_id_that_is_not_url_safe_is_refused() {
        let err = FlowDocument::parse(&PETS.replace("flw_pets", "flw_pets/x")).unwrap_err().to_string();
        assert!(err.starts_with("id: "), "{err}");
    }
}
