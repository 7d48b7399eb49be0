//! How a step's input is built from its `inputs` and the flow's bindings
//! (`$trigger`, `$steps`, `$params`, `$execution`). The executor and the
//! designer's preview both go through this module, so a preview shows exactly
//! what a run would send (M6.4).

use std::sync::Arc;

use jsonata_core::evaluator::{CancelToken, Context};
use jsonata_core::value::{with_stack, JValue};
use serde_json::{Map, Value};

use crate::mapping::{to_jvalue, Expression, Limits, Mapper, MappingError};
use crate::plan::PlannedInput;

/// What a step's expressions see: the trigger's output (also the input of
/// every expression), earlier steps' outputs by id, the parameters after
/// overrides and the execution's identity. Values are shared, not copied: a
/// run builds one scope per step, and copying every earlier output into each
/// would cost a long flow quadratic time.
#[derive(Debug, Clone)]
pub struct StepScope {
    pub trigger: Arc<Value>,
    /// Earlier steps' outputs by step id (those the step reads, in a run).
    pub steps: Vec<(String, Arc<Value>)>,
    pub params: Arc<Value>,
    pub execution: Arc<Value>,
}

impl StepScope {
    /// A scope over plain values (the designer's previews).
    pub fn new(trigger: Value, steps: Map<String, Value>, params: Value, execution: Value) -> StepScope {
        StepScope {
            trigger: Arc::new(trigger),
            steps: steps.into_iter().map(|(id, output)| (id, Arc::new(output))).collect(),
            params: Arc::new(params),
            execution: Arc::new(execution),
        }
    }

    /// A mapper over this scope, built on the thread that evaluates.
    pub fn mapper(&self, limits: &Limits, cancel: Option<CancelToken>) -> Mapper {
        // The trigger is the input and `$trigger`: converted once, shared.
        let input = to_jvalue(&self.trigger);
        let steps = JValue::object(with_stack(|| {
            self.steps.iter().map(|(id, output)| (id.clone(), to_jvalue(output))).collect()
        }));
        let mut context = Context::new();
        context.bind("trigger".into(), input.clone());
        context.bind("steps".into(), steps);
        context.bind("params".into(), to_jvalue(&self.params));
        context.bind("execution".into(), to_jvalue(&self.execution));
        Mapper::with_context(context, input, limits, cancel)
    }
}

/// One field's value: a literal as written, an expression evaluated.
/// `Ok(None)` is undefined: the field is left out of the input.
pub fn field_value(input: &PlannedInput, mapper: &mut Mapper) -> Result<Option<Value>, MappingError> {
    match input {
        PlannedInput::Value(v) => Ok(Some(v.clone())),
        PlannedInput::Expr(e) => mapper.evaluate(e),
    }
}

/// Assembles an input object from dotted paths, in order (parents before
/// children, so a whole-object value can be refined field by field). An
/// expression that yields nothing (undefined) leaves its field unset.
pub fn build_input(
    inputs: &[(Vec<String>, PlannedInput)],
    mut evaluate: impl FnMut(&Expression) -> Result<Option<Value>, String>,
) -> Result<Value, String> {
    let mut root = Value::Object(Map::new());
    for (path, input) in inputs {
        let value = match input {
            PlannedInput::Value(v) => Some(v.clone()),
            PlannedInput::Expr(e) => evaluate(e).map_err(|message| format!("input {}: {message}", path.join(".")))?,
        };
        let Some(value) = value else { continue };
        assign(&mut root, path, value)?;
    }
    Ok(root)
}

/// Sets `value` at a dotted `path` inside `root`, creating objects on the way.
fn assign(root: &mut Value, path: &[String], value: Value) -> Result<(), String> {
    let mut slot = root;
    for (depth, key) in path.iter().enumerate() {
        let Value::Object(map) = slot else {
            return Err(format!(
                "input {}: {} is not an object, so it has no field {key}",
                path.join("."),
                path[..depth].join(".")
            ));
        };
        slot = map.entry(key.clone()).or_insert_with(|| Value::Object(Map::new()));
    }
    *slot = value;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn literal(path: &str, value: Value) -> (Vec<String>, PlannedInput) {
        (path.split('.').map(String::from).collect(), PlannedInput::Value(value))
    }

    #[test]
    fn dotted_inputs_build_nested_objects_and_refine_a_whole_value() {
        let inputs = [literal("body", json!({"a": 1})), literal("body.b", json!(2)), literal("url", json!("http://x"))];
        let built = build_input(&inputs, |_| unreachable!()).unwrap();
        assert_eq!(built, json!({"body": {"a": 1, "b": 2}, "url": "http://x"}));
    }

    #[test]
    fn a_field_below_a_non_object_is_a_clear_error() {
        let inputs = [literal("body", json!("text")), literal("body.b", json!(2))];
        let err = build_input(&inputs, |_| unreachable!()).unwrap_err();
        assert!(err.contains("body is not an object"), "{err}");
    }

    #[test]
    fn a_scope_binds_the_trigger_as_input_and_as_variable() {
        let steps = json!({"stp_a": {"m": 3}}).as_object().cloned().unwrap();
        let scope = StepScope::new(json!({"body": {"n": 2}}), steps, json!({"k": 4}), json!({"id": "exe_x"}));
        let expr = Expression::parse("body.n + $trigger.body.n + $steps.stp_a.m + $params.k").unwrap();
        assert_eq!(scope.mapper(&Limits::default(), None).evaluate(&expr), Ok(Some(json!(11))));
    }
}
