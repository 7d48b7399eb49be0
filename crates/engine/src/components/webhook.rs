//! The Webhook trigger: its settings (parsed once, when a version is
//! compiled) and the one function that turns a request into its output
//! `{method, path, headers, query, body}`. The listener, the test capture,
//! the inbox and the hook tooling all go through here.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use hookline_model::{mask_secret_headers, ComponentKind, HookRequest, Step};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{empty_object_schema, Describe};
use crate::catalog::Component;
use crate::trigger::TriggerSettings;

/// The catalog id of this component.
const ID: &str = "webhook";
/// Methods a hook accepts when its config names none.
const DEFAULT_METHODS: [&str; 1] = ["POST"];
/// How long a synchronous reply waits for the flow, unless configured.
const DEFAULT_TIMEOUT_MS: u64 = 30_000;
const MAX_TIMEOUT_MS: u64 = 300_000;

/// How a hook answers its caller.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RespondMode {
    /// `202` with the execution id once the execution is durably stored.
    #[default]
    Async,
    /// Waits for the flow to end and answers its result (or a Respond step's reply).
    Sync,
}

/// The webhook trigger's settings, typed. Defaults are written here once; the
/// config schema the designer shows takes its defaults from the same constants.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSettings {
    /// Methods the hook accepts (upper case).
    #[serde(default = "default_methods")]
    pub methods: Vec<String>,
    /// The readable name in the hook's URL (`/hook/{slug}`); the flow id otherwise.
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub respond: RespondMode,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Access rules (`profile:admin`, `role:reviewers`); any match admits.
    #[serde(default)]
    pub policies: Vec<String>,
    /// Web origins (`https://app.example.com`) whose pages may call the hook
    /// from a browser; `*` admits any. Other pages are refused, so a site the
    /// user visits cannot drive their local hooks.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// The vault credential that guards the hook (the step's `credential`).
    #[serde(skip)]
    pub credential: Option<String>,
}

fn default_methods() -> Vec<String> {
    DEFAULT_METHODS.iter().map(|m| m.to_string()).collect()
}

fn default_timeout_ms() -> u64 {
    DEFAULT_TIMEOUT_MS
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            methods: default_methods(),
            slug: None,
            respond: RespondMode::Async,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            policies: vec![],
            allowed_origins: vec![],
            credential: None,
        }
    }
}

impl WebhookSettings {
    /// Reads a webhook step's config (already checked against the schema).
    pub fn from_step(step: &Step) -> Result<WebhookSettings, String> {
        let config = step.config.clone().unwrap_or_else(|| json!({}));
        let mut settings: WebhookSettings =
            serde_json::from_value(config).map_err(|e| format!("the webhook's settings do not read: {e}"))?;
        if settings.methods.is_empty() {
            settings.methods = default_methods();
        }
        settings.credential = step.credential.clone();
        Ok(settings)
    }

    pub fn accepts(&self, method: &str) -> bool {
        self.methods.iter().any(|m| m == method)
    }

    /// How long a synchronous reply waits.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// Whether a browser page from `origin` may call the hook.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|allowed| allowed == "*" || allowed.eq_ignore_ascii_case(origin))
    }

    /// Whether callers must prove who they are (a credential or policies).
    pub fn is_guarded(&self) -> bool {
        self.credential.is_some() || !self.policies.is_empty()
    }
}

/// A body that does not read as its `Content-Type` says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the body is not valid JSON: {0}")]
pub struct InvalidBody(pub String);

/// The trigger's output for a request: `{method, path, headers, query, body}`.
/// JSON bodies are parsed (an error when they do not parse), form bodies
/// decoded, other text kept as text and anything else as base64; an empty body
/// is `null`.
pub fn output(request: &HookRequest) -> Result<Value, InvalidBody> {
    let body = decode_body(&request.body, request.header("content-type"))?;
    Ok(build(request, headers_object(&request.headers), body))
}

/// The output as a sample for the designer: secret headers masked, and a body
/// that does not parse as its content type kept as text instead of refused.
pub fn sample(request: &HookRequest) -> Value {
    let body = decode_body(&request.body, request.header("content-type"))
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&request.body).into_owned()));
    build(request, headers_object(&mask_secret_headers(&request.headers)), body)
}

fn build(request: &HookRequest, headers: Value, body: Value) -> Value {
    let mut output = Map::with_capacity(5);
    output.insert("method".into(), Value::String(request.method.clone()));
    output.insert("path".into(), Value::String(request.path.clone()));
    output.insert("headers".into(), headers);
    output.insert("query".into(), request.query.as_deref().map(decode_form).unwrap_or_else(|| json!({})));
    output.insert("body".into(), body);
    Value::Object(output)
}

fn headers_object(headers: &BTreeMap<String, String>) -> Value {
    Value::Object(headers.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

fn decode_body(bytes: &[u8], content_type: Option<&str>) -> Result<Value, InvalidBody> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let content_type = content_type.unwrap_or("").to_ascii_lowercase();
    if content_type.contains("json") {
        return serde_json::from_slice(bytes).map_err(|e| InvalidBody(e.to_string()));
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return Ok(decode_form(&String::from_utf8_lossy(bytes)));
    }
    Ok(match std::str::from_utf8(bytes) {
        Ok(text) => Value::String(text.to_string()),
        Err(_) => Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
    })
}

/// A query string or form body as an object; a repeated key becomes a list.
fn decode_form(text: &str) -> Value {
    let mut object = Map::new();
    for (key, value) in form_urlencoded::parse(text.as_bytes()) {
        let value = Value::String(value.into_owned());
        match object.get_mut(key.as_ref()) {
            Some(Value::Array(items)) => items.push(value),
            Some(existing) => *existing = Value::Array(vec![existing.take(), value]),
            None => {
                object.insert(key.into_owned(), value);
            }
        }
    }
    Value::Object(object)
}

pub(crate) fn component() -> Component {
    let mut descriptor = Describe {
        id: ID,
        kind: ComponentKind::Trigger,
        title: "Webhook",
        description: "Starts the flow when an HTTP request reaches the flow's local hook URL.",
        icon: "webhook",
    }
    .build(
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "methods": {
                    "title": "Methods", "description": "HTTP methods the hook accepts.",
                    "type": "array", "minItems": 1, "uniqueItems": true, "default": DEFAULT_METHODS,
                    "items": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]}
                },
                "slug": {
                    "title": "Slug", "description": "A readable name for the hook URL: /hook/{slug}.",
                    "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
                },
                "respond": {
                    "title": "Reply", "description": "async answers 202 at once; sync waits for the flow to finish.",
                    "enum": ["async", "sync"], "default": "async"
                },
                "timeoutMs": {
                    "title": "Sync timeout (ms)", "description": "How long a synchronous reply waits for the flow.",
                    "type": "integer", "minimum": 1, "maximum": MAX_TIMEOUT_MS, "default": DEFAULT_TIMEOUT_MS
                },
                "policies": {
                    "title": "Access policies", "description": "Rules such as profile:admin or role:reviewers; any match admits the caller.",
                    "type": "array", "items": {"type": "string", "pattern": "^(profile|role):.+$"}
                },
                "allowedOrigins": {
                    "title": "Allowed web origins",
                    "description": "Web pages that may call the hook from a browser, as origins such as https://app.example.com (* for any). Other pages are refused; curl, Postman and servers are not affected.",
                    "type": "array", "uniqueItems": true,
                    "items": {"type": "string", "pattern": "^(\\*|https?://[^/?#\\s]+)$"}
                }
            }
        }),
        empty_object_schema(),
        json!({
            "method": "POST",
            "path": "/hook/pets",
            "headers": {"content-type": "application/json"},
            "query": {},
            "body": {"petname": "Gromit", "petstatus": "available"}
        }),
    );
    descriptor.credential_kinds = ["none", "basic", "api_key", "bearer", "hmac"].map(String::from).to_vec();
    descriptor.receives_http = true;
    descriptor.sample_hint = Some(
        "Paste the body a caller sends. It is kept as the whole request {method, path, headers, query, body} \
         with your JSON under body, as a real call arrives, so fields map as body.<name>. A JSON object with a \
         body key and only those keys is taken as a whole request."
            .into(),
    );
    let mut component = Component::new(descriptor, None);
    component.output_schema = Some(output_schema);
    component.trigger_settings = Some(|step| WebhookSettings::from_step(step).map(TriggerSettings::Webhook));
    component.typed_sample = Some(typed_sample);
    component
}

/// The keys of the trigger's output.
const OUTPUT_KEYS: [&str; 5] = ["method", "path", "headers", "query", "body"];

/// A sample typed by hand is the request's body, as the tutorials have people
/// paste it: `{"petname": "Gromit"}` becomes the output of a JSON POST
/// carrying it, so a mapping written against it (`$trigger.body.petname`)
/// reads the same field a real request fills. A value that already has the
/// output's shape (a `body`, and only the output's keys) is taken as a whole
/// request, its missing keys filled in, and checked against the output's
/// schema.
pub fn typed_sample(value: Value, config: &Value, hook_path: &str) -> Result<Value, String> {
    let shaped = value
        .as_object()
        .is_some_and(|map| map.contains_key("body") && map.keys().all(|key| OUTPUT_KEYS.contains(&key.as_str())));
    let method = config
        .get("methods")
        .and_then(|methods| methods.get(0))
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_METHODS[0])
        .to_string();
    if !shaped {
        return Ok(json!({
            "method": method,
            "path": hook_path,
            "headers": {"content-type": "application/json"},
            "query": {},
            "body": value,
        }));
    }
    let Value::Object(mut request) = value else { unreachable!("checked to be an object above") };
    request.entry("method").or_insert_with(|| Value::String(method));
    request.entry("path").or_insert_with(|| Value::String(hook_path.to_string()));
    request.entry("headers").or_insert_with(|| json!({"content-type": "application/json"}));
    request.entry("query").or_insert_with(|| json!({}));
    let request = Value::Object(request);
    // A request captured under another slug keeps its path: only its form is checked.
    let path = request["path"].as_str().unwrap_or(hook_path).to_string();
    let schema = output_schema(config, &path, &Value::Null);
    let validator = jsonschema::validator_for(&schema).map_err(|e| e.to_string())?;
    let problem = validator.iter_errors(&request).next().map(|error| {
        format!(
            "a sample with a body is taken as a whole request {{method, path, headers, query, body}}, and this one does not fit: {} (at {})",
            crate::catalog::schema_message(&error),
            error.instance_path()
        )
    });
    match problem {
        None => Ok(request),
        Some(problem) => Err(problem),
    }
}

/// `{method, path, headers, query, body}`: the methods the config accepts,
/// the hook's path, JSON headers, no query, and the example body.
fn output_schema(config: &Value, hook_path: &str, example: &Value) -> Value {
    let methods = config.get("methods").filter(|m| m.as_array().is_some_and(|m| !m.is_empty())).cloned();
    json!({
        "type": "object",
        "required": ["method", "path", "headers", "query", "body"],
        "properties": {
            "method": {"enum": methods.unwrap_or_else(|| json!(DEFAULT_METHODS))},
            "path": {"const": hook_path},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}, "default": {"content-type": "application/json"}},
            "query": {"type": "object", "default": {}},
            "body": {"default": example.get("body").cloned().unwrap_or(Value::Null)}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(content_type: &str, body: &[u8]) -> HookRequest {
        HookRequest {
            method: "POST".into(),
            path: "/hook/pets".into(),
            query: Some("a=1&b=x+y&a=2".into()),
            headers: BTreeMap::from([
                ("content-type".to_string(), content_type.to_string()),
                ("authorization".to_string(), "Bearer s3cret".to_string()),
            ]),
            body: body.to_vec(),
        }
    }

    #[test]
    fn the_output_has_method_path_headers_query_and_the_decoded_body() {
        let output = output(&request("application/json", br#"{"petname":"Gromit"}"#)).unwrap();
        assert_eq!(output["method"], "POST");
        assert_eq!(output["path"], "/hook/pets");
        assert_eq!(output["query"], json!({"a": ["1", "2"], "b": "x y"}), "a repeated key becomes a list");
        assert_eq!(output["body"], json!({"petname": "Gromit"}));
        assert_eq!(output["headers"]["authorization"], "Bearer s3cret", "a run sees the headers it was sent");
    }

    #[test]
    fn a_typed_sample_is_the_body_of_a_request_unless_it_already_is_one() {
        let config = json!({"methods": ["PUT", "POST"]});
        let wrapped = typed_sample(json!({"petname": "Gromit", "petstatus": "Sold"}), &config, "/hook/pets").unwrap();
        assert_eq!(
            wrapped,
            json!({"method": "PUT", "path": "/hook/pets", "headers": {"content-type": "application/json"},
                   "query": {}, "body": {"petname": "Gromit", "petstatus": "Sold"}}),
            "the pasted payload is what a caller sends, under body, with the first accepted method"
        );
        assert_eq!(typed_sample(json!([1, 2]), &config, "/hook/pets").unwrap()["body"], json!([1, 2]));
        let whole =
            json!({"method": "POST", "path": "/hook/old", "headers": {"x-a": "1"}, "query": {}, "body": {"a": 1}});
        assert_eq!(typed_sample(whole.clone(), &config, "/hook/pets").unwrap(), whole, "a whole request is kept");
        let partial = typed_sample(json!({"body": {"a": 1}}), &config, "/hook/pets").unwrap();
        assert_eq!(partial["method"], "PUT", "missing keys are filled in");
        assert_eq!(partial["query"], json!({}));
        let error = typed_sample(json!({"method": "DELETE", "body": {}}), &config, "/hook/pets").unwrap_err();
        assert!(error.contains("/method"), "a request the hook would refuse is named: {error}");
        let error = typed_sample(json!({"headers": {"n": 1}, "body": {}}), &config, "/hook/pets").unwrap_err();
        assert!(error.contains("/headers/n"), "headers are text: {error}");
    }

    #[test]
    fn bodies_decode_by_content_type() {
        let body = |content_type: &str, bytes: &[u8]| output(&request(content_type, bytes)).map(|o| o["body"].clone());
        let err = body("application/json", b"{\n  \"a\": ").unwrap_err();
        assert!(err.to_string().contains("line 2"), "the error says where: {err}");
        assert_eq!(body("application/x-www-form-urlencoded", b"a=1").unwrap(), json!({"a": "1"}));
        assert_eq!(body("text/plain", b"hello").unwrap(), json!("hello"));
        assert_eq!(body("text/plain", &[0xff, 0xfe]).unwrap(), json!("//4="), "binary bodies are base64");
        assert_eq!(body("text/plain", b"").unwrap(), Value::Null);
    }

    #[test]
    fn a_sample_masks_secret_headers_and_keeps_a_broken_body_as_text() {
        let sample = sample(&request("application/json", b"{oops"));
        assert_eq!(sample["headers"]["authorization"], "••••••");
        assert_eq!(sample["body"], "{oops");
    }

    #[test]
    fn settings_fill_their_defaults_once() {
        let step: Step = serde_json::from_value(json!({
            "id": "stp_hook", "component": "webhook", "name": "Hook", "config": {"slug": "pets"}, "credential": "gh"
        }))
        .unwrap();
        let settings = WebhookSettings::from_step(&step).unwrap();
        assert_eq!(settings.methods, ["POST"]);
        assert_eq!(settings.respond, RespondMode::Async);
        assert_eq!(settings.timeout(), Duration::from_millis(DEFAULT_TIMEOUT_MS));
        assert_eq!(settings.slug.as_deref(), Some("pets"));
        assert_eq!(settings.credential.as_deref(), Some("gh"), "the step's credential guards the hook");
        assert!(settings.is_guarded());
    }
}
