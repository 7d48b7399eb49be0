//! The webhook listener: `/hook/{flow}` turns a request into a durable
//! execution of the flow's latest published version, and
//! `/executions/{id}` reports how it is going.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE, HOST, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use base64::Engine as _;
use hookline_engine::{AcceptError, Acceptation, Engine, Plan, RunRequest, Runner};
use hookline_model::{ids, mask_secret_headers, timestamp, Execution, ExecutionStatus, InboxEntry, TriggerSource};
use hookline_store::{HookTarget, Store};
use hookline_vault::{auth, OpenCredential};
use serde_json::{json, Map, Value};

use crate::ErrorBody;

/// The component whose runtime this listener is.
const WEBHOOK: &str = "webhook";
const DEFAULT_SYNC_TIMEOUT_MS: u64 = 30_000;

/// Listener settings.
#[derive(Debug, Clone)]
pub struct ListenerConfig {
    /// Largest request body accepted (413 above it).
    pub body_limit: usize,
    /// Print one line per request on standard output.
    pub log_requests: bool,
}

impl Default for ListenerConfig {
    fn default() -> Self {
        ListenerConfig { body_limit: 10 * 1024 * 1024, log_requests: true }
    }
}

/// How long a resolved hook (flow id, started, latest version) is reused.
/// Looking it up was a database round trip on every request; another process
/// (`hookline flows stop` beside `hookline serve`) changing a flow is seen
/// within this time.
const TARGET_TTL: Duration = Duration::from_millis(250);

type Targets = Arc<Mutex<HashMap<String, (Instant, HookTarget)>>>;

#[derive(Clone)]
struct Hooks {
    store: Store,
    engine: Arc<Engine>,
    runner: Arc<Runner>,
    config: ListenerConfig,
    targets: Targets,
}

impl Hooks {
    /// The flow a hook key (id or slug) names, from the cache when fresh.
    /// Unknown keys are not cached, so a flow imported a moment ago answers.
    async fn target(&self, key: &str) -> Result<Option<HookTarget>, ErrorBody> {
        if let Some((at, target)) = self.targets.lock().expect("targets lock").get(key) {
            if at.elapsed() < TARGET_TTL {
                return Ok(Some(target.clone()));
            }
        }
        let target = self.store.hook_target(key).await.map_err(|_| ErrorBody::internal())?;
        if let Some(target) = &target {
            self.targets.lock().expect("targets lock").insert(key.to_string(), (Instant::now(), target.clone()));
        }
        Ok(target)
    }
}

/// The listener's routes.
pub fn router(store: Store, engine: Arc<Engine>, runner: Arc<Runner>, config: ListenerConfig) -> Router {
    let log = config.log_requests;
    let router = Router::new()
        .route("/hook/{flow}", any(hook))
        .route("/hook-test/{flow}", any(capture))
        .route("/executions/{id}", get(execution))
        .with_state(Hooks { store, engine, runner, config, targets: Targets::default() });
    if log {
        router.layer(middleware::from_fn(log_request))
    } else {
        router
    }
}

/// One line per request: method, path, status and time taken.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    println!("{method} {path} {} {:.1} ms", response.status().as_u16(), started.elapsed().as_secs_f64() * 1000.0);
    response
}

async fn execution(State(hooks): State<Hooks>, Path(id): Path<String>) -> Result<Json<Execution>, ErrorBody> {
    match hooks.store.get_execution(&id).await {
        Ok(Some(execution)) => Ok(Json(execution)),
        Ok(None) => Err(ErrorBody::new(StatusCode::NOT_FOUND, "execution_not_found", format!("no execution {id}"))),
        Err(_) => Err(ErrorBody::internal()),
    }
}

/// `/hook-test/{flow}`: the request becomes the trigger's sample in the
/// flow's draft (secret headers masked) and nothing runs. Works for drafts
/// that were never published, which is when samples are needed.
async fn capture(
    State(hooks): State<Hooks>,
    Path(key): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ErrorBody> {
    let bytes = read_body(body, &headers, hooks.config.body_limit).await?;
    let flow = hooks.store.find_flow(&key).await.map_err(|_| ErrorBody::internal())?.ok_or_else(|| {
        ErrorBody::new(
            StatusCode::NOT_FOUND,
            "flow_not_found",
            format!("no flow {key:?} (give a flow id or a webhook slug)"),
        )
    })?;
    let sample = json!({
        "method": method.as_str(),
        "path": uri.path(),
        "headers": mask_secret_headers(&header_map(&headers)),
        "query": uri.query().map(decode_form).unwrap_or_else(|| Value::Object(Map::new())),
        "body": decode_body(&bytes, &headers)?,
    });
    let mut draft = flow.draft;
    let catalog = hooks.engine.catalog();
    let trigger =
        draft.steps.iter_mut().find(|s| catalog.get(&s.component).is_some_and(|c| c.is_trigger())).ok_or_else(
            || {
                ErrorBody::new(
                    StatusCode::BAD_REQUEST,
                    "no_trigger",
                    format!("flow {} has no trigger to keep a sample for", flow.summary.id),
                )
            },
        )?;
    trigger.sample = Some(sample.clone());
    let step_id = trigger.id.clone();
    let now = timestamp(SystemTime::now());
    hooks.store.save_draft(&draft, flow.summary.slug.as_deref(), &now).await.map_err(|_| ErrorBody::internal())?;
    hooks.store.record_capture(&flow.summary.id, &step_id, &sample, &now).await.map_err(|_| ErrorBody::internal())?;
    Ok(Json(json!({"captured": true, "flowId": flow.summary.id, "stepId": step_id, "sample": sample})))
}

/// The webhook trigger's output `{method, path, headers, query, body}` for a
/// request kept in the inbox, secret headers masked: how an inbox entry
/// becomes a sample. A body that does not parse as its content type says is
/// kept as text.
pub fn inbox_sample(entry: &InboxEntry) -> Value {
    let mut headers = HeaderMap::new();
    if let Some(content_type) = entry.headers.get("content-type").and_then(|v| v.parse().ok()) {
        headers.insert(CONTENT_TYPE, content_type);
    }
    let body = decode_body(&entry.body, &headers)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&entry.body).into_owned()));
    json!({
        "method": entry.method,
        "path": entry.path,
        "headers": mask_secret_headers(&entry.headers),
        "query": entry.query.as_deref().map(decode_form).unwrap_or_else(|| Value::Object(Map::new())),
        "body": body,
    })
}

/// The trigger settings a hook request needs.
struct HookSettings {
    methods: Vec<String>,
    sync: bool,
    timeout: Duration,
    /// The credential guarding the hook.
    credential: Option<String>,
    /// Access rules (`profile:admin`, `role:reviewers`); any match admits.
    policies: Vec<String>,
}

fn settings(plan: &Plan) -> Option<HookSettings> {
    let trigger = plan.steps.first().filter(|s| s.is_trigger && s.component == WEBHOOK)?;
    let step = plan.document.step(&trigger.id)?;
    let config = step.config.clone().unwrap_or(Value::Null);
    let methods = match config.get("methods").and_then(Value::as_array) {
        Some(list) => list.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        None => vec!["POST".to_string()],
    };
    Some(HookSettings {
        methods,
        sync: config.get("respond").and_then(Value::as_str) == Some("sync"),
        timeout: Duration::from_millis(
            config.get("timeoutMs").and_then(Value::as_u64).unwrap_or(DEFAULT_SYNC_TIMEOUT_MS),
        ),
        credential: step.credential.clone(),
        policies: match config.get("policies").and_then(Value::as_array) {
            Some(list) => list.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            None => vec![],
        },
    })
}

async fn hook(
    State(hooks): State<Hooks>,
    Path(key): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body = read_body(body, &headers, hooks.config.body_limit).await;
    let mut entry = InboxEntry {
        id: ids::generate(ids::INBOX_PREFIX),
        flow_key: key.clone(),
        flow_id: None,
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        headers: header_map(&headers),
        body: body.as_ref().map(|b| b.to_vec()).unwrap_or_default(),
        received_at: timestamp(SystemTime::now()),
        status: StatusCode::ACCEPTED.as_u16(),
        reason: None,
        execution_id: None,
    };
    match intake(&hooks, &key, &method, &uri, &headers, body, &mut entry).await {
        Ok(response) => response,
        Err(rejection) => {
            // Rejected requests are kept too, with the reason, so a tester can
            // see what arrived and why it was refused.
            entry.status = rejection.status.as_u16();
            entry.reason = Some(rejection.code.to_string());
            if let Err(error) = hooks.store.record_rejection(&entry).await {
                eprintln!("could not keep rejected request {} in the inbox: {error}", entry.id);
            }
            rejection.into_response()
        }
    }
}

/// Checks the caller against the hook's credential and access policies.
/// Whatever the request carries in a secret's place (matching or not) is
/// masked in the inbox entry before anything stores it; the values are
/// returned so the trigger's output can be masked too.
async fn authenticate(
    hooks: &Hooks,
    settings: &HookSettings,
    headers: &HeaderMap,
    uri: &Uri,
    bytes: &[u8],
    entry: &mut InboxEntry,
) -> Result<Vec<String>, ErrorBody> {
    let credentials = hooks.engine.credentials();
    let guard = match &settings.credential {
        None => None,
        // A hook whose credential cannot be opened admits nobody: failing open
        // would expose a hook its author meant to guard.
        Some(name) => Some(credentials.open(name).await.map_err(|e| {
            ErrorBody::new(
                StatusCode::UNAUTHORIZED,
                "auth_failed",
                format!("this hook's credential {name:?} cannot be used, so it admits no caller: {e}"),
            )
        })?),
    };
    let callers = if settings.policies.is_empty() {
        vec![]
    } else {
        credentials.callers().await.map_err(|_| ErrorBody::internal())?
    };
    let query: Vec<(String, String)> =
        uri.query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    let lookup = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default();
    let request = auth::Request { header: &lookup, query: &query, body: bytes, now };
    let caller_refs: Vec<&OpenCredential> = callers.iter().map(|c| c.as_ref()).collect();
    let mut everyone = caller_refs.clone();
    everyone.extend(guard.as_deref());
    let mut secrets = auth::presented_secrets(&everyone, &request);
    // The credentials' own secrets too: a key sent in the wrong place is
    // refused, and must not be kept in clear either.
    for credential in &everyone {
        secrets.extend(credential.secret_values().into_iter().map(str::to_string));
    }
    secrets.sort();
    secrets.dedup();
    // A query string holds the key URL-encoded: mask that spelling too.
    let encoded: Vec<String> =
        secrets.iter().map(|s| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()).collect();
    secrets.extend(encoded.into_iter().filter(|e| !secrets.contains(e)).collect::<Vec<_>>());
    let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    for value in entry.headers.values_mut() {
        *value = hookline_vault::scrub(value, &secret_refs);
    }
    entry.query = entry.query.as_deref().map(|q| hookline_vault::scrub(q, &secret_refs));
    entry.body = hookline_vault::scrub_bytes(&entry.body, &secret_refs);

    match auth::admit(guard.as_deref(), &caller_refs, &settings.policies, &request) {
        Ok(_) => Ok(secrets),
        Err(denied) => {
            let status = match denied {
                auth::Denied::Forbidden(_) => StatusCode::FORBIDDEN,
                _ => StatusCode::UNAUTHORIZED,
            };
            let mut error = ErrorBody::new(status, denied.code(), denied.message().to_string());
            if let auth::Denied::AuthFailed { challenge: Some(challenge), .. } = &denied {
                error = error.with_header(WWW_AUTHENTICATE, challenge);
            }
            Err(error)
        }
    }
}

/// Decides what to do with a hook request; the accepted path stores the inbox
/// entry together with the execution.
async fn intake(
    hooks: &Hooks,
    key: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Result<Bytes, ErrorBody>,
    entry: &mut InboxEntry,
) -> Result<Response, ErrorBody> {
    let target = hooks.target(key).await?.ok_or_else(|| {
        ErrorBody::new(
            StatusCode::NOT_FOUND,
            "flow_not_found",
            format!("no flow {key:?} (give a flow id or a webhook slug)"),
        )
    })?;
    entry.flow_id = Some(target.flow_id.clone());
    let (true, Some(version)) = (target.live, target.latest_version) else {
        return Err(ErrorBody::new(
            StatusCode::NOT_FOUND,
            "flow_not_started",
            format!("flow {} is not started; publish and start it", target.flow_id),
        ));
    };
    let plan = load_plan(hooks, &target.flow_id, version).await?;
    let settings = settings(&plan).ok_or_else(|| {
        ErrorBody::new(
            StatusCode::NOT_FOUND,
            "flow_not_found",
            format!("flow {} has no webhook trigger", target.flow_id),
        )
    })?;
    if !settings.methods.iter().any(|m| m == method.as_str()) {
        let allow = settings.methods.join(", ");
        return Err(ErrorBody::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("this hook accepts {allow}, not {method}"),
        )
        .with_header(ALLOW, &allow));
    }
    let bytes = body?;
    // The caller is checked on the raw bytes, before anything parses them.
    let secrets = if settings.credential.is_some() || !settings.policies.is_empty() {
        authenticate(hooks, &settings, headers, uri, &bytes, entry).await?
    } else {
        vec![]
    };
    let payload = decode_body(&bytes, headers)?;
    let query = uri.query().map(decode_form).unwrap_or_else(|| Value::Object(Map::new()));
    let mut input = json!({
        "method": method.as_str(),
        "path": uri.path(),
        "headers": header_object(headers),
        "query": query,
        "body": payload,
    });
    // What the caller presented as a secret never reaches the run log.
    let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    hookline_vault::scrub_json(&mut input, &secret_refs);

    let flags: Vec<&str> =
        uri.query().map(|q| q.split('&').map(|p| p.split('=').next().unwrap_or(p)).collect()).unwrap_or_default();
    let sync = if flags.contains(&"async") { false } else { settings.sync || flags.contains(&"wait") };
    let idempotency_key = ["idempotency-key", "webhook-id"]
        .iter()
        .find_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
        .map(str::to_string);
    let request = RunRequest {
        flow_id: target.flow_id.clone(),
        version: Some(version),
        trigger: TriggerSource::Webhook,
        input,
        params: Map::new(),
    };
    let accepted = hooks.runner.accept(plan, &request, entry.clone(), idempotency_key, sync).await;
    let (execution, done) = match accepted {
        Ok(Acceptation::Started(execution, done)) => (execution, done),
        Ok(Acceptation::Duplicate(original)) => {
            let status_url = status_url(headers, &original);
            return Ok((
                StatusCode::OK,
                [("idempotent-replayed", "true")],
                Json(json!({"executionId": original, "statusUrl": status_url, "duplicate": true})),
            )
                .into_response());
        }
        Err(AcceptError::Overloaded) => {
            return Err(ErrorBody::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "too many executions are waiting; retry in a moment",
            )
            .with_header(RETRY_AFTER, "1"))
        }
        Err(AcceptError::Store(_)) => return Err(ErrorBody::internal()),
    };
    let status_url = status_url(headers, &execution.id);
    let Some(done) = done else {
        return Ok(
            (StatusCode::ACCEPTED, Json(json!({"executionId": execution.id, "statusUrl": status_url}))).into_response()
        );
    };
    match tokio::time::timeout(settings.timeout, done).await {
        Ok(Ok(finished)) => Ok(sync_reply(finished)),
        Ok(Err(_)) => Err(ErrorBody::internal()),
        Err(_) => Ok((
            StatusCode::GATEWAY_TIMEOUT,
            Json(json!({
                "executionId": execution.id,
                "status": "running",
                "statusUrl": status_url,
                "error": {"code": "sync_timeout", "message": format!(
                    "the flow did not finish within {} ms; it goes on running, follow it at statusUrl",
                    settings.timeout.as_millis()
                )}
            })),
        )
            .into_response()),
    }
}

async fn load_plan(hooks: &Hooks, flow_id: &str, version: u32) -> Result<Arc<Plan>, ErrorBody> {
    if let Some(plan) = hooks.engine.cached_version(flow_id, version) {
        return Ok(plan);
    }
    let document = hooks
        .store
        .get_version(flow_id, version)
        .await
        .map_err(|_| ErrorBody::internal())?
        .ok_or_else(ErrorBody::internal)?;
    hooks.engine.compile_version(flow_id, version, document).map_err(|problems| {
        ErrorBody::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "invalid_flow",
            format!("version {version} of {flow_id} no longer validates: {}", problems[0]),
        )
    })
}

/// The reply to a synchronous request: a Respond step's reply, or the
/// execution's summary.
fn sync_reply(execution: Execution) -> Response {
    match execution.status {
        ExecutionStatus::Succeeded => match execution.reply {
            Some(reply) => {
                let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
                let content_type = reply.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
                let mut response = match (&reply.body, content_type) {
                    (Value::String(text), true) => (status, text.clone()).into_response(),
                    (Value::Null, _) => status.into_response(),
                    (body, _) => (status, Json(body.clone())).into_response(),
                };
                for (name, value) in &reply.headers {
                    if let (Ok(name), Ok(value)) =
                        (axum::http::HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value))
                    {
                        response.headers_mut().insert(name, value);
                    }
                }
                response
            }
            None => Json(json!({
                "executionId": execution.id,
                "status": execution.status,
                "input": execution.input,
                "output": execution.output,
                "steps": execution.steps,
            }))
            .into_response(),
        },
        status => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({
                "executionId": execution.id,
                "status": status,
                "failedStep": execution.failed_step,
                "error": execution.error,
            })),
        )
            .into_response(),
    }
}

fn status_url(headers: &HeaderMap, id: &str) -> String {
    match headers.get(HOST).and_then(|h| h.to_str().ok()) {
        Some(host) => format!("http://{host}/executions/{id}"),
        None => format!("/executions/{id}"),
    }
}

async fn read_body(body: Body, headers: &HeaderMap, limit: usize) -> Result<Bytes, ErrorBody> {
    let too_large = || {
        ErrorBody::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is larger than {limit} bytes"),
        )
    };
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit).await.map_err(|_| too_large())
}

/// JSON parsed, forms decoded, text kept as text, anything else as base64;
/// an empty body is `null`.
fn decode_body(bytes: &[u8], headers: &HeaderMap) -> Result<Value, ErrorBody> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if content_type.contains("json") {
        return serde_json::from_slice(bytes).map_err(|e| {
            ErrorBody::new(StatusCode::BAD_REQUEST, "invalid_json", format!("the body is not valid JSON: {e}"))
        });
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

fn header_map(headers: &HeaderMap) -> BTreeMap<String, String> {
    match header_object(headers) {
        Value::Object(map) => map.into_iter().map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string())).collect(),
        _ => BTreeMap::new(),
    }
}

fn header_object(headers: &HeaderMap) -> Value {
    let mut object = Map::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match object.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(&value);
            }
            _ => {
                object.insert(name.as_str().to_string(), Value::String(value));
            }
        }
    }
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_with_repeated_keys_as_lists() {
        assert_eq!(decode_form("a=1&b=x+y&a=2"), json!({"a": ["1", "2"], "b": "x y"}));
    }

    #[test]
    fn bodies_decode_by_content_type() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        assert_eq!(decode_body(br#"{"a":1}"#, &headers).unwrap(), json!({"a": 1}));
        let err = decode_body(b"{\n  \"a\": ", &headers).unwrap_err();
        assert_eq!(err.code, "invalid_json");
        assert!(err.message.contains("line 2"), "{}", err.message);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert_eq!(decode_body(b"hello", &headers).unwrap(), json!("hello"));
        assert_eq!(decode_body(&[0xff, 0xfe], &headers).unwrap(), json!("//4="));
        assert_eq!(decode_body(b"", &headers).unwrap(), Value::Null);
    }
}
