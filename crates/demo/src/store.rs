//! Storage of the demo pet store. It lives in its own database file, so demo
//! data never mixes with flows and executions; its few statements stay here
//! rather than in `hookline-store` because the pet store is a separate little
//! service that Hookline's flows call, not Hookline's own data.

use std::path::Path;
use std::str::FromStr;

use serde_json::{Map, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

/// How long a statement waits for a lock held by another connection.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Why the pet store could not read or write.
#[derive(Debug, thiserror::Error)]
pub enum PetStoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A stored pet no longer reads back as JSON.
    #[error("a stored pet is corrupt: {0}")]
    Corrupt(#[from] serde_json::Error),
}

type StoreError = PetStoreError;

fn from_json(_column: &str, text: &str) -> Result<Value, StoreError> {
    Ok(serde_json::from_str(text)?)
}

fn to_json(value: &Value) -> String {
    value.to_string()
}

/// The pet store's database; cheap to clone.
#[derive(Clone, Debug)]
pub struct PetStore {
    pool: SqlitePool,
}

impl PetStore {
    /// Opens (creating if needed) the pet store database at `path`.
    pub async fn open(path: &Path) -> Result<PetStore, StoreError> {
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(PetStore { pool })
    }

    /// Stores a pet and returns it with its new `id`. `pet` must be an object
    /// with a `name` and a `status` (the caller checks).
    pub async fn create(&self, mut pet: Map<String, Value>, now: &str) -> Result<Value, StoreError> {
        pet.remove("id");
        let name = pet.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        let status = pet.get("status").and_then(Value::as_str).unwrap_or_default().to_string();
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO pets (name, status, document, created_at) VALUES (?, ?, '{}', ?) RETURNING id",
        )
        .bind(&name)
        .bind(&status)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        pet.insert("id".into(), Value::from(id));
        let pet = Value::Object(pet);
        sqlx::query("UPDATE pets SET document = ? WHERE id = ?").bind(to_json(&pet)).bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(pet)
    }

    /// The pet with this id.
    pub async fn get(&self, id: i64) -> Result<Option<Value>, StoreError> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT document FROM pets WHERE id = ?").bind(id).fetch_optional(&self.pool).await?;
        text.map(|t| from_json("pets.document", &t)).transpose()
    }

    /// Pets by id, all of them or those whose status matches (ignoring case).
    pub async fn find(&self, status: Option<&str>) -> Result<Vec<Value>, StoreError> {
        let rows: Vec<String> = match status {
            Some(status) => {
                sqlx::query_scalar("SELECT document FROM pets WHERE status = ? COLLATE NOCASE ORDER BY id")
                    .bind(status)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => sqlx::query_scalar("SELECT document FROM pets ORDER BY id").fetch_all(&self.pool).await?,
        };
        rows.iter().map(|t| from_json("pets.document", t)).collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn pets_are_created_with_ids_and_found_by_id_and_status() {
        let dir = tempfile::tempdir().unwrap();
        let store = PetStore::open(&dir.path().join("pets.db")).await.unwrap();
        let now = "2026-01-01T00:00:00.000Z";
        let pet = |v: Value| v.as_object().unwrap().clone();
        let gromit = store.create(pet(json!({"name": "Gromit", "status": "Sold", "id": 99})), now).await.unwrap();
        assert_eq!(gromit, json!({"id": 1, "name": "Gromit", "status": "Sold"}), "the store assigns the id");
        store.create(pet(json!({"name": "Shaun", "status": "available", "tags": ["sheep"]})), now).await.unwrap();

        assert_eq!(store.get(1).await.unwrap(), Some(gromit.clone()));
        assert_eq!(store.get(3).await.unwrap(), None);
        assert_eq!(store.find(Some("sold")).await.unwrap(), vec![gromit], "status matches ignoring case");
        assert_eq!(store.find(None).await.unwrap().len(), 2);

        drop(store);
        let reopened = PetStore::open(&dir.path().join("pets.db")).await.unwrap();
        assert_eq!(reopened.find(None).await.unwrap().len(), 2, "pets persist");
    }
}
