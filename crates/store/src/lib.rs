//! Hookline's persistence: flows, published versions, executions, step runs,
//! the inbox, samples and the vault's sealed rows, in SQLite (the embedded
//! default) or PostgreSQL (several processes sharing one database).
//!
//! This is the only crate that contains SQL. The queries are written once,
//! in `src/sql/`, and compiled for each backend: the modules `on_sqlite`
//! and `on_postgres` below include the same files with `DB` naming the
//! backend's sqlx driver, so a query exists once and every test in those
//! files runs against both databases. What the two databases do differently
//! lives in `sqlite.rs` and `postgres.rs`: opening, transactions, the few
//! spellings SQL does not share ([`sqlite::dialect`], [`postgres::dialect`]),
//! and storage upkeep. [`Store`] hands each call to its backend; code above
//! the store never knows which one it has. The store stores and returns
//! model types; it never decides whether a flow is valid or runnable.

mod error;
pub mod postgres;
mod sqlite;

use std::path::Path;

mod types;

mod copy;
mod schema;
pub use schema::{sqlite_file, Migration, SchemaVersion};

pub use error::StoreError;
pub use types::{
    Acceptance, Accepted, ActivityCount, Claim, CredentialRow, ExecutionFilter, HookTarget, LiveVersion, Notice, Pages,
    PruneBatch, PruneScope, Pruned, Resealed, Retention, StoredExecution, Surplus, TokenRow, Write, Written,
    LOGGED_PAYLOAD_LIMIT, MAX_PAGE,
};

/// The queries on SQLite.
#[allow(clippy::duplicate_mod)]
#[path = "sql"]
pub(crate) mod on_sqlite {
    pub(crate) use crate::sqlite::{dialect, Sqlite as Db};
    pub(crate) type DB = sqlx::Sqlite;
    #[cfg(test)]
    pub(crate) use crate::sqlite::{test_db, TestGuard};

    pub(crate) mod executions;
    pub(crate) mod flows;
    pub(crate) mod inbox;
    pub(crate) mod retention;
    pub(crate) mod samples;
    pub(crate) mod schedule;
    pub(crate) mod storage;
    pub(crate) mod tokens;
    pub(crate) mod vault;
}

/// The same queries on PostgreSQL.
/// Each file's private row types exist twice; the public ones are declared
/// once, in `types.rs`.
// Loading each file twice is the point: once per backend.
#[allow(clippy::duplicate_mod)]
#[path = "sql"]
pub(crate) mod on_postgres {
    pub(crate) use crate::postgres::{dialect, Postgres as Db};
    pub(crate) type DB = sqlx::Postgres;
    #[cfg(test)]
    pub(crate) use crate::postgres::{test_db, TestGuard};

    pub(crate) mod executions;
    pub(crate) mod flows;
    pub(crate) mod inbox;
    pub(crate) mod retention;
    pub(crate) mod samples;
    pub(crate) mod schedule;
    pub(crate) mod storage;
    pub(crate) mod tokens;
    pub(crate) mod vault;
}

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
}

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(sqlite::Sqlite),
    Postgres(postgres::Postgres),
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

impl Kind {
    /// The backend a database URL names: `sqlite://PATH` (or `sqlite:PATH`)
    /// or `postgres://…` (`postgresql://…`).
    pub fn of(url: &str) -> Result<Kind, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Kind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Kind::Postgres)
        } else {
            Err(StoreError::UnknownDatabase(redact(url)))
        }
    }
}

impl Store {
    /// Opens (creating if needed) the SQLite database file at `path` and
    /// applies the embedded migrations, which are forward-only.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        Ok(Store { backend: Backend::Sqlite(sqlite::Sqlite::open(path).await?) })
    }

    /// Opens the database a URL names (see [`Kind::of`]) and applies its
    /// migrations. Several processes may do this at once: PostgreSQL's
    /// migrations run under an advisory lock, SQLite's under its write lock.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let backend = match Kind::of(url)? {
            Kind::Sqlite => {
                let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
                Backend::Sqlite(sqlite::Sqlite::open(Path::new(path)).await?)
            }
            Kind::Postgres => Backend::Postgres(postgres::Postgres::connect(url).await?),
        };
        Ok(Store { backend })
    }

    /// Whether other processes may share this database's queue.
    pub fn is_shared(&self) -> bool {
        self.kind() == Kind::Postgres
    }

    /// Which database this store writes to.
    pub fn kind(&self) -> Kind {
        match &self.backend {
            Backend::Sqlite(_) => Kind::Sqlite,
            Backend::Postgres(_) => Kind::Postgres,
        }
    }

    /// Tells the other processes on this database of `notice`. On SQLite
    /// there are none to tell (the database is one process's): nothing is
    /// sent, and the process's own channels carry the news.
    pub async fn notify(&self, notice: &Notice) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(()),
            Backend::Postgres(db) => db.notify(notice).await,
        }
    }

    /// Starts hearing the other processes' notices; `None` on SQLite, where
    /// no other process shares the database's queue.
    pub async fn listen(&self) -> Result<Option<postgres::Notices>, StoreError> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(None),
            Backend::Postgres(db) => db.listen().await.map(Some),
        }
    }

    /// Closes the pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(db) => db.close().await,
            Backend::Postgres(db) => db.close().await,
        }
    }
}

/// A database URL fit for a message: the password, if any, is hidden.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme + 3], &credentials[..colon], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Forwards each listed method to the backend that holds the data. The
/// methods are documented where they are written, in `src/sql/` (or in
/// `sqlite.rs` and `postgres.rs` for upkeep).
macro_rules! forward {
    ($(pub async fn $name:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty;)*) => {
        impl Store {
            $(
                pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    match &self.backend {
                        Backend::Sqlite(db) => db.$name($($arg),*).await,
                        Backend::Postgres(db) => db.$name($($arg),*).await,
                    }
                }
            )*
        }
    };
}

use hookline_model::{ExecutionSummary, FlowDocument, FlowRecord, FlowSummary, InboxEntry, Sample, VersionInfo};
use serde_json::Value;
use std::collections::BTreeMap;

forward! {
    // Executions and their claims (sql/executions.rs).
    pub async fn renew_claims(&self, owner: &str, until: &str, now: &str) -> Result<u64, StoreError>;
    pub async fn claim_owners(&self, now: &str) -> Result<Vec<String>, StoreError>;
    pub async fn release_claims(&self, owner: &str) -> Result<u64, StoreError>;
    pub async fn release_claim(&self, id: &str, owner: &str) -> Result<bool, StoreError>;
    pub async fn claim_expired(&self, owner: &str, now: &str, until: &str, limit: u32) -> Result<Vec<String>, StoreError>;
    pub async fn get_execution(&self, id: &str) -> Result<Option<StoredExecution>, StoreError>;
    pub async fn execution_created_at(&self, id: &str) -> Result<Option<String>, StoreError>;
    pub async fn list_executions(&self, filter: &ExecutionFilter) -> Result<Vec<ExecutionSummary>, StoreError>;
    pub async fn activity_since(&self, since: &str) -> Result<Vec<ActivityCount>, StoreError>;
    pub async fn activity_by_hour(&self, since: &str) -> Result<Vec<ActivityCount>, StoreError>;
    // Flows, versions and captures (sql/flows.rs).
    pub async fn save_draft(&self, doc: &FlowDocument, slug: Option<&str>, now: &str) -> Result<bool, StoreError>;
    pub async fn get_flow(&self, id: &str) -> Result<Option<FlowRecord>, StoreError>;
    pub async fn find_flow(&self, key: &str) -> Result<Option<FlowRecord>, StoreError>;
    pub async fn hook_target(&self, key: &str) -> Result<Option<HookTarget>, StoreError>;
    pub async fn record_capture(&self, flow_id: &str, step_id: &str, sample: &Value, now: &str) -> Result<i64, StoreError>;
    pub async fn publish_version(&self, id: &str, doc: &FlowDocument, slug: Option<&str>, now: &str) -> Result<u32, StoreError>;
    pub async fn open_capture_window(&self, flow_id: &str, until: &str) -> Result<(), StoreError>;
    pub async fn capture_window_open(&self, flow_id: &str, now: &str) -> Result<bool, StoreError>;
    pub async fn last_capture_id(&self, flow_id: &str) -> Result<i64, StoreError>;
    pub async fn capture_after(&self, flow_id: &str, after: i64) -> Result<Option<Value>, StoreError>;
    pub async fn list_flows(&self) -> Result<Vec<FlowSummary>, StoreError>;
    pub async fn set_live(&self, id: &str, live: bool, now: &str) -> Result<(), StoreError>;
    pub async fn delete_flow(&self, id: &str) -> Result<bool, StoreError>;
    pub async fn list_versions(&self, id: &str) -> Result<Vec<VersionInfo>, StoreError>;
    pub async fn get_version(&self, id: &str, version: u32) -> Result<Option<FlowDocument>, StoreError>;
    pub async fn latest_version(&self, id: &str) -> Result<Option<(u32, FlowDocument)>, StoreError>;
    // The inbox and the journal's writes (sql/inbox.rs).
    pub async fn accept_batch(&self, batch: &[Acceptance]) -> Result<Vec<Accepted>, StoreError>;
    pub async fn write_batch(&self, batch: &[Write]) -> Result<Vec<Written>, StoreError>;
    pub async fn record_rejection(&self, entry: &InboxEntry, keep_unknown: u32) -> Result<(), StoreError>;
    pub async fn list_inbox(&self, flow_id: Option<&str>, key: &str, limit: u32) -> Result<Vec<InboxEntry>, StoreError>;
    pub async fn get_inbox(&self, id: &str) -> Result<Option<InboxEntry>, StoreError>;
    // Retention (sql/retention.rs).
    pub async fn surplus(&self, retention: &Retention) -> Result<Vec<Surplus>, StoreError>;
    // Samples (sql/samples.rs).
    pub async fn add_sample(&self, sample: &Sample) -> Result<Sample, StoreError>;
    pub async fn list_samples(&self, flow_id: &str, step_id: &str) -> Result<Vec<Sample>, StoreError>;
    pub async fn current_sample(&self, flow_id: &str, step_id: &str) -> Result<Option<Sample>, StoreError>;
    pub async fn current_samples(&self, flow_id: &str) -> Result<BTreeMap<String, Value>, StoreError>;
    pub async fn set_current_sample(&self, flow_id: &str, step_id: &str, id: &str) -> Result<Option<Sample>, StoreError>;
    pub async fn remove_sample(&self, flow_id: &str, step_id: &str, id: &str) -> Result<bool, StoreError>;
    pub async fn latest_step_output(&self, flow_id: &str, step_id: &str) -> Result<Option<Value>, StoreError>;
    // Schedules (sql/schedule.rs).
    pub async fn live_versions(&self) -> Result<Vec<LiveVersion>, StoreError>;
    pub async fn claim_schedule_fire(&self, flow_id: &str, slot: &str, fired_at: &str) -> Result<bool, StoreError>;
    pub async fn record_schedule_execution(&self, flow_id: &str, slot: &str, execution_id: &str) -> Result<(), StoreError>;
    pub async fn release_schedule_fire(&self, flow_id: &str, slot: &str) -> Result<(), StoreError>;
    pub async fn last_schedule_fire(&self, flow_id: &str) -> Result<Option<String>, StoreError>;
    pub async fn schedule_fire_execution(&self, flow_id: &str, slot: &str) -> Result<Option<String>, StoreError>;
    // Storage (sql/storage.rs, and upkeep in sqlite.rs / postgres.rs).
    pub async fn row_counts(&self) -> Result<Vec<(&'static str, u64)>, StoreError>;
    pub async fn pages(&self) -> Result<Pages, StoreError>;
    pub async fn reclaim(&self, pages: u32, truncate: bool) -> Result<u64, StoreError>;
    pub async fn ping(&self) -> Result<(), StoreError>;
    pub async fn checkpoint(&self) -> Result<(), StoreError>;
    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError>;
    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError>;
    // Webhook tokens (sql/tokens.rs).
    pub async fn set_flow_token(&self, flow_id: &str, token_hash: &str, now: &str) -> Result<(), StoreError>;
    pub async fn flow_token_created(&self, flow_id: &str) -> Result<Option<String>, StoreError>;
    pub async fn flow_of_token(&self, token_hash: &str) -> Result<Option<String>, StoreError>;
    // The vault's sealed rows (sql/vault.rs).
    pub async fn vault_meta(&self, key: &str) -> Result<Option<String>, StoreError>;
    pub async fn set_vault_meta(&self, key: &str, value: Option<&str>) -> Result<(), StoreError>;
    pub async fn init_vault_meta(&self, key: &str, value: &str) -> Result<String, StoreError>;
    pub async fn put_credential(&self, row: &CredentialRow) -> Result<(), StoreError>;
    pub async fn credential(&self, name: &str) -> Result<Option<CredentialRow>, StoreError>;
    pub async fn credentials(&self) -> Result<Vec<CredentialRow>, StoreError>;
    pub async fn remove_credential(&self, name: &str) -> Result<bool, StoreError>;
    pub async fn record_verification(&self, id: &str, ok: bool, message: &str, at: &str) -> Result<(), StoreError>;
    pub async fn reseal(&self, credentials: &[Resealed], key_check: &str, fingerprint: &str) -> Result<(), StoreError>;
    pub async fn token(&self, credential_id: &str) -> Result<Option<TokenRow>, StoreError>;
    pub async fn put_token(&self, row: &TokenRow) -> Result<(), StoreError>;
}

/// Reads a JSON column written by this crate; a value that no longer parses is
/// reported as corruption rather than hidden.
fn from_json<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serialising model types to a string cannot fail: they hold only JSON values,
    // strings and numbers, with string keys.
    serde_json::to_string(value).expect("model values serialise to JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_backend_and_passwords_stay_out_of_messages() {
        assert_eq!(Kind::of("sqlite:///tmp/x.db").unwrap(), Kind::Sqlite);
        assert_eq!(Kind::of("postgres://u:p@h/db").unwrap(), Kind::Postgres);
        assert_eq!(Kind::of("postgresql://h/db").unwrap(), Kind::Postgres);
        let error = Kind::of("mysql://root:hunter2@h/db").unwrap_err().to_string();
        assert!(!error.contains("hunter2") && error.contains("mysql://root:***@h/db"), "{error}");
        assert_eq!(redact("postgres://hookline:s3cret@127.0.0.1:5432/hl"), "postgres://hookline:***@127.0.0.1:5432/hl");
        assert_eq!(redact("postgres://127.0.0.1/hl"), "postgres://127.0.0.1/hl");
    }
}
