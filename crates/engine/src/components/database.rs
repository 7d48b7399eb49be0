//! The Database action: one SQL statement with bound parameters against the
//! SQLite file or PostgreSQL server named by the step's `database_url`
//! credential. Output `{rows, rowsAffected}` (+ `truncated: true` when the
//! row cap cut the result).
//!
//! Parameters are always bound, never spliced into the text. The statement
//! runs under a deadline on both engines (PostgreSQL's `statement_timeout`,
//! SQLite's progress handler), and cancelling the execution stops it.
//! Connections are pooled per URL, so a busy flow does not reconnect on
//! every run.

mod postgres;
mod sqlite;
mod statement;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use hookline_model::ComponentKind;
use hookline_vault::Kind;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{ConnectOptions as _, Connection as _, Executor as _, Row as _};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{empty_object_schema, Action, ActionContext, Describe, FailureKind, Outcome, StepFailure};
use crate::catalog::Component;

const DEFAULT_MAX_ROWS: u64 = 10_000;
const MAX_MAX_ROWS: u64 = 1_000_000;
const DEFAULT_TIMEOUT_MS: u64 = 30_000;
const MAX_TIMEOUT_MS: u64 = 3_600_000;

pub(crate) fn component() -> Component {
    let mut descriptor = Describe {
        id: "database",
        kind: ComponentKind::Action,
        title: "Database",
        description: "Runs one SQL statement with bound parameters against SQLite or PostgreSQL and returns the rows.",
        icon: "database",
    }
    .build(
        empty_object_schema(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["sql"],
            "properties": {
                "sql": {"title": "SQL", "description": "One statement. Parameters: $1, $2 … (PostgreSQL) or ?, ?1 … (SQLite).", "type": "string", "minLength": 1},
                "params": {"title": "Parameters", "description": "Bound in order, never spliced into the SQL. Lists and objects are bound as JSON text.", "type": "array", "default": []},
                "maxRows": {"title": "Most rows", "description": "Rows beyond this are left out and the output says truncated.", "type": "integer", "minimum": 1, "maximum": MAX_MAX_ROWS, "default": DEFAULT_MAX_ROWS},
                "timeoutMs": {"title": "Timeout (ms)", "description": "The statement is stopped after this long.", "type": "integer", "minimum": 1, "maximum": MAX_TIMEOUT_MS, "default": DEFAULT_TIMEOUT_MS}
            }
        }),
        json!({"rows": [{"id": 1, "name": "Gromit", "adopted": true, "since": "2024-05-01T09:30:00Z"}], "rowsAffected": 0}),
    );
    descriptor.credential_kinds = vec!["database_url".into()];
    descriptor.side_effects = true;
    Component::new(descriptor, Some(Arc::new(Database::default())))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    sql: String,
    #[serde(default)]
    params: Vec<Value>,
    max_rows: Option<u64>,
    timeout_ms: Option<u64>,
}

/// Why a statement did not give rows. Each variant says whether a retry
/// could help ([`DatabaseError::failure_kind`]).
#[derive(Debug, thiserror::Error)]
pub(crate) enum DatabaseError {
    /// The step's input or credential cannot run: fix the step.
    #[error("{0}")]
    Invalid(String),
    /// The database could not be reached, or the connection broke.
    #[error("cannot connect to {target}: {reason}")]
    Connect { target: String, reason: String },
    /// No connection was made before the deadline.
    #[error("no connection to {target} within {ms} ms")]
    ConnectTimeout { target: String, ms: u64 },
    /// The statement ran past its deadline and was stopped.
    #[error("the statement did not finish within {ms} ms and was stopped (raise timeoutMs if it needs longer)")]
    Timeout { ms: u64 },
    #[error("cancelled; the statement was stopped")]
    Cancelled,
    /// The database refused the statement; the text is its own message.
    #[error("{0}")]
    Statement(String),
    /// The database asked to try again (a lock, a deadlock, a serialization failure).
    #[error("{0}")]
    Transient(String),
    /// A parameter or a column value has no JSON counterpart here.
    #[error("{0}")]
    Value(String),
    /// A statement prepared earlier on the connection no longer fits the
    /// table (PostgreSQL); the step prepares it again once before reporting it.
    #[error("{0}")]
    StalePlan(String),
}

impl DatabaseError {
    fn failure_kind(&self) -> FailureKind {
        match self {
            DatabaseError::Connect { .. } | DatabaseError::ConnectTimeout { .. } | DatabaseError::Transient(_) => {
                FailureKind::Connection
            }
            DatabaseError::Timeout { .. } => FailureKind::Timeout,
            DatabaseError::Invalid(_)
            | DatabaseError::Cancelled
            | DatabaseError::Statement(_)
            | DatabaseError::StalePlan(_)
            | DatabaseError::Value(_) => FailureKind::Permanent,
        }
    }
}

/// What one statement gave.
#[derive(Debug, Default)]
pub(crate) struct Rows {
    rows: Vec<Value>,
    rows_affected: u64,
    truncated: bool,
}

/// How far a statement may go.
pub(crate) struct Limits {
    pub max_rows: usize,
    pub timeout: Duration,
    /// When the step gives up: the start of the step plus the timeout. It
    /// covers waiting for a connection as well as the statement.
    pub deadline: Instant,
    /// Whether the statement only reads; a read whose result passes the
    /// row cap can be abandoned, a write is read to its end so it completes.
    pub read_only: bool,
}

impl Limits {
    fn timeout_ms(&self) -> u64 {
        self.timeout.as_millis() as u64
    }

    /// What is left of the timeout, at least a millisecond.
    fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1))
    }
}

/// How long past the deadline the step still waits for the database to
/// stop the statement itself (and report it) before dropping the connection.
const GRACE: Duration = Duration::from_secs(2);

#[derive(Default)]
struct Database {
    pools: Pools,
}

#[async_trait]
impl Action for Database {
    fn side_effect(&self, input: &Value) -> Option<String> {
        let sql = input.get("sql").and_then(Value::as_str).unwrap_or_default();
        if !statement::writes(sql) {
            return None;
        }
        let mut shown: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        if shown.chars().count() > 80 {
            shown = shown.chars().take(80).collect::<String>() + "…";
        }
        Some(format!("run a statement that changes the database: {shown}"))
    }

    async fn run(&self, input: Value, context: &ActionContext) -> Result<Outcome, StepFailure> {
        let input: Input = serde_json::from_value(input).map_err(|e| StepFailure::new(format!("input: {e}")))?;
        statement::check(&input.sql).map_err(StepFailure::new)?;
        let credential = context.credential.as_deref().ok_or_else(|| {
            StepFailure::new("a Database step needs a credential of kind database_url (its url: sqlite://PATH or postgres://USER@HOST/DB)")
        })?;
        if credential.kind != Kind::DatabaseUrl {
            return Err(StepFailure::new(format!(
                "credential {:?} is of kind {}; a Database step needs one of kind database_url",
                credential.name,
                credential.kind.as_str()
            )));
        }
        let url = credential
            .secret("url")
            .ok_or_else(|| StepFailure::new(format!("credential {:?} has no url", credential.name)))?;
        let url = url.expose().as_str();
        let timeout = Duration::from_millis(input.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS).clamp(1, MAX_TIMEOUT_MS));
        let limits = Limits {
            max_rows: input.max_rows.unwrap_or(DEFAULT_MAX_ROWS).clamp(1, MAX_MAX_ROWS) as usize,
            timeout,
            deadline: Instant::now() + timeout,
            read_only: !statement::writes(&input.sql),
        };
        let result = match self.pools.get(url) {
            Ok((Pool::Sqlite(pool), target)) => {
                sqlite::run(&pool, &target, &input.sql, &input.params, &limits, &context.cancel).await
            }
            Ok((Pool::Postgres(pool), target)) => {
                postgres::run(&pool, &target, &input.sql, &input.params, &limits, &context.cancel).await
            }
            Err(error) => Err(error),
        };
        match result {
            Ok(rows) => {
                let mut output = json!({"rows": rows.rows, "rowsAffected": rows.rows_affected});
                if rows.truncated {
                    output["truncated"] = Value::Bool(true);
                }
                Ok(Outcome::output(output))
            }
            Err(error) => {
                let message = scrub(&error.to_string(), url);
                tracing::debug!(step = %context.origin.step_id, error = %message, "database statement failed");
                Err(StepFailure::new(message).with_kind(error.failure_kind()))
            }
        }
    }
}

/// Checks a database URL the way a step will use it: connects (for
/// PostgreSQL, logs in with the URL's user and password) and asks the
/// server for its version. Says what it reached; an error says why not,
/// with the password masked. The caller bounds the time.
pub(crate) async fn verify(url: &str) -> Result<String, String> {
    let target = target_of(url);
    let reached = match connect_lazily(url, &target) {
        Ok(Pool::Sqlite(pool)) => {
            let version = async {
                let mut connection = pool.acquire().await?;
                let row = (&mut *connection).fetch_one(sqlx::query("SELECT sqlite_version()")).await?;
                row.try_get::<String, _>(0)
            };
            let version = version.await;
            pool.close().await;
            version.map(|v| format!("opened {target} (SQLite {v})")).map_err(|e| match e {
                sqlx::Error::Database(db) => format!("cannot open {target}: {}", db.message()),
                other => format!("cannot open {target}: {other}"),
            })
        }
        Ok(Pool::Postgres(pool)) => {
            // A direct connection, not the pool's: the pool retries a refused
            // connection until its timeout, where this reports it at once.
            let version = async {
                let mut connection = pool.connect_options().connect().await?;
                let row = (&mut connection).fetch_one(sqlx::query("SELECT current_setting('server_version')")).await;
                let _ = connection.close().await;
                row?.try_get::<String, _>(0)
            };
            let version = version.await;
            pool.close().await;
            version
                .map(|v| format!("logged in to {target} (PostgreSQL {v})"))
                .map_err(|e| postgres::connect_error(e, &target).to_string())
        }
        Err(error) => Err(error.to_string()),
    };
    reached.map_err(|message| scrub(&message, url))
}

/// `text` without any secret part of `url`.
fn scrub(text: &str, url: &str) -> String {
    let secrets = url_secrets(url);
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    hookline_vault::scrub(text, &refs)
}

/// The parts of a database URL that must never be shown: the whole URL and
/// its password, as written and percent-decoded.
fn url_secrets(url: &str) -> Vec<String> {
    let mut secrets = vec![url.to_string()];
    if let Ok(parsed) = reqwest::Url::parse(url) {
        if let Some(password) = parsed.password().filter(|p| !p.is_empty()) {
            secrets.push(password.to_string());
            if let Ok(decoded) = percent_decode(password) {
                secrets.push(decoded);
            }
        }
    }
    secrets
}

fn percent_decode(text: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(byte) = hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out)
}

/// What messages call the database: for SQLite its file (the URL as a
/// whole is the credential's secret and would be masked entirely), for a
/// server the URL with its password masked.
fn target_of(url: &str) -> String {
    let sqlite = url.get(..7).is_some_and(|scheme| scheme.eq_ignore_ascii_case("sqlite:"));
    match url.parse::<SqliteConnectOptions>() {
        Ok(options) if sqlite => format!("the SQLite file {}", options.get_filename().display()),
        _ => masked(url),
    }
}

/// The URL as messages show it: the password replaced by `***`.
pub(crate) fn masked(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "the database URL".to_string(),
    }
}

/// A pool for one database URL.
#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The pools of the URLs steps used lately. A pool is made on first use
/// (connecting lazily) and kept, so later runs reuse its connections; each
/// pool closes connections idle for [`IDLE`], so a kept pool of a URL no
/// step uses any more holds no connection. At most [`MAX_POOLS`] URLs are
/// kept; the one used longest ago goes first. Entries are keyed by a digest
/// of the URL, so the map never holds the password in clear.
#[derive(Default)]
struct Pools {
    entries: Mutex<Vec<PoolEntry>>,
}

struct PoolEntry {
    key: [u8; 32],
    pool: Pool,
    /// The URL with its password masked, for messages.
    target: String,
    used: std::time::Instant,
}

const MAX_POOLS: usize = 16;
/// Connections per PostgreSQL pool: a flow's steps run one statement at a
/// time each, and a local-first app should not take a server's slots.
const PG_CONNECTIONS: u32 = 4;
/// Connections per SQLite pool: one. SQLite lets one writer in at a time,
/// and writers that collide back off in sleeps of up to 100 ms inside its
/// busy handler; queueing for the pool's one connection instead keeps
/// concurrent runs in order and the file busy (BENCHMARKS.md: Database action).
const SQLITE_CONNECTIONS: u32 = 1;
const IDLE: Duration = Duration::from_secs(300);
/// The longest the pool itself waits for a connection (a free one, or a
/// new one while the server refuses). The step's deadline usually ends the
/// wait first; this bounds sqlx's reconnect attempts behind a step that
/// already gave up.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(60);

impl Pools {
    fn get(&self, url: &str) -> Result<(Pool, String), DatabaseError> {
        let key: [u8; 32] = Sha256::digest(url.as_bytes()).into();
        let mut entries = self.entries.lock().expect("database pools lock");
        if let Some(entry) = entries.iter_mut().find(|e| e.key == key) {
            entry.used = std::time::Instant::now();
            return Ok((entry.pool.clone(), entry.target.clone()));
        }
        let target = target_of(url);
        let pool = connect_lazily(url, &target)?;
        tracing::debug!(%target, "database pool created");
        if entries.len() >= MAX_POOLS {
            // Dropping the pool closes its connections once the runs using it end.
            if let Some(oldest) = entries.iter().enumerate().min_by_key(|(_, e)| e.used).map(|(i, _)| i) {
                entries.swap_remove(oldest);
            }
        }
        entries.push(PoolEntry { key, pool: pool.clone(), target: target.clone(), used: std::time::Instant::now() });
        Ok((pool, target))
    }
}

/// A pool for `url` that connects on first use. `sqlite://PATH` opens an
/// existing file (add `?mode=rwc` to create it); `postgres://` and
/// `postgresql://` reach a server.
fn connect_lazily(url: &str, target: &str) -> Result<Pool, DatabaseError> {
    let scheme = url.split_once(':').map(|(scheme, _)| scheme.to_ascii_lowercase()).unwrap_or_default();
    let invalid = |e: sqlx::Error| {
        DatabaseError::Invalid(format!("the database URL {target} is not valid: {}", scrub(&e.to_string(), url)))
    };
    match scheme.as_str() {
        "sqlite" => {
            let options: SqliteConnectOptions = url.parse().map_err(invalid)?;
            let pool = SqlitePoolOptions::new()
                .max_connections(SQLITE_CONNECTIONS)
                .min_connections(0)
                .idle_timeout(IDLE)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_lazy_with(options);
            Ok(Pool::Sqlite(pool))
        }
        "postgres" | "postgresql" => {
            let options: PgConnectOptions = url.parse().map_err(invalid)?;
            let pool = PgPoolOptions::new()
                .max_connections(PG_CONNECTIONS)
                .min_connections(0)
                .idle_timeout(IDLE)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_lazy_with(options);
            Ok(Pool::Postgres(pool))
        }
        _ => Err(DatabaseError::Invalid(format!(
            "the database URL {target} is neither sqlite:// nor postgres:// (nor postgresql://)"
        ))),
    }
}

/// Waits for `work`, the step's cancellation or the deadline plus
/// [`GRACE`], whichever comes first.
async fn bounded<T>(
    work: impl std::future::Future<Output = Result<T, DatabaseError>>,
    limits: &Limits,
    cancel: &CancellationToken,
) -> Bounded<T> {
    tokio::select! {
        result = work => Bounded::Done(result),
        () = cancel.cancelled() => Bounded::Cancelled,
        () = tokio::time::sleep_until(limits.deadline + GRACE) => Bounded::TimedOut,
    }
}

enum Bounded<T> {
    Done(Result<T, DatabaseError>),
    Cancelled,
    TimedOut,
}

/// A JSON number for a float, or its name when JSON has none (NaN, ±Infinity).
fn float(value: f64) -> Value {
    serde_json::Number::from_f64(value).map(Value::Number).unwrap_or_else(|| {
        Value::String(
            if value.is_nan() {
                "NaN"
            } else if value > 0.0 {
                "Infinity"
            } else {
                "-Infinity"
            }
            .into(),
        )
    })
}

fn base64(bytes: &[u8]) -> Value {
    use base64::Engine as _;
    Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_shown_without_its_password_and_both_spellings_are_secrets() {
        let url = "postgres://app:s%40cret@db.example:5433/shop";
        assert_eq!(masked(url), "postgres://app:***@db.example:5433/shop");
        let secrets = url_secrets(url);
        assert!(secrets.contains(&"s%40cret".to_string()) && secrets.contains(&"s@cret".to_string()), "{secrets:?}");
        assert_eq!(masked("sqlite:///tmp/pets.db"), "sqlite:///tmp/pets.db", "no password, nothing to mask");
        assert_eq!(target_of("sqlite:///tmp/pets.db?mode=rwc"), "the SQLite file /tmp/pets.db");
        assert_eq!(target_of("postgresql://app:pw@db/shop"), "postgresql://app:***@db/shop");
    }

    #[test]
    fn only_statements_that_may_write_ask_before_a_sample() {
        let action = Database::default();
        assert_eq!(action.side_effect(&json!({"sql": "SELECT * FROM pets"})), None);
        let asked = action.side_effect(&json!({"sql": "INSERT INTO pets (name)\n  VALUES ($1)"})).unwrap();
        assert_eq!(asked, "run a statement that changes the database: INSERT INTO pets (name) VALUES ($1)");
    }

    #[test]
    fn only_failures_a_retry_could_cure_are_retryable() {
        let connect = DatabaseError::Connect { target: "t".into(), reason: "refused".into() };
        assert_eq!(connect.failure_kind(), FailureKind::Connection);
        assert_eq!(DatabaseError::Transient("deadlock".into()).failure_kind(), FailureKind::Connection);
        assert_eq!(DatabaseError::Timeout { ms: 5 }.failure_kind(), FailureKind::Timeout);
        for permanent in [
            DatabaseError::Statement("syntax error".into()),
            DatabaseError::Invalid("bad url".into()),
            DatabaseError::Value("point".into()),
            DatabaseError::Cancelled,
        ] {
            assert_eq!(permanent.failure_kind(), FailureKind::Permanent, "{permanent}");
        }
    }

    #[test]
    fn floats_without_a_json_number_are_named() {
        assert_eq!(float(1.5), json!(1.5));
        assert_eq!(float(f64::NAN), json!("NaN"));
        assert_eq!(float(f64::NEG_INFINITY), json!("-Infinity"));
    }

    #[test]
    fn an_unknown_scheme_is_refused_before_any_connection() {
        let error = Pools::default().get("mysql://root:hunter2@localhost/db").err().unwrap();
        assert!(matches!(error, DatabaseError::Invalid(_)));
        let message = error.to_string();
        assert!(message.contains("mysql://root:***@localhost/db") && !message.contains("hunter2"), "{message}");
    }
}
