use hookline_model::ComponentKind;
use serde_json::json;

use super::{empty_object_schema, Describe};
use crate::catalog::Component;

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
    Component::new(descriptor, None)
}
