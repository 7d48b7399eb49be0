//! The Webhook trigger: its settings (parsed once, when a version is
//! compiled) and the one function that turns a request into its output
//! `{method, path, headers, query, body}`. The listener, the test capture,
//! the inbox and the hook tooling all go through here.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use hookline_model::{mask_secret_headers, ComponentKind, FieldType, FlowDocument, HookRequest, Step};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::folders::AllowedFolders;
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
/// The Cloudomation client a hook answers under (`/api/webhook/{client}/{slug}`)
/// when its config names none.
pub const DEFAULT_CLIENT: &str = "local";

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
    /// Folders the `Paths` a caller sends must lie in; none accepts no paths.
    #[serde(default)]
    pub allowed_folders: Vec<String>,
    /// The client name of the hook's Cloudomation-style URL,
    /// `/api/webhook/{client}/{slug}`.
    #[serde(default = "default_client")]
    pub client: String,
    /// The Button that offers the started flow to people (M8), if any
    /// (boxed: most hooks have none, and the settings travel in every plan).
    #[serde(default)]
    pub button: Option<Box<ButtonSettings>>,
    /// The vault credential that guards the hook (the step's `credential`).
    #[serde(skip)]
    pub credential: Option<String>,
}

/// Icons a Button may show, by their name in the app's icon set (Lucide).
/// The listener's `/buttons` page draws the same names with its own shapes.
pub const BUTTON_ICONS: [&str; 12] = [
    "play",
    "send",
    "zap",
    "upload",
    "download",
    "file-text",
    "folder",
    "image",
    "mail",
    "refresh-cw",
    "archive",
    "check",
];
/// The icon of a Button whose config names none.
const DEFAULT_BUTTON_ICON: &str = "play";

/// Where a Button appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ts_rs::TS)]
#[ts(export)]
pub enum Placement {
    /// In the toolbar along the top of the Launcher and of the `/buttons` page.
    #[serde(rename = "toolbar")]
    Toolbar,
    /// In the menu of a file or folder listed by a path picker, when the
    /// Button's folders hold the item and its selection rule takes it.
    #[serde(rename = "context menu")]
    ContextMenu,
    /// In the list of Buttons of the Launcher and of the `/buttons` page.
    #[serde(rename = "launcher")]
    Launcher,
}

/// A Button: a started flow's hook offered as something a person presses.
/// Pressing it sends the hook a Pydio Cells body, `{JobParameters, Paths}`:
/// the form's values over the presets, and the files or folders picked.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ButtonSettings {
    pub label: String,
    /// One of [`BUTTON_ICONS`].
    #[serde(default = "default_button_icon")]
    pub icon: String,
    #[serde(default = "default_placement")]
    pub placement: Vec<Placement>,
    #[serde(default)]
    pub form: ButtonForm,
    #[serde(default)]
    pub selection: Selection,
}

fn default_button_icon() -> String {
    DEFAULT_BUTTON_ICON.to_string()
}

fn default_placement() -> Vec<Placement> {
    vec![Placement::Launcher]
}

/// The form a Button shows before it is pressed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ButtonForm {
    /// A sentence above the fields saying what pressing does.
    #[serde(default)]
    pub legend: String,
    /// The flow parameters shown, in this order.
    #[serde(default)]
    pub parameters: Vec<String>,
    /// Those of the shown parameters the person may change; each must be
    /// overridable, since its value travels as `JobParameters`.
    #[serde(default)]
    pub editable: Vec<String>,
    /// Values sent for overridable parameters: the starting value of an
    /// editable one, the fixed value of any other.
    #[serde(default)]
    pub presets: Map<String, Value>,
}

/// What a Button may be given as `Paths`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum Pick {
    /// No path picker; the Button sends no `Paths`.
    #[default]
    None,
    Files,
    Folders,
    /// Files and folders.
    Both,
}

/// A Button's rule for the files and folders a person picks, inside the
/// hook's allowed folders, before pressing it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Selection {
    #[serde(default)]
    pub pick: Pick,
    /// File name extensions a picked file must have (`csv`, `.csv`: either
    /// way, in any case); none admits every file. Folders are not affected.
    #[serde(default)]
    pub extensions: Vec<String>,
    /// Several items may be picked; otherwise one.
    #[serde(default)]
    pub multiple: bool,
    /// At least one item must be picked.
    #[serde(default = "required_by_default")]
    pub required: bool,
}

fn required_by_default() -> bool {
    true
}

impl Default for Selection {
    fn default() -> Self {
        Selection { pick: Pick::None, extensions: vec![], multiple: false, required: true }
    }
}

impl Selection {
    /// Whether the Button picks paths at all.
    pub fn picks(&self) -> bool {
        self.pick != Pick::None
    }

    /// Whether an item named `name` (a folder when `is_folder`) may be picked.
    pub fn admits(&self, name: &str, is_folder: bool) -> bool {
        match (self.pick, is_folder) {
            (Pick::None, _) | (Pick::Files, true) | (Pick::Folders, false) => false,
            (_, true) => true,
            (_, false) => {
                self.extensions.is_empty() || {
                    let extension = std::path::Path::new(name).extension().map(|e| e.to_string_lossy());
                    extension.is_some_and(|found| {
                        self.extensions.iter().any(|wanted| wanted.trim_start_matches('.').eq_ignore_ascii_case(&found))
                    })
                }
            }
        }
    }

    /// Why `count` picked items do not make a selection, or `None`.
    pub fn count_problem(&self, count: usize) -> Option<String> {
        let what = match self.pick {
            Pick::None => return (count > 0).then(|| "this Button sends no paths".to_string()),
            Pick::Files => "file",
            Pick::Folders => "folder",
            Pick::Both => "file or folder",
        };
        if count == 0 && self.required {
            return Some(format!("pick a {what} first"));
        }
        if count > 1 && !self.multiple {
            return Some(format!("pick one {what} only, not {count}"));
        }
        None
    }

    /// The rule in words, for a refusal: `a .csv or .txt file`.
    pub fn describe(&self) -> String {
        let extensions = if self.extensions.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = self.extensions.iter().map(|e| format!(".{}", e.trim_start_matches('.'))).collect();
            format!("{} ", list.join(" or "))
        };
        match self.pick {
            Pick::None => "nothing".into(),
            Pick::Files => format!("a {extensions}file"),
            Pick::Folders => "a folder".into(),
            Pick::Both => format!("a folder or a {extensions}file"),
        }
    }
}

fn default_methods() -> Vec<String> {
    DEFAULT_METHODS.iter().map(|m| m.to_string()).collect()
}

fn default_timeout_ms() -> u64 {
    DEFAULT_TIMEOUT_MS
}

fn default_client() -> String {
    DEFAULT_CLIENT.to_string()
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
            allowed_folders: vec![],
            client: default_client(),
            button: None,
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

    /// The folders a caller's `Paths` are checked against.
    pub fn folders(&self) -> AllowedFolders {
        AllowedFolders(self.allowed_folders.clone())
    }

    /// Whether callers must prove who they are (a credential or policies).
    pub fn is_guarded(&self) -> bool {
        self.credential.is_some() || !self.policies.is_empty()
    }
}

/// What a Button's config says about the rest of the flow, each problem as
/// (path below `config`, message): the parameters it shows, lets people
/// change and presets must be the flow's, editable and preset ones
/// overridable (their values travel as `JobParameters`), presets of the
/// parameter's type; a Button that picks paths needs allowed folders.
pub(crate) fn document_problems(step: &Step, document: &FlowDocument) -> Vec<(String, String)> {
    let Ok(settings) = WebhookSettings::from_step(step) else { return vec![] };
    let Some(button) = &settings.button else { return vec![] };
    let mut problems = vec![];
    let declared = |name: &str| document.parameters.iter().find(|p| p.name == name);
    let form = &button.form;
    for (i, name) in form.parameters.iter().enumerate() {
        if declared(name).is_none() {
            problems.push((
                format!(".button.form.parameters[{i}]"),
                format!("the flow declares no parameter {name:?}; add it to the flow's parameters"),
            ));
        }
    }
    for (i, name) in form.editable.iter().enumerate() {
        let at = format!(".button.form.editable[{i}]");
        match declared(name) {
            None => problems.push((at, format!("the flow declares no parameter {name:?}, so it cannot be editable"))),
            Some(parameter) if !parameter.overridable => problems.push((
                at,
                format!(
                    "parameter {name:?} is not overridable, so a Button cannot let people change it; mark it overridable or remove it here"
                ),
            )),
            Some(_) if !form.parameters.contains(name) => problems.push((
                at,
                format!("parameter {name:?} is editable but not shown; list it in the form's parameters too"),
            )),
            Some(_) => {}
        }
    }
    for (name, value) in &form.presets {
        let at = format!(".button.form.presets.{name}");
        match declared(name) {
            None => problems.push((at, format!("the flow declares no parameter {name:?} to preset"))),
            Some(parameter) if !parameter.overridable => problems
                .push((at, format!("parameter {name:?} is not overridable, so a Button cannot send a value for it"))),
            Some(parameter) if !value.is_null() && !parameter.param_type.admits(value) => {
                problems.push((at, format!("the preset of {name:?} is not {}", type_phrase(parameter.param_type))))
            }
            Some(_) => {}
        }
    }
    if button.selection.picks() && settings.allowed_folders.is_empty() {
        problems.push((
            ".button.selection.pick".into(),
            "a Button that picks files or folders needs the hook's allowed folders to pick them in".into(),
        ));
    }
    if button.selection.pick == Pick::Folders && !button.selection.extensions.is_empty() {
        problems.push((
            ".button.selection.extensions".into(),
            "extensions are for files, and this Button picks folders only".into(),
        ));
    }
    problems
}

fn type_phrase(field_type: FieldType) -> &'static str {
    match field_type {
        FieldType::String => "a string",
        FieldType::Number => "a number",
        FieldType::Integer => "an integer",
        FieldType::Boolean => "true or false",
        FieldType::Object => "an object",
        FieldType::Array => "an array",
        FieldType::Any => "a value",
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

/// The output for a request whose JSON body the caller has already parsed
/// (and perhaps trimmed), so it is not parsed a second time.
pub fn output_with_json(request: &HookRequest, body: Value) -> Value {
    build(request, headers_object(&request.headers), body)
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
                },
                "allowedFolders": {
                    "title": "Allowed folders",
                    "description": "Absolute folders the file and folder Paths a caller sends must lie in (relative paths are taken inside the first). Without any, a request with Paths is refused.",
                    "type": "array", "uniqueItems": true,
                    "items": {"type": "string", "minLength": 1}
                },
                "client": {
                    "title": "Cloudomation client",
                    "description": "The client name in the hook's Cloudomation-style URL, /api/webhook/{client}/{slug}.",
                    "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", "default": DEFAULT_CLIENT
                },
                "button": button_schema()
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
    component.document_check = Some(document_problems);
    component.typed_sample = Some(typed_sample);
    component
}

/// The config schema of a Button (M8), as the designer's form shows it.
fn button_schema() -> Value {
    json!({
        "title": "Button",
        "description": "Offers the started flow as a Button in the app's Launcher and on the listener's /buttons page, to the callers this hook's credential and access policies admit. Pressing it sends the form's values as JobParameters and the picked files or folders as Paths.",
        "type": "object", "additionalProperties": false, "required": ["label"],
        "properties": {
            "label": {
                "title": "Label", "description": "The text on the Button.",
                "type": "string", "minLength": 1, "maxLength": 60, "pattern": "\\S"
            },
            "icon": {
                "title": "Icon", "description": "The icon beside the label.",
                "enum": BUTTON_ICONS, "default": DEFAULT_BUTTON_ICON
            },
            "placement": {
                "title": "Placement",
                "description": "Where the Button appears: launcher (the list of Buttons), toolbar (the bar along the top), context menu (the menu of a file or folder it can take).",
                "type": "array", "minItems": 1, "uniqueItems": true, "default": ["launcher"],
                "items": {"enum": ["toolbar", "context menu", "launcher"]}
            },
            "form": {
                "title": "Form", "description": "What the Button asks before it runs the flow.",
                "type": "object", "additionalProperties": false,
                "properties": {
                    "legend": {"title": "Legend", "description": "A sentence above the fields saying what pressing does.", "type": "string", "maxLength": 500},
                    "parameters": {
                        "title": "Shown parameters", "description": "Flow parameters the form shows, in this order.",
                        "type": "array", "uniqueItems": true, "items": {"type": "string", "minLength": 1}
                    },
                    "editable": {
                        "title": "Editable parameters", "description": "Shown parameters people may change; each must be overridable.",
                        "type": "array", "uniqueItems": true, "items": {"type": "string", "minLength": 1}
                    },
                    "presets": {
                        "title": "Presets", "description": "Values sent for overridable parameters, by name: the starting value of an editable one, the fixed value of any other.",
                        "type": "object"
                    }
                }
            },
            "selection": {
                "title": "Selection", "description": "The files or folders, inside the hook's allowed folders, a person picks to send as Paths.",
                "type": "object", "additionalProperties": false,
                "properties": {
                    "pick": {"title": "Pick", "description": "none sends no Paths.", "enum": ["none", "files", "folders", "both"], "default": "none"},
                    "extensions": {
                        "title": "Extensions", "description": "File extensions a picked file must have, such as csv; none admits every file.",
                        "type": "array", "uniqueItems": true, "items": {"type": "string", "pattern": "^\\.?[A-Za-z0-9][A-Za-z0-9_-]{0,15}$"}
                    },
                    "multiple": {"title": "Several items", "description": "Several items may be picked; otherwise one.", "type": "boolean", "default": false},
                    "required": {"title": "Required", "description": "At least one item must be picked before pressing.", "type": "boolean", "default": true}
                }
            }
        }
    })
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
    let mut schema = json!({
        "type": "object",
        "required": ["method", "path", "headers", "query", "body"],
        "properties": {
            "method": {"enum": methods.unwrap_or_else(|| json!(DEFAULT_METHODS))},
            "path": {"const": hook_path},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}, "default": {"content-type": "application/json"}},
            "query": {"type": "object", "default": {}},
            "body": {"default": example.get("body").cloned().unwrap_or(Value::Null)}
        }
    });
    // A hook with allowed folders may be sent `Paths`: they reach the flow
    // resolved, as `paths` (absent when a request sent none).
    if config.get("allowedFolders").and_then(Value::as_array).is_some_and(|folders| !folders.is_empty()) {
        schema["properties"]["paths"] = json!({"type": "array", "items": {"type": "string"}, "default": []});
    }
    schema
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

    fn hook_step(config: Value) -> Step {
        serde_json::from_value(json!({"id": "stp_hook", "component": "webhook", "name": "Hook", "config": config}))
            .unwrap()
    }

    #[test]
    fn a_button_reads_with_its_defaults() {
        let step = hook_step(json!({"allowedFolders": ["/srv"], "button": {"label": "Convert"}}));
        let button = WebhookSettings::from_step(&step).unwrap().button.expect("the button is kept in the settings");
        assert_eq!(button.label, "Convert");
        assert_eq!(button.icon, "play");
        assert_eq!(button.placement, [Placement::Launcher], "a Button is in the launcher unless placed elsewhere");
        assert_eq!(button.selection, Selection::default());
        assert!(!button.selection.picks(), "without a selection rule it sends no paths");
        let placed = hook_step(json!({"button": {"label": "B", "placement": ["context menu", "toolbar"]}}));
        let placed = WebhookSettings::from_step(&placed).unwrap().button.unwrap();
        assert_eq!(placed.placement, [Placement::ContextMenu, Placement::Toolbar]);
        let typo = hook_step(json!({"button": {"label": "B", "lable": "C"}}));
        assert!(WebhookSettings::from_step(&typo).unwrap_err().contains("lable"), "an unknown key is named");
    }

    #[test]
    fn a_selection_admits_items_by_kind_extension_and_count() {
        let csv =
            Selection { pick: Pick::Files, extensions: vec![".CSV".into(), "txt".into()], ..Selection::default() };
        assert!(csv.admits("report.csv", false) && csv.admits("notes.TXT", false));
        assert!(!csv.admits("photo.png", false) && !csv.admits("README", false));
        assert!(!csv.admits("archive.csv", true), "a folder is not a file, whatever its name");
        let folders = Selection { pick: Pick::Folders, ..Selection::default() };
        assert!(folders.admits("2026", true) && !folders.admits("a.csv", false));
        let both = Selection { pick: Pick::Both, extensions: vec!["csv".into()], ..Selection::default() };
        assert!(both.admits("any folder", true) && both.admits("a.csv", false) && !both.admits("a.png", false));
        assert!(!Selection::default().admits("a.csv", false), "pick none takes nothing");

        assert_eq!(csv.count_problem(0).as_deref(), Some("pick a file first"));
        assert_eq!(csv.count_problem(2).as_deref(), Some("pick one file only, not 2"));
        assert_eq!(csv.count_problem(1), None);
        let many = Selection { multiple: true, required: false, ..both.clone() };
        assert_eq!((many.count_problem(0), many.count_problem(5)), (None, None));
        assert!(Selection::default().count_problem(1).is_some(), "a Button that picks nothing takes no paths");
        assert_eq!(csv.describe(), "a .CSV or .txt file");
    }

    #[test]
    fn a_buttons_form_must_name_the_flows_parameters_and_editable_ones_must_be_overridable() {
        let config = json!({"button": {"label": "Run", "form": {
            "parameters": ["region", "mode", "ghost"],
            "editable": ["region", "mode", "limit"],
            "presets": {"region": 7, "mode": "fast", "nobody": 1, "limit": 3}
        }, "selection": {"pick": "folders", "extensions": ["csv"]}}});
        let document: FlowDocument = serde_json::from_value(json!({
            "schemaVersion": 1, "name": "F",
            "parameters": [
                {"name": "region", "type": "string", "overridable": true},
                {"name": "mode", "type": "string"},
                {"name": "limit", "type": "integer", "overridable": true}
            ],
            "steps": [{"id": "stp_hook", "component": "webhook", "name": "Hook", "config": config}]
        }))
        .unwrap();
        let problems = document_problems(&document.steps[0], &document);
        let at: Vec<&str> = problems.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(
            at,
            [
                ".button.form.parameters[2]",
                ".button.form.editable[1]",
                ".button.form.editable[2]",
                ".button.form.presets.region",
                ".button.form.presets.mode",
                ".button.form.presets.nobody",
                ".button.selection.pick",
                ".button.selection.extensions",
            ],
            "{problems:#?}"
        );
        let message = |path: &str| problems.iter().find(|(p, _)| p == path).unwrap().1.clone();
        assert!(message(".button.form.editable[1]").contains("\"mode\" is not overridable"));
        assert!(message(".button.form.editable[2]").contains("not shown"));
        assert!(message(".button.form.presets.region").contains("is not a string"), "presets are typed");
        assert!(!at.contains(&".button.form.presets.limit"), "an integer preset of an overridable integer fits");
        assert!(message(".button.selection.pick").contains("allowed folders"));
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
