use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::flow::Input;

/// Where a sample came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum SampleSource {
    /// Typed or pasted by the user.
    Manual,
    /// A test request to `/hook-test/{flow}`.
    Captured,
    /// Built from the trigger's settings and example output.
    Generated,
    /// Taken from a run: an earlier execution, an inbox entry, or the step run
    /// once for its output.
    Execution,
}

impl SampleSource {
    /// The lowercase name used in JSON and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            SampleSource::Manual => "manual",
            SampleSource::Captured => "captured",
            SampleSource::Generated => "generated",
            SampleSource::Execution => "execution",
        }
    }

    /// Parses the lowercase name; `None` for anything else.
    pub fn parse(text: &str) -> Option<SampleSource> {
        [SampleSource::Manual, SampleSource::Captured, SampleSource::Generated, SampleSource::Execution]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// One kept output of a step, used to design mappings. A step may keep several;
/// exactly one of them is current, and the draft's `step.sample` holds its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct Sample {
    pub id: String,
    pub flow_id: String,
    pub step_id: String,
    pub source: SampleSource,
    pub created_at: String,
    pub value: Value,
    pub current: bool,
}

/// The JSON type of a mapped value; `missing` when the expression yields
/// nothing (undefined), so the field is left out of the step's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    String,
    Number,
    Integer,
    Boolean,
    Object,
    Array,
    Null,
    Missing,
}

impl ValueType {
    /// The type of `value` (`None` = undefined). Whole numbers are `integer`.
    pub fn of(value: Option<&Value>) -> ValueType {
        match value {
            None => ValueType::Missing,
            Some(Value::Null) => ValueType::Null,
            Some(Value::Bool(_)) => ValueType::Boolean,
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => ValueType::Integer,
            Some(Value::Number(_)) => ValueType::Number,
            Some(Value::String(_)) => ValueType::String,
            Some(Value::Array(_)) => ValueType::Array,
            Some(Value::Object(_)) => ValueType::Object,
        }
    }
}

/// The outcome of checking one mapped field against the samples and the
/// target field's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum FieldCheck {
    Ok,
    /// The value does not satisfy the field's schema (type, choices, length…).
    TypeMismatch,
    /// A required field has no input, or its expression yields nothing.
    MissingRequired,
    /// The expression does not parse or fails against the samples.
    Error,
    /// The expression reads `$steps.<id>` of a step the flow no longer has.
    UnknownStep,
    /// An optional field's expression yields nothing for the sample, so a
    /// run leaves the field out: usually a path that is not in the data.
    Empty,
}

/// Why a field could not be evaluated; `position` is the character offset of
/// a syntax error in the expression, `code` the JSONata error code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub position: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub code: Option<String>,
}

/// One input field of a step, evaluated against the samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct FieldPreview {
    /// The dotted input path (`body.name`).
    pub field: String,
    /// The field's mapping; absent for a required field nothing maps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub source: Option<Input>,
    /// The mapped value; absent when the expression yields nothing or fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<FieldError>,
    pub value_type: ValueType,
    /// The JSON Schema type (or list of types) the field expects, when its
    /// schema names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string | Array<string>")]
    pub expected: Option<Value>,
    pub required: bool,
    pub check: FieldCheck,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub message: Option<String>,
}

/// Every input field of a step evaluated against the samples, as the step
/// would receive it at run time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct StepPreview {
    pub step_id: String,
    pub fields: Vec<FieldPreview>,
}

impl StepPreview {
    /// Whether no field failed its check: every one is `ok`, or only warned
    /// about (`empty`: an optional field that maps to nothing).
    pub fn is_ok(&self) -> bool {
        self.fields.iter().all(|f| matches!(f.check, FieldCheck::Ok | FieldCheck::Empty))
    }
}

/// Parses JSON text typed by a user; a syntax error names its line and column.
pub fn parse_json_text(text: &str) -> Result<Value, crate::ModelError> {
    serde_json::from_str(text).map_err(|e| crate::ModelError::InvalidJson {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_text_errors_name_line_and_column() {
        let err = parse_json_text("{\n  \"a\": 1,\n  oops\n}").unwrap_err();
        match err {
            crate::ModelError::InvalidJson { line, column, .. } => assert_eq!((line, column), (3, 3), "{err}"),
            other => panic!("a JSON error is reported as such: {other}"),
        }
        assert_eq!(parse_json_text("[1, 2]").unwrap(), json!([1, 2]));
    }

    #[test]
    fn value_types_tell_integers_from_numbers_and_missing_from_null() {
        assert_eq!(ValueType::of(Some(&json!(3))), ValueType::Integer);
        assert_eq!(ValueType::of(Some(&json!(3.5))), ValueType::Number);
        assert_eq!(ValueType::of(Some(&Value::Null)), ValueType::Null);
        assert_eq!(ValueType::of(None), ValueType::Missing);
    }

    #[test]
    fn sample_sources_read_back_their_names() {
        for source in [SampleSource::Manual, SampleSource::Captured, SampleSource::Generated, SampleSource::Execution] {
            assert_eq!(SampleSource::parse(source.as_str()), Some(source));
            assert_eq!(serde_json::to_value(source).unwrap(), json!(source.as_str()), "JSON and store agree");
        }
        assert_eq!(SampleSource::parse("guessed"), None);
    }
}
