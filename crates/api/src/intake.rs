//! What the core does with a request to a hook, whatever transport brought
//! it: `/hook/{flow}` runs the live version (auth, inbox, idempotency, durable
//! accept, then an answer at once or when the flow ends), `/hook-test/{flow}`
//! keeps the request as the trigger's sample. The HTTP listener is a thin
//! adapter over these methods.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use hookline_engine::{webhook, AcceptError, Acceptation, Plan, Published, RunRequest, WebhookSettings};
use hookline_model::{ids, timestamp, Execution, ExecutionStatus, HookRequest, InboxEntry, TriggerSource};
use hookline_store::HookTarget;
use hookline_vault::signature::{HmacSettings, Preset};
use hookline_vault::{auth, Kind, OpenCredential};
use serde_json::{json, Map, Value};

use crate::compat::{self, Route, Taken};
use crate::{ApiError, Core, ErrorCode, Result};

/// A request to a hook, as an adapter hands it over.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The flow id or slug the URL named.
    pub key: String,
    pub request: HookRequest,
    /// Set when the body was over this many bytes: `request.body` is then
    /// empty and the request is refused with `payload_too_large`.
    pub too_large: Option<usize>,
}

/// The answer to a hook request; an HTTP adapter writes it as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct HookReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: ReplyBody,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ReplyBody {
    Json(Value),
    /// Sent as it is, with the reply's own `Content-Type`.
    Text(String),
    Empty,
}

impl HookReply {
    pub(crate) fn json(status: u16, body: Value) -> HookReply {
        HookReply { status, headers: vec![], body: ReplyBody::Json(body) }
    }

    /// An error as every hook answers it: `{"error": {"code", "message"}}`.
    pub fn error(error: &ApiError) -> HookReply {
        HookReply {
            status: error.code.http_status(),
            headers: error.headers.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            body: ReplyBody::Json(json!({"error": {"code": error.code, "message": error.message}})),
        }
    }

    /// A server-side failure: its code, a message and the id the log names
    /// it by (`requestId`), so a caller can report it without the cause,
    /// which stays in the log, ever reaching them.
    pub fn server_error(error: &ApiError, request_id: &str) -> HookReply {
        let mut reply = HookReply::error(error);
        reply.body =
            ReplyBody::Json(json!({"error": {"code": error.code, "message": error.message, "requestId": request_id}}));
        reply
    }
}

/// A new id for a request whose failure is logged with no inbox entry of its own.
pub fn new_request_id() -> String {
    ids::generate("req_")
}

/// How much of a refused request's body the inbox keeps.
const REJECTED_BODY_KEPT: usize = 64 * 1024;

/// How long a resolved hook (flow id, started, latest version, live slug) is
/// reused. Looking it up was a database round trip on every request; another
/// process (`hookline flows stop` beside `hookline serve`) changing a flow is
/// seen within this time.
/// Token lookups are reused for as long, with the same reasoning.
const TARGET_TTL: Duration = Duration::from_millis(250);

/// Resolved hooks by the key their URL named, and flows by the hash of their
/// access token (Boomerang's route names its flow only by the token).
#[derive(Default)]
pub(crate) struct Targets {
    cache: Mutex<HashMap<String, (Instant, HookTarget)>>,
    tokens: Mutex<HashMap<String, (Instant, String)>>,
}

impl Targets {
    /// The flow whose token hashes to `hash`, if it was looked up lately.
    pub(crate) fn token_flow(&self, hash: &str) -> Option<String> {
        let tokens = self.tokens.lock().expect("tokens lock");
        let (at, flow_id) = tokens.get(hash)?;
        (at.elapsed() < TARGET_TTL).then(|| flow_id.clone())
    }

    pub(crate) fn remember_token(&self, hash: String, flow_id: String) {
        self.tokens.lock().expect("tokens lock").insert(hash, (Instant::now(), flow_id));
    }

    /// Forgets the flow's tokens at once, so a rotated one stops working in
    /// this process with the rotation (other processes within the TTL).
    pub(crate) fn forget_tokens_of(&self, flow_id: &str) {
        self.tokens.lock().expect("tokens lock").retain(|_, (_, flow)| flow != flow_id);
    }
}

impl Core {
    /// The flow a hook key (id or live slug) names, from the cache when fresh.
    /// Unknown keys are not cached, so a flow imported a moment ago answers.
    async fn hook_target(&self, key: &str) -> Result<Option<HookTarget>> {
        if let Some((at, target)) = self.targets.cache.lock().expect("targets lock").get(key) {
            if at.elapsed() < TARGET_TTL {
                return Ok(Some(target.clone()));
            }
        }
        let target = self.store.hook_target(key).await?;
        if let Some(target) = &target {
            self.targets.cache.lock().expect("targets lock").insert(key.to_string(), (Instant::now(), target.clone()));
        }
        Ok(target)
    }

    /// The compiled plan of a published version (cached by the engine).
    pub(crate) async fn version_plan(&self, flow_id: &str, version: u32) -> Result<Arc<Plan>> {
        match self.engine.published_plan(flow_id, version).await? {
            Published::Plan(plan) => Ok(plan),
            Published::Missing => {
                Err(ApiError::new(ErrorCode::VersionNotFound, format!("{flow_id} has no version {version}")))
            }
            Published::Invalid(problems) => {
                tracing::error!(flow_id, version, problem = %problems[0], "a published version no longer compiles");
                Err(ApiError::new(
                    ErrorCode::InvalidFlow,
                    format!("version {version} of {flow_id} no longer validates"),
                ))
            }
        }
    }

    /// The plan of the flow's latest published version, with the version;
    /// `action` ("run", "replay") names what wanted it in the errors, and
    /// `otherwise` what the user can do instead of publishing.
    pub(crate) async fn latest_plan(&self, flow_id: &str, action: &str, otherwise: &str) -> Result<(Arc<Plan>, u32)> {
        match self.engine.latest_plan(flow_id).await? {
            Some((version, Published::Plan(plan))) => Ok((plan, version)),
            Some((_, Published::Invalid(problems))) => Err(ApiError::invalid_flow(flow_id, action, problems)),
            None | Some((_, Published::Missing)) => Err(ApiError::new(
                ErrorCode::NotPublished,
                format!("{flow_id} has no published version; publish it first{otherwise}"),
            )),
        }
    }

    /// Handles a request to `/hook/{key}`: every request, accepted or not, is
    /// kept in the inbox; an accepted one answers `202` once its execution is
    /// durably stored, or waits for the flow's end on a synchronous hook (or
    /// with `?wait`; `?async` asks for the other mode).
    pub async fn receive_hook(&self, incoming: Incoming) -> HookReply {
        self.receive(Route::Hook, incoming).await
    }

    /// Handles a request that came through `route`: the same intake as
    /// `/hook/{key}`, with the route's naming, credentials and wording (see
    /// [`compat`]).
    pub async fn receive(&self, route: Route, incoming: Incoming) -> HookReply {
        let Incoming { key, mut request, too_large } = incoming;
        // A route's own secrets leave the request before anything keeps it.
        let taken = compat::prepare(&route, &mut request);
        let entry = InboxEntry {
            id: ids::generate(ids::INBOX_PREFIX),
            flow_key: key,
            flow_id: None,
            request,
            received_at: timestamp(SystemTime::now()),
            status: 202,
            reason: None,
            execution_id: None,
        };
        // The entry moves into the journal with an accepted request (it is
        // the request's one record); a refused one gets it back to keep.
        let mut slot = Some(entry);
        let mut cors = None;
        let mut reply = match self.intake(&route, taken, &mut slot, too_large, &mut cors).await {
            Ok(reply) => reply,
            Err(error) => {
                // Rejected requests are kept too, with the reason, so a tester
                // can see what arrived and why it was refused.
                let inbox_id = match slot {
                    // Shedding load must not write: an overloaded refusal is
                    // only counted in the log, never kept.
                    Some(entry) if error.code == ErrorCode::Overloaded => {
                        tracing::debug!(inbox_id = %entry.id, "a hook request was refused: overloaded");
                        entry.id
                    }
                    Some(mut entry) => {
                        entry.status = error.code.http_status();
                        entry.reason = Some(error.code.as_str().to_string());
                        // Its credential was not (or not rightly) presented:
                        // whatever carries a secret by convention is masked.
                        entry.request.mask_secrets();
                        // A refused request shows what arrived; its first
                        // 64 KiB say that, and a flood cannot fill the disk.
                        entry.request.body.truncate(REJECTED_BODY_KEPT);
                        let keep_unknown = self.retention.rejected_per_flow;
                        if let Err(cause) = self.store.record_rejection(&entry, keep_unknown).await {
                            tracing::error!(inbox_id = %entry.id, error = %cause, "a rejected request could not be kept in the inbox");
                        }
                        entry.id
                    }
                    None => new_request_id(),
                };
                if error.code == ErrorCode::Internal {
                    tracing::error!(request_id = %inbox_id, error = %error.message, "a hook request failed");
                    HookReply::server_error(&ApiError::internal(), &inbox_id)
                } else if error.code.http_status() >= 500 {
                    HookReply::server_error(&error, &inbox_id)
                } else {
                    HookReply::error(&error)
                }
            }
        };
        // A page the hook admits from another origin may read the answer,
        // refusals included.
        if let Some(origin) = cors {
            reply.headers.push(("access-control-allow-origin".into(), origin));
            reply.headers.push(("vary".into(), "Origin".into()));
        }
        reply
    }

    async fn intake(
        &self,
        route: &Route,
        taken: Taken,
        slot: &mut Option<InboxEntry>,
        too_large: Option<usize>,
        cors: &mut Option<String>,
    ) -> Result<HookReply> {
        let entry = slot.as_mut().expect("the entry stays in its slot until it is accepted");
        let resolved = match route {
            // The token names the flow; an unknown one is refused as
            // missing credentials, and the refusal is kept like any other.
            Route::Boomerang => match self.flow_of_token(taken.token.as_deref()).await {
                Ok(flow_id) => {
                    entry.flow_key = flow_id;
                    self.live_hook(entry).await
                }
                Err(error) => Err(error),
            },
            _ => self.live_hook(entry).await,
        };
        let (target, version, plan) = match resolved {
            Ok(resolved) => resolved,
            Err(error) => {
                // A page from another origin learns nothing it could use and
                // leaves nothing behind, whatever it named.
                if crate::origin::check_browser(&entry.request, &WebhookSettings::default()).is_err() {
                    slot.take();
                }
                return Err(error);
            }
        };
        let entry = slot.as_mut().expect("the entry stays in its slot until it is accepted");
        let settings = plan.trigger.webhook().expect("a live hook's plan has webhook settings");
        if let Route::Cloudomation { client } = route {
            if &settings.client != client {
                return Err(ApiError::new(
                    ErrorCode::FlowNotFound,
                    format!("no webhook {:?} of client {client:?}", entry.flow_key),
                ));
            }
        }
        // A page from another origin is refused before anything is kept: a
        // site the user visits must not fill their inbox either.
        match crate::origin::check_browser(&entry.request, settings) {
            Ok(origin) => *cors = origin,
            Err(error) => {
                slot.take();
                return Err(error);
            }
        }
        let method = entry.request.method.clone();
        if method == "OPTIONS" && entry.request.header("access-control-request-method").is_some() {
            let preflight = slot.take().expect("the entry stays in its slot until it is accepted");
            return preflight_reply(&preflight.request, settings, cors.take());
        }
        let accepted = match route.methods() {
            Some(methods) => methods.contains(&method.as_str()),
            None => settings.accepts(&method),
        };
        if !accepted {
            let allow = match route.methods() {
                Some(methods) => methods.join(", "),
                None => settings.methods.join(", "),
            };
            return Err(ApiError::new(ErrorCode::MethodNotAllowed, format!("this hook accepts {allow}, not {method}"))
                .with_header("allow", allow));
        }
        if let Some(limit) = too_large {
            return Err(payload_too_large(limit));
        }
        // Under a flood, "retry" is said before any work is spent on the request.
        if self.runner()?.overloaded() {
            return Err(overloaded());
        }
        // The caller is checked on the raw bytes, before anything parses them.
        let (mut secrets, preset) = if settings.is_guarded() && route.checks_hook_credential() {
            self.authenticate(settings, entry, taken.key.as_deref()).await?
        } else {
            (vec![], None)
        };
        // A route's own secret is masked wherever a copy may have travelled
        // (a caller echoing it in another field).
        secrets.extend(taken.key.into_iter().chain(taken.token).filter(|s| !s.is_empty()));
        let mut input = match taken.json_body {
            Some(body) => webhook::output_with_json(&entry.request, body),
            None => {
                webhook::output(&entry.request).map_err(|e| ApiError::new(ErrorCode::InvalidJson, e.to_string()))?
            }
        };
        // What the caller presented as a secret never reaches the run log.
        if !secrets.is_empty() {
            let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
            hookline_vault::scrub_json(&mut input, &secret_refs);
        }

        // A Pydio Cells caller's envelope: parameters, paths and an id of its
        // choosing. A bad one is refused by name and nothing runs.
        let envelope = CellsEnvelope::read(&input)?;
        let params = hookline_engine::params::flow_params(&plan.document, &envelope.parameters)?;
        let keep_input = match &envelope.paths {
            Some(paths) => {
                let folders = settings.folders();
                let resolved = paths
                    .iter()
                    .map(|path| folders.resolve(path).map(|p| Value::String(p.to_string_lossy().into_owned())))
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|refused| ApiError::new(ErrorCode::PathNotAllowed, refused.to_string()))?;
                input["paths"] = Value::Array(resolved);
                true
            }
            None => false,
        };

        let sync = route.sync(&entry.request, settings.respond == hookline_engine::RespondMode::Sync);
        // A signed delivery is known by its sender's own id; only an
        // unsigned or generic hook takes the caller's word for it.
        let idempotency_key = match preset.filter(|preset| preset.has_delivery_key()) {
            Some(preset) => {
                let request = &entry.request;
                preset
                    .delivery_key(&|name| request.header(&name.to_ascii_lowercase()).map(str::to_string), &request.body)
            }
            None => entry
                .request
                .header("idempotency-key")
                .or_else(|| entry.request.header("webhook-id"))
                .map(str::to_string),
        };
        let timeout = settings.timeout();
        let request = RunRequest {
            flow_id: target.flow_id.clone(),
            version: Some(version),
            trigger: TriggerSource::Webhook,
            input,
            params,
            id: envelope.task_id,
            keep_input,
            replay_of: None,
        };
        let runner = self.runner()?;
        let inbox = slot.take().expect("the entry stays in its slot until it is accepted");
        let accepted = runner.accept(plan.clone(), request, Some(inbox), idempotency_key, sync).await;
        let (execution_id, done) = match accepted {
            Ok(Acceptation::Started(id, done)) => (id, done),
            Ok(Acceptation::Duplicate(original)) => {
                return Ok(route.accepted(&original, &self.status_url(&original), true));
            }
            Ok(Acceptation::IdTaken(task_id)) => {
                let status_url = self.status_url(&task_id);
                return Err(ApiError::new(
                    ErrorCode::TaskIdTaken,
                    format!("TaskID {task_id:?} is already taken; follow it at {status_url}"),
                )
                .with_header("location", status_url));
            }
            Err(AcceptError::Overloaded(inbox)) => {
                *slot = inbox.map(|entry| *entry);
                return Err(overloaded());
            }
            Err(AcceptError::Store(cause)) => {
                let error = ApiError::from(cause);
                return Err(match error.code {
                    ErrorCode::DatabaseUnavailable => error,
                    _ => ApiError::new(
                        ErrorCode::Internal,
                        format!("the execution could not be stored: {}", error.message),
                    ),
                });
            }
        };
        let status_url = self.status_url(&execution_id);
        let Some(done) = done else {
            return Ok(route.accepted(&execution_id, &status_url, false));
        };
        match tokio::time::timeout(timeout, done).await {
            Ok(Ok(finished)) if matches!(route, Route::Cloudomation { .. }) => {
                Ok(self.cloudomation_reply(finished).await)
            }
            Ok(Ok(finished)) => Ok(sync_reply(finished)),
            Ok(Err(_)) => {
                tracing::error!(request_id = %execution_id, "a synchronous execution ended without being recorded");
                Ok(HookReply::server_error(&ApiError::internal(), &execution_id))
            }
            Err(_) => Ok(HookReply::json(
                504,
                json!({
                    "executionId": execution_id,
                    "status": "running",
                    "statusUrl": status_url,
                    "error": {"code": ErrorCode::SyncTimeout, "message": format!(
                        "the flow did not finish within {} ms; it goes on running, follow it at statusUrl",
                        timeout.as_millis()
                    )}
                }),
            )),
        }
    }

    /// The live hook an inbox entry's key names: its flow (noted in the
    /// entry), published version and compiled plan.
    async fn live_hook(&self, entry: &mut InboxEntry) -> Result<(HookTarget, u32, Arc<Plan>)> {
        let key = entry.flow_key.clone();
        let target = self.hook_target(&key).await?.ok_or_else(|| {
            ApiError::new(ErrorCode::FlowNotFound, format!("no flow {key:?} (give a flow id or a webhook slug)"))
        })?;
        entry.flow_id = Some(target.flow_id.clone());
        if target.draft_slug_only && target.latest_version.is_some() {
            return Err(ApiError::new(
                ErrorCode::FlowNotFound,
                format!(
                    "no live hook is named {key:?}: it is the slug in the draft of {}, which takes effect when the draft is published",
                    target.flow_id
                ),
            ));
        }
        let (true, Some(version)) = (target.live, target.latest_version) else {
            return Err(ApiError::new(
                ErrorCode::FlowNotStarted,
                format!("flow {} is not started; publish and start it", target.flow_id),
            ));
        };
        let plan = self.version_plan(&target.flow_id, version).await?;
        if plan.trigger.webhook().is_none() {
            return Err(ApiError::new(
                ErrorCode::FlowNotFound,
                format!("flow {} has no webhook trigger", target.flow_id),
            ));
        }
        Ok((target, version, plan))
    }

    /// Checks the caller against the hook's credential and access policies.
    /// Whatever the request carries in a secret's place (matching or not) is
    /// masked in the inbox entry before anything stores it; the values are
    /// returned so the trigger's output can be masked too.
    ///
    /// Also returns the signature preset of an HMAC guard, which decides how
    /// deliveries are deduplicated.
    ///
    /// `routed_key` is a key the route carried in a place of its own
    /// (Cloudomation's `key`), already taken out of the request.
    pub(crate) async fn authenticate(
        &self,
        settings: &WebhookSettings,
        entry: &mut InboxEntry,
        routed_key: Option<&str>,
    ) -> Result<(Vec<String>, Option<Preset>)> {
        let credentials = self.engine.credentials();
        let guard = match &settings.credential {
            None => None,
            // A hook whose credential cannot be opened admits nobody: failing
            // open would expose a hook its author meant to guard.
            // The caller is told only that its credentials were refused; why
            // (a locked vault, a key fingerprint) is the owner's to read in the log.
            Some(name) => Some(credentials.open(name).await.map_err(|e| {
                tracing::warn!(flow_id = ?entry.flow_id, inbox_id = %entry.id, credential = %name, error = %e,
                    "the hook's credential cannot be opened, so it admits no caller");
                ApiError::new(ErrorCode::AuthFailed, "missing or wrong credentials")
            })?),
        };
        let callers = if settings.policies.is_empty() {
            vec![]
        } else {
            credentials.callers().await.map_err(|e| {
                ApiError::new(ErrorCode::Internal, format!("the callers' credentials could not be read: {e}"))
            })?
        };
        let request = &entry.request;
        let query = request.query_pairs();
        let lookup = |name: &str| request.header(&name.to_ascii_lowercase()).map(str::to_string);
        let now =
            SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default();
        let auth_request = auth::Request { header: &lookup, query: &query, body: &request.body, now, routed_key };
        let caller_refs: Vec<&OpenCredential> = callers.iter().map(|c| c.as_ref()).collect();
        let mut everyone = caller_refs.clone();
        everyone.extend(guard.as_deref());
        let mut secrets = auth::presented_secrets(&everyone, &auth_request);
        // The credentials' own secrets too: a key sent in the wrong place is
        // refused, and must not be kept in clear either.
        for credential in &everyone {
            secrets.extend(credential.secret_values().into_iter().map(str::to_string));
        }
        secrets.sort();
        secrets.dedup();
        // Scrubbing masks every spelling (URL-encoded, base64) of these.
        let admitted = auth::admit(guard.as_deref(), &caller_refs, &settings.policies, &auth_request);

        let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let request = &mut entry.request;
        for value in request.headers.values_mut() {
            *value = hookline_vault::scrub(value, &secret_refs);
        }
        request.query = request.query.as_deref().map(|q| hookline_vault::scrub(q, &secret_refs));
        request.body = hookline_vault::scrub_bytes(&request.body, &secret_refs);

        match admitted {
            Ok(_) => {
                let preset = guard
                    .as_deref()
                    .filter(|guard| guard.kind == Kind::Hmac)
                    .and_then(|guard| HmacSettings::from_fields(&guard.fields).ok())
                    .map(|hmac| hmac.preset);
                Ok((secrets, preset))
            }
            Err(denied) => {
                let code = match denied {
                    auth::Denied::Forbidden(_) => ErrorCode::Forbidden,
                    auth::Denied::SignatureInvalid(_) => ErrorCode::SignatureInvalid,
                    auth::Denied::AuthFailed { .. } => ErrorCode::AuthFailed,
                };
                tracing::info!(flow_id = ?entry.flow_id, inbox_id = %entry.id, code = denied.code(),
                    reason = denied.message(), "a hook request was refused");
                let mut error = ApiError::new(code, denied.public_message().to_string());
                if let auth::Denied::AuthFailed { challenge: Some(challenge), .. } = &denied {
                    error = error.with_header("www-authenticate", challenge.clone());
                }
                Err(error)
            }
        }
    }

    /// Handles a request to `/hook-test/{key}`: it becomes the trigger's
    /// current sample (secret headers masked) and nothing runs. Works for
    /// drafts that were never published, which is when samples are needed.
    pub async fn capture_test_request(&self, incoming: Incoming) -> Result<Value> {
        if let Some(limit) = incoming.too_large {
            return Err(payload_too_large(limit));
        }
        let flow = self.get_flow(&incoming.key).await?;
        let catalog = self.engine.catalog();
        let draft_settings = catalog.trigger_settings(&flow.draft);
        let hook_settings = draft_settings.as_ref().and_then(|t| t.webhook()).cloned().unwrap_or_default();
        crate::origin::check_browser(&incoming.request, &hook_settings)?;
        let now = timestamp(SystemTime::now());
        if !self.store.capture_window_open(&flow.summary.id, &now).await? {
            let id = &flow.summary.id;
            return Err(ApiError::new(
                ErrorCode::NotCapturing,
                format!(
                    "no one is waiting for a sample of {id}: press Send sample request in the designer, or run `hookline capture {id}`, then send the request again"
                ),
            ));
        }
        // The test URL admits exactly the callers the live hook would, and
        // what they present as a secret never reaches the sample.
        let mut entry = InboxEntry {
            id: String::new(),
            flow_key: incoming.key.clone(),
            flow_id: Some(flow.summary.id.clone()),
            request: incoming.request,
            received_at: now,
            status: 200,
            reason: None,
            execution_id: None,
        };
        let secrets = if hook_settings.is_guarded() {
            self.authenticate(&hook_settings, &mut entry, None).await?.0
        } else {
            vec![]
        };
        let incoming = Incoming { key: incoming.key, request: entry.request, too_large: None };
        let trigger = catalog.trigger_step(&flow.draft).ok_or_else(|| {
            ApiError::new(ErrorCode::NoTrigger, format!("flow {} has no trigger to keep a sample for", flow.summary.id))
        })?;
        // A body that does not read as its content type is refused, as the live hook would.
        webhook::output(&incoming.request).map_err(|e| ApiError::new(ErrorCode::InvalidJson, e.to_string()))?;
        let mut sample = webhook::sample(&incoming.request);
        if !secrets.is_empty() {
            let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
            hookline_vault::scrub_json(&mut sample, &secret_refs);
        }
        self.record_capture(&flow.summary.id, &trigger.id, &sample).await?;
        Ok(json!({"captured": true, "flowId": flow.summary.id, "stepId": trigger.id, "sample": sample}))
    }

    /// Where a caller follows an execution. Built from the listener's own
    /// address, never from the request's `Host` header.
    pub(crate) fn status_url(&self, execution_id: &str) -> String {
        match self.hook_base() {
            Ok(base) => format!("{base}/executions/{execution_id}"),
            Err(_) => format!("/executions/{execution_id}"),
        }
    }
}

/// The answer to a browser's CORS preflight: which methods and headers the
/// page may send, for an origin the hook lists (a preflight from the
/// listener's own origin, or none, admits nothing more than it already has).
fn preflight_reply(request: &HookRequest, settings: &WebhookSettings, origin: Option<String>) -> Result<HookReply> {
    let Some(origin) = origin else {
        return Err(ApiError::new(ErrorCode::CrossOrigin, "a preflight must come from an origin the hook lists"));
    };
    let wanted = request.header("access-control-request-method").unwrap_or_default().to_ascii_uppercase();
    if !settings.accepts(&wanted) {
        let allow = settings.methods.join(", ");
        return Err(ApiError::new(ErrorCode::MethodNotAllowed, format!("this hook accepts {allow}, not {wanted}"))
            .with_header("allow", allow));
    }
    let mut headers = vec![
        ("access-control-allow-origin".to_string(), origin),
        ("access-control-allow-methods".to_string(), settings.methods.join(", ")),
        ("access-control-max-age".to_string(), "600".to_string()),
        ("vary".to_string(), "Origin".to_string()),
    ];
    if let Some(asked) = request.header("access-control-request-headers") {
        headers.push(("access-control-allow-headers".to_string(), asked.to_string()));
    }
    Ok(HookReply { status: 204, headers, body: ReplyBody::Empty })
}

/// `503 overloaded` with `Retry-After`: the caller should send it again.
pub(crate) fn overloaded() -> ApiError {
    ApiError::new(ErrorCode::Overloaded, "too many requests are waiting; retry in a moment")
        .with_header("retry-after", "1".into())
}

pub(crate) fn payload_too_large(limit: usize) -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge, format!("the body is larger than {limit} bytes"))
}

/// The reply to a synchronous request: a Respond step's reply, or the
/// execution's summary.
pub(crate) fn sync_reply(execution: Execution) -> HookReply {
    match execution.status {
        ExecutionStatus::Succeeded => match execution.reply {
            Some(reply) => {
                let content_type = reply.headers.keys().any(|k| k.eq_ignore_ascii_case("content-type"));
                let body = match (reply.body, content_type) {
                    (Value::String(text), true) => ReplyBody::Text(text),
                    (Value::Null, _) => ReplyBody::Empty,
                    (body, _) => ReplyBody::Json(body),
                };
                HookReply { status: reply.status, headers: reply.headers.into_iter().collect(), body }
            }
            None => HookReply::json(
                200,
                json!({
                    "executionId": execution.id,
                    "status": execution.status,
                    "input": execution.input,
                    "output": execution.output,
                    "steps": execution.steps,
                }),
            ),
        },
        status => HookReply::json(
            500,
            json!({
                "executionId": execution.id,
                "status": status,
                "failedStep": execution.failed_step,
                "error": execution.error,
            }),
        ),
    }
}

/// The fields a Pydio Cells caller may put in a JSON body beside its data.
#[derive(Debug, Default)]
struct CellsEnvelope {
    /// `JobParameters`: values for the flow's overridable parameters.
    parameters: Map<String, Value>,
    /// `Paths`: files and folders the run is about, checked against the
    /// hook's allowed folders.
    paths: Option<Vec<String>>,
    /// `TaskID`: the id the caller follows the run by.
    task_id: Option<String>,
}

/// Longest `TaskID` taken; it becomes an execution id and a URL segment.
const MAX_TASK_ID: usize = 128;

impl CellsEnvelope {
    /// Reads the envelope from a hook's trigger output; `null` counts as absent.
    fn read(input: &Value) -> Result<CellsEnvelope> {
        let body = input.get("body");
        let field = |name: &str| body.and_then(|body| body.get(name)).filter(|v| !v.is_null());
        let invalid = |message: &str| ApiError::new(ErrorCode::InvalidEnvelope, message);
        let parameters = match field("JobParameters") {
            None => Map::new(),
            Some(Value::Object(values)) => values.clone(),
            Some(_) => return Err(invalid("JobParameters must be an object of parameter names and values")),
        };
        let paths = match field("Paths") {
            None => None,
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .map(|item| item.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| invalid("Paths must be a list of file or folder paths"))?,
            ),
            Some(_) => return Err(invalid("Paths must be a list of file or folder paths")),
        };
        let task_id = match field("TaskID") {
            None => None,
            Some(Value::String(id))
                if !id.is_empty()
                    && id.len() <= MAX_TASK_ID
                    && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')) =>
            {
                Some(id.clone())
            }
            Some(_) => {
                return Err(invalid(
                    "TaskID must be 1 to 128 letters, digits, '-', '_', '.' or ':' (it names the run in a URL)",
                ))
            }
        };
        Ok(CellsEnvelope { parameters, paths, task_id })
    }
}
