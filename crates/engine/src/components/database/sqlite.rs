//! SQLite for the Database action.
//!
//! SQLite runs the statement on sqlx's worker thread; a long statement is
//! stopped from inside by a progress handler that SQLite calls every few
//! thousand instructions, which interrupts it once the step's deadline has
//! passed or the execution was cancelled. Values carry their own storage
//! class (integer, real, text, blob, null); a column declared BOOLEAN turns
//! 0/1 into false/true, and one declared DATETIME/TIMESTAMP turns
//! `YYYY-MM-DD HH:MM:SS` into RFC 3339 (`T` between date and time).

use futures_util::TryStreamExt;
use serde_json::{Map, Value};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteArguments, SqliteConnection, SqlitePool, SqliteRow, SqliteValueRef};
use sqlx::{Arguments, Column, Decode, Either, Executor, Row, Sqlite, Statement, TypeInfo, ValueRef};
use tokio_util::sync::CancellationToken;

use super::{base64, bounded, float, Bounded, DatabaseError, Limits, Rows};

/// How many SQLite virtual-machine instructions run between two checks of
/// the deadline: often enough to stop within milliseconds, rare enough to
/// cost nothing measurable.
const CHECK_EVERY: i32 = 1000;

pub(super) async fn run(
    pool: &SqlitePool,
    target: &str,
    sql: &str,
    params: &[Value],
    limits: &Limits,
    cancel: &CancellationToken,
) -> Result<Rows, DatabaseError> {
    let mut connection = acquire(pool, target, limits, cancel).await?;
    {
        let mut handle = connection.lock_handle().await.map_err(|e| connect_error(e, target))?;
        let cancel = cancel.clone();
        let deadline = limits.deadline.into_std();
        handle
            .set_progress_handler(CHECK_EVERY, move || !cancel.is_cancelled() && std::time::Instant::now() < deadline);
    }
    let outcome = bounded(execute(&mut connection, sql, params, limits, cancel), limits, cancel).await;
    match outcome {
        Bounded::Done(result) => {
            if let Ok(mut handle) = connection.lock_handle().await {
                handle.remove_progress_handler();
            }
            result
        }
        // The progress handler has interrupted the statement, or will at its
        // next check; a statement that waits on a lock is not interrupted,
        // so the connection is closed rather than handed to the next run.
        Bounded::Cancelled => {
            connection.close_on_drop();
            Err(DatabaseError::Cancelled)
        }
        Bounded::TimedOut => {
            connection.close_on_drop();
            Err(DatabaseError::Timeout { ms: limits.timeout_ms() })
        }
    }
}

async fn acquire(
    pool: &SqlitePool,
    target: &str,
    limits: &Limits,
    cancel: &CancellationToken,
) -> Result<PoolConnection<Sqlite>, DatabaseError> {
    tokio::select! {
        acquired = pool.acquire() => acquired.map_err(|e| connect_error(e, target)),
        () = cancel.cancelled() => Err(DatabaseError::Cancelled),
        () = tokio::time::sleep_until(limits.deadline) => Err(DatabaseError::ConnectTimeout {
            target: target.to_string(),
            ms: limits.timeout_ms(),
        }),
    }
}

fn connect_error(error: sqlx::Error, target: &str) -> DatabaseError {
    let reason = match &error {
        sqlx::Error::Database(db) => db.message().to_string(),
        other => other.to_string(),
    };
    DatabaseError::Connect { target: target.to_string(), reason }
}

async fn execute(
    connection: &mut SqliteConnection,
    sql: &str,
    params: &[Value],
    limits: &Limits,
    cancel: &CancellationToken,
) -> Result<Rows, DatabaseError> {
    let prepared = (&mut *connection).prepare(sql).await.map_err(|e| statement_error(e, limits, cancel))?;
    let expected = match prepared.parameters() {
        Some(Either::Right(count)) => count,
        Some(Either::Left(types)) => types.len(),
        None => 0,
    };
    if expected != params.len() {
        return Err(DatabaseError::Invalid(format!(
            "the statement takes {expected} parameter{} but params holds {}",
            if expected == 1 { "" } else { "s" },
            params.len()
        )));
    }
    let mut arguments = SqliteArguments::default();
    for (index, value) in params.iter().enumerate() {
        bind(&mut arguments, value).map_err(|e| DatabaseError::Value(format!("params[{index}]: {e}")))?;
    }
    let mut stream = (&mut *connection).fetch_many(sqlx::query_with(sql, arguments));
    let mut rows = Rows::default();
    while let Some(item) = stream.try_next().await.map_err(|e| statement_error(e, limits, cancel))? {
        match item {
            Either::Left(done) => rows.rows_affected += done.rows_affected(),
            Either::Right(row) if rows.rows.len() < limits.max_rows => rows.rows.push(row_json(&row)?),
            Either::Right(_) => {
                rows.truncated = true;
                if limits.read_only {
                    // Dropping the stream resets the statement; nothing is left in flight.
                    break;
                }
            }
        }
    }
    if limits.read_only {
        // SQLite reports the changes of the last write even after a SELECT.
        rows.rows_affected = 0;
    }
    Ok(rows)
}

/// Binds one JSON value with SQLite's own type: null, integer (a boolean as
/// 0/1), real, text; lists and objects as their JSON text.
fn bind(arguments: &mut SqliteArguments<'_>, value: &Value) -> Result<(), sqlx::error::BoxDynError> {
    match value {
        Value::Null => arguments.add(None::<i64>),
        Value::Bool(flag) => arguments.add(*flag),
        Value::Number(n) => match n.as_i64() {
            Some(integer) => arguments.add(integer),
            // Beyond i64 (or fractional): SQLite's REAL is the nearest it holds.
            None => arguments.add(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(text) => arguments.add(text.clone()),
        other => arguments.add(other.to_string()),
    }
}

fn statement_error(error: sqlx::Error, limits: &Limits, cancel: &CancellationToken) -> DatabaseError {
    let sqlx::Error::Database(db) = &error else {
        return DatabaseError::Statement(format!("SQLite: {error}"));
    };
    // sqlx reports SQLite's extended result code; its low byte is the primary code.
    let code = db.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0);
    match code & 0xff {
        // SQLITE_INTERRUPT: the progress handler stopped it.
        9 if cancel.is_cancelled() => DatabaseError::Cancelled,
        9 => DatabaseError::Timeout { ms: limits.timeout_ms() },
        // SQLITE_BUSY, SQLITE_LOCKED: another connection holds the lock.
        5 | 6 => {
            DatabaseError::Transient(format!("SQLite: {} (code {code}); another writer holds the lock", db.message()))
        }
        // SQLITE_CANTOPEN, SQLITE_IOERR, SQLITE_FULL
        14 | 10 | 13 => DatabaseError::Connect { target: "the SQLite file".into(), reason: db.message().to_string() },
        _ => DatabaseError::Statement(format!("SQLite: {} (code {code})", db.message())),
    }
}

fn row_json(row: &SqliteRow) -> Result<Value, DatabaseError> {
    let mut object = Map::new();
    for (index, column) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(index).map_err(|e| DatabaseError::Value(e.to_string()))?;
        let value = decode(column.type_info().name(), raw)
            .map_err(|e| DatabaseError::Value(format!("column {:?}: {e}", column.name())))?;
        object.insert(column.name().to_string(), value);
    }
    Ok(Value::Object(object))
}

/// One value by its storage class, refined by the column's declared type
/// (`declared` is sqlx's reading of it: BOOLEAN, DATETIME, …).
fn decode(declared: &str, raw: SqliteValueRef<'_>) -> Result<Value, sqlx::error::BoxDynError> {
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let storage = raw.type_info().name().to_string();
    Ok(match storage.as_str() {
        "INTEGER" => {
            let integer = <i64 as Decode<'_, Sqlite>>::decode(raw)?;
            match (declared, integer) {
                ("BOOLEAN", 0 | 1) => Value::Bool(integer == 1),
                _ => Value::from(integer),
            }
        }
        "REAL" => float(<f64 as Decode<'_, Sqlite>>::decode(raw)?),
        "BLOB" => base64(&<Vec<u8> as Decode<'_, Sqlite>>::decode(raw)?),
        _ => {
            let text = <String as Decode<'_, Sqlite>>::decode(raw)?;
            Value::String(if declared == "DATETIME" { rfc3339(&text) } else { text })
        }
    })
}

/// SQLite's `YYYY-MM-DD HH:MM:SS[.SSS]` with a `T` between date and time;
/// any other text is left as stored. No offset is added: SQLite keeps none.
pub(super) fn rfc3339(text: &str) -> String {
    let bytes = text.as_bytes();
    let shaped = bytes.len() >= 19
        && bytes[10] == b' '
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[13] == b':'
        && bytes[16] == b':'
        && bytes[..10].iter().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if shaped {
        format!("{}T{}", &text[..10], &text[11..])
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_timestamps_get_the_rfc_3339_separator_and_other_text_stays() {
        assert_eq!(rfc3339("2024-05-01 09:30:00"), "2024-05-01T09:30:00");
        assert_eq!(rfc3339("2024-05-01 09:30:00.125"), "2024-05-01T09:30:00.125");
        assert_eq!(rfc3339("2024-05-01T09:30:00Z"), "2024-05-01T09:30:00Z");
        assert_eq!(rfc3339("yesterday"), "yesterday");
    }
}
