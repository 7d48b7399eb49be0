use std::sync::Arc;

use async_trait::async_trait;
use hookline_model::ComponentKind;
use serde_json::{json, Value};

use super::{empty_object_schema, Action, ActionContext, Describe, Outcome, StepFailure};
use crate::catalog::Component;

pub(crate) fn component() -> Component {
    let descriptor = Describe {
        id: "transform",
        kind: ComponentKind::Action,
        title: "Transform",
        description: "Reshapes data with a JSONata expression; the step's output is the expression's value.",
        icon: "shuffle",
    }
    .build(
        empty_object_schema(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {"value": {"title": "Value", "description": "Usually an expression building the new shape."}}
        }),
        json!({"fullName": "Ada Lovelace", "total": 42}),
    );
    Component::new(descriptor, Some(Arc::new(Transform)))
}

struct Transform;

#[async_trait]
impl Action for Transform {
    async fn run(&self, mut input: Value, _context: &ActionContext) -> Result<Outcome, StepFailure> {
        // A value that mapped to nothing (undefined) is output as null, so later
        // steps see an explicit empty result rather than a missing step.
        Ok(Outcome::output(input.get_mut("value").map(Value::take).unwrap_or(Value::Null)))
    }
}
