//! The component catalog: every trigger and action, each a descriptor (what the
//! designer and the validator see) plus, for actions, the code that runs it.

use std::collections::BTreeMap;
use std::sync::Arc;

use hookline_model::{ComponentDescriptor, ComponentKind};
use jsonschema::Validator;
use serde_json::Value;

use crate::components::{self, Action};

/// One catalog entry.
pub struct Component {
    pub descriptor: ComponentDescriptor,
    /// `None` for triggers: their output is the payload that started the run.
    pub action: Option<Arc<dyn Action>>,
    /// For triggers whose output's shape follows from their config: builds
    /// the output's JSON Schema from the config and the hook path
    /// (`/hook/{slug}`), with the example output's values as defaults.
    pub output_schema: Option<OutputSchema>,
    config_validator: Validator,
    input_validator: Validator,
}

/// See [`Component::output_schema`]: `(config, hook path, example output) -> schema`.
pub type OutputSchema = fn(&Value, &str, &Value) -> Value;

impl Component {
    /// Builds an entry; panics when a built-in descriptor carries an invalid
    /// schema, which is a programming error caught by the catalog's own tests.
    pub fn new(descriptor: ComponentDescriptor, action: Option<Arc<dyn Action>>) -> Component {
        let compile = |schema: &Value, what: &str| {
            jsonschema::validator_for(schema)
                .unwrap_or_else(|e| panic!("component {} has an invalid {what} schema: {e}", descriptor.id))
        };
        Component {
            config_validator: compile(&descriptor.config_schema, "config"),
            input_validator: compile(&descriptor.input_schema, "input"),
            descriptor,
            action,
            output_schema: None,
        }
    }

    /// The JSON Schema of this trigger's output for `config`, when the
    /// component can tell it.
    pub fn output_schema_for(&self, config: &Value, hook_path: &str) -> Option<Value> {
        self.output_schema.map(|build| build(config, hook_path, &self.descriptor.example_output))
    }

    pub fn is_trigger(&self) -> bool {
        self.descriptor.kind == ComponentKind::Trigger
    }

    /// Problems of a trigger's config, each as (path suffix, message).
    pub fn check_config(&self, config: &Value) -> Vec<(String, String)> {
        schema_problems(&self.config_validator, config)
    }

    /// Problems of a mapped input, each as (path suffix, message).
    pub fn check_input(&self, input: &Value) -> Vec<(String, String)> {
        schema_problems(&self.input_validator, input)
    }

    /// The schema of the input field at a dotted path (`body.name`): `Some(true)`
    /// (anything) below a field whose schema does not list properties, `None`
    /// when the path names no field.
    pub fn input_field_schema(&self, path: &str) -> Option<Value> {
        let mut schema = &self.descriptor.input_schema;
        for part in path.split('.') {
            if part.is_empty() {
                return None;
            }
            match schema.get("properties").and_then(|p| p.get(part)) {
                Some(field) => schema = field,
                None => {
                    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
                    let typed_non_object = schema.get("type").is_some_and(|t| {
                        t != "object" && !t.as_array().is_some_and(|a| a.iter().any(|t| t == "object"))
                    });
                    if closed || typed_non_object {
                        return None;
                    }
                    return Some(
                        schema
                            .get("additionalProperties")
                            .filter(|a| a.is_object())
                            .cloned()
                            .unwrap_or(Value::Bool(true)),
                    );
                }
            }
        }
        Some(schema.clone())
    }

    /// Top-level input fields the schema requires and gives no default for.
    pub fn required_inputs(&self) -> Vec<&str> {
        let schema = &self.descriptor.input_schema;
        let required = schema.get("required").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        required
            .iter()
            .filter_map(Value::as_str)
            .filter(|name| schema.get("properties").and_then(|p| p.get(*name)).and_then(|f| f.get("default")).is_none())
            .collect()
    }
}

/// Validation errors as (`.field[0]`-style path, message).
fn schema_problems(validator: &Validator, value: &Value) -> Vec<(String, String)> {
    validator
        .iter_errors(value)
        .map(|error| (pointer_to_path(&error.instance_path().to_string()), schema_message(&error)))
        .collect()
}

/// The validator's message, except that a value outside a list of choices
/// names every choice (the validator abbreviates long lists).
pub(crate) fn schema_message(error: &jsonschema::ValidationError<'_>) -> String {
    match error.kind() {
        jsonschema::error::ValidationErrorKind::Enum { options } => {
            let choices: Vec<String> =
                options.as_array().map(|o| o.iter().map(Value::to_string).collect()).unwrap_or_default();
            let list = match choices.split_last() {
                Some((last, [])) => last.clone(),
                Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                None => String::new(),
            };
            format!("{} is not one of {list}", error.instance())
        }
        _ => error.to_string(),
    }
}

/// Turns a JSON pointer (`/methods/0`) into the path notation used in problems
/// (`.methods[0]`).
fn pointer_to_path(pointer: &str) -> String {
    let mut path = String::new();
    for part in pointer.split('/').skip(1) {
        let part = part.replace("~1", "/").replace("~0", "~");
        if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            path.push_str(&format!("[{part}]"));
        } else {
            path.push('.');
            path.push_str(&part);
        }
    }
    path
}

/// Every component Hookline knows, by id.
pub struct Catalog {
    components: BTreeMap<String, Component>,
}

impl Catalog {
    /// The built-in components.
    pub fn standard() -> Catalog {
        let mut catalog = Catalog { components: BTreeMap::new() };
        for component in components::standard() {
            catalog.components.insert(component.descriptor.id.clone(), component);
        }
        catalog
    }

    pub fn get(&self, id: &str) -> Option<&Component> {
        self.components.get(id)
    }

    /// Every descriptor, triggers first, then by title.
    pub fn descriptors(&self) -> Vec<&ComponentDescriptor> {
        let mut all: Vec<_> = self.components.values().map(|c| &c.descriptor).collect();
        all.sort_by(|a, b| {
            (a.kind != ComponentKind::Trigger, &a.title).cmp(&(b.kind != ComponentKind::Trigger, &b.title))
        });
        all
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_descriptor_is_complete_and_its_example_output_is_json() {
        let catalog = Catalog::standard();
        for d in catalog.descriptors() {
            assert!(
                !d.title.is_empty() && !d.description.is_empty() && !d.icon.is_empty(),
                "{} needs title, description, icon",
                d.id
            );
            assert!(!d.example_output.is_null(), "{} needs an example output", d.id);
            let component = catalog.get(&d.id).unwrap();
            assert_eq!(
                component.action.is_some(),
                d.kind == ComponentKind::Action,
                "{}: actions run, triggers do not",
                d.id
            );
        }
    }

    #[test]
    fn the_catalog_has_the_spec_ids() {
        let catalog = Catalog::standard();
        for id in ["webhook", "manual", "http_request", "transform", "condition", "respond", "delay"] {
            assert!(catalog.get(id).is_some(), "component {id} is part of the contract for flow files");
        }
    }

    #[test]
    fn dotted_input_paths_resolve_into_the_input_schema() {
        let catalog = Catalog::standard();
        let http = catalog.get("http_request").unwrap();
        assert_eq!(http.input_field_schema("url").unwrap()["type"], "string");
        assert_eq!(http.input_field_schema("body.name"), Some(Value::Bool(true)), "body takes any fields");
        assert_eq!(http.input_field_schema("nope"), None, "unknown top-level field");
        assert_eq!(http.input_field_schema("url.x"), None, "a string has no fields");
        assert_eq!(http.required_inputs(), ["url"]);
    }

    #[test]
    fn config_problems_name_the_field() {
        let catalog = Catalog::standard();
        let problems = catalog.get("webhook").unwrap().check_config(&json!({"methods": ["FETCH"]}));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, ".methods[0]");
    }
}
