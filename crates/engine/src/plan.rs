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
