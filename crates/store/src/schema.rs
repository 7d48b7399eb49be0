//! Where a database's schema stands, and migrating it on request
//! (`hookline migrate`) with a report of what was applied. Opening a store
//! migrates it anyway; this tells the operator what that did.

use std::path::Path;

use sqlx::migrate::Migrator;
use sqlx::Connection;

use crate::{Backend, Kind, Store, StoreError};

/// The migrations each backend's schema is built from, as `Store::connect`
/// applies them.
static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations-postgres");

/// sqlx's record of the migrations applied to a database.
const APPLIED: &str = "SELECT COUNT(*), COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";

/// How far a database's schema is migrated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaVersion {
    /// The newest migration applied (0 when none is).
    pub version: i64,
    /// How many migrations are applied.
    pub applied: u32,
    /// How many migrations this build has for the database's backend.
    pub known: u32,
}

impl SchemaVersion {
    /// Whether every migration this build has is applied.
    pub fn is_current(&self) -> bool {
        self.applied >= self.known
    }
}

/// What [`Store::migrate`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// Migrations applied by this call (0: the schema was up to date).
    pub applied: u32,
    /// The schema afterwards.
    pub schema: SchemaVersion,
}

/// The file a `sqlite://PATH` (or `sqlite:PATH`) URL names; `None` for any
/// other URL.
pub fn sqlite_file(url: &str) -> Option<&Path> {
    url.strip_prefix("sqlite:").map(|path| Path::new(path.trim_start_matches("//")))
}

impl Store {
    /// Opens the database `url` names, applying the migrations it lacks as
    /// [`Store::connect`] does, and reports how many that was and where the
    /// schema stands. Running it again applies nothing.
    pub async fn migrate(url: &str) -> Result<(Store, Migration), StoreError> {
        let before = applied_migrations(url).await?;
        let store = Store::connect(url).await?;
        let schema = store.schema_version().await?;
        Ok((store, Migration { applied: schema.applied.saturating_sub(before), schema }))
    }

    /// The migrations applied to this store's database, and how many this
    /// build has.
    pub async fn schema_version(&self) -> Result<SchemaVersion, StoreError> {
        let ((count, version), known) = match &self.backend {
            Backend::Sqlite(db) => (
                sqlx::query_as::<_, (i64, i64)>(APPLIED).fetch_one(&db.reader).await?,
                SQLITE_MIGRATIONS.iter().count(),
            ),
            Backend::Postgres(db) => (
                sqlx::query_as::<_, (i64, i64)>(APPLIED).fetch_one(&db.reader).await?,
                POSTGRES_MIGRATIONS.iter().count(),
            ),
        };
        Ok(SchemaVersion { version, applied: count.max(0) as u32, known: known as u32 })
    }
}

/// How many migrations the database at `url` has applied, read without
/// applying any: 0 for a SQLite file that does not exist yet or a database
/// sqlx has never migrated.
async fn applied_migrations(url: &str) -> Result<u32, StoreError> {
    let count: i64 = match Kind::of(url)? {
        Kind::Sqlite => {
            let path = sqlite_file(url).expect("a sqlite URL names a file");
            if !path.exists() {
                return Ok(0);
            }
            let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true);
            let mut connection = sqlx::SqliteConnection::connect_with(&options).await?;
            let migrated: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
            )
            .fetch_one(&mut connection)
            .await?;
            let count =
                if migrated { sqlx::query_as::<_, (i64, i64)>(APPLIED).fetch_one(&mut connection).await?.0 } else { 0 };
            connection.close().await?;
            count
        }
        Kind::Postgres => {
            let options: sqlx::postgres::PgConnectOptions = url.parse()?;
            let mut connection = sqlx::PgConnection::connect_with(&options.application_name("hookline")).await?;
            let migrated: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
                .fetch_one(&mut connection)
                .await?;
            let count =
                if migrated { sqlx::query_as::<_, (i64, i64)>(APPLIED).fetch_one(&mut connection).await?.0 } else { 0 };
            connection.close().await?;
            count
        }
    };
    Ok(count.max(0) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn migrating_a_new_sqlite_file_applies_every_migration_and_then_none() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("hookline.db").display());
        let (store, first) = Store::migrate(&url).await.unwrap();
        store.close().await;
        let known = SQLITE_MIGRATIONS.iter().count() as u32;
        assert_eq!(first.applied, known, "a new database gets every migration: {first:?}");
        assert!(first.schema.is_current(), "{first:?}");
        assert_eq!(first.schema.version, SQLITE_MIGRATIONS.iter().map(|m| m.version).max().unwrap());
        let (_store, second) = Store::migrate(&url).await.unwrap();
        assert_eq!(second.applied, 0, "a second run has nothing left to apply: {second:?}");
        assert_eq!(second.schema, first.schema, "and leaves the schema where it was");
    }

    #[tokio::test]
    async fn migrating_a_new_postgres_database_applies_its_schema_and_then_none() {
        let url = hookline_testdb::shared().fresh_database();
        let (store, first) = Store::migrate(&url).await.unwrap();
        store.close().await;
        assert_eq!(first.applied, POSTGRES_MIGRATIONS.iter().count() as u32, "{first:?}");
        assert!(first.schema.is_current() && first.schema.version >= 1, "{first:?}");
        let (store, second) = Store::migrate(&url).await.unwrap();
        assert_eq!((second.applied, second.schema), (0, first.schema), "the second run is a no-op");
        assert_eq!(store.schema_version().await.unwrap(), first.schema);
    }

    #[tokio::test]
    async fn an_unreachable_database_is_an_error_that_says_so_without_its_password() {
        let error = Store::migrate("postgres://hookline:hunter2@127.0.0.1:1/hookline").await.unwrap_err();
        assert!(error.is_unavailable(), "a refused connection is the database being unavailable: {error}");
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(sqlite_file("sqlite:///tmp/a.db"), Some(Path::new("/tmp/a.db")));
        assert_eq!(sqlite_file("sqlite:data/a.db"), Some(Path::new("data/a.db")));
        assert_eq!(sqlite_file("postgres://h/db"), None);
    }
}
