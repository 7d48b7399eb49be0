use hookline_model::ComponentKind;
use serde_json::{json, Value};

use super::{empty_object_schema, Describe};
use crate::catalog::Component;

/// The Webhook trigger. Its runtime is the listener, which turns a request to
/// `/hook/{flow}` into the output `{method, path, headers, query, body}`.
pub(crate) fn component() -> Component {
    let mut descriptor = Describe {
        id: "webhook",
        kind: ComponentKind::Trigger,
        title: "Webhook",
        description: "Starts the flow when an HTTP request reaches the flow's local hook URL.",
        icon: "webhook",
    }
    .build(
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "methods": {
                    "title": "Methods", "description": "HTTP methods the hook accepts.",
                    "type": "array", "minItems": 1, "uniqueItems": true, "default": ["POST"],
                    "items": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]}
                },
                "slug": {
                    "title": "Slug", "description": "A readable name for the hook URL: /hook/{slug}.",
                    "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
                },
                "respond": {
                    "title": "Reply", "description": "async answers 202 at once; sync waits for the flow to finish.",
                    "enum": ["async", "sync"], "default": "async"
                },
                "timeoutMs": {
                    "title": "Sync timeout (ms)", "description": "How long a synchronous reply waits for the flow.",
                    "type": "integer", "minimum": 1, "maximum": 300000, "default": 30000
                },
                "policies": {
                    "title": "Access policies", "description": "Rules such as profile:admin or role:reviewers; any match admits the caller.",
                    "type": "array", "items": {"type": "string", "pattern": "^(profile|role):.+$"}
                }
            }
        }),
        empty_object_schema(),
        json!({
            "method": "POST",
            "path": "/hook/pets",
            "headers": {"content-type": "application/json"},
            "query": {},
            "body": {"petname": "Gromit", "petstatus": "available"}
        }),
    );
    descriptor.credential_kinds = ["none", "basic", "api_key", "bearer", "hmac"].map(String::from).to_vec();
    let mut component = Component::new(descriptor, None);
    component.output_schema = Some(output_schema);
    component
}

/// `{method, path, headers, query, body}`: the methods the config accepts,
/// the hook's path, JSON headers, no query, and the example body.
fn output_schema(config: &Value, hook_path: &str, example: &Value) -> Value {
    let methods = config.get("methods").filter(|m| m.as_array().is_some_and(|m| !m.is_empty())).cloned();
    json!({
        "type": "object",
        "required": ["method", "path", "headers", "query", "body"],
        "properties": {
            "method": {"enum": methods.unwrap_or_else(|| json!(["POST"]))},
            "path": {"const": hook_path},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}, "default": {"content-type": "application/json"}},
            "query": {"type": "object", "default": {}},
            "body": {"default": example.get("body").cloned().unwrap_or(Value::Null)}
        }
    })
}
