use serde::Serialize;
use serde_json::{Map, Value};

/// Rebuilds a JSON value with every object's keys in sorted order, whatever
/// order the map type keeps.
pub fn to_canonical_value(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, to_canonical_value(v))).collect::<Map<_, _>>())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(to_canonical_value).collect()),
        other => other,
    }
}

/// Deterministic, git-friendly JSON: sorted keys, two-space indentation and a
/// final newline. Arrays keep their order, so steps and edges stay where the
/// author put them.
pub fn to_canonical_json<T: Serialize>(value: &T) -> Result<String, serde_json::Error> {
    let value = to_canonical_value(serde_json::to_value(value)?);
    let mut text = serde_json::to_string_pretty(&value)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_at_every_depth_and_arrays_keep_their_order() {
        let value = serde_json::json!({"b": 1, "a": {"z": [3, 1], "y": null}});
        let text = to_canonical_json(&value).unwrap();
        assert_eq!(
            text,
            "{\n  \"a\": {\n    \"y\": null,\n    \"z\": [\n      3,\n      1\n    ]\n  },\n  \"b\": 1\n}\n"
        );
    }
}
