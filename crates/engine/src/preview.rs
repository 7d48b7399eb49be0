//! The designer's live mapping preview (M6.3–M6.5): every input field of a
//! step evaluated against the samples, through the same scope and evaluator
//! the executor uses ([`crate::step_input`]), and checked against the target
//! field's schema.

use hookline_model::{FieldCheck, FieldError, FieldPreview, FlowDocument, Input, StepPreview, ValueType};
use serde_json::{json, Map, Value};

use crate::catalog::{field_schema, is_mapped, is_required, required_fields, Catalog, Component};
use crate::mapping::{Expression, Limits};
use crate::params::parameters;
use crate::plan::PlannedInput;
use crate::step_input::{field_value, StepScope};

/// The samples a preview evaluates against: the trigger's output and the
/// current sample of other steps, by step id. A step without a sample is
/// simply absent.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    pub trigger: Option<Value>,
    pub steps: Map<String, Value>,
}

/// Previews step `step_id` of `document`. `None` when the document has no
/// such step. A trigger has no inputs: its preview lists no field. Fields
/// whose expression reads a step (or the trigger) without a sample are not
/// type-checked: their check is `ok` with a message saying so.
pub fn preview_step(
    document: &FlowDocument,
    catalog: &Catalog,
    step_id: &str,
    samples: &Samples,
    limits: &Limits,
) -> Option<StepPreview> {
    let step = document.step(step_id)?;
    let mut preview = StepPreview { step_id: step_id.to_string(), fields: vec![] };
    let Some(component) = catalog.get(&step.component) else { return Some(preview) };
    if component.is_trigger() {
        return Some(preview);
    }
    let trigger_id = document.steps.iter().find(|s| catalog.get(&s.component).is_some_and(Component::is_trigger));
    let mut steps = samples.steps.clone();
    steps.remove(step_id);
    if let (Some(trigger), Some(value)) = (trigger_id, &samples.trigger) {
        steps.insert(trigger.id.clone(), value.clone());
    }
    let scope = StepScope::new(
        samples.trigger.clone().unwrap_or_else(|| Value::Object(Map::new())),
        steps.clone(),
        Value::Object(parameters(document, &Map::new())),
        json!({"id": "exe_preview", "flowId": document.id, "version": null}),
    );
    let mut mapper = scope.mapper(limits, None);

    let step_schema = component.step_input_schema(&step.fields);
    for (key, input) in &step.inputs {
        let schema = field_schema(&step_schema, key);
        let required = is_required(&step_schema, key);
        let mut field = FieldPreview {
            field: key.clone(),
            source: Some(input.clone()),
            value: None,
            error: None,
            value_type: ValueType::Missing,
            expected: schema.as_ref().and_then(expected_types),
            required,
            check: FieldCheck::Ok,
            message: None,
        };
        let Some(schema) = schema else {
            field.check = FieldCheck::Error;
            field.message = Some(format!("{} has no input field {key}", step.component));
            preview.fields.push(field);
            continue;
        };
        let planned = match input {
            Input::Value(v) => PlannedInput::Value(v.clone()),
            Input::Expr(source) => match Expression::parse(source) {
                Ok(expression) => PlannedInput::Expr(expression),
                Err(error) => {
                    field.check = FieldCheck::Error;
                    field.message = Some(format!("invalid expression: {error}"));
                    field.error = Some(FieldError {
                        message: error.message,
                        position: error.position.map(|p| p as u32),
                        code: error.code,
                    });
                    preview.fields.push(field);
                    continue;
                }
            },
        };
        // Whether the samples this field reads exist, so its value means something.
        let mut lacking: Vec<String> = vec![];
        let mut unknown: Vec<String> = vec![];
        if let PlannedInput::Expr(expression) = &planned {
            if samples.trigger.is_none() {
                lacking.push("the trigger".to_string());
            }
            for id in expression.step_references() {
                if document.step(&id).is_none() {
                    unknown.push(id);
                } else if !steps.contains_key(&id) {
                    lacking.push(id);
                }
            }
        }
        match field_value(&planned, &mut mapper) {
            Err(error) => {
                field.check = FieldCheck::Error;
                field.message = Some(error.to_string());
                field.error = Some(FieldError {
                    message: error.message,
                    position: error.position.map(|p| p as u32),
                    code: error.code,
                });
            }
            Ok(value) => {
                field.value_type = ValueType::of(value.as_ref());
                let hint = || match input {
                    Input::Expr(source) => suggest_path(source, samples.trigger.as_ref(), &steps)
                        .map(|path| format!("; did you mean {path}?"))
                        .unwrap_or_default(),
                    Input::Value(_) => String::new(),
                };
                match &value {
                    None if required => {
                        field.check = FieldCheck::MissingRequired;
                        field.message =
                            Some(format!("the required input {key} maps to nothing for this sample{}", hint()));
                    }
                    None if matches!(input, Input::Expr(_)) => {
                        field.check = FieldCheck::Empty;
                        field.message =
                            Some(format!("yields nothing for this sample, so a run leaves {key} out{}", hint()));
                    }
                    None => {}
                    Some(value) => {
                        if let Ok(validator) = jsonschema::validator_for(&schema) {
                            if let Some(error) = validator.iter_errors(value).next() {
                                field.check = FieldCheck::TypeMismatch;
                                field.message = Some(crate::catalog::schema_message(&error));
                            }
                        }
                    }
                }
                field.value = value;
            }
        }
        if !lacking.is_empty()
            && matches!(field.check, FieldCheck::TypeMismatch | FieldCheck::MissingRequired | FieldCheck::Empty)
        {
            field.check = FieldCheck::Ok;
            field.message = Some(format!(
                "not checked: {} {} no sample yet",
                lacking.join(", "),
                if lacking.len() == 1 { "has" } else { "have" }
            ));
        }
        if !unknown.is_empty() {
            field.check = FieldCheck::UnknownStep;
            let names: Vec<String> = unknown.iter().map(|id| format!("$steps.{id}")).collect();
            field.message = Some(format!(
                "{} {} a step this flow no longer has; map the field again",
                names.join(", "),
                if unknown.len() == 1 { "reads" } else { "read" }
            ));
        }
        preview.fields.push(field);
    }

    for required in required_fields(&step_schema) {
        if is_mapped(&required, step.inputs.keys()) {
            continue;
        }
        preview.fields.push(FieldPreview {
            source: None,
            value: None,
            error: None,
            value_type: ValueType::Missing,
            expected: field_schema(&step_schema, &required).as_ref().and_then(expected_types),
            required: true,
            check: FieldCheck::MissingRequired,
            message: Some(format!("the required input {required} is not set")),
            field: required,
        });
    }
    Some(preview)
}

/// What running the document's actions would change outside Hookline, one
/// line per step ("step stp_send (Create pet) would send a POST to …"), with
/// each step's input mapped over the samples as the preview maps it: a run
/// of the whole flow asks first on these grounds, as Retrieve sample does
/// for one step.
pub fn side_effects(document: &FlowDocument, catalog: &Catalog, samples: &Samples, limits: &Limits) -> Vec<String> {
    document
        .steps
        .iter()
        .filter_map(|step| {
            let action = catalog.get(&step.component)?.action.clone()?;
            let preview = preview_step(document, catalog, &step.id, samples, limits)?;
            let mut input = Map::new();
            for field in preview.fields {
                if let Some(value) = field.value {
                    set_dotted(&mut input, &field.field, value);
                }
            }
            let effect = action.side_effect(&Value::Object(input))?;
            Some(format!("step {} ({}) would {effect}", step.id, step.name))
        })
        .collect()
}

/// Sets `path` (`body.name`) in `object`, making the objects on the way.
fn set_dotted(object: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            object.insert(path.to_string(), value);
        }
        Some((head, rest)) => {
            let child = object.entry(head.to_string()).or_insert_with(|| Value::Object(Map::new()));
            if !child.is_object() {
                *child = Value::Object(Map::new());
            }
            if let Value::Object(child) = child {
                set_dotted(child, rest, value);
            }
        }
    }
}

/// For a plain path expression that found nothing (`$trigger.petname`,
/// `body.petnmae`, `$steps.stp_get.nme`), the path in the sample it most
/// likely meant: one that ends with the same fields (`body.petname` for
/// `petname`), or else one within two typed characters of it. Written the
/// way the expression was (`$trigger.body.petname`). `None` for other
/// expressions or when nothing is close.
fn suggest_path(source: &str, trigger: Option<&Value>, steps: &Map<String, Value>) -> Option<String> {
    let mut segments: Vec<&str> = source.trim().split('.').collect();
    let (prefix, root) = match segments.first().copied() {
        Some("$trigger") => {
            segments.remove(0);
            ("$trigger.".to_string(), trigger?)
        }
        Some("$steps") if segments.len() > 2 => {
            let id = segments[1];
            segments.drain(..2);
            (format!("$steps.{id}."), steps.get(id)?)
        }
        Some(first) if !first.starts_with('$') => (String::new(), trigger?),
        _ => return None,
    };
    let is_name = |s: &&str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if segments.is_empty() || !segments.iter().all(is_name) {
        return None;
    }
    let wanted = segments.join(".");
    let mut paths = vec![];
    collect_paths(root, String::new(), 0, &mut paths);
    let by_suffix = paths.iter().filter(|path| path.ends_with(&format!(".{wanted}"))).min_by_key(|path| path.len());
    let by_spelling = || {
        paths
            .iter()
            .map(|path| (strsim::levenshtein(path, &wanted), path))
            .filter(|(distance, _)| (1..=2).contains(distance))
            .min_by_key(|(distance, path)| (*distance, path.len()))
            .map(|(_, path)| path)
    };
    by_suffix.or_else(by_spelling).map(|path| format!("{prefix}{path}"))
}

/// Dotted paths of the objects' fields in `value` (arrays are not entered), a
/// few levels deep: enough to find a mistyped or misplaced field.
fn collect_paths(value: &Value, at: String, depth: usize, paths: &mut Vec<String>) {
    let Value::Object(map) = value else { return };
    if depth > 6 {
        return;
    }
    for (key, child) in map {
        let path = if at.is_empty() { key.clone() } else { format!("{at}.{key}") };
        collect_paths(child, path.clone(), depth + 1, paths);
        paths.push(path);
    }
}

/// The JSON Schema type(s) a field expects: its `type`, or the types of its
/// `enum` choices.
fn expected_types(schema: &Value) -> Option<Value> {
    if let Some(types) = schema.get("type") {
        return Some(types.clone());
    }
    let choices = schema.get("enum")?.as_array()?;
    let mut types: Vec<&str> = vec![];
    for choice in choices {
        let name = match ValueType::of(Some(choice)) {
            ValueType::String => "string",
            ValueType::Integer => "integer",
            ValueType::Number => "number",
            ValueType::Boolean => "boolean",
            ValueType::Object => "object",
            ValueType::Array => "array",
            ValueType::Null | ValueType::Missing => "null",
        };
        if !types.contains(&name) {
            types.push(name);
        }
    }
    match types.as_slice() {
        [one] => Some(Value::from(*one)),
        _ => Some(Value::from(types)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn flow(inputs: Value) -> FlowDocument {
        FlowDocument::from_value(json!({
            "schemaVersion": 1, "id": "flw_p", "name": "P",
            "parameters": [{"name": "region", "default": "eu"}],
            "steps": [
                {"id": "stp_hook", "component": "webhook", "name": "Hook"},
                {"id": "stp_lookup", "component": "transform", "name": "Lookup", "inputs": {"value": {"expr": "body"}}},
                {"id": "stp_send", "component": "http_request", "name": "Send", "inputs": inputs}
            ],
            "edges": [{"from": "stp_hook", "to": "stp_lookup"}, {"from": "stp_lookup", "to": "stp_send"}]
        }))
        .unwrap()
    }

    fn samples() -> Samples {
        Samples {
            trigger: Some(json!({"body": {"petname": "Gromit", "age": 4}})),
            steps: [("stp_lookup".to_string(), json!({"value": {"id": 7}}))].into_iter().collect(),
        }
    }

    fn preview(inputs: Value, samples: &Samples) -> StepPreview {
        preview_step(&flow(inputs), &Catalog::standard(), "stp_send", samples, &Limits::default()).unwrap()
    }

    fn field<'a>(preview: &'a StepPreview, name: &str) -> &'a FieldPreview {
        preview.fields.iter().find(|f| f.field == name).unwrap_or_else(|| panic!("no field {name}: {preview:?}"))
    }

    #[test]
    fn a_field_that_yields_nothing_is_flagged_with_the_path_it_probably_meant() {
        let p = preview(
            json!({
                "url": {"expr": "'https://pets.example/' & $trigger.body.petname"},
                "body.name": {"expr": "$trigger.petname"},
                "body.typo": {"expr": "$trigger.body.petnmae"},
                "body.bare": {"expr": "age"},
                "body.step": {"expr": "$steps.stp_lookup.value.di"},
                "body.far": {"expr": "$trigger.body.colour"},
                "body.computed": {"expr": "$trigger.body.nothing ? 1 : undefined"}
            }),
            &samples(),
        );
        assert_eq!(field(&p, "url").check, FieldCheck::Ok);
        let flagged = |name: &str| {
            let f = field(&p, name);
            assert_eq!(f.check, FieldCheck::Empty, "{name}: {f:?}");
            f.message.clone().unwrap()
        };
        assert!(flagged("body.name").ends_with("did you mean $trigger.body.petname?"), "a field under body");
        assert!(flagged("body.typo").ends_with("did you mean $trigger.body.petname?"), "two letters swapped");
        assert!(flagged("body.bare").ends_with("did you mean body.age?"), "written as it was, without $trigger");
        assert!(flagged("body.step").ends_with("did you mean $steps.stp_lookup.value.id?"), "another step's sample");
        assert!(!flagged("body.far").contains("did you mean"), "nothing close: no guess");
        assert!(!flagged("body.computed").contains("did you mean"), "only plain paths get a guess");
    }

    #[test]
    fn a_required_field_that_yields_nothing_names_the_likely_path() {
        let p = preview(json!({"url": {"expr": "$trigger.petname"}}), &samples());
        let url = field(&p, "url");
        assert_eq!(url.check, FieldCheck::MissingRequired);
        assert!(url.message.as_deref().unwrap().ends_with("did you mean $trigger.body.petname?"), "{url:?}");
    }

    #[test]
    fn mapped_fields_show_values_from_the_trigger_steps_and_parameters() {
        let p = preview(
            json!({
                "url": {"expr": "'http://x/' & $params.region"},
                "body.name": {"expr": "$trigger.body.petname"},
                "body.id": {"expr": "$steps.stp_lookup.value.id"},
                "method": {"value": "POST"}
            }),
            &samples(),
        );
        assert!(p.is_ok(), "{p:?}");
        assert_eq!(field(&p, "url").value, Some(json!("http://x/eu")));
        assert_eq!(field(&p, "body.name").value, Some(json!("Gromit")));
        assert_eq!(field(&p, "body.id").value_type, ValueType::Integer);
        assert_eq!(field(&p, "url").expected, Some(json!("string")));
        assert!(field(&p, "url").required && !field(&p, "method").required, "method has a default");
    }

    #[test]
    fn a_value_of_the_wrong_type_is_a_type_mismatch() {
        let p = preview(json!({"url": {"expr": "body.age"}, "timeoutMs": {"expr": "body.petname"}}), &samples());
        assert_eq!(field(&p, "url").check, FieldCheck::TypeMismatch, "a number where a string is expected");
        assert_eq!(field(&p, "timeoutMs").check, FieldCheck::TypeMismatch);
        assert!(field(&p, "url").message.as_deref().unwrap().contains("string"), "{p:?}");
    }

    #[test]
    fn a_required_field_without_input_or_value_is_missing_required() {
        let p = preview(json!({"body.name": {"expr": "body.petname"}}), &samples());
        let url = field(&p, "url");
        assert_eq!((url.check, url.source.is_none()), (FieldCheck::MissingRequired, true));
        let p = preview(json!({"url": {"expr": "body.nothing"}}), &samples());
        assert_eq!(field(&p, "url").check, FieldCheck::MissingRequired);
        assert_eq!(field(&p, "url").value_type, ValueType::Missing);
    }

    #[test]
    fn syntax_and_evaluation_errors_carry_position_and_code() {
        let p =
            preview(json!({"url": {"expr": "body.petname +"}, "body.x": {"expr": "$number('abc') + {}"}}), &samples());
        let url = field(&p, "url");
        assert_eq!(url.check, FieldCheck::Error);
        assert_eq!(url.error.as_ref().unwrap().position, Some(14), "{url:?}");
        let x = field(&p, "body.x");
        assert_eq!(x.check, FieldCheck::Error);
        assert!(x.error.as_ref().unwrap().code.is_some(), "{x:?}");
    }

    #[test]
    fn renaming_a_step_changes_nothing_and_deleting_it_flags_unknown_step() {
        let inputs = json!({"url": {"value": "http://x"}, "body.id": {"expr": "$steps.stp_lookup.value.id"}});
        let mut doc = flow(inputs);
        doc.steps[1].name = "Renamed lookup".into();
        let catalog = Catalog::standard();
        let p = preview_step(&doc, &catalog, "stp_send", &samples(), &Limits::default()).unwrap();
        assert_eq!(field(&p, "body.id").value, Some(json!(7)), "the id, not the name, is what expressions use");
        doc.steps.remove(1);
        doc.edges = vec![hookline_model::Edge { from: "stp_hook".into(), to: "stp_send".into(), when: None }];
        let p = preview_step(&doc, &catalog, "stp_send", &samples(), &Limits::default()).unwrap();
        let id = field(&p, "body.id");
        assert_eq!(id.check, FieldCheck::UnknownStep);
        assert!(id.message.as_deref().unwrap().contains("stp_lookup"), "the missing id is named: {id:?}");
    }

    #[test]
    fn without_samples_values_are_not_checked() {
        let p = preview(json!({"url": {"expr": "body.petname"}}), &Samples::default());
        let url = field(&p, "url");
        assert_eq!(url.check, FieldCheck::Ok, "no trigger sample: nothing to check against");
        assert!(url.message.as_deref().unwrap().contains("no sample"), "{url:?}");
    }
}
