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

/// Secrets shorter than this are left alone: masking them would mangle
/// ordinary text while hiding nothing worth guessing.
const SHORTEST_MASKED: usize = 4;

/// Each secret as it may come back: as is, URL-encoded (`%2B`, and `+` for a
/// space as forms write it) and base64 (standard and URL-safe, padded or
/// not). A service that echoes a key in a redirect URL or a token it encoded
/// must not leak it through the run log. Longest first, so a longer form is
/// masked whole before a shorter one inside it.
fn spellings(secrets: &[&str]) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine as _;
    let mut forms = Vec::new();
    for secret in secrets.iter().filter(|s| s.chars().count() >= SHORTEST_MASKED) {
        forms.push(secret.to_string());
        forms.push(percent_encode(secret, false));
        forms.push(percent_encode(secret, true));
        for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
            forms.push(engine.encode(secret));
        }
    }
    forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    forms.dedup();
    forms
}

/// Percent-encodes everything but RFC 3986's unreserved characters; with
/// `form`, a space becomes `+` as in `application/x-www-form-urlencoded`.
fn percent_encode(text: &str, form: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
            b' ' if form => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Replaces every occurrence of each secret, in any of its spellings, in
/// `text` with the mask. Secrets shorter than four characters are left alone.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    replace_all(text, &spellings(secrets))
}

fn replace_all(text: &str, forms: &[String]) -> String {
    let mut text = text.to_string();
    for form in forms {
        if text.contains(form.as_str()) {
            text = text.replace(form.as_str(), crate::MASK);
        }
    }
    text
}

/// [`scrub`] applied to every string (and object key) inside a JSON value.
pub fn scrub_json(value: &mut Value, secrets: &[&str]) {
    let forms = spellings(secrets);
    if !forms.is_empty() {
        scrub_json_forms(value, &forms);
    }
}

fn scrub_json_forms(value: &mut Value, forms: &[String]) {
    match value {
        Value::String(text) if forms.iter().any(|form| text.contains(form.as_str())) => {
            *text = replace_all(text, forms);
        }
        Value::Array(items) => items.iter_mut().for_each(|item| scrub_json_forms(item, forms)),
        Value::Object(map) => {
            // Keys rarely carry a secret: the map is rebuilt only when one
            // does, not on every scrub of every request.
            if map.keys().any(|key| forms.iter().any(|form| key.contains(form.as_str()))) {
                let entries = std::mem::take(map);
                for (key, item) in entries {
                    map.insert(replace_all(&key, forms), item);
                }
            }
            map.values_mut().for_each(|item| scrub_json_forms(item, forms));
        }
        _ => {}
    }
}

/// [`scrub`] over raw bytes (an inbox body), leaving everything else byte for byte.
pub fn scrub_bytes(bytes: &[u8], secrets: &[&str]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for form in spellings(secrets) {
        let needle = form.as_bytes();
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

    #[test]
    fn encoded_spellings_of_a_secret_are_masked_too() {
        use base64::Engine as _;
        let secret = "canary key+/=";
        let echoed = format!(
            "redirect to /x?k=canary%20key%2B%2F%3D and k=canary+key%2B%2F%3D, token {} or {}",
            base64::engine::general_purpose::STANDARD.encode(secret),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
        );
        let masked = scrub(&echoed, &[secret]);
        assert_eq!(masked, "redirect to /x?k=•••••• and k=••••••, token •••••• or ••••••");
        let mut value = json!({"echo": echoed});
        scrub_json(&mut value, &[secret]);
        assert_eq!(value["echo"], masked);
    }
}
