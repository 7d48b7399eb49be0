//! Hookline's webhook listener: an HTTP adapter over [`Core`], as the Tauri
//! command and browser mode's `/api` are. Each route turns the request into a
//! [`HookRequest`], calls one `Core` method, and writes what it answers; all
//! decisions (auth, inbox, idempotency, durable accept) are the core's.
//!
//! [`host`] binds the routes to a socket, reports the listener's state to the
//! core, and moves the listener when Settings change its address.

mod buttons;
mod host;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use hookline_api::{ApiError, Core, ErrorCode, HookReply, HookRequest, Incoming, ReplyBody, Route};

pub use host::{bind, host, Hosted, ListenerOptions};

/// Listener settings.
#[derive(Debug, Clone)]
pub struct ListenerConfig {
    /// Largest request body accepted (413 above it).
    pub body_limit: usize,
    /// How long a request's body may take to arrive (408 after it).
    pub body_timeout: Duration,
    /// Print one line per request on standard output (the access log).
    pub log_requests: bool,
    pub connections: ConnectionLimits,
}

/// What one client may hold of the listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Time to send a request's headers, and the longest a keep-alive
    /// connection may sit idle.
    pub header_timeout: Duration,
    /// Connections open at once; more wait until one closes.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits { header_timeout: Duration::from_secs(15), max_connections: 1024 }
    }
}

impl Default for ListenerConfig {
    fn default() -> Self {
        ListenerConfig {
            body_limit: 10 * 1024 * 1024,
            body_timeout: Duration::from_secs(30),
            log_requests: true,
            connections: ConnectionLimits::default(),
        }
    }
}

#[derive(Clone)]
struct Hooks {
    core: Arc<Core>,
    body_limit: usize,
    body_timeout: Duration,
}

/// The listener's routes: `/hook/{flow}`, `/hook-test/{flow}`, `/events/{name}`,
/// `/executions/{id}`, `/healthz` and `/readyz` for load balancers, and the
/// seed platforms' routes onto the same intake:
/// Pydio Cells' `/a/scheduler/hooks/{slug}`, Boomerang Flow's
/// `/webhook/payload` and `/webhook/status/{activityId}`, and Cloudomation's
/// `/api/webhook/{client}/{slug}`; and the `/buttons` page with the JSON
/// it reads under `/buttons/api/`.
pub fn router(core: Arc<Core>, config: &ListenerConfig) -> Router {
    let router = Router::new()
        .route("/hook/{flow}", any(hook))
        .route("/hook-test/{flow}", any(capture))
        .route("/events/{name}", any(event))
        .route("/executions/{id}", get(execution))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/a/scheduler/hooks/{slug}", any(cells))
        .route("/webhook/payload", any(boomerang))
        .route("/webhook/status/{activity}", get(boomerang_status).post(boomerang_status))
        .route("/api/webhook/{client}/{slug}", any(cloudomation))
        .route("/buttons", get(buttons::page))
        .route("/buttons/buttons.js", get(buttons::script))
        .route("/buttons/buttons.css", get(buttons::style))
        .route("/buttons/api/list", any(buttons::list))
        .route("/buttons/api/folder", any(buttons::folder))
        .with_state(Hooks { core, body_limit: config.body_limit, body_timeout: config.body_timeout });
    if config.log_requests {
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

async fn hook(State(hooks): State<Hooks>, Path(key): Path<String>, request: Request) -> Response {
    receive(&hooks, Route::Hook, key, request).await
}

async fn cells(State(hooks): State<Hooks>, Path(slug): Path<String>, request: Request) -> Response {
    receive(&hooks, Route::Cells, slug, request).await
}

async fn boomerang(State(hooks): State<Hooks>, request: Request) -> Response {
    // The token in the body names the flow; until it is read, the request
    // is known by the route it came to.
    receive(&hooks, Route::Boomerang, "webhook/payload".into(), request).await
}

async fn cloudomation(
    State(hooks): State<Hooks>,
    Path((client, slug)): Path<(String, String)>,
    request: Request,
) -> Response {
    receive(&hooks, Route::Cloudomation { client }, slug, request).await
}

async fn receive(hooks: &Hooks, route: Route, key: String, request: Request) -> Response {
    let incoming = match incoming(key, request, hooks).await {
        Ok(incoming) => incoming,
        Err(error) => return error_response(error),
    };
    reply(hooks.core.receive(route, incoming).await)
}

/// Boomerang's status of an activity. The token comes as the seed shows it,
/// in a JSON body (`{"token": …}`), or as `?token=` or `Authorization: Bearer`.
async fn boomerang_status(
    State(hooks): State<Hooks>,
    Path(activity): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
    request: Request,
) -> Response {
    let bearer = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' ').filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer")))
        .map(|(_, token)| token.trim().to_string());
    let body =
        match tokio::time::timeout(hooks.body_timeout, axum::body::to_bytes(request.into_body(), 64 * 1024)).await {
            Ok(Ok(bytes)) => bytes,
            _ => axum::body::Bytes::new(),
        };
    let in_body = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("token").and_then(|t| t.as_str()).map(str::to_string));
    let token = in_body.or_else(|| query.get("token").cloned()).or(bearer);
    match hooks.core.boomerang_status(&activity, token.as_deref()).await {
        Ok(status) => Json(status).into_response(),
        Err(error) => error_response(error),
    }
}

async fn event(State(hooks): State<Hooks>, Path(name): Path<String>, request: Request) -> Response {
    let incoming = match incoming(name, request, &hooks).await {
        Ok(incoming) => incoming,
        Err(error) => return error_response(error),
    };
    reply(hooks.core.receive_event(incoming).await)
}

async fn capture(State(hooks): State<Hooks>, Path(key): Path<String>, request: Request) -> Response {
    let incoming = match incoming(key, request, &hooks).await {
        Ok(incoming) => incoming,
        Err(error) => return error_response(error),
    };
    match hooks.core.capture_test_request(incoming).await {
        Ok(captured) => Json(captured).into_response(),
        Err(error) => error_response(error),
    }
}

/// Liveness for a load balancer or supervisor: the process answers.
async fn healthz() -> Response {
    Json(serde_json::json!({"status": "ok"})).into_response()
}

/// Readiness: the database answers too; `503` with the reason when not.
async fn readyz(State(hooks): State<Hooks>) -> Response {
    let readiness = hooks.core.readiness().await;
    let status = if readiness.ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(readiness)).into_response()
}

async fn execution(State(hooks): State<Hooks>, Path(id): Path<String>) -> Response {
    match hooks.core.get_execution(&id).await {
        Ok(execution) => Json(execution).into_response(),
        Err(error) => error_response(error),
    }
}

/// Reads the request into the core's terms. A body over the limit is not
/// read further; the core refuses it (and keeps the request in the inbox).
/// A body that does not arrive in time is refused here: a client trickling
/// bytes must not hold a connection and a task for as long as it likes.
async fn incoming(key: String, request: Request, hooks: &Hooks) -> Result<Incoming, ApiError> {
    let limit = hooks.body_limit;
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let (body, too_large) = if declared.is_some_and(|length| length > limit) {
        (Vec::new(), Some(limit))
    } else {
        match tokio::time::timeout(hooks.body_timeout, axum::body::to_bytes(Body::new(body), limit)).await {
            Ok(Ok(bytes)) => (Vec::from(bytes), None),
            Ok(Err(_)) => (Vec::new(), Some(limit)),
            Err(_) => {
                return Err(ApiError::new(
                    ErrorCode::BodyTimeout,
                    format!("the request body did not arrive within {} s", hooks.body_timeout.as_secs()),
                ))
            }
        }
    };
    Ok(Incoming { key, request: hook_request(&parts.method, &parts.uri, &parts.headers, body), too_large })
}

fn hook_request(method: &axum::http::Method, uri: &Uri, headers: &HeaderMap, body: Vec<u8>) -> HookRequest {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        map.entry(name.as_str().to_string())
            .and_modify(|existing| {
                existing.push_str(", ");
                existing.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    HookRequest {
        method: method.as_str().to_string(),
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        headers: map,
        body,
    }
}

/// Writes the core's answer as it is.
fn reply(reply: HookReply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    let mut response = match reply.body {
        ReplyBody::Json(body) => (status, Json(body)).into_response(),
        ReplyBody::Text(text) => (status, text).into_response(),
        ReplyBody::Empty => status.into_response(),
    };
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// The one mapping of a core error to an HTTP answer: the code's status and
/// `{"error": {"code", "message"}}`; internal failures say nothing more
/// (their cause is logged where they happened).
pub(crate) fn error_response(error: ApiError) -> Response {
    if error.code.http_status() < 500 {
        return reply(HookReply::error(&error));
    }
    let request_id = hookline_api::new_request_id();
    if error.code == ErrorCode::Internal {
        tracing::error!(%request_id, error = %error.message, "a listener request failed");
        return reply(HookReply::server_error(&ApiError::internal(), &request_id));
    }
    reply(HookReply::server_error(&error, &request_id))
}
