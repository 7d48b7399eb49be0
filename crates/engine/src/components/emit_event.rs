//! The Emit Event action: starts every started flow whose Event trigger
//! names the event, and waits until their executions are committed. Output
//! `{name, delivered}`: how many flows it started.

use std::sync::Arc;

use async_trait::async_trait;
use hookline_model::ComponentKind;
use serde_json::{json, Map, Value};

use super::event::{is_event_name, NAME_PATTERN};
use super::{empty_object_schema, Action, ActionContext, Describe, Outcome, StepFailure};
use crate::catalog::Component;
use crate::events::Emission;

pub(crate) fn component() -> Component {
    let descriptor = Describe {
        id: "emit_event",
        kind: ComponentKind::Action,
        title: "Emit event",
        description:
            "Emits a custom event: every started flow whose Custom Event trigger names it runs, with the payload.",
        icon: "send",
    }
    .build(
        empty_object_schema(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["name"],
            "properties": {
                "name": {"title": "Event name", "type": "string", "pattern": NAME_PATTERN},
                "payload": {"title": "Payload", "description": "What the listening flows receive as payload."}
            }
        }),
        json!({"name": "order.created", "delivered": 2}),
    );
    Component::new(descriptor, Some(Arc::new(EmitEvent)))
}

struct EmitEvent;

#[async_trait]
impl Action for EmitEvent {
    async fn run(&self, input: Value, context: &ActionContext) -> Result<Outcome, StepFailure> {
        let name = input.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        if !is_event_name(&name) {
            return Err(StepFailure::new(format!("{name:?} is not an event name")));
        }
        let events = context.events.as_ref().ok_or_else(|| StepFailure::new("events cannot be emitted here"))?;
        let origin = &context.origin;
        let mut emitted_by = Map::new();
        emitted_by.insert("source".into(), json!("flow"));
        emitted_by.insert("flowId".into(), json!(origin.flow_id));
        if let Some(execution_id) = &origin.execution_id {
            emitted_by.insert("executionId".into(), json!(execution_id));
        }
        emitted_by.insert("stepId".into(), json!(origin.step_id));
        let emission = Emission {
            payload: input.get("payload").cloned().unwrap_or(Value::Null),
            emitted_by,
            depth: origin.event_depth + 1,
            // The same step of the same execution emits once, even when a
            // crash makes it run again.
            key: origin.execution_id.as_ref().map(|id| format!("event:{id}:{}", origin.step_id)),
            name: name.clone(),
        };
        let started = events.emit(emission).await.map_err(|error| StepFailure::new(error.to_string()))?;
        Ok(Outcome::output(json!({"name": name, "delivered": started.len(), "executions": started})))
    }

    fn side_effect(&self, input: &Value) -> Option<String> {
        let name = input.get("name").and_then(Value::as_str).unwrap_or("?");
        Some(format!("emit event {name}, which starts every started flow listening to it"))
    }
}
