use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use hookline_model::{ComponentKind, Reply};
use serde_json::{json, Value};

use super::{empty_object_schema, Action, ActionContext, Describe, Outcome, StepFailure};
use crate::catalog::Component;

pub(crate) fn component() -> Component {
    let descriptor = Describe {
        id: "respond",
        kind: ComponentKind::Action,
        title: "Respond",
        description: "Builds the HTTP reply (status, headers, body) that a synchronous webhook returns to its caller.",
        icon: "reply",
    }
    .build(
        empty_object_schema(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "status": {"title": "Status", "type": "integer", "minimum": 100, "maximum": 599, "default": 200},
                "headers": {"title": "Headers", "type": "object", "additionalProperties": {"type": "string"}},
                "body": {"title": "Body"}
            }
        }),
        json!({"status": 201, "headers": {"content-type": "application/json"}, "body": {"ok": true}}),
    );
    Component::new(descriptor, Some(Arc::new(Respond)))
}

struct Respond;

#[async_trait]
impl Action for Respond {
    async fn run(&self, input: Value, _context: &ActionContext) -> Result<Outcome, StepFailure> {
        let status = input.get("status").and_then(Value::as_u64).unwrap_or(200) as u16;
        let headers: BTreeMap<String, String> = input
            .get("headers")
            .and_then(Value::as_object)
            .map(|h| h.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
            .unwrap_or_default();
        let body = input.get("body").cloned().unwrap_or(Value::Null);
        let reply = Reply { status, headers, body };
        let output = serde_json::to_value(&reply).map_err(|e| StepFailure::new(e.to_string()))?;
        Ok(Outcome { output, branch: None, reply: Some(reply) })
    }
}
