//! The `/buttons` page (M8.2): a plain page the listener serves to the
//! people a flow's owner lets press its Buttons, with no desktop app and no
//! third-party asset. The person signs in with a credential of the vault
//! (kept in the tab's session storage, sent with each of the page's own
//! requests); the page then lists the Buttons whose hooks admit them, shows
//! a Button's form and path picker, posts `{JobParameters, Paths}` to the
//! Pydio Cells route of the hook, and follows the execution.
//!
//! What is admitted is the core's to decide, with the same check as the
//! live hook; these handlers only carry the request's headers to it.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hookline_api::{ApiError, ErrorCode, HookRequest};

use crate::{error_response, hook_request, Hooks};

const PAGE: &str = include_str!("../assets/buttons.html");
const SCRIPT: &str = include_str!("../assets/buttons.js");
const STYLE: &str = include_str!("../assets/buttons.css");

/// The page loads its own script and style and talks to its own origin only.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

pub(crate) async fn page() -> Response {
    asset(PAGE, "text/html; charset=utf-8")
}

pub(crate) async fn script() -> Response {
    asset(SCRIPT, "text/javascript; charset=utf-8")
}

pub(crate) async fn style() -> Response {
    asset(STYLE, "text/css; charset=utf-8")
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// `GET /buttons/api/list`: `{"buttons": [ButtonView…]}`, those the caller's
/// credentials are admitted to.
pub(crate) async fn list(State(hooks): State<Hooks>, request: Request) -> Response {
    if let Err(error) = only_get(request.method()) {
        return error_response(error);
    }
    match hooks.core.caller_buttons(&caller(&request)).await {
        Ok(buttons) => private(Json(serde_json::json!({ "buttons": buttons })).into_response()),
        Err(error) => error_response(error),
    }
}

/// `GET /buttons/api/folder?flow=F&path=P`: a `FolderListing` of the Button
/// of flow `F` for its path picker (without `path`, its allowed folders),
/// for a caller the Button's hook admits.
pub(crate) async fn folder(
    State(hooks): State<Hooks>,
    query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
    request: Request,
) -> Response {
    if let Err(error) = only_get(request.method()) {
        return error_response(error);
    }
    let Ok(Query(query)) = query else {
        return error_response(ApiError::new(ErrorCode::InvalidInput, "the query string does not read"));
    };
    let Some(flow) = query.get("flow").filter(|f| !f.is_empty()) else {
        return error_response(ApiError::new(ErrorCode::InvalidInput, "name the Button's flow: ?flow=FLOW"));
    };
    match hooks.core.caller_button_folder(&caller(&request), flow, query.get("path").map(String::as_str)).await {
        Ok(listing) => private(Json(listing).into_response()),
        Err(error) => error_response(error),
    }
}

fn only_get(method: &Method) -> Result<(), ApiError> {
    if method == Method::GET || method == Method::HEAD {
        return Ok(());
    }
    Err(ApiError::new(ErrorCode::MethodNotAllowed, format!("this route answers GET, not {method}"))
        .with_header("allow", "GET".into()))
}

/// The request's method, address and headers as the core reads a caller;
/// the body is not read.
fn caller(request: &Request) -> HookRequest {
    hook_request(request.method(), request.uri(), request.headers(), vec![])
}

/// An answer that depends on the caller's credentials: no cache keeps it.
fn private(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
