//! The built-in components. Each module exposes `component()`: its descriptor
//! and, for actions, its implementation of [`Action`].

mod condition;
pub(crate) mod database;
mod delay;
mod emit_event;
pub mod event;
pub mod folders;
mod http_request;
pub mod manual;
mod respond;
mod run_command;
pub mod schedule;
mod transform;
pub mod webhook;
mod write_file;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hookline_model::{ComponentDescriptor, ComponentKind, Reply};
use hookline_vault::{Kind, OpenCredential, Sensitive};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::catalog::Component;
use crate::credentials::Credentials;

/// The HTTP client steps, verification and token requests share (rustls,
/// pooled). It follows no redirect and sends no `Referer`: HTTP Request
/// follows redirects itself, hop by hop, so a credential is never carried to
/// another origin, and a token endpoint's redirect is an error, not a detour.
pub fn outbound_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("Hookline/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .build()
}

/// What an action needs from the engine while it runs.
pub struct ActionContext {
    /// Shared HTTP client from [`outbound_client`], so connections are pooled across steps.
    pub http: reqwest::Client,
    /// Fires when the execution is cancelled; long waits must watch it.
    pub cancel: CancellationToken,
    /// The step's credential, opened, when it names one.
    pub credential: Option<Arc<OpenCredential>>,
    /// The vault, for OAuth2 tokens.
    pub credentials: Arc<Credentials>,
    /// Starts the flows listening to an event (Emit Event); `None` where
    /// nothing may start them.
    pub events: Option<Arc<dyn crate::events::EventSink>>,
    /// Which flow, execution and step the action runs for.
    pub origin: StepOrigin,
    /// The folders and programs the user allows steps to use on this
    /// machine, asked for when a step needs them (Write File, Run Command).
    pub local: Arc<dyn LocalAccessSource>,
}

/// What the user allows steps to touch on this machine (Settings:
/// `allowedFolders`, `allowedCommands`), as absolute paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalAccess {
    pub allowed_folders: Vec<String>,
    pub allowed_commands: Vec<String>,
}

/// Where [`LocalAccess`] comes from. The engine keeps no copy: the owner
/// (the api, which keeps the settings) answers on every call, so a change
/// saved while the server runs, even by another process, applies to the
/// next step that asks.
pub trait LocalAccessSource: Send + Sync {
    /// The current allow-lists, or why they cannot be read (the message is
    /// shown as the step's failure).
    fn local_access(&self) -> Result<LocalAccess, String>;
}

/// Allows nothing: what an engine whose owner set no source uses.
pub struct NoLocalAccess;

impl LocalAccessSource for NoLocalAccess {
    fn local_access(&self) -> Result<LocalAccess, String> {
        Ok(LocalAccess::default())
    }
}

/// Which flow, execution and step an action runs for.
#[derive(Debug, Clone, PartialEq)]
pub struct StepOrigin {
    pub flow_id: String,
    /// `None` when a single step runs for a sample, outside any execution.
    pub execution_id: Option<String>,
    pub step_id: String,
    /// How many events deep the execution is (0 when no event started it).
    pub event_depth: u32,
}

impl StepOrigin {
    /// The `Idempotency-Key` a step with side effects sends: the same for
    /// every attempt of the step in one execution and for the same step run
    /// again after a restart, so a service that honours the key acts once.
    /// A replay is a new execution and gets a new key, on purpose. `None`
    /// outside an execution (a sample run).
    pub fn idempotency_key(&self) -> Option<String> {
        self.execution_id.as_ref().map(|execution| format!("{execution}.{}", self.step_id))
    }
}

/// Adds a credential's authentication to an outgoing request: Basic, a
/// bearer token (`token`, for OAuth2 the access token), or an API key in a
/// header or the query string. An API key that travels in the JSON body is
/// the caller's to add.
pub fn authorize(
    request: reqwest::RequestBuilder,
    credential: &OpenCredential,
    token: Option<&Sensitive<String>>,
) -> reqwest::RequestBuilder {
    match credential.kind {
        Kind::Basic => request.basic_auth(
            credential.text("username").unwrap_or_default(),
            credential.secret("password").map(|p| p.expose().clone()),
        ),
        Kind::Bearer => match credential.secret("token") {
            Some(token) => request.bearer_auth(token.expose()),
            None => request,
        },
        Kind::OAuth2ClientCredentials => match token {
            Some(token) => request.bearer_auth(token.expose()),
            None => request,
        },
        Kind::ApiKey => {
            let Some(key) = credential.secret("key") else { return request };
            match credential.api_key_location() {
                "query" => request.query(&[(credential.api_key_name(), key.expose().as_str())]),
                "body" => request,
                _ => request.header(credential.api_key_name(), key.expose().as_str()),
            }
        }
        _ => request,
    }
}

/// A successful step.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub output: Value,
    /// For branching components: which outgoing edges (`when`) to follow.
    pub branch: Option<bool>,
    /// For components that answer a synchronous webhook.
    pub reply: Option<Reply>,
}

impl Outcome {
    pub fn output(output: Value) -> Outcome {
        Outcome { output, branch: None, reply: None }
    }
}

/// A failed step: a message for the user and, when the step got that far, what
/// it received (an HTTP error response, say), kept in the run log.
#[derive(Debug, Clone, PartialEq)]
pub struct StepFailure {
    pub message: String,
    pub output: Option<Value>,
    /// What kind of failure it was, for the step's retry policy.
    pub kind: FailureKind,
}

impl StepFailure {
    /// A failure a retry would not change (bad input, a refused credential).
    pub fn new(message: impl Into<String>) -> StepFailure {
        StepFailure { message: message.into(), output: None, kind: FailureKind::Permanent }
    }

    pub fn with_kind(mut self, kind: FailureKind) -> StepFailure {
        self.kind = kind;
        self
    }
}

/// Why a step failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailureKind {
    /// Trying again would fail the same way.
    #[default]
    Permanent,
    /// The service answered with this status; `retry_after` is when it said
    /// to come back (`Retry-After`), if it did.
    Http { status: u16, retry_after: Option<Duration> },
    /// No connection could be made, or it broke before an answer.
    Connection,
    /// No answer in time.
    Timeout,
}

/// The runtime half of an action component. `input` has been mapped and
/// checked against the descriptor's input schema.
#[async_trait]
pub trait Action: Send + Sync {
    async fn run(&self, input: Value, context: &ActionContext) -> Result<Outcome, StepFailure>;

    /// What running with this input would change outside Hookline (`send a
    /// POST to …`), or `None` when it changes nothing. The designer asks
    /// before running such a step for a sample.
    fn side_effect(&self, _input: &Value) -> Option<String> {
        None
    }
}

/// A descriptor with the fields every component shares filled in.
pub(crate) struct Describe {
    pub id: &'static str,
    pub kind: ComponentKind,
    pub title: &'static str,
    pub description: &'static str,
    pub icon: &'static str,
}

impl Describe {
    pub fn build(self, config_schema: Value, input_schema: Value, example_output: Value) -> ComponentDescriptor {
        ComponentDescriptor {
            id: self.id.into(),
            kind: self.kind,
            title: self.title.into(),
            description: self.description.into(),
            icon: self.icon.into(),
            config_schema,
            input_schema,
            credential_kinds: vec![],
            example_output,
            branching: false,
            side_effects: false,
            receives_http: false,
            fires_on_schedule: false,
            sample_hint: None,
        }
    }
}

/// The schema of a component that takes no config (every action) or no input
/// (every trigger).
pub(crate) fn empty_object_schema() -> Value {
    serde_json::json!({"type": "object", "additionalProperties": false, "properties": {}})
}

pub(crate) fn standard() -> Vec<Component> {
    vec![
        webhook::component(),
        manual::component(),
        schedule::component(),
        http_request::component(),
        transform::component(),
        condition::component(),
        respond::component(),
        delay::component(),
        event::component(),
        emit_event::component(),
        database::component(),
        write_file::component(),
        run_command::component(),
    ]
}
