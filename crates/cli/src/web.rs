//! Browser mode (`hookline serve --ui`): the designer's built files, the same
//! operations the desktop window calls under `POST /api/{op}`, and the core's
//! events as server-sent events under `GET /api/events`.
//!
//! Every `/api` request must carry the token printed at start (an
//! `Authorization: Bearer` header, or `?token=` where a browser cannot set
//! headers, as for an `EventSource`). The page itself holds nothing secret
//! and is served to anyone who can reach the loopback port.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, Request as HttpRequest, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use futures_util::Stream;
use hookline_api::ops::{dispatch, Request};
use hookline_api::{ApiError, Core, ErrorCode};
use subtle::ConstantTimeEq;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// What the page may load: its own files only, and `/api` on the same origin.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

#[derive(Clone)]
struct Web {
    core: Arc<Core>,
    token: Arc<str>,
}

/// A fresh random token for one `serve --ui` process.
pub fn new_token() -> String {
    let mut bytes = [0u8; 24];
    getrandom::getrandom(&mut bytes).expect("the OS random source is available");
    hex::encode(bytes)
}

/// Where the built UI is: `--ui-dir`/`HOOKLINE_UI_DIR`, the folder installed
/// beside the binary, or the source tree's `ui/dist`.
pub fn find_ui_dir(chosen: Option<PathBuf>) -> Result<PathBuf, ApiError> {
    let candidates: Vec<PathBuf> = match chosen {
        Some(dir) => vec![dir],
        None => {
            let mut list = Vec::new();
            if let Some(bin) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
                list.push(bin.join("../share/hookline/ui"));
            }
            list.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/dist"));
            list
        }
    };
    candidates.iter().find(|dir| dir.join("index.html").is_file()).cloned().ok_or_else(|| {
        let looked: Vec<String> = candidates.iter().map(|d| d.display().to_string()).collect();
        ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "the designer is not built (no index.html in {}); build it with `npm --prefix ui ci && npm --prefix ui run build`, or pass --ui-dir",
                looked.join(", ")
            ),
        )
    })
}

/// The browser mode's routes, to merge with the hook listener's.
pub fn router(core: Arc<Core>, token: String, ui_dir: &Path) -> Router {
    let state = Web { core, token: token.into() };
    let api = Router::new()
        .route("/api/events", get(events))
        .route("/api/{op}", post(call).fallback(unknown_api))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token))
        // Anything else under /api is a client's mistake, answered as the
        // API answers, not with the designer's page.
        .route("/api", any(unknown_api))
        .route("/api/{op}/{*rest}", any(unknown_api))
        .with_state(state);
    // Unknown paths get the page, so a reload on a client-side route works.
    let files = ServeDir::new(ui_dir).fallback(ServeFile::new(ui_dir.join("index.html")));
    Router::new()
        .merge(api)
        .fallback_service(files)
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
}

async fn unknown_api(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    let error = ApiError::new(
        ErrorCode::InvalidInput,
        format!("no such API route: {method} {}; operations are POST /api/{{operation}}", uri.path()),
    );
    error_response(StatusCode::NOT_FOUND, &error)
}

#[derive(serde::Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn require_token(
    State(web): State<Web>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
    request: HttpRequest,
    next: Next,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let presented = bearer.or(query.token).unwrap_or_default();
    if bool::from(presented.as_bytes().ct_eq(web.token.as_bytes())) {
        return next.run(request).await;
    }
    let mut response = error_response(
        StatusCode::UNAUTHORIZED,
        &ApiError::new(
            ErrorCode::Unauthorized,
            "this API needs the token `hookline serve --ui` printed: open the URL it printed",
        ),
    );
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

async fn call(State(web): State<Web>, UrlPath(op): UrlPath<String>, body: Bytes) -> Response {
    let args = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice(&body) {
            Ok(args) => Some(args),
            Err(e) => {
                let error = ApiError::new(ErrorCode::InvalidInput, format!("the body of /api/{op} is not JSON: {e}"));
                return error_response(StatusCode::UNPROCESSABLE_ENTITY, &error);
            }
        }
    };
    let result = match Request::from_parts(&op, args) {
        Ok(request) => dispatch(&web.core, request).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(value) => Json(value).into_response(),
        Err(error) => {
            let status = StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            // An internal failure's message may name files or SQL: the log
            // keeps it, the page gets a plain sentence.
            let error = if error.code == ErrorCode::Internal {
                tracing::error!(op, error = %error.message, "a browser-mode call failed");
                ApiError::internal()
            } else {
                error
            };
            error_response(status, &error)
        }
    }
}

fn error_response(status: StatusCode, error: &ApiError) -> Response {
    (status, Json(error)).into_response()
}

/// Core events as they happen. A browser that falls behind gets a `lagged`
/// event and refreshes everything, since events are only hints to refresh.
async fn events(State(web): State<Web>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = web.core.subscribe();
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        use tokio::sync::broadcast::error::RecvError;
        let event = match receiver.recv().await {
            Ok(event) => Event::default().json_data(&event).unwrap_or_else(|_| Event::default().event("lagged")),
            Err(RecvError::Lagged(_)) => Event::default().event("lagged").data("{}"),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(event), receiver))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
