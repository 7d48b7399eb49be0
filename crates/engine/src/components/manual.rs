use hookline_model::{ComponentKind, FieldType, Step};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{empty_object_schema, Describe};
use crate::catalog::Component;
use crate::trigger::TriggerSettings;

/// The Manual trigger's settings: the fields of its run form.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ManualSettings {
    #[serde(default)]
    pub parameters: Vec<FormField>,
}

/// One field of the run form.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FormField {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default = "default_type", rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub default: Option<Value>,
}

fn default_type() -> FieldType {
    FieldType::String
}

impl ManualSettings {
    fn from_step(step: &Step) -> Result<ManualSettings, String> {
        serde_json::from_value(step.config.clone().unwrap_or_else(|| json!({})))
            .map_err(|e| format!("the run form does not read: {e}"))
    }
}

/// The Manual trigger: run from the app or `hookline run`, with a parameter form.
pub(crate) fn component() -> Component {
    let descriptor = Describe {
        id: "manual",
        kind: ComponentKind::Trigger,
        title: "Manual run",
        description: "Starts the flow by hand, from the app or the command line, with a form of parameters.",
        icon: "play",
    }
    .build(
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "parameters": {
                    "title": "Parameters", "description": "Fields of the form shown when the flow is run by hand.",
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name"],
                        "additionalProperties": false,
                        "properties": {
                            "name": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                            "title": {"type": "string"},
                            "type": {"enum": ["string", "number", "integer", "boolean", "object", "array"], "default": "string"},
                            "required": {"type": "boolean", "default": false},
                            "default": {}
                        }
                    }
                }
            }
        }),
        empty_object_schema(),
        json!({"params": {"customer": "ACME", "dryRun": false}}),
    );
    let mut component = Component::new(descriptor, None);
    component.output_schema = Some(output_schema);
    component.trigger_settings = Some(|step| ManualSettings::from_step(step).map(TriggerSettings::Manual));
    component
}

/// `{params: {…}}` with one field per parameter of the config's form, typed
/// as declared; without a form, the example's parameters.
fn output_schema(config: &Value, _hook_path: &str, example: &Value) -> Value {
    let Some(fields) = config.get("parameters").and_then(Value::as_array).filter(|f| !f.is_empty()) else {
        return json!({"type": "object", "properties": {"params": {"type": "object", "default": example.get("params")}}});
    };
    let mut properties = serde_json::Map::new();
    let mut required = vec![];
    for field in fields {
        let Some(name) = field.get("name").and_then(Value::as_str) else { continue };
        let mut schema = json!({"type": field.get("type").and_then(Value::as_str).unwrap_or("string")});
        if let Some(default) = field.get("default") {
            schema["default"] = default.clone();
        }
        if field.get("required") == Some(&Value::Bool(true)) {
            required.push(name.to_string());
        }
        properties.insert(name.to_string(), schema);
    }
    json!({
        "type": "object",
        "required": ["params"],
        "properties": {"params": {"type": "object", "required": required, "properties": properties}}
    })
}
