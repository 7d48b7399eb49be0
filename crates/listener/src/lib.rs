//! Hookline's webhook listener: an HTTP adapter over [`Core`], as the Tauri
//! command and browser mode's `/api` are. Each route turns the request into a
//! [`HookRequest`], calls one `Core` method, and writes what it answers; all
//! decisions (auth, inbox, idempotency, durable accept) are the core's.
//!
//! [`host`] binds the routes to a socket, reports the listener's state to the
//! core, and moves the listener when Settings change its address.

mod host;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use hookline_api::{ApiError, Core, ErrorCode, HookReply, HookRequest, Incoming, ReplyBody};

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

/// The listener's routes: `/hook/{flow}`, `/hook-test/{flow}` and `/executions/{id}`.
pub fn router(core: Arc<Core>, config: &ListenerConfig) -> Router {
    let router = Router::new()
        .route("/hook/{flow}", any(hook))
        .route("/hook-test/{flow}", any(capture))
        .route("/executions/{id}", get(execution))
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
    let incoming = match incoming(key, request, &hooks).await {
        Ok(incoming) => incoming,
        Err(error) => return error_response(error),
    };
    reply(hooks.core.receive_hook(incoming).await)
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
