use std::sync::Arc;

use async_trait::async_trait;
use hookline_model::ComponentKind;
use serde_json::{json, Value};

use super::{empty_object_schema, Action, ActionContext, Describe, Outcome, StepFailure};
use crate::catalog::Component;

pub(crate) fn component() -> Component {
    let mut descriptor = Describe {
        id: "condition",
        kind: ComponentKind::Action,
        title: "Condition",
        description: "Chooses a branch: edges marked true run when the condition holds, edges marked false otherwise.",
        icon: "git-branch",
    }
    .build(
        empty_object_schema(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["condition"],
            "properties": {"condition": {"title": "Condition", "description": "A boolean, usually an expression such as body.amount > 100.", "type": "boolean"}}
        }),
        json!({"result": true}),
    );
    descriptor.branching = true;
    Component::new(descriptor, Some(Arc::new(Condition)))
}

struct Condition;

#[async_trait]
impl Action for Condition {
    async fn run(&self, input: Value, _context: &ActionContext) -> Result<Outcome, StepFailure> {
        let result = input
            .get("condition")
            .and_then(Value::as_bool)
            .ok_or_else(|| StepFailure::new("condition must be true or false"))?;
        Ok(Outcome { output: json!({"result": result}), branch: Some(result), reply: None })
    }
}
