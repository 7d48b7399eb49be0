//! `hookline demo petstore`: a small, real Pets API stored in SQLite, so the
//! tutorial (webhook → create pet) can be followed entirely offline.
//!
//! - `POST /pet` with a JSON object holding at least `name` (and usually
//!   `status`, default `available`) stores it and answers `200` with the pet
//!   and its new `id`;
//! - `GET /pet/{id}` answers the pet, or `404 pet_not_found`;
//! - `GET /pet?status=sold` lists pets, all of them without `status`.
//!
//! It can ask callers to authenticate ([`Access`]), as the tutorial's Petstore
//! API does with its API key, so a credential can be created, verified and
//! sent exactly as the tutorial shows; a missing or wrong one is answered
//! `401 unauthorized`.

use std::time::SystemTime;

mod store;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::{json, Map, Value};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use store::{PetStore, PetStoreError};

/// Who may call the pet store.
#[derive(Clone, Default)]
pub enum Access {
    /// Anyone.
    #[default]
    Open,
    /// Requests carry `key` in the header `header` (the Petstore API's own
    /// header is `api_key`).
    ApiKey { header: String, key: String },
    /// Requests carry Basic authentication with this user and password.
    Basic { user: String, password: String },
}

impl Access {
    /// Whether the request's headers carry the expected credentials.
    fn admits(&self, headers: &HeaderMap) -> bool {
        match self {
            Access::Open => true,
            Access::ApiKey { header, key } => {
                headers.get(header.as_str()).is_some_and(|given| same(given.as_bytes(), key.as_bytes()))
            }
            Access::Basic { user, password } => {
                let expected = format!("{user}:{password}");
                headers
                    .get(header::AUTHORIZATION)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| value.strip_prefix("Basic "))
                    .and_then(|encoded| base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok())
                    .is_some_and(|given| same(&given, expected.as_bytes()))
            }
        }
    }

    /// What a refused caller is told to send.
    fn expects(&self) -> String {
        match self {
            Access::Open => String::new(),
            Access::ApiKey { header, .. } => format!("send the pet store's API key in the {header} header"),
            Access::Basic { user, .. } => format!("send Basic authentication as {user}"),
        }
    }
}

/// Compares secrets in time that does not depend on where they differ.
fn same(given: &[u8], expected: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    given.ct_eq(expected).into()
}

async fn authenticate(State(access): State<Access>, request: Request, next: Next) -> Response {
    if access.admits(request.headers()) {
        next.run(request).await
    } else {
        let message = format!("missing or wrong credentials: {}", access.expects());
        ErrorBody::new(StatusCode::UNAUTHORIZED, "unauthorized", message).into_response()
    }
}

/// An error answered as `{"error": {"code", "message"}}`, the shape of every
/// error Hookline's own servers answer.
struct ErrorBody {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ErrorBody {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ErrorBody {
        ErrorBody { status, code, message: message.into() }
    }

    fn internal() -> ErrorBody {
        ErrorBody::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the pet store failed to handle the request")
    }
}

impl IntoResponse for ErrorBody {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"error": {"code": self.code, "message": self.message}}))).into_response()
    }
}

fn timestamp(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The pet store's routes over `store`, admitting the callers `access` admits.
pub fn router(store: PetStore, access: Access) -> Router {
    Router::new()
        .route("/pet", get(find_pets).post(create_pet))
        .route("/pet/{id}", get(get_pet))
        .with_state(store)
        .layer(middleware::from_fn_with_state(access, authenticate))
}

/// Serves the pet store on `listener` until `shutdown` fires, finishing the
/// requests in flight.
pub async fn serve(
    listener: TcpListener,
    store: PetStore,
    access: Access,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, router(store, access)).with_graceful_shutdown(shutdown.cancelled_owned()).await
}

async fn create_pet(State(store): State<PetStore>, body: Bytes) -> Result<Json<Value>, ErrorBody> {
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        ErrorBody::new(StatusCode::BAD_REQUEST, "invalid_json", format!("the body is not valid JSON: {e}"))
    })?;
    let Value::Object(mut pet) = value else {
        return Err(ErrorBody::new(StatusCode::BAD_REQUEST, "invalid_pet", "the body must be a JSON object"));
    };
    match pet.get("name") {
        Some(Value::String(name)) if !name.trim().is_empty() => {}
        _ => return Err(ErrorBody::new(StatusCode::BAD_REQUEST, "invalid_pet", "a pet needs a non-empty \"name\"")),
    }
    match pet.get("status") {
        None | Some(Value::Null) => {
            pet.insert("status".into(), Value::from("available"));
        }
        Some(Value::String(_)) => {}
        Some(_) => return Err(ErrorBody::new(StatusCode::BAD_REQUEST, "invalid_pet", "\"status\" must be a string")),
    }
    let pet = store.create(pet, &timestamp(SystemTime::now())).await.map_err(|_| ErrorBody::internal())?;
    Ok(Json(pet))
}

async fn get_pet(State(store): State<PetStore>, Path(id): Path<String>) -> Result<Json<Value>, ErrorBody> {
    let id: i64 = id
        .parse()
        .map_err(|_| ErrorBody::new(StatusCode::BAD_REQUEST, "invalid_id", format!("pet id {id:?} is not a number")))?;
    match store.get(id).await.map_err(|_| ErrorBody::internal())? {
        Some(pet) => Ok(Json(pet)),
        None => Err(ErrorBody::new(StatusCode::NOT_FOUND, "pet_not_found", format!("no pet with id {id}"))),
    }
}

async fn find_pets(
    State(store): State<PetStore>,
    Query(query): Query<Map<String, Value>>,
) -> Result<Json<Value>, ErrorBody> {
    let status = query.get("status").and_then(Value::as_str);
    let pets = store.find(status).await.map_err(|_| ErrorBody::internal())?;
    Ok(Json(Value::Array(pets)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_pet_store_creates_reads_and_lists_pets_over_real_http() {
        let dir = tempfile::tempdir().unwrap();
        let store = PetStore::open(&dir.path().join("pets.db")).await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, store, Access::Open, shutdown.clone()));
        let http = reqwest::Client::new();

        let created =
            http.post(format!("{base}/pet")).body(r#"{"name":"Gromit","status":"Sold"}"#).send().await.unwrap();
        assert_eq!(created.status(), 200);
        let pet: Value = serde_json::from_str(&created.text().await.unwrap()).unwrap();
        assert_eq!(pet, json!({"id": 1, "name": "Gromit", "status": "Sold"}));

        let read: Value =
            serde_json::from_str(&http.get(format!("{base}/pet/1")).send().await.unwrap().text().await.unwrap())
                .unwrap();
        assert_eq!(read, pet, "GET /pet/1 returns the stored pet");
        let sold = http.get(format!("{base}/pet?status=sold")).send().await.unwrap().text().await.unwrap();
        assert_eq!(serde_json::from_str::<Value>(&sold).unwrap(), json!([pet]));
        let none = http.get(format!("{base}/pet?status=pending")).send().await.unwrap().text().await.unwrap();
        assert_eq!(none, "[]");

        let missing = http.get(format!("{base}/pet/7")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
        let body: Value = serde_json::from_str(&missing.text().await.unwrap()).unwrap();
        assert_eq!(body["error"]["code"], "pet_not_found");

        for (body, code) in [("{oops", "invalid_json"), ("[1]", "invalid_pet"), (r#"{"status":"sold"}"#, "invalid_pet")]
        {
            let bad = http.post(format!("{base}/pet")).body(body).send().await.unwrap();
            assert_eq!(bad.status(), 400, "{body} is refused");
            let answer: Value = serde_json::from_str(&bad.text().await.unwrap()).unwrap();
            assert_eq!(answer["error"]["code"], code, "{body}");
        }
        assert_eq!(
            http.get(format!("{base}/pet?")).send().await.unwrap().text().await.unwrap().matches("\"id\"").count(),
            1,
            "bad requests stored nothing"
        );

        shutdown.cancel();
        server.await.unwrap().unwrap();
    }

    async fn start(access: Access) -> (String, CancellationToken, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = PetStore::open(&dir.path().join("pets.db")).await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shutdown = CancellationToken::new();
        tokio::spawn(serve(listener, store, access, shutdown.clone()));
        (base, shutdown, dir)
    }

    #[tokio::test]
    async fn an_api_key_store_admits_only_requests_carrying_its_key() {
        let access = Access::ApiKey { header: "api_key".into(), key: "secret-1".into() };
        let (base, shutdown, _dir) = start(access).await;
        let http = reqwest::Client::new();
        let pet = r#"{"name":"Rex"}"#;
        for key in [None, Some("secret-2"), Some("secret-")] {
            let mut request = http.post(format!("{base}/pet")).body(pet);
            if let Some(key) = key {
                request = request.header("api_key", key);
            }
            let refused = request.send().await.unwrap();
            assert_eq!(refused.status(), 401, "{key:?}");
            let body: Value = serde_json::from_str(&refused.text().await.unwrap()).unwrap();
            assert_eq!(body["error"]["code"], "unauthorized");
            assert!(body["error"]["message"].as_str().unwrap().contains("api_key header"), "{body}");
        }
        let created = http.post(format!("{base}/pet")).header("api_key", "secret-1").body(pet).send().await.unwrap();
        assert_eq!(created.status(), 200);
        let listed = http.get(format!("{base}/pet")).header("api_key", "secret-1").send().await.unwrap();
        let pets: Value = serde_json::from_str(&listed.text().await.unwrap()).unwrap();
        assert_eq!(pets.as_array().unwrap().len(), 1, "only the admitted request stored a pet: {pets}");
        shutdown.cancel();
    }

    #[tokio::test]
    async fn a_basic_store_admits_only_its_user_and_password() {
        let access = Access::Basic { user: "ada".into(), password: "pw:1".into() };
        let (base, shutdown, _dir) = start(access).await;
        let http = reqwest::Client::new();
        let url = format!("{base}/pet/1");
        assert_eq!(http.get(&url).send().await.unwrap().status(), 401);
        assert_eq!(http.get(&url).basic_auth("ada", Some("pw")).send().await.unwrap().status(), 401);
        assert_eq!(http.get(&url).basic_auth("bob", Some("pw:1")).send().await.unwrap().status(), 401);
        let admitted = http.get(&url).basic_auth("ada", Some("pw:1")).send().await.unwrap();
        assert_eq!(admitted.status(), 404, "past the guard, the store answers: no pet 1 yet");
        shutdown.cancel();
    }
}
