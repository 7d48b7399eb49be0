//! Copying a single machine's SQLite database into PostgreSQL
//! (`hookline migrate-data`), so a deployment can grow to several servers
//! without losing its flows, run log or vault.
//!
//! [`TABLES`] declares every table and column that is copied; a test checks
//! it against both schemas, so a migration that adds a table or a column
//! fails that test until the copy knows of it. Rows are read from one
//! snapshot of the SQLite file and written in batches, thousands of rows to
//! a statement, inside one PostgreSQL transaction: the target ends up with
//! everything or nothing. Sealed vault rows are copied as bytes; the data
//! key that opens them is not in the database and stays where it is.

use futures_util::TryStreamExt;
use sqlx::{Column as _, Row};

use crate::{Backend, Store, StoreError};

/// A column's type as the copy reads and writes it. SQLite keeps booleans
/// as integers and bytes as BLOB; PostgreSQL has BOOLEAN, BIGINT and BYTEA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Type {
    Text,
    Integer,
    Boolean,
    Bytes,
}

impl Type {
    /// The PostgreSQL array type a batch of this column is bound as.
    fn array(self) -> &'static str {
        match self {
            Type::Text => "text[]",
            Type::Integer => "bigint[]",
            Type::Boolean => "boolean[]",
            Type::Bytes => "bytea[]",
        }
    }
}

/// One table of the store and how it is copied.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) name: &'static str,
    pub(crate) columns: &'static [(&'static str, Type)],
    /// A key/value table of settings about the database (the vault's id and
    /// key check, the last prune): the source's values replace any the
    /// target has, which a process that only opened it may have written.
    /// Every other table must be empty in the target.
    pub(crate) settings: bool,
}

use Type::{Boolean, Bytes, Integer, Text};

/// Every table, parents before children (PostgreSQL checks each foreign key
/// as its rows arrive).
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "flows",
        columns: &[
            ("id", Text),
            ("name", Text),
            ("description", Text),
            ("slug", Text),
            ("draft", Text),
            ("live", Boolean),
            ("created_at", Text),
            ("updated_at", Text),
            ("live_slug", Text),
        ],
        settings: false,
    },
    Table {
        name: "flow_versions",
        columns: &[("flow_id", Text), ("version", Integer), ("document", Text), ("created_at", Text)],
        settings: false,
    },
    Table {
        name: "executions",
        columns: &[
            ("id", Text),
            ("flow_id", Text),
            ("version", Integer),
            ("trigger", Text),
            ("status", Text),
            ("input", Text),
            ("inbox_id", Text),
            ("output", Text),
            ("error", Text),
            ("failed_step", Text),
            ("reply", Text),
            ("created_at", Text),
            ("started_at", Text),
            ("finished_at", Text),
            ("duration_ms", Integer),
            ("owner", Text),
            ("lease_until", Text),
            ("params", Text),
            ("replay_of", Text),
        ],
        settings: false,
    },
    Table {
        name: "step_runs",
        columns: &[
            ("execution_id", Text),
            ("seq", Integer),
            ("step_id", Text),
            ("name", Text),
            ("component", Text),
            ("status", Text),
            ("input", Text),
            ("output", Text),
            ("error", Text),
            ("started_at", Text),
            ("duration_ms", Integer),
            ("branch", Boolean),
            ("attempts", Text),
            ("resumed", Boolean),
        ],
        settings: false,
    },
    Table {
        name: "inbox",
        columns: &[
            ("id", Text),
            ("flow_key", Text),
            ("flow_id", Text),
            ("method", Text),
            ("path", Text),
            ("query", Text),
            ("headers", Text),
            ("body", Bytes),
            ("received_at", Text),
            ("status", Integer),
            ("reason", Text),
            ("execution_id", Text),
        ],
        settings: false,
    },
    Table {
        name: "idempotency",
        columns: &[("flow_id", Text), ("key", Text), ("execution_id", Text), ("created_at", Text)],
        settings: false,
    },
    Table {
        name: "captures",
        columns: &[("id", Integer), ("flow_id", Text), ("sample", Text), ("received_at", Text)],
        settings: false,
    },
    Table { name: "capture_windows", columns: &[("flow_id", Text), ("open_until", Text)], settings: false },
    Table { name: "vault_meta", columns: &[("key", Text), ("value", Text)], settings: true },
    Table {
        name: "credentials",
        columns: &[
            ("id", Text),
            ("name", Text),
            ("kind", Text),
            ("fields", Text),
            ("sealed", Bytes),
            ("created_at", Text),
            ("updated_at", Text),
            ("verified_at", Text),
            ("verify_ok", Boolean),
            ("verify_message", Text),
        ],
        settings: false,
    },
    Table {
        name: "oauth_tokens",
        columns: &[
            ("credential_id", Text),
            ("sealed", Bytes),
            ("expires_at", Text),
            ("fetched_at", Text),
            ("last_error", Text),
        ],
        settings: false,
    },
    Table {
        name: "samples",
        columns: &[
            ("id", Text),
            ("flow_id", Text),
            ("step_id", Text),
            ("source", Text),
            ("value", Text),
            ("created_at", Text),
            ("current", Boolean),
        ],
        settings: false,
    },
    Table {
        name: "schedule_fires",
        columns: &[("flow_id", Text), ("slot", Text), ("fired_at", Text), ("execution_id", Text)],
        settings: false,
    },
    Table {
        name: "flow_tokens",
        columns: &[("flow_id", Text), ("token_hash", Text), ("created_at", Text)],
        settings: false,
    },
    Table { name: "store_meta", columns: &[("key", Text), ("value", Text)], settings: true },
];

/// Rows written by one statement, at most; a batch also ends once it holds
/// [`BATCH_BYTES`], so large request bodies do not pile up in memory.
const BATCH_ROWS: usize = 5_000;
const BATCH_BYTES: usize = 16 * 1024 * 1024;

/// How long the copy waits for another process's hold on a target table.
const LOCK_TIMEOUT: &str = "10s";

impl Store {
    /// Copies every row of this store (a SQLite database) into `target` (a
    /// PostgreSQL database), in one transaction on the target, and returns
    /// the rows copied per table, in [`TABLES`] order.
    ///
    /// Both schemas must be fully migrated (opening a store migrates it).
    /// The target must hold no rows except in its settings tables
    /// (`vault_meta`, `store_meta`, which take the source's values):
    /// otherwise [`StoreError::NotEmpty`] names the tables that do, and
    /// nothing is written. The source is read from one snapshot, so a
    /// process still writing to it does not tear the copy.
    pub async fn copy_into(&self, target: &Store) -> Result<Vec<(&'static str, u64)>, StoreError> {
        let (Backend::Sqlite(source), Backend::Postgres(destination)) = (&self.backend, &target.backend) else {
            return Err(StoreError::CannotCopy("the copy goes from a SQLite database into a PostgreSQL one".into()));
        };
        for (which, store) in [("source", self), ("target", target)] {
            let schema = store.schema_version().await?;
            if !schema.is_current() {
                return Err(StoreError::CannotCopy(format!(
                    "the {which} database has {} of this version's {} migrations applied",
                    schema.applied, schema.known
                )));
            }
        }

        let mut read = source.reader.begin().await?;
        let mut write = destination.writer.begin().await?;
        sqlx::query(&format!("SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")).execute(&mut *write).await?;
        // Held until commit: no other process writes to the target meanwhile,
        // so the emptiness checked below still holds when the rows land.
        let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        sqlx::query(&format!("LOCK TABLE {} IN EXCLUSIVE MODE", names.join(", "))).execute(&mut *write).await?;
        let mut holding = Vec::new();
        for table in TABLES.iter().filter(|t| !t.settings) {
            // The names come from TABLES, never from a caller.
            let rows: bool = sqlx::query_scalar(&format!("SELECT EXISTS (SELECT 1 FROM {})", table.name))
                .fetch_one(&mut *write)
                .await?;
            if rows {
                holding.push(table.name);
            }
        }
        if !holding.is_empty() {
            return Err(StoreError::NotEmpty(holding.join(", ")));
        }

        let mut counts = Vec::with_capacity(TABLES.len());
        for table in TABLES {
            let copied = copy_table(table, &mut read, &mut write).await?;
            tracing::debug!(table = table.name, rows = copied, "copied");
            counts.push((table.name, copied));
        }
        // Captures keep their ids; new ones must be numbered after them.
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('captures', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM captures), false)",
        )
        .execute(&mut *write)
        .await?;
        write.commit().await?;
        read.rollback().await?;
        Ok(counts)
    }
}

/// A batch of one column's values, as PostgreSQL takes it bound as an array.
enum Values {
    Text(Vec<Option<String>>),
    Integer(Vec<Option<i64>>),
    Boolean(Vec<Option<bool>>),
    Bytes(Vec<Option<Vec<u8>>>),
}

impl Values {
    fn new(kind: Type) -> Values {
        match kind {
            Type::Text => Values::Text(Vec::new()),
            Type::Integer => Values::Integer(Vec::new()),
            Type::Boolean => Values::Boolean(Vec::new()),
            Type::Bytes => Values::Bytes(Vec::new()),
        }
    }

    /// Appends column `index` of `row`; returns the bytes it holds.
    fn push(&mut self, row: &sqlx::sqlite::SqliteRow, index: usize) -> Result<usize, sqlx::Error> {
        Ok(match self {
            Values::Text(values) => {
                let value: Option<String> = row.try_get(index)?;
                let size = value.as_ref().map_or(0, String::len);
                values.push(value);
                size
            }
            Values::Integer(values) => {
                values.push(row.try_get(index)?);
                8
            }
            Values::Boolean(values) => {
                let value: Option<i64> = row.try_get(index)?;
                values.push(value.map(|v| v != 0));
                1
            }
            Values::Bytes(values) => {
                let value: Option<Vec<u8>> = row.try_get(index)?;
                let size = value.as_ref().map_or(0, Vec::len);
                values.push(value);
                size
            }
        })
    }

    fn bind<'q>(
        self,
        query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
        match self {
            Values::Text(values) => query.bind(values),
            Values::Integer(values) => query.bind(values),
            Values::Boolean(values) => query.bind(values),
            Values::Bytes(values) => query.bind(values),
        }
    }
}

/// Streams one table out of the SQLite snapshot and inserts it in batches;
/// returns the rows copied.
async fn copy_table(
    table: &Table,
    read: &mut sqlx::SqliteConnection,
    write: &mut sqlx::PgConnection,
) -> Result<u64, StoreError> {
    let columns: Vec<&str> = table.columns.iter().map(|(name, _)| *name).collect();
    let select = format!("SELECT {} FROM {}", columns.join(", "), table.name);
    let arrays: Vec<String> =
        table.columns.iter().enumerate().map(|(i, (_, kind))| format!("${}::{}", i + 1, kind.array())).collect();
    let mut insert =
        format!("INSERT INTO {} ({}) SELECT * FROM UNNEST({})", table.name, columns.join(", "), arrays.join(", "));
    if table.settings {
        insert.push_str(" ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    }
    let unreadable = |row: &sqlx::sqlite::SqliteRow, index: usize, error: sqlx::Error| {
        let column = row.columns().get(index).map_or("?", |c| c.name());
        StoreError::Corrupt(format!("{}.{column} cannot be copied: {error}", table.name))
    };

    let mut copied = 0;
    let mut rows = sqlx::query(&select).fetch(&mut *read);
    let mut batch = Batch::new(table);
    while let Some(row) = rows.try_next().await? {
        for (index, values) in batch.values.iter_mut().enumerate() {
            batch.bytes += values.push(&row, index).map_err(|e| unreadable(&row, index, e))?;
        }
        batch.rows += 1;
        if batch.rows >= BATCH_ROWS || batch.bytes >= BATCH_BYTES {
            copied += std::mem::replace(&mut batch, Batch::new(table)).insert(&insert, write).await?;
        }
    }
    if batch.rows > 0 {
        copied += batch.insert(&insert, write).await?;
    }
    Ok(copied)
}

/// Rows read and not yet written, column by column.
struct Batch {
    values: Vec<Values>,
    rows: usize,
    bytes: usize,
}

impl Batch {
    fn new(table: &Table) -> Batch {
        Batch { values: table.columns.iter().map(|(_, kind)| Values::new(*kind)).collect(), rows: 0, bytes: 0 }
    }

    async fn insert(self, sql: &str, write: &mut sqlx::PgConnection) -> Result<u64, StoreError> {
        let query = self.values.into_iter().fold(sqlx::query(sql), |query, values| values.bind(query));
        Ok(query.execute(write).await?.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use hookline_model::{Sample, SampleSource, StepRun, StepStatus};
    use serde_json::json;

    use super::*;
    use crate::on_sqlite::flows::tests::document;
    use crate::on_sqlite::inbox::tests::acceptance;
    use crate::{CredentialRow, TokenRow, Write};

    /// The columns a schema declares, by table, each with its declared type.
    type Schema = BTreeMap<String, BTreeMap<String, String>>;

    fn declared() -> Schema {
        TABLES
            .iter()
            .map(|t| {
                let columns = t.columns.iter().map(|(name, kind)| (name.to_string(), format!("{kind:?}"))).collect();
                (t.name.to_string(), columns)
            })
            .collect()
    }

    #[tokio::test]
    async fn the_copy_names_every_table_and_column_of_the_sqlite_schema() {
        let (_dir, db) = crate::sqlite::test_db().await;
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
        )
        .fetch_all(&db.reader)
        .await
        .unwrap();
        let mut schema = Schema::new();
        for table in tables {
            let columns: Vec<(String, String)> = sqlx::query_as("SELECT name, type FROM pragma_table_info($1)")
                .bind(&table)
                .fetch_all(&db.reader)
                .await
                .unwrap();
            let columns = columns
                .into_iter()
                .map(|(name, kind)| {
                    // SQLite has no booleans: the copy knows which integers are.
                    let kind = match (kind.as_str(), declared().get(&table).and_then(|c| c.get(&name))) {
                        ("INTEGER", Some(copied)) if copied == "Boolean" => "Boolean",
                        ("INTEGER", _) => "Integer",
                        ("BLOB", _) => "Bytes",
                        _ => "Text",
                    };
                    (name, kind.to_string())
                })
                .collect();
            schema.insert(table, columns);
        }
        assert_eq!(
            declared(),
            schema,
            "TABLES in copy.rs must list every table and column of the SQLite schema, or migrate-data would leave data behind"
        );
    }

    #[tokio::test]
    async fn the_copy_names_every_table_and_column_of_the_postgres_schema_with_its_type() {
        let (_, db) = crate::postgres::test_db().await;
        let columns: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
        )
        .fetch_all(&db.reader)
        .await
        .unwrap();
        let mut schema = Schema::new();
        for (table, column, kind) in columns {
            let kind = match kind.as_str() {
                "text" => "Text",
                "bigint" => "Integer",
                "boolean" => "Boolean",
                "bytea" => "Bytes",
                other => other,
            };
            schema.entry(table).or_default().insert(column, kind.to_string());
        }
        assert_eq!(declared(), schema, "every PostgreSQL column must be in TABLES, as the type it is copied as");
    }

    const T: &str = "2026-01-02T00:00:00.000Z";

    /// A SQLite store with a row in every table, written through the store's API.
    async fn filled() -> (crate::sqlite::TestGuard, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("hookline.db")).await.unwrap();
        let doc = document("flw_a", Some("a"));
        store.save_draft(&doc, Some("a"), "2026-01-01T00:00:00.000Z").await.unwrap();
        assert_eq!(store.publish_version("flw_a", &doc, Some("a"), T).await.unwrap(), 1);
        store.set_live("flw_a", true, T).await.unwrap();

        let accepted = acceptance("exe_1", Some("key-1"));
        let mut finished = accepted.execution.clone();
        finished.status = hookline_model::ExecutionStatus::Succeeded;
        finished.output = Some(json!({"created": "Gromit"}));
        finished.finished_at = Some("2026-01-02T00:00:00.002Z".into());
        finished.duration_ms = Some(2);
        let step = |id: &str, branch: Option<bool>, resumed: bool| StepRun {
            step_id: id.into(),
            name: format!("Step {id}"),
            component: "condition".into(),
            status: StepStatus::Succeeded,
            input: Some(json!({"n": 1})),
            output: Some(json!({"ok": true})),
            error: None,
            started_at: Some("2026-01-02T00:00:00.001Z".into()),
            duration_ms: Some(1),
            branch,
            attempts: vec![],
            resumed,
        };
        store
            .write_batch(&[
                Write::Accept(accepted),
                Write::StepRun { execution_id: "exe_1".into(), seq: 1, run: step("stp_if", Some(false), true) },
                Write::StepRun { execution_id: "exe_1".into(), seq: 2, run: step("stp_then", None, false) },
                Write::Finish(finished),
            ])
            .await
            .unwrap();

        store.record_capture("flw_a", "stp_hook", &json!({"body": {"captured": 1}}), T).await.unwrap();
        store.record_capture("flw_a", "stp_hook", &json!({"body": {"captured": 2}}), T).await.unwrap();
        store.open_capture_window("flw_a", "2999-01-01T00:00:00.000Z").await.unwrap();
        store.set_vault_meta("vault_id", Some("vlt_source")).await.unwrap();
        store.put_credential(&credential()).await.unwrap();
        store.put_token(&token()).await.unwrap();
        let sample = Sample {
            id: "smp_1".into(),
            flow_id: "flw_a".into(),
            step_id: "stp_hook".into(),
            source: SampleSource::Manual,
            created_at: T.into(),
            value: json!({"body": {"petname": "Gromit"}}),
            current: true,
        };
        store.add_sample(&sample).await.unwrap();
        assert!(store.claim_schedule_fire("flw_a", "2026-01-02T00:00:00Z", T).await.unwrap());
        store.record_schedule_execution("flw_a", "2026-01-02T00:00:00Z", "exe_1").await.unwrap();
        store.set_flow_token("flw_a", "hash-of-token", T).await.unwrap();
        store.set_meta("last_prune", "{\"deleted\":0}").await.unwrap();
        (dir, store)
    }

    fn credential() -> CredentialRow {
        CredentialRow {
            id: "crd_1".into(),
            name: "petstore".into(),
            kind: "api_key".into(),
            fields: "{\"header\":\"api_key\"}".into(),
            sealed: vec![1, 0, 255, 7, 42],
            created_at: T.into(),
            updated_at: T.into(),
            verified_at: Some(T.into()),
            verify_ok: Some(true),
            verify_message: Some("ok".into()),
        }
    }

    fn token() -> TokenRow {
        TokenRow {
            credential_id: "crd_1".into(),
            sealed: Some(vec![9, 8, 0, 7]),
            expires_at: Some("2026-01-02T01:00:00.000Z".into()),
            fetched_at: Some(T.into()),
            last_error: None,
        }
    }

    #[tokio::test]
    async fn a_sqlite_store_arrives_whole_in_an_empty_postgres_database_and_only_once() {
        let (_dir, source) = filled().await;
        let url = hookline_testdb::shared().fresh_database();
        let target = Store::connect(&url).await.unwrap();
        // A process that only opened the target may have set up a vault there.
        target.set_vault_meta("vault_id", Some("vlt_target")).await.unwrap();

        let counts = source.copy_into(&target).await.unwrap();
        assert_eq!(
            counts.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            TABLES.iter().map(|t| t.name).collect::<Vec<_>>()
        );
        let empty: Vec<_> = counts.iter().filter(|(_, rows)| *rows == 0).collect();
        assert!(empty.is_empty(), "the source has a row in every table, so every column list is exercised: {empty:?}");
        let count = |table: &str| counts.iter().find(|(t, _)| *t == table).unwrap().1;
        assert_eq!((count("step_runs"), count("captures")), (2, 2), "{counts:?}");

        let flow = target.get_flow("flw_a").await.unwrap().expect("the flow is copied");
        assert!(flow.summary.live, "it stays started");
        assert_eq!(flow.summary.latest_version, Some(1));
        assert_eq!(target.get_version("flw_a", 1).await.unwrap(), source.get_version("flw_a", 1).await.unwrap());
        assert_eq!(target.list_flows().await.unwrap(), source.list_flows().await.unwrap());

        let copied = target.get_execution("exe_1").await.unwrap().expect("the execution is copied");
        assert_eq!(copied, source.get_execution("exe_1").await.unwrap().unwrap(), "with its steps and request");
        assert_eq!(copied.execution.steps[0].branch, Some(false), "an INTEGER 0 becomes FALSE");
        assert!(copied.execution.steps[0].resumed, "and 1 becomes TRUE");
        let request = target.get_inbox("inb_exe_1").await.unwrap().expect("the inbox entry is copied");
        assert_eq!(request.request.body, vec![0, 159, 146, 150], "body bytes arrive exactly, not as text");
        let filter = crate::ExecutionFilter::default();
        assert_eq!(target.list_executions(&filter).await.unwrap(), source.list_executions(&filter).await.unwrap());

        assert_eq!(target.credential("petstore").await.unwrap(), Some(credential()), "sealed bytes untouched");
        assert_eq!(target.token("crd_1").await.unwrap(), Some(token()));
        assert_eq!(
            target.vault_meta("vault_id").await.unwrap().as_deref(),
            Some("vlt_source"),
            "the vault's settings are the source's, so its key still opens the sealed rows"
        );
        assert_eq!(
            target.list_samples("flw_a", "stp_hook").await.unwrap(),
            source.list_samples("flw_a", "stp_hook").await.unwrap()
        );
        assert_eq!(target.current_samples("flw_a").await.unwrap()["stp_hook"], json!({"body": {"petname": "Gromit"}}));
        assert_eq!(target.capture_after("flw_a", 0).await.unwrap(), source.capture_after("flw_a", 0).await.unwrap());
        assert!(target.capture_window_open("flw_a", T).await.unwrap());
        assert_eq!(
            target.schedule_fire_execution("flw_a", "2026-01-02T00:00:00Z").await.unwrap().as_deref(),
            Some("exe_1")
        );
        assert_eq!(target.flow_of_token("hash-of-token").await.unwrap().as_deref(), Some("flw_a"));
        assert_eq!(target.meta("last_prune").await.unwrap().as_deref(), Some("{\"deleted\":0}"));
        let last = source.last_capture_id("flw_a").await.unwrap();
        assert_eq!(target.last_capture_id("flw_a").await.unwrap(), last, "captures keep their ids");
        let next = target.record_capture("flw_a", "stp_hook", &json!({}), T).await.unwrap();
        assert!(next > last, "a new capture is numbered after the copied ones ({next} after {last})");

        let before = target.row_counts().await.unwrap();
        let error = source.copy_into(&target).await.unwrap_err();
        assert!(
            matches!(&error, StoreError::NotEmpty(tables) if tables.contains("flows") && tables.contains("executions")),
            "{error}"
        );
        assert_eq!(target.row_counts().await.unwrap(), before, "a refused copy changes nothing");
    }

    #[tokio::test]
    async fn a_copy_that_fails_halfway_leaves_the_target_empty() {
        let (_dir, source) = filled().await;
        let url = hookline_testdb::shared().fresh_database();
        let target = Store::connect(&url).await.unwrap();
        // A row the target's schema refuses, late in the copy: an orphan token.
        let Backend::Sqlite(db) = &source.backend else { unreachable!() };
        sqlx::query("PRAGMA foreign_keys = OFF").execute(&db.writer).await.unwrap();
        sqlx::query("INSERT INTO flow_tokens (flow_id, token_hash, created_at) VALUES ('flw_gone', 'h2', 't')")
            .execute(&db.writer)
            .await
            .unwrap();
        let error = source.copy_into(&target).await.unwrap_err();
        assert!(error.to_string().contains("foreign key"), "{error}");
        assert!(target.list_flows().await.unwrap().is_empty(), "all or nothing: the flows copied first are gone");
        assert!(target.vault_meta("vault_id").await.unwrap().is_none());
        let counts: BTreeSet<u64> = target.row_counts().await.unwrap().into_iter().map(|(_, rows)| rows).collect();
        assert_eq!(counts, BTreeSet::from([0]));
    }

    #[tokio::test]
    async fn tables_larger_than_a_batch_arrive_whole() {
        let dir = tempfile::tempdir().unwrap();
        let source = Store::open(&dir.path().join("hookline.db")).await.unwrap();
        let Backend::Sqlite(db) = &source.backend else { unreachable!() };
        let rows = 2 * BATCH_ROWS + 1;
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
             INSERT INTO store_meta (key, value) SELECT 'key-' || i, 'value-' || i FROM n",
        )
        .bind(rows as i64)
        .execute(&db.writer)
        .await
        .unwrap();
        let target = Store::connect(&hookline_testdb::shared().fresh_database()).await.unwrap();
        let counts = source.copy_into(&target).await.unwrap();
        assert_eq!(counts.last(), Some(&("store_meta", rows as u64)), "three batches, every row");
        assert_eq!(target.meta(&format!("key-{rows}")).await.unwrap(), Some(format!("value-{rows}")));
    }

    #[tokio::test]
    async fn only_sqlite_copies_into_postgres() {
        let (_dir, source) = filled().await;
        let error = source.copy_into(&source).await.unwrap_err();
        assert!(matches!(error, StoreError::CannotCopy(_)), "{error}");
    }
}
