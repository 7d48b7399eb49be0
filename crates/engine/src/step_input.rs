//! How a step's input is built from its `inputs` and the flow's bindings
//! (`$trigger`, `$steps`, `$params`, `$execution`). The executor and the
//! designer's preview both go through this module, so a preview shows exactly
//! what a run would send (M6.4).

use hookline_model::FlowDocument;
use jsonata_core::evaluator::CancelToken;
use serde_json::{Map, Value};

use crate::mapping::{Expression, Limits, Mapper, MappingError};
use crate::plan::PlannedInput;

/// What a step's expressions see: the trigger's output (also the input of
/// every expression), earlier steps' outputs by id, the parameters after
/// overrides and the execution's identity.
#[derive(Debug, Clone)]
pub struct StepScope {
    pub trigger: Value,
    /// An object of earlier steps' outputs by step id.
    pub steps: Value,
    pub params: Value,
    pub execution: Value,
}

impl StepScope {
    /// A mapper over this scope, built on the thread that evaluates.
    pub fn mapper(&self, limits: &Limits, cancel: Option<CancelToken>) -> Mapper {
        let bindings = [
            ("trigger", &self.trigger),
            ("steps", &self.steps),
            ("params", &self.params),
            ("execution", &self.execution),
        ];
        Mapper::new(Some(&self.trigger), bindings, limits, cancel)
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

/// The flow's parameters: defaults, with overrides for the ones that allow it.
pub fn parameters(document: &FlowDocument, overrides: &Map<String, Value>) -> Map<String, Value> {
    document
        .parameters
        .iter()
        .map(|p| {
            let value = match overrides.get(&p.name) {
                Some(v) if p.overridable => v.clone(),
                _ => p.default.clone(),
            };
            (p.name.clone(), value)
        })
        .collect()
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
        let scope = StepScope {
            trigger: json!({"body": {"n": 2}}),
            steps: json!({"stp_a": {"m": 3}}),
            params: json!({"k": 4}),
            execution: json!({"id": "exe_x"}),
        };
        let expr = Expression::parse("body.n + $trigger.body.n + $steps.stp_a.m + $params.k").unwrap();
        assert_eq!(scope.mapper(&Limits::default(), None).evaluate(&expr), Ok(Some(json!(11))));
    }
}
