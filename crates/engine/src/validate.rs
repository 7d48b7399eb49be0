//! Design validation of a flow document against the catalog: everything that
//! must hold before a draft can be published or run. Each problem names the
//! path of what is wrong, so the designer can point at the step and field.

use std::collections::{BTreeSet, HashMap};

use hookline_model::{ids, FlowDocument, Input};
use serde_json::Value;

use crate::catalog::Catalog;
use crate::mapping::Expression;

/// One thing wrong with a flow, at a path such as `steps[1].inputs["url"]` or
/// `edges[0].to`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

fn problem(path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem { path: path.into(), message: message.into() }
}

/// The step graph with edges resolved to indices into `doc.steps`. Edges that
/// name unknown steps are left out (they are reported separately).
pub(crate) struct Graph {
    pub outgoing: Vec<Vec<(usize, Option<bool>)>>,
    pub incoming: Vec<Vec<usize>>,
}

impl Graph {
    pub fn new(doc: &FlowDocument) -> Graph {
        let index: HashMap<&str, usize> = doc.steps.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
        let mut graph = Graph { outgoing: vec![vec![]; doc.steps.len()], incoming: vec![vec![]; doc.steps.len()] };
        for edge in &doc.edges {
            if let (Some(&from), Some(&to)) = (index.get(edge.from.as_str()), index.get(edge.to.as_str())) {
                graph.outgoing[from].push((to, edge.when));
                graph.incoming[to].push(from);
            }
        }
        graph
    }

    /// Steps in an order where every step comes after its predecessors; ties
    /// keep document order. `Err` holds the steps that sit on a cycle.
    pub fn topological_order(&self) -> Result<Vec<usize>, Vec<usize>> {
        let mut remaining: Vec<usize> = self.incoming.iter().map(Vec::len).collect();
        let mut ready: BTreeSet<usize> = (0..remaining.len()).filter(|&i| remaining[i] == 0).collect();
        let mut order = Vec::with_capacity(remaining.len());
        while let Some(next) = ready.pop_first() {
            order.push(next);
            for &(to, _) in &self.outgoing[next] {
                remaining[to] -= 1;
                if remaining[to] == 0 {
                    ready.insert(to);
                }
            }
        }
        if order.len() == remaining.len() {
            Ok(order)
        } else {
            Err((0..remaining.len()).filter(|&i| remaining[i] > 0).collect())
        }
    }

    /// Every step from which `step` can be reached.
    pub fn ancestors(&self, step: usize) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut stack = self.incoming[step].clone();
        while let Some(next) = stack.pop() {
            if seen.insert(next) {
                stack.extend(&self.incoming[next]);
            }
        }
        seen
    }
}

/// Every design problem of `doc`, in document order. An empty list means the
/// flow can be published and run.
pub fn validate(doc: &FlowDocument, catalog: &Catalog) -> Vec<Problem> {
    let mut problems = Vec::new();
    if doc.name.trim().is_empty() {
        problems.push(problem("name", "a flow needs a name"));
    }
    let mut names = BTreeSet::new();
    for (i, parameter) in doc.parameters.iter().enumerate() {
        if parameter.name.is_empty() || !parameter.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            problems
                .push(problem(format!("parameters[{i}].name"), "use letters, digits and '_', so $params.<name> works"));
        } else if !names.insert(parameter.name.as_str()) {
            problems.push(problem(
                format!("parameters[{i}].name"),
                format!("parameter {} is declared twice", parameter.name),
            ));
        }
        if !parameter.default.is_null() && !parameter.param_type.admits(&parameter.default) {
            problems.push(problem(
                format!("parameters[{i}].default"),
                format!("the default is not of type {}", parameter.param_type.as_str()),
            ));
        }
        if parameter.required && parameter.default.is_null() && !parameter.overridable {
            problems.push(problem(
                format!("parameters[{i}].required"),
                "a required parameter needs a default, or must be overridable so callers can give it",
            ));
        }
    }

    if doc.steps.is_empty() {
        problems.push(problem("steps", "the flow has no steps; add a trigger"));
        return problems;
    }
    let mut seen_ids: HashMap<&str, usize> = HashMap::new();
    let mut trigger: Option<usize> = None;
    for (i, step) in doc.steps.iter().enumerate() {
        if let Err(message) = ids::check_step_id(&step.id) {
            problems.push(problem(format!("steps[{i}].id"), message));
        }
        if let Some(first) = seen_ids.insert(&step.id, i) {
            problems.push(problem(format!("steps[{i}].id"), format!("{} is also the id of steps[{first}]", step.id)));
        }
        match catalog.get(&step.component) {
            None => problems
                .push(problem(format!("steps[{i}].component"), format!("unknown component {:?}", step.component))),
            Some(component) if component.is_trigger() => match trigger {
                Some(first) => problems.push(problem(
                    format!("steps[{i}].component"),
                    format!("a flow has exactly one trigger and {} is already its trigger", doc.steps[first].id),
                )),
                None => trigger = Some(i),
            },
            Some(_) => {}
        }
    }
    if trigger.is_none() && doc.steps.iter().all(|s| catalog.get(&s.component).is_some()) {
        problems.push(problem("steps", "the flow has no trigger; add a trigger step such as webhook or manual"));
    }

    let graph = Graph::new(doc);
    problems.extend(edge_problems(doc, catalog, trigger));
    let acyclic = match graph.topological_order() {
        Ok(_) => true,
        Err(cycle) => {
            let ids: Vec<&str> = cycle.iter().map(|&i| doc.steps[i].id.as_str()).collect();
            problems
                .push(problem("edges", format!("the steps {} form a cycle; a flow must be acyclic", ids.join(", "))));
            false
        }
    };
    if let (Some(trigger), true) = (trigger, acyclic) {
        for (i, step) in doc.steps.iter().enumerate() {
            if i != trigger && !graph.ancestors(i).contains(&trigger) {
                problems.push(problem(
                    format!("steps[{i}]"),
                    format!("{} is not connected to the trigger, so it would never run", step.id),
                ));
            }
        }
    }

    for (i, step) in doc.steps.iter().enumerate() {
        let Some(component) = catalog.get(&step.component) else { continue };
        let at = format!("steps[{i}]");
        if component.is_trigger() {
            if !step.inputs.is_empty() {
                problems.push(problem(format!("{at}.inputs"), "a trigger has config, not inputs"));
            }
            if !step.fields.is_empty() {
                problems.push(problem(format!("{at}.fields"), "a trigger has config, not declared input fields"));
            }
            if step.retry.is_some() {
                problems.push(problem(format!("{at}.retry"), "only actions are retried; a trigger does not fail"));
            }
            if step.continue_on_error {
                problems.push(problem(format!("{at}.continueOnError"), "only an action can fail and be continued"));
            }
            let config = step.config.clone().unwrap_or_else(|| Value::Object(Default::default()));
            let config_problems = component.check_config(&config);
            let fits_schema = config_problems.is_empty();
            for (path, message) in config_problems {
                problems.push(problem(format!("{at}.config{path}"), message));
            }
            // What a schema cannot check (a cron expression, a time zone) the
            // component's own reading does, as compiling the version will:
            // a flow that validates also compiles.
            if let (true, Some(parse)) = (fits_schema, component.trigger_settings) {
                match parse(step) {
                    Err(message) => problems.push(problem(format!("{at}.config"), message)),
                    Ok(_) => {
                        for (path, message) in
                            component.document_check.map(|check| check(step, doc)).unwrap_or_default()
                        {
                            problems.push(problem(format!("{at}.config{path}"), message));
                        }
                    }
                }
            }
        } else {
            if step.config.is_some() {
                problems.push(problem(format!("{at}.config"), "an action has inputs, not config"));
            }
            if let Some(message) = step.retry.as_ref().and_then(|retry| retry.problem()) {
                problems.push(problem(format!("{at}.retry"), message));
            }
            let ancestors = if acyclic { Some(graph.ancestors(i)) } else { None };
            for (field, message) in component.declaration_problems(&step.fields) {
                problems.push(problem(format!("{at}.fields[{field}]"), message));
            }
            let step_schema = component.step_input_schema(&step.fields);
            for (key, input) in &step.inputs {
                let path = format!("{at}.inputs[{key:?}]");
                let Some(schema) = crate::catalog::field_schema(&step_schema, key) else {
                    problems.push(problem(path, format!("{} has no input field {key}", step.component)));
                    continue;
                };
                match input {
                    Input::Value(value) => {
                        if let Ok(validator) = jsonschema::validator_for(&schema) {
                            if let Some(error) = validator.iter_errors(value).next() {
                                problems.push(problem(path, crate::catalog::schema_message(&error)));
                            }
                        }
                    }
                    Input::Expr(source) => {
                        match Expression::parse(source) {
                            Err(error) => problems.push(problem(path, format!("invalid expression: {error}"))),
                            Ok(expression) => {
                                for id in expression.step_references() {
                                    match seen_ids.get(id.as_str()) {
                                        None => problems
                                            .push(problem(&path, format!("unknown step id {id} in $steps.{id}"))),
                                        Some(&j) if ancestors.as_ref().is_some_and(|a| !a.contains(&j)) => problems
                                            .push(problem(
                                                &path,
                                                format!(
                                                    "$steps.{id} refers to a step that does not run before {}",
                                                    step.id
                                                ),
                                            )),
                                        Some(_) => {}
                                    }
                                }
                            }
                        }
                    }
                }
            }
            for required in crate::catalog::required_fields(&step_schema) {
                if !crate::catalog::is_mapped(&required, step.inputs.keys()) {
                    problems.push(problem(format!("{at}.inputs"), format!("the required input {required} is not set")));
                }
            }
        }
        if let Some(credential) = &step.credential {
            if component.descriptor.credential_kinds.is_empty() {
                problems.push(problem(
                    format!("{at}.credential"),
                    format!("{} takes no credential, but {credential:?} is set", step.component),
                ));
            }
        }
    }
    problems
}

fn edge_problems(doc: &FlowDocument, catalog: &Catalog, trigger: Option<usize>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, edge) in doc.edges.iter().enumerate() {
        let from = doc.steps.iter().position(|s| s.id == edge.from);
        let to = doc.steps.iter().position(|s| s.id == edge.to);
        if from.is_none() {
            problems.push(problem(format!("edges[{i}].from"), format!("no step {}", edge.from)));
        }
        if to.is_none() {
            problems.push(problem(format!("edges[{i}].to"), format!("no step {}", edge.to)));
        }
        let (Some(from), Some(to)) = (from, to) else { continue };
        if from == to {
            problems.push(problem(format!("edges[{i}]"), format!("{} is connected to itself", edge.from)));
        }
        if Some(to) == trigger {
            problems.push(problem(
                format!("edges[{i}].to"),
                format!("{} is the trigger; nothing can lead into it", edge.to),
            ));
        }
        if !seen.insert((&edge.from, &edge.to, edge.when)) {
            problems.push(problem(format!("edges[{i}]"), format!("duplicate edge from {} to {}", edge.from, edge.to)));
        }
        let branching = catalog.get(&doc.steps[from].component).is_some_and(|c| c.descriptor.branching);
        match (branching, edge.when) {
            (true, None) => problems.push(problem(
                format!("edges[{i}].when"),
                format!(
                    "{} is a {} step: its edges need \"when\": true or false",
                    edge.from, doc.steps[from].component
                ),
            )),
            (false, Some(_)) => problems.push(problem(
                format!("edges[{i}].when"),
                format!(
                    "only edges leaving a branching step (condition) carry \"when\"; {} is a {}",
                    edge.from, doc.steps[from].component
                ),
            )),
            _ => {}
        }
    }
    problems
}
