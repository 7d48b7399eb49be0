//! Flow parameters and run-form values: what a run starts with. A flow
//! declares its parameters (type, default, required, overridable); a Manual
//! trigger declares the fields of its run form. Every way a caller supplies
//! values (the designer's run form, `hookline run --param`, a webhook's
//! `JobParameters`) is checked here, so a bad value is refused the same way
//! everywhere, and before anything is stored.

use hookline_model::{FieldType, FlowDocument, Parameter};
use serde_json::{Map, Value};

use crate::trigger::ManualSettings;

/// Why supplied values were refused. Each names the parameter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    #[error("the flow has no parameter {0:?}")]
    Unknown(String),
    #[error("parameter {0:?} may not be set by a caller")]
    NotOverridable(String),
    #[error("parameter {name:?} must be {expected}, not {found}")]
    WrongType { name: String, expected: &'static str, found: String },
    #[error("parameter {0:?} is required and has no value")]
    Missing(String),
}

/// A value a run may be given, as this module sees it: a flow parameter or
/// a field of a Manual trigger's run form.
#[derive(Debug, Clone, Copy)]
pub struct Declared<'a> {
    pub name: &'a str,
    pub field_type: FieldType,
    pub default: &'a Value,
    pub required: bool,
    /// Whether a caller may set it; a parameter that is not keeps its default.
    pub overridable: bool,
}

impl<'a> From<&'a Parameter> for Declared<'a> {
    fn from(p: &'a Parameter) -> Self {
        Declared {
            name: &p.name,
            field_type: p.param_type,
            default: &p.default,
            required: p.required,
            overridable: p.overridable,
        }
    }
}

/// Checks `supplied` against `declared` and returns a value for every
/// declared name: the supplied one, else the default (`null` when there is
/// none). A supplied `null` counts as not given.
pub fn resolve<'a>(
    declared: impl IntoIterator<Item = Declared<'a>>,
    supplied: &Map<String, Value>,
) -> Result<Map<String, Value>, ParamError> {
    let declared: Vec<Declared> = declared.into_iter().collect();
    // Unknown names first: a typo is the likeliest mistake and the clearest
    // message; then each value in declaration order.
    if let Some(name) = supplied.keys().find(|name| !declared.iter().any(|d| d.name == name.as_str())) {
        return Err(ParamError::Unknown(name.clone()));
    }
    let mut values = Map::new();
    for d in declared {
        let value = match supplied.get(d.name).filter(|v| !v.is_null()) {
            Some(_) if !d.overridable => return Err(ParamError::NotOverridable(d.name.to_string())),
            Some(value) => {
                if !d.field_type.admits(value) {
                    return Err(ParamError::WrongType {
                        name: d.name.to_string(),
                        expected: article(d.field_type),
                        found: describe(value),
                    });
                }
                value.clone()
            }
            None => d.default.clone(),
        };
        if d.required && value.is_null() {
            return Err(ParamError::Missing(d.name.to_string()));
        }
        values.insert(d.name.to_string(), value);
    }
    Ok(values)
}

/// The flow's parameter values for a run, from the caller's values.
pub fn flow_params(document: &FlowDocument, supplied: &Map<String, Value>) -> Result<Map<String, Value>, ParamError> {
    resolve(document.parameters.iter().map(Declared::from), supplied)
}

/// The Manual trigger's output `{params}` from a run form's values. Every
/// field of a form can be filled in by whoever runs the flow.
pub fn run_form(form: &ManualSettings, supplied: &Map<String, Value>) -> Result<Value, ParamError> {
    let fields = form.parameters.iter().map(|field| Declared {
        name: &field.name,
        field_type: field.field_type,
        default: field.default.as_ref().unwrap_or(&Value::Null),
        required: field.required,
        overridable: true,
    });
    let mut output = Map::new();
    output.insert("params".into(), Value::Object(resolve(fields, supplied)?));
    Ok(Value::Object(output))
}

/// What `$params` holds during a run: the recorded values, with defaults for
/// any parameter the execution has no value for (one recorded before values
/// were, or a preview with none).
pub fn parameters(document: &FlowDocument, recorded: &Map<String, Value>) -> Map<String, Value> {
    document.parameters.iter().map(|p| (p.name.clone(), recorded.get(&p.name).unwrap_or(&p.default).clone())).collect()
}

/// A value typed on a command line (`--param count=3`): text for a string
/// parameter, JSON for the other types, and JSON when it reads as JSON for
/// an untyped one. Text that is not valid JSON stays text, so the type check
/// names what was typed.
pub fn from_text(field_type: FieldType, text: &str) -> Value {
    match field_type {
        FieldType::String => Value::String(text.to_string()),
        _ => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string())),
    }
}

fn article(field_type: FieldType) -> &'static str {
    match field_type {
        FieldType::String => "a string",
        FieldType::Number => "a number",
        FieldType::Integer => "an integer",
        FieldType::Boolean => "true or false",
        FieldType::Object => "an object",
        FieldType::Array => "an array",
        FieldType::Any => "a value",
    }
}

/// A short description of a refused value: its kind and, for a scalar, the
/// value itself.
fn describe(value: &Value) -> String {
    match value {
        Value::String(text) if text.chars().count() > 40 => {
            format!("the text {:?}…", text.chars().take(40).collect::<String>())
        }
        Value::String(text) => format!("the text {text:?}"),
        Value::Number(n) => format!("the number {n}"),
        Value::Bool(b) => b.to_string(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
        Value::Null => "null".into(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn document(parameters: Value) -> FlowDocument {
        serde_json::from_value(json!({"schemaVersion": 1, "name": "P", "parameters": parameters, "steps": []})).unwrap()
    }

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn defaults_fill_in_and_overridable_values_replace_them() {
        let doc = document(json!([
            {"name": "customer", "type": "string", "default": "ACME", "overridable": true},
            {"name": "limit", "type": "integer", "default": 10},
            {"name": "notes"}
        ]));
        assert_eq!(
            flow_params(&doc, &Map::new()).unwrap(),
            map(json!({"customer": "ACME", "limit": 10, "notes": null}))
        );
        let given = flow_params(&doc, &map(json!({"customer": "Globex"}))).unwrap();
        assert_eq!(given, map(json!({"customer": "Globex", "limit": 10, "notes": null})));
    }

    #[test]
    fn unknown_locked_mistyped_and_missing_values_are_refused_by_name() {
        let doc = document(json!([
            {"name": "count", "type": "integer", "overridable": true, "required": true},
            {"name": "mode", "type": "string", "default": "safe"}
        ]));
        let refuse = |supplied: Value| flow_params(&doc, &map(supplied)).unwrap_err();
        assert_eq!(refuse(json!({"count": 1, "cuont": 2})), ParamError::Unknown("cuont".into()));
        assert_eq!(refuse(json!({"count": 1, "mode": "fast"})), ParamError::NotOverridable("mode".into()));
        assert_eq!(refuse(json!({})), ParamError::Missing("count".into()));
        assert_eq!(refuse(json!({"count": null})), ParamError::Missing("count".into()), "null is no value");
        let wrong = refuse(json!({"count": 2.5}));
        assert_eq!(wrong.to_string(), "parameter \"count\" must be an integer, not the number 2.5");
        assert!(flow_params(&doc, &map(json!({"count": 3.0}))).is_ok(), "3.0 is a whole number");
    }

    #[test]
    fn command_line_text_reads_by_the_declared_type() {
        assert_eq!(from_text(FieldType::String, "123"), json!("123"));
        assert_eq!(from_text(FieldType::Integer, "123"), json!(123));
        assert_eq!(from_text(FieldType::Boolean, "false"), json!(false));
        assert_eq!(from_text(FieldType::Integer, "many"), json!("many"), "kept as text, for the type check to name");
        assert_eq!(from_text(FieldType::Any, "{\"a\": 1}"), json!({"a": 1}));
        assert_eq!(from_text(FieldType::Any, "hello"), json!("hello"));
    }

    #[test]
    fn a_run_form_becomes_the_manual_trigger_output() {
        let form: ManualSettings = serde_json::from_value(json!({"parameters": [
            {"name": "who", "type": "string", "required": true},
            {"name": "dryRun", "type": "boolean", "default": true}
        ]}))
        .unwrap();
        let output = run_form(&form, &map(json!({"who": "Ada"}))).unwrap();
        assert_eq!(output, json!({"params": {"who": "Ada", "dryRun": true}}));
        assert_eq!(run_form(&form, &Map::new()).unwrap_err(), ParamError::Missing("who".into()));
        let wrong = run_form(&form, &map(json!({"who": "Ada", "dryRun": "yes"}))).unwrap_err();
        assert_eq!(wrong.to_string(), "parameter \"dryRun\" must be true or false, not the text \"yes\"");
    }

    #[test]
    fn recorded_values_win_over_defaults_when_a_run_resumes() {
        let doc = document(json!([{"name": "a", "default": 1}, {"name": "b", "default": 2, "overridable": true}]));
        assert_eq!(parameters(&doc, &map(json!({"b": 5}))), map(json!({"a": 1, "b": 5})));
    }
}
