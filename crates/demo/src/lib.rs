//! `hookline demo petstore`: a small, real Pets API stored in SQLite, so the
//! tutorial (webhook → create pet) can be followed entirely offline.
//!
//! - `POST /pet` with a JSON object holding at least `name` (and usually
//!   `status`, default `available`) stores it and answers `200` with the pet
//!   and its new `id`;
//! - `GET /pet/{id}` answers the pet, or `404 pet_not_found`;
//! - `GET /pet?status=sold` lists pets, all of them without `status`.

use std::time::SystemTime;

mod store;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use store::{PetStore, PetStoreError};

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

/// The pet store's routes over `store`.
pub fn router(store: PetStore) -> Router {
    Router::new().route("/pet", get(find_pets).post(create_pet)).route("/pet/{id}", get(get_pet)).with_state(store)
}

/// Serves the pet store on `listener` until `shutdown` fires, finishing the
/// requests in flight.
pub async fn serve(listener: TcpListener, store: PetStore, shutdown: CancellationToken) -> std::io::Result<()> {
    axum::serve(listener, router(store)).with_graceful_shutdown(shutdown.cancelled_owned()).await
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
        let server = tokio::spawn(serve(listener, store, shutdown.clone()));
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
}
