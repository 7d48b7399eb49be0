//! JSON Schemas from data and data from JSON Schemas: the schema of a step's
//! output inferred from all its samples (the mapping editor's source tree,
//! M6.5), and a value generated to satisfy a schema (generated samples, M5.1).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

/// What the samples seen so far hold at one place.
#[derive(Default)]
struct Shape {
    types: BTreeSet<&'static str>,
    /// How many of the values here were objects.
    objects: usize,
    /// Fields with how many of those objects had them.
    fields: BTreeMap<String, (usize, Shape)>,
    items: Option<Box<Shape>>,
}

impl Shape {
    fn add(&mut self, value: &Value) {
        match value {
            Value::Null => {
                self.types.insert("null");
            }
            Value::Bool(_) => {
                self.types.insert("boolean");
            }
            Value::Number(n) if n.is_i64() || n.is_u64() => {
                self.types.insert("integer");
            }
            Value::Number(_) => {
                self.types.insert("number");
            }
            Value::String(_) => {
                self.types.insert("string");
            }
            Value::Array(items) => {
                self.types.insert("array");
                let shape = self.items.get_or_insert_with(Box::default);
                items.iter().for_each(|item| shape.add(item));
            }
            Value::Object(map) => {
                self.types.insert("object");
                self.objects += 1;
                for (key, value) in map {
                    let (count, shape) = self.fields.entry(key.clone()).or_default();
                    *count += 1;
                    shape.add(value);
                }
            }
        }
    }

    fn schema(&self) -> Value {
        let mut types: Vec<&str> = self.types.iter().copied().collect();
        if types.contains(&"number") {
            // An integer is a number: 1 and 1.5 in the same place are numbers.
            types.retain(|t| *t != "integer");
        }
        let mut schema = Map::new();
        match types.as_slice() {
            [] => {}
            [one] => {
                schema.insert("type".into(), json!(one));
            }
            many => {
                schema.insert("type".into(), json!(many));
            }
        }
        if types.contains(&"null") {
            schema.insert("nullable".into(), Value::Bool(true));
        }
        if self.objects > 0 {
            let properties: Map<String, Value> =
                self.fields.iter().map(|(key, (_, shape))| (key.clone(), shape.schema())).collect();
            let required: Vec<&String> =
                self.fields.iter().filter(|(_, (count, _))| *count == self.objects).map(|(key, _)| key).collect();
            schema.insert("properties".into(), Value::Object(properties));
            if !required.is_empty() {
                schema.insert("required".into(), json!(required));
            }
        }
        if let Some(items) = &self.items {
            schema.insert("items".into(), items.schema());
        }
        Value::Object(schema)
    }
}

/// A JSON Schema that every one of `samples` satisfies: object fields are the
/// union of all samples' fields, `required` only when every sample has the
/// field, a field that is `null` somewhere is `nullable` (and its `type`
/// includes `"null"`), and array items are merged into one schema. No samples
/// give the empty schema (anything).
pub fn infer_schema(samples: &[Value]) -> Value {
    let mut shape = Shape::default();
    samples.iter().for_each(|sample| shape.add(sample));
    shape.schema()
}

/// A value that satisfies `schema`, preferring what the schema suggests
/// (`const`, `default`, `examples`, the first `enum` choice), then the
/// smallest plain value of its type. Objects get every listed property.
/// Covers the keywords component schemas use; `pattern` is not solved.
pub fn value_for_schema(schema: &Value) -> Value {
    let Some(schema) = schema.as_object() else { return Value::Null };
    if let Some(value) = schema.get("const").or_else(|| schema.get("default")) {
        return value.clone();
    }
    if let Some(first) = schema.get("examples").and_then(Value::as_array).and_then(|e| e.first()) {
        return first.clone();
    }
    if let Some(first) = schema.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
        return first.clone();
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(types)) => {
            types.iter().filter_map(Value::as_str).find(|t| *t != "null").or(types.first().and_then(Value::as_str))
        }
        _ if schema.contains_key("properties") => Some("object"),
        _ => None,
    };
    match kind {
        Some("object") => {
            let mut object = Map::new();
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (key, field) in properties {
                    object.insert(key.clone(), value_for_schema(field));
                }
            }
            Value::Object(object)
        }
        Some("array") => {
            // One item shows the items' shape, unless their text must match a
            // pattern this generator does not solve.
            let patterned = schema.get("items").is_some_and(|i| i.to_string().contains("\"pattern\""));
            let count =
                schema.get("minItems").and_then(Value::as_u64).unwrap_or(if patterned { 0 } else { 1 }) as usize;
            match schema.get("items") {
                Some(items) if items.is_object() => Value::Array(vec![value_for_schema(items); count]),
                _ => Value::Array(vec![]),
            }
        }
        Some("string") => {
            let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
            let mut text = match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => "2026-01-01T00:00:00Z".to_string(),
                Some("date") => "2026-01-01".to_string(),
                Some("email") => "someone@example.com".to_string(),
                Some("uri") => "https://example.com/".to_string(),
                _ => "text".to_string(),
            };
            while text.chars().count() < min {
                text.push('x');
            }
            Value::String(text)
        }
        Some(kind @ ("integer" | "number")) => {
            let minimum = schema.get("minimum").and_then(Value::as_f64);
            let exclusive = schema.get("exclusiveMinimum").and_then(Value::as_f64).map(|m| m + 1.0);
            let low = minimum.into_iter().chain(exclusive).fold(0.0_f64, f64::max);
            let low = if kind == "integer" { low.ceil() } else { low };
            if low.fract() == 0.0 {
                json!(low as i64)
            } else {
                json!(low)
            }
        }
        Some("boolean") => Value::Bool(false),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inferring_from_mixed_samples_unions_fields_and_marks_optional_and_nullable() {
        let samples = [
            json!({"id": 1, "name": "Gromit", "tags": ["dog"], "owner": {"name": "Wallace"}}),
            json!({"id": 2, "name": null, "tags": [], "age": 4.5}),
            json!({"id": 3, "name": "Shaun", "tags": [{"k": 1}], "owner": null}),
        ];
        let schema = infer_schema(&samples);
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["required"], json!(["id", "name", "tags"]), "owner and age are missing from some samples");
        assert_eq!(schema["properties"]["id"], json!({"type": "integer"}));
        assert_eq!(schema["properties"]["name"], json!({"type": ["null", "string"], "nullable": true}));
        assert_eq!(schema["properties"]["age"], json!({"type": "number"}));
        assert_eq!(schema["properties"]["owner"]["nullable"], true, "null in one sample");
        assert_eq!(schema["properties"]["owner"]["properties"]["name"], json!({"type": "string"}));
        assert_eq!(schema["properties"]["tags"]["items"]["type"], json!(["object", "string"]), "items merged");
        let validator = jsonschema::validator_for(&schema).unwrap();
        for sample in &samples {
            assert!(validator.is_valid(sample), "every sample satisfies the inferred schema: {sample}");
        }
    }

    #[test]
    fn integers_and_numbers_in_one_place_are_numbers_and_no_samples_allow_anything() {
        assert_eq!(infer_schema(&[json!(1), json!(1.5)]), json!({"type": "number"}));
        assert_eq!(infer_schema(&[]), json!({}));
    }

    #[test]
    fn generated_values_satisfy_their_schema() {
        let catalog = crate::Catalog::standard();
        let mut schemas = vec![json!({"type": "object", "required": ["n", "s", "l"], "properties": {
                "n": {"type": "integer", "minimum": 3}, "s": {"type": "string", "minLength": 8},
                "l": {"type": "array", "minItems": 2, "items": {"enum": ["a", "b"]}},
                "x": {"type": ["null", "number"], "exclusiveMinimum": 0.5}, "b": {"type": "boolean"}}})];
        for descriptor in catalog.descriptors() {
            schemas.push(descriptor.input_schema.clone());
            schemas.push(descriptor.config_schema.clone());
        }
        for schema in schemas {
            let value = value_for_schema(&schema);
            let validator = jsonschema::validator_for(&schema).unwrap();
            assert!(validator.is_valid(&value), "{value} must satisfy {schema}");
        }
    }
}

#[cfg(test)]
mod trigger_tests {
    use super::*;

    #[test]
    fn generated_trigger_samples_satisfy_the_triggers_output_schema() {
        let catalog = crate::Catalog::standard();
        let webhook = catalog.get("webhook").unwrap();
        let schema = webhook.output_schema_for(&json!({"methods": ["PUT"], "slug": "pets"}), "/hook/pets").unwrap();
        let value = value_for_schema(&schema);
        assert!(jsonschema::validator_for(&schema).unwrap().is_valid(&value), "{value} satisfies {schema}");
        assert_eq!((&value["method"], &value["path"]), (&json!("PUT"), &json!("/hook/pets")), "from the config");
        assert_eq!(value["body"], webhook.descriptor.example_output["body"], "the example body");

        let manual = catalog.get("manual").unwrap();
        let config = json!({"parameters": [{"name": "count", "type": "integer", "required": true}, {"name": "who", "default": "Ada"}]});
        let schema = manual.output_schema_for(&config, "").unwrap();
        let value = value_for_schema(&schema);
        assert!(jsonschema::validator_for(&schema).unwrap().is_valid(&value), "{value} satisfies {schema}");
        assert_eq!(value, json!({"params": {"count": 0, "who": "Ada"}}));
    }
}
