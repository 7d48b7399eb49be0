//! The component catalog: every trigger and action, each a descriptor (what the
//! designer and the validator see) plus, for actions, the code that runs it.

use std::collections::BTreeMap;
use std::sync::Arc;

use hookline_model::{ComponentDescriptor, ComponentKind, DeclaredField, FieldType};
use jsonschema::Validator;
use serde_json::{json, Value};

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
    /// For triggers: reads a step's config into the trigger's typed settings.
    pub trigger_settings: Option<crate::trigger::ParseSettings>,
    /// For triggers: turns a sample a person typed into the trigger's output
    /// (a webhook's typed sample is the request body), so the sample, the
    /// preview and a run see the same shape.
    pub typed_sample: Option<TypedSample>,
    /// For triggers whose config refers to the rest of the flow (a Button
    /// names the flow's parameters): the problems of that reference, each
    /// as (path below `config`, message). Run once the config fits its
    /// schema and reads.
    pub document_check: Option<DocumentCheck>,
    config_validator: Validator,
    input_validator: Validator,
}

/// See [`Component::output_schema`]: `(config, hook path, example output) -> schema`.
pub type OutputSchema = fn(&Value, &str, &Value) -> Value;

/// See [`Component::document_check`]: `(step, document) -> problems`.
pub type DocumentCheck = fn(&hookline_model::Step, &hookline_model::FlowDocument) -> Vec<(String, String)>;

/// See [`Component::typed_sample`]: `(typed value, config, hook path) -> output`,
/// or why the value cannot be the trigger's output.
pub type TypedSample = fn(Value, &Value, &str) -> Result<Value, String>;

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
            typed_sample: None,
            trigger_settings: None,
            document_check: None,
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

    /// Problems of a mapped input, each as (path suffix, message), against
    /// the step's own validator when it declares fields
    /// ([`Component::step_input_validator`]), else the component's.
    pub fn check_input(&self, step: Option<&Validator>, input: &Value) -> Vec<(String, String)> {
        schema_problems(step.unwrap_or(&self.input_validator), input)
    }

    /// The validator of a step that declares fields; `None` when it declares
    /// none and the component's own applies.
    pub fn step_input_validator(&self, fields: &[DeclaredField]) -> Option<Arc<Validator>> {
        if fields.is_empty() {
            return None;
        }
        jsonschema::validator_for(&self.step_input_schema(fields)).ok().map(Arc::new)
    }

    /// The schema of the input field at a dotted path (`body.name`): `Some(true)`
    /// (anything) below a field whose schema does not list properties, `None`
    /// when the path names no field.
    pub fn input_field_schema(&self, path: &str) -> Option<Value> {
        field_schema(&self.descriptor.input_schema, path)
    }

    /// The input schema of one step: the component's, with the fields the
    /// step declares (`body.name`) added as typed properties, required ones
    /// listed as required up to the top. Declarations that do not fit (see
    /// [`Component::declaration_problems`]) are left out.
    pub fn step_input_schema(&self, fields: &[DeclaredField]) -> Value {
        let mut schema = self.descriptor.input_schema.clone();
        if fields.is_empty() {
            return schema;
        }
        let fitting: Vec<&DeclaredField> = {
            let problems = self.declaration_problems(fields);
            fields.iter().enumerate().filter(|(i, _)| !problems.iter().any(|(at, _)| at == i)).map(|(_, f)| f).collect()
        };
        'fields: for field in fitting {
            let parts: Vec<&str> = field.field.split('.').collect();
            let (name, parents) = parts.split_last().expect("split yields at least one part");
            let mut node = &mut schema;
            for part in parents {
                let Some(object) = node.as_object_mut() else { continue 'fields };
                object.entry("type").or_insert_with(|| json!("object"));
                if field.required {
                    require(object, part);
                }
                let properties = object.entry("properties").or_insert_with(|| json!({}));
                let Some(properties) = properties.as_object_mut() else { continue 'fields };
                node = properties.entry(part.to_string()).or_insert_with(|| json!({}));
            }
            let Some(object) = node.as_object_mut() else { continue };
            object.entry("type").or_insert_with(|| json!("object"));
            // Fields of a map such as `headers` keep the map's own rule for values.
            let leaf = match object.get("additionalProperties").filter(|a| a.is_object()) {
                Some(values) if field.field_type != FieldType::Any => {
                    json!({"allOf": [values, field.field_type.schema()]})
                }
                Some(values) => values.clone(),
                None => field.field_type.schema(),
            };
            let properties = object.entry("properties").or_insert_with(|| json!({}));
            if let Some(properties) = properties.as_object_mut() {
                properties.insert(name.to_string(), leaf);
            }
            if field.required {
                require(object, name);
            }
        }
        schema
    }

    /// Declared fields that do not fit the component, each as (index into
    /// `fields`, message): a field must sit below an input that takes an
    /// object with fields of any name, must not redeclare one of the
    /// component's own fields, and is declared once.
    pub fn declaration_problems(&self, fields: &[DeclaredField]) -> Vec<(usize, String)> {
        let mut problems = vec![];
        let mut seen: BTreeMap<&str, FieldType> = BTreeMap::new();
        for (i, declared) in fields.iter().enumerate() {
            let path = declared.field.as_str();
            if path.split('.').any(|part| part.trim().is_empty()) {
                problems.push((i, format!("{path:?} is not a field path; write it as <input>.<name>, like body.name")));
                continue;
            }
            if seen.contains_key(path) {
                problems.push((i, format!("{path} is declared twice")));
                continue;
            }
            let Some((parent, name)) = path.rsplit_once('.') else {
                problems.push((
                    i,
                    format!(
                        "{path} would be a new input of {}; declare fields inside an object input, like body.{path}",
                        self.descriptor.id
                    ),
                ));
                continue;
            };
            let fits = match seen.get(parent) {
                Some(FieldType::Object | FieldType::Any) => Ok(()),
                Some(other) => Err(format!("{parent} is declared as {}, so it has no fields", type_name(*other))),
                None => match self.input_field_schema(parent) {
                    None => Err(format!("{} has no input field {parent}", self.descriptor.id)),
                    Some(schema) => open_for(&schema, parent, name, declared.field_type),
                },
            };
            match fits {
                Ok(()) => {
                    seen.insert(path, declared.field_type);
                }
                Err(message) => problems.push((i, message)),
            }
        }
        problems
    }
}

/// Adds `name` to an object schema's `required` list once.
fn require(object: &mut serde_json::Map<String, Value>, name: &str) {
    let required = object.entry("required").or_insert_with(|| json!([]));
    if let Some(list) = required.as_array_mut() {
        if !list.iter().any(|n| n == name) {
            list.push(json!(name));
        }
    }
}

/// Whether a schema takes a new field `name`: it accepts objects, is not
/// closed, and does not list `name` itself.
fn open_for(schema: &Value, parent: &str, name: &str, field_type: FieldType) -> Result<(), String> {
    let accepts_object = match schema.get("type") {
        None => schema.get("enum").is_none() && schema.get("const").is_none(),
        Some(Value::String(t)) => t == "object",
        Some(Value::Array(types)) => types.iter().any(|t| t == "object"),
        Some(_) => false,
    };
    if !accepts_object || schema == &Value::Bool(false) {
        return Err(format!("{parent} is not an object, so it has no fields to declare"));
    }
    if schema.get("properties").and_then(|p| p.get(name)).is_some() {
        return Err(format!("{parent}.{name} is already a field of {parent}; set it instead of declaring it"));
    }
    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        return Err(format!("{parent} takes only its own fields"));
    }
    // A map's values have a type of their own (headers are strings).
    let allowed = schema.get("additionalProperties").and_then(|a| a.get("type"));
    if let (Some(allowed), Some(Value::String(declared))) = (allowed, field_type.schema().get("type")) {
        let names: Vec<&str> = match allowed {
            Value::String(t) => vec![t.as_str()],
            Value::Array(types) => types.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let fits = names.iter().any(|t| t == declared || (*t == "number" && declared == "integer"));
        if !fits {
            return Err(format!(
                "the fields of {parent} are {}, so {parent}.{name} cannot be {}",
                names.join(" or "),
                type_name(field_type)
            ));
        }
    }
    Ok(())
}

fn type_name(field_type: FieldType) -> &'static str {
    match field_type {
        FieldType::String => "a string",
        FieldType::Number => "a number",
        FieldType::Integer => "an integer",
        FieldType::Boolean => "a boolean",
        FieldType::Object => "an object",
        FieldType::Array => "an array",
        FieldType::Any => "anything",
    }
}

/// The schema of the field at a dotted path inside `schema`; see
/// [`Component::input_field_schema`].
pub fn field_schema(schema: &Value, path: &str) -> Option<Value> {
    let mut schema = schema;
    for part in path.split('.') {
        if part.is_empty() {
            return None;
        }
        match schema.get("properties").and_then(|p| p.get(part)) {
            Some(field) => schema = field,
            None => {
                let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
                let typed_non_object = schema
                    .get("type")
                    .is_some_and(|t| t != "object" && !t.as_array().is_some_and(|a| a.iter().any(|t| t == "object")));
                if closed || typed_non_object {
                    return None;
                }
                return Some(
                    schema.get("additionalProperties").filter(|a| a.is_object()).cloned().unwrap_or(Value::Bool(true)),
                );
            }
        }
    }
    Some(schema.clone())
}

/// The dotted paths of the fields `schema` requires without a default: a
/// required object that itself requires fields contributes those
/// (`body.name`) rather than itself.
pub fn required_fields(schema: &Value) -> Vec<String> {
    let mut out = vec![];
    let required = schema.get("required").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    for name in required.iter().filter_map(Value::as_str) {
        let field = schema.get("properties").and_then(|p| p.get(name));
        if field.and_then(|f| f.get("default")).is_some() {
            continue;
        }
        let nested = field.map(required_fields).unwrap_or_default();
        if nested.is_empty() {
            out.push(name.to_string());
        } else {
            out.extend(nested.into_iter().map(|n| format!("{name}.{n}")));
        }
    }
    out
}

/// Whether the field at a dotted path is required (without a default) by its
/// parent in `schema`.
pub fn is_required(schema: &Value, path: &str) -> bool {
    let (parent, name) = match path.rsplit_once('.') {
        Some((parent, name)) => (field_schema(schema, parent), name),
        None => (Some(schema.clone()), path),
    };
    let Some(parent) = parent else { return false };
    let listed = parent.get("required").and_then(Value::as_array).is_some_and(|r| r.iter().any(|n| n == name));
    let defaulted = parent.get("properties").and_then(|p| p.get(name)).and_then(|f| f.get("default")).is_some();
    listed && !defaulted
}

/// Whether a required field at `required` is given by the inputs: set itself,
/// set as a whole with an ancestor (`body`), or set field by field.
pub fn is_mapped<'a>(required: &str, mut keys: impl Iterator<Item = &'a String>) -> bool {
    keys.any(|key| {
        key == required
            || required.strip_prefix(key.as_str()).is_some_and(|rest| rest.starts_with('.'))
            || key.strip_prefix(required).is_some_and(|rest| rest.starts_with('.'))
    })
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

    /// Writes the catalog as the `components` operation answers it
    /// (`components.json` beside the ts-rs bindings): the designer's unit
    /// tests use the core's own descriptors instead of a copy that drifts.
    /// CI fails when the committed file differs.
    #[test]
    fn export_the_catalog_for_the_designer_tests() {
        let dir = std::env::var_os("TS_RS_EXPORT_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings"));
        let path = dir.join("components.json");
        let text = serde_json::to_string_pretty(&Catalog::standard().descriptors()).unwrap() + "\n";
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, text).unwrap();
        }
    }

    fn declared(list: Value) -> Vec<DeclaredField> {
        serde_json::from_value(list).unwrap()
    }

    #[test]
    fn declared_fields_extend_the_steps_schema_and_keep_a_maps_rule_for_values() {
        let catalog = Catalog::standard();
        let http = catalog.get("http_request").unwrap();
        let fields = declared(json!([
            {"field": "body.name", "type": "string", "required": true},
            {"field": "body.tags", "type": "array"},
            {"field": "headers.X-Count", "type": "integer"}
        ]));
        let schema = http.step_input_schema(&fields);
        assert_eq!(field_schema(&schema, "body.name"), Some(json!({"type": "string"})));
        assert_eq!(required_fields(&schema), vec!["url".to_string(), "body.name".to_string()]);
        assert!(is_required(&schema, "body.name") && !is_required(&schema, "body.tags"));
        assert_eq!(
            field_schema(&schema, "headers.X-Count"),
            Some(json!({"type": "string"})),
            "left out: headers are strings"
        );
        let problems = http.declaration_problems(&fields);
        assert_eq!(
            problems,
            vec![(2, "the fields of headers are string, so headers.X-Count cannot be an integer".to_string())]
        );
        let query =
            http.step_input_schema(&declared(json!([{"field": "query.page", "type": "integer", "required": true}])));
        let page = field_schema(&query, "query.page").unwrap();
        let check = |value: Value| jsonschema::validator_for(&page).unwrap().is_valid(&value);
        assert!(check(json!(3)) && !check(json!("3")) && !check(json!(1.5)), "an integer that is also a query value");

        let validator = http.step_input_validator(&fields).unwrap();
        let input = |body: Value| json!({"url": "http://x", "body": body});
        assert!(http.check_input(Some(&validator), &input(json!({"name": "Gromit", "tags": []}))).is_empty());
        let problems = http.check_input(Some(&validator), &input(json!({"tags": "x"})));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(http.check_input(None, &input(json!({"tags": "x"}))).is_empty(), "the component alone takes any body");
        assert!(http.step_input_validator(&[]).is_none());
    }

    #[test]
    fn a_required_field_is_given_by_itself_its_parent_or_its_children() {
        let keys = |list: &[&str]| list.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        assert!(is_mapped("body.name", keys(&["body.name"]).iter()));
        assert!(is_mapped("body.name", keys(&["body"]).iter()));
        assert!(is_mapped("body", keys(&["body.name"]).iter()));
        assert!(!is_mapped("body.name", keys(&["body.names", "bod"]).iter()));
    }

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
        assert_eq!(required_fields(&http.descriptor.input_schema), ["url"]);
    }

    #[test]
    fn config_problems_name_the_field() {
        let catalog = Catalog::standard();
        let problems = catalog.get("webhook").unwrap().check_config(&json!({"methods": ["FETCH"]}));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, ".methods[0]");
    }
}
