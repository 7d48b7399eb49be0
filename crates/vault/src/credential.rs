//! A credential opened for use: its kind, non-secret fields and secrets.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::{Kind, Sensitive};

/// A credential with its secrets decrypted, held only in memory while a hook
/// checks a caller or a step calls an API. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct OpenCredential {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub fields: Map<String, Value>,
    pub secrets: BTreeMap<String, Sensitive<String>>,
}

impl OpenCredential {
    /// A non-secret text field.
    pub fn text(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(Value::as_str).filter(|text| !text.is_empty())
    }

    /// A secret field.
    pub fn secret(&self, field: &str) -> Option<&Sensitive<String>> {
        self.secrets.get(field)
    }

    /// The caller's profile for access policies.
    pub fn profile(&self) -> Option<&str> {
        self.text("profile")
    }

    /// The caller's roles for access policies.
    pub fn roles(&self) -> Vec<&str> {
        self.fields
            .get("roles")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// Where an API key travels: `header` (default), `query` or `body`.
    pub fn api_key_location(&self) -> &str {
        self.text("in").unwrap_or("header")
    }

    /// The header or query parameter an API key travels in.
    pub fn api_key_name(&self) -> &str {
        match (self.api_key_location(), self.text("name")) {
            (_, Some(name)) => name,
            ("query", None) => "api_key",
            _ => "X-API-Key",
        }
    }

    /// Every secret value, for scrubbing text that might echo one back (an
    /// error message with a URL, a response that repeats a header).
    pub fn secret_values(&self) -> Vec<&str> {
        self.secrets.values().map(|value| value.expose().as_str()).filter(|value| !value.is_empty()).collect()
    }
}

/// Replaces every occurrence of each secret in `text` with the mask. Secrets
/// shorter than four characters are left alone: masking them would mangle
/// ordinary text while hiding nothing worth guessing.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_string();
    for secret in secrets.iter().filter(|s| s.chars().count() >= 4) {
        if text.contains(secret) {
            text = text.replace(secret, crate::MASK);
        }
    }
    text
}

/// [`scrub`] applied to every string (and object key) inside a JSON value.
pub fn scrub_json(value: &mut Value, secrets: &[&str]) {
    if secrets.is_empty() {
        return;
    }
    match value {
        Value::String(text) if secrets.iter().any(|s| s.chars().count() >= 4 && text.contains(s)) => {
            *text = scrub(text, secrets);
        }
        Value::Array(items) => items.iter_mut().for_each(|item| scrub_json(item, secrets)),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut item) in entries {
                scrub_json(&mut item, secrets);
                map.insert(scrub(&key, secrets), item);
            }
        }
        _ => {}
    }
}

/// [`scrub`] over raw bytes (an inbox body), leaving everything else byte for byte.
pub fn scrub_bytes(bytes: &[u8], secrets: &[&str]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for secret in secrets.iter().filter(|s| s.chars().count() >= 4) {
        let needle = secret.as_bytes();
        if out.windows(needle.len()).any(|window| window == needle) {
            let mut replaced = Vec::with_capacity(out.len());
            let mut rest = &out[..];
            while let Some(at) = rest.windows(needle.len()).position(|window| window == needle) {
                replaced.extend_from_slice(&rest[..at]);
                replaced.extend_from_slice(crate::MASK.as_bytes());
                rest = &rest[at + needle.len()..];
            }
            replaced.extend_from_slice(rest);
            out = replaced;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn scrubbing_masks_every_copy_of_a_secret_and_nothing_else() {
        let secrets = ["canary-123", "pw"];
        assert_eq!(
            scrub("GET /x?api_key=canary-123 failed: canary-123", &secrets),
            "GET /x?api_key=•••••• failed: ••••••"
        );
        assert_eq!(scrub("a pwd field", &secrets), "a pwd field", "too-short secrets are not masked");
        let mut value = json!({"echo": ["canary-123"], "canary-123": 1, "n": 5});
        scrub_json(&mut value, &secrets);
        assert_eq!(value, json!({"echo": ["••••••"], "••••••": 1, "n": 5}));
        let bytes = scrub_bytes(b"\x00{\"key\":\"canary-123\"}\xff", &secrets);
        assert_eq!(
            bytes,
            "\u{0}{\"key\":\"••••••\"}".bytes().chain([0xff]).collect::<Vec<u8>>(),
            "other bytes stay as they were"
        );
    }
}
