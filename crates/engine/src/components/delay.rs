use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hookline_model::ComponentKind;
use serde_json::{json, Value};

use super::{empty_object_schema, Action, ActionContext, Describe, Outcome, StepFailure};
use crate::catalog::Component;

/// One hour: longer waits belong to a Schedule trigger, not a running execution.
const MAX_DELAY_MS: u64 = 3_600_000;

pub(crate) fn component() -> Component {
    let descriptor = Describe {
        id: "delay",
        kind: ComponentKind::Action,
        title: "Delay",
        description: "Waits a number of milliseconds before the next step (at most one hour).",
        icon: "timer",
    }
    .build(
        empty_object_schema(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["ms"],
            "properties": {"ms": {"title": "Milliseconds", "type": "integer", "minimum": 0, "maximum": MAX_DELAY_MS}}
        }),
        json!({"waitedMs": 1000}),
    );
    Component::new(descriptor, Some(Arc::new(Delay)))
}

struct Delay;

#[async_trait]
impl Action for Delay {
    async fn run(&self, input: Value, context: &ActionContext) -> Result<Outcome, StepFailure> {
        let ms =
            input.get("ms").and_then(Value::as_u64).ok_or_else(|| StepFailure::new("ms must be a whole number"))?;
        let started = tokio::time::Instant::now();
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(ms)) => Ok(Outcome::output(json!({"waitedMs": ms}))),
            () = context.cancel.cancelled() => Err(StepFailure::new(format!(
                "cancelled after {} of {ms} ms", started.elapsed().as_millis()
            ))),
        }
    }
}
