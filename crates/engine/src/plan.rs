//! A flow compiled for running: validated once, expressions parsed once, steps
//! in topological order. Compiled plans are cached per published version.

use std::sync::Arc;

use hookline_model::{FlowDocument, Input, Step};
use jsonschema::Validator;
use serde_json::Value;

use crate::catalog::Catalog;
use crate::mapping::{Expression, MappingError};
use crate::trigger::TriggerSettings;
use crate::validate::{validate, Graph, Problem};

/// How one input field gets its value at run time.
#[derive(Debug, Clone)]
pub enum PlannedInput {
    Value(Value),
    Expr(Expression),
}

/// One step, ready to run.
#[derive(Debug, Clone)]
pub struct PlannedStep {
    pub id: String,
    pub name: String,
    pub component: String,
    pub is_trigger: bool,
    /// Input fields by dotted path, parents before children (`body` before
    /// `body.name`), so a whole-object value can be refined field by field.
    pub inputs: Vec<(Vec<String>, PlannedInput)>,
    /// Edges to later steps (indices into [`Plan::steps`]) with their `when`.
    pub next: Vec<(usize, Option<bool>)>,
    /// The step's input validator when it declares fields (`body.name`).
    pub input_validator: Option<Arc<Validator>>,
    /// The earlier steps whose outputs its expressions read as
    /// `$steps.<id>`; `None` when one reads `$steps` in another way (as a
    /// whole, by a computed key), so every output must be bound.
    pub reads_steps: Option<Vec<String>>,
    /// How a failed action is tried again; `None` for one attempt.
    pub retry: Option<hookline_model::RetryPolicy>,
    /// Whether the flow goes on after this action fails.
    pub continue_on_error: bool,
}

/// A validated flow, in the order its steps run.
#[derive(Debug)]
pub struct Plan {
    pub document: FlowDocument,
    /// Steps in topological order; the trigger comes first.
    pub steps: Vec<PlannedStep>,
    /// The trigger's settings, read once by its component.
    pub trigger: TriggerSettings,
}

impl Plan {
    /// Validates `document` and compiles it; a flow with problems does not compile.
    pub fn compile(document: FlowDocument, catalog: &Catalog) -> Result<Plan, Vec<Problem>> {
        let problems = validate(&document, catalog);
        if !problems.is_empty() {
            return Err(problems);
        }
        let trigger = catalog
            .trigger_step(&document)
            .and_then(|step| Some((step, catalog.get(&step.component)?.trigger_settings?)))
            .map(|(step, parse)| {
                parse(step).map_err(|message| {
                    let index = document.steps.iter().position(|s| s.id == step.id).unwrap_or_default();
                    vec![Problem { path: format!("steps[{index}].config"), message }]
                })
            })
            .expect("validation found exactly one trigger, and every trigger component reads its settings")?;
        let graph = Graph::new(&document);
        let order = graph.topological_order().expect("validation rejected cycles");
        let position: Vec<usize> = {
            let mut position = vec![0; order.len()];
            for (at, &index) in order.iter().enumerate() {
                position[index] = at;
            }
            position
        };
        let mut steps = Vec::with_capacity(order.len());
        for &index in &order {
            let step = &document.steps[index];
            let inputs = planned_inputs(step).expect("validation parsed every expression");
            steps.push(PlannedStep {
                id: step.id.clone(),
                name: step.name.clone(),
                component: step.component.clone(),
                is_trigger: catalog.get(&step.component).is_some_and(|c| c.is_trigger()),
                inputs,
                next: graph.outgoing[index].iter().map(|&(to, when)| (position[to], when)).collect(),
                input_validator: catalog.get(&step.component).and_then(|c| c.step_input_validator(&step.fields)),
                reads_steps: steps_read(step),
                retry: step.retry.clone(),
                continue_on_error: step.continue_on_error,
            });
        }
        Ok(Plan { document, steps, trigger })
    }
}

/// Input fields by dotted path (split), with how each gets its value.
pub type PlannedInputs = Vec<(Vec<String>, PlannedInput)>;

/// A step's inputs ready to evaluate: dotted paths split, expressions parsed,
/// in key order (parents before children). Fails on the first expression that
/// does not parse, naming its field.
pub fn planned_inputs(step: &Step) -> Result<PlannedInputs, (String, MappingError)> {
    step.inputs
        .iter()
        .map(|(key, input)| {
            let planned = match input {
                Input::Value(v) => PlannedInput::Value(v.clone()),
                Input::Expr(source) => PlannedInput::Expr(Expression::parse(source).map_err(|e| (key.clone(), e))?),
            };
            Ok((key.split('.').map(str::to_string).collect(), planned))
        })
        .collect()
}

/// The step ids a step's expressions read as `$steps.<id>`, or `None` when
/// some expression mentions `$steps` otherwise. Read from the source text: a
/// `$steps.<id>` inside a string literal only adds an output that is bound
/// but unused, never leaves out one that is read.
pub fn steps_read(step: &Step) -> Option<Vec<String>> {
    const NAME: &str = "$steps";
    let mut read = std::collections::BTreeSet::new();
    for input in step.inputs.values() {
        let Input::Expr(source) = input else { continue };
        let mut rest = source.as_str();
        while let Some(at) = rest.find(NAME) {
            let after = &rest[at + NAME.len()..];
            // `$stepsX` is another variable.
            if after.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                rest = after;
                continue;
            }
            let after_dot = after.trim_start().strip_prefix('.')?.trim_start();
            let id: String = after_dot.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if id.is_empty() {
                return None;
            }
            read.insert(id);
            rest = after_dot;
        }
    }
    Some(read.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(exprs: &[&str]) -> Step {
        let inputs: serde_json::Map<String, Value> =
            exprs.iter().enumerate().map(|(i, e)| (format!("f{i}"), serde_json::json!({"expr": e}))).collect();
        serde_json::from_value(
            serde_json::json!({"id": "stp_x", "component": "transform", "name": "X", "inputs": inputs}),
        )
        .unwrap()
    }

    #[test]
    fn a_step_binds_only_the_outputs_its_expressions_name() {
        assert_eq!(
            steps_read(&step(&["$steps.stp_a.id & $steps . stp_b", "body.x"])),
            Some(vec!["stp_a".into(), "stp_b".into()])
        );
        assert_eq!(steps_read(&step(&["$stepsCount + 1"])), Some(vec![]), "another variable is not $steps");
        assert_eq!(steps_read(&step(&["$keys($steps)"])), None, "reading $steps as a whole binds every output");
        assert_eq!(steps_read(&step(&["$steps.`stp a`"])), None, "a quoted name binds every output");
        assert_eq!(steps_read(&step(&["$lookup($steps, 'stp_a')"])), None);
    }
}
