//! What an operator does to the database itself, before and without a
//! [`Core`](crate::Core): applying its migrations, and copying a single
//! machine's SQLite database into PostgreSQL to run several servers on it.
//! Messages name databases with their password hidden.

use std::time::Instant;

use hookline_store::{redact, sqlite_file, Kind, Store, StoreError};
use serde::Serialize;

use crate::{ApiError, CoreConfig, ErrorCode, Result, TableRows, DATABASE_FILE};

/// What [`migrate`] did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationReport {
    /// The database, its password hidden.
    pub database: String,
    /// Migrations applied by this run; 0 when the schema was up to date.
    pub applied: u32,
    /// The newest migration the schema has.
    pub version: i64,
}

/// What [`migrate_data`] copied.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyReport {
    pub from: String,
    pub to: String,
    /// Rows per table, parents before children.
    pub tables: Vec<TableRows>,
    pub duration_ms: u64,
}

impl CopyReport {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

/// The database `config` names: its `database_url`, else the data dir's
/// SQLite file (the data dir is created, private, as [`crate::Core::open`]
/// would).
pub fn database_url(config: &CoreConfig) -> Result<String> {
    match &config.database_url {
        Some(url) => Ok(url.clone()),
        None => {
            crate::create_private_dir(&config.data_dir).map_err(|e| {
                ApiError::new(
                    ErrorCode::Internal,
                    format!("cannot create the data dir {}: {e}", config.data_dir.display()),
                )
            })?;
            Ok(format!("sqlite://{}", config.data_dir.join(DATABASE_FILE).display()))
        }
    }
}

/// Applies the migrations the database `config` names lacks and reports
/// what it applied and the schema version it is at. Running it again
/// applies nothing. Several processes may run it at once.
pub async fn migrate(config: &CoreConfig) -> Result<MigrationReport> {
    let url = database_url(config)?;
    let (store, migration) = Store::migrate(&url).await.map_err(|e| database_error("cannot open", &url, e))?;
    store.close().await;
    Ok(MigrationReport { database: redact(&url), applied: migration.applied, version: migration.schema.version })
}

/// Copies the SQLite database at `from` (`sqlite://PATH`, which must exist)
/// into the PostgreSQL database at `to`, which must hold no flows,
/// executions or other data yet, in one transaction: all of it or, on any
/// error, nothing. Both are migrated first. Sealed credentials are copied
/// as they are, so the same data key keeps opening them.
pub async fn migrate_data(from: &str, to: &str) -> Result<CopyReport> {
    let started = Instant::now();
    let invalid = |message: String| ApiError::new(ErrorCode::InvalidInput, message);
    match Kind::of(from) {
        Ok(Kind::Sqlite) => {}
        _ => return Err(invalid(format!("copy from a SQLite database (sqlite://PATH), not {}", redact(from)))),
    }
    match Kind::of(to) {
        Ok(Kind::Postgres) => {}
        _ => return Err(invalid(format!("copy into a PostgreSQL database (postgres://…), not {}", redact(to)))),
    }
    let path = sqlite_file(from).expect("a sqlite URL names a file");
    if !path.is_file() {
        return Err(invalid(format!("there is no database at {}", path.display())));
    }
    // The target first: one that cannot be reached leaves the source as it was.
    let (target, _) = Store::migrate(to).await.map_err(|e| database_error("cannot open", to, e))?;
    let source = match Store::connect(from).await {
        Ok(source) => source,
        Err(error) => {
            target.close().await;
            return Err(database_error("cannot open", from, error));
        }
    };
    let copied = source.copy_into(&target).await;
    source.close().await;
    target.close().await;
    let counts = copied.map_err(|error| match error {
        StoreError::NotEmpty(_) => ApiError::new(ErrorCode::Conflict, format!("{}: {error}", redact(to))),
        StoreError::CannotCopy(_) => invalid(error.to_string()),
        other => database_error("cannot copy into", to, other),
    })?;
    Ok(CopyReport {
        from: redact(from),
        to: redact(to),
        tables: counts.into_iter().map(|(table, rows)| TableRows { table: table.into(), rows }).collect(),
        duration_ms: started.elapsed().as_millis() as u64,
    })
}

/// A store error about the database at `url` ("{doing} the database URL:
/// cause"), its password kept out even if a driver message repeated it.
fn database_error(doing: &str, url: &str, error: StoreError) -> ApiError {
    let code = match &error {
        StoreError::UnknownDatabase(_) => ErrorCode::InvalidInput,
        error if error.is_unavailable() => ErrorCode::DatabaseUnavailable,
        _ => ErrorCode::Internal,
    };
    let mut message = error.to_string();
    if let Some(password) = password(url).filter(|p| !p.is_empty()) {
        message = message.replace(password, "***");
    }
    ApiError::new(code, format!("{doing} the database {}: {message}", redact(url)))
}

/// The password of a `scheme://user:password@host/…` URL.
fn password(url: &str) -> Option<&str> {
    let rest = &url[url.find("://")? + 3..];
    let credentials = &rest[..rest.rfind('@')?];
    credentials.split_once(':').map(|(_, password)| password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_driver_message_that_repeats_the_password_is_scrubbed() {
        let url = "postgres://hookline:hunter2@127.0.0.1:1/db";
        assert_eq!(password(url), Some("hunter2"));
        assert_eq!(password("postgres://127.0.0.1/db"), None);
        let error = database_error("cannot open", url, StoreError::Corrupt("login hunter2 refused".into()));
        assert!(!error.message.contains("hunter2"), "{}", error.message);
        assert!(
            error.message.starts_with("cannot open the database postgres://hookline:***@127.0.0.1:1/db: "),
            "{}",
            error.message
        );
    }

    #[tokio::test]
    async fn the_data_dir_database_is_migrated_once() {
        let dir = tempfile::tempdir().unwrap();
        let config = CoreConfig::new(dir.path().join("data"));
        let first = migrate(&config).await.unwrap();
        assert!(first.applied > 0 && first.version > 0, "{first:?}");
        assert!(first.database.ends_with("/data/hookline.db"), "{first:?}");
        let second = migrate(&config).await.unwrap();
        assert_eq!((second.applied, second.version), (0, first.version), "the second run is up to date");
    }

    #[tokio::test]
    async fn a_missing_source_is_refused_before_anything_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nothing.db");
        let error =
            migrate_data(&format!("sqlite://{}", path.display()), "postgres://u:p@127.0.0.1:1/db").await.unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidInput, "{}", error.message);
        assert!(!path.exists(), "a mistyped path must not become an empty database");
        let error = migrate_data("postgres://u:p@h/a", "postgres://u:p@h/b").await.unwrap_err();
        assert!(error.message.contains("SQLite"), "{}", error.message);
    }
}
