//! PostgreSQL for the Database action.
//!
//! The statement is prepared first, so the server infers each parameter's
//! type from where it is used (`WHERE id = $1` makes `$1` an integer); each
//! JSON parameter is then encoded as exactly that type. A string therefore
//! binds to a `timestamptz`, `uuid` or `numeric` column as it would from a
//! literal, without a cast in the SQL. Results come back in PostgreSQL's
//! binary format and are decoded here by type (see [`decode`]).

use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use futures_util::TryStreamExt;
use serde_json::{Map, Value};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::pool::PoolConnection;
use sqlx::postgres::types::Oid;
use sqlx::postgres::{
    PgArgumentBuffer, PgArguments, PgConnection, PgDatabaseError, PgErrorPosition, PgPool, PgRow, PgTypeInfo,
    PgTypeKind, PgValueFormat, PgValueRef, Postgres,
};
use sqlx::{
    Arguments, Column, ConnectOptions, Connection, Either, Encode, Executor, Row, Statement, Type, TypeInfo, ValueRef,
};
use tokio_util::sync::CancellationToken;

use super::{base64, bounded, float, Bounded, DatabaseError, Limits, Rows};

/// Runs `sql` with `params` on a connection of `pool`.
pub(super) async fn run(
    pool: &PgPool,
    target: &str,
    sql: &str,
    params: &[Value],
    limits: &Limits,
    cancel: &CancellationToken,
) -> Result<Rows, DatabaseError> {
    let mut connection = acquire(pool, target, limits, cancel).await?;
    let backend = match bounded(prepare_session(&mut connection, limits), limits, cancel).await {
        Bounded::Done(Ok(backend)) => backend,
        Bounded::Done(Err(error)) => {
            connection.close_on_drop();
            return Err(error);
        }
        Bounded::Cancelled => {
            connection.close_on_drop();
            return Err(DatabaseError::Cancelled);
        }
        Bounded::TimedOut => {
            connection.close_on_drop();
            return Err(DatabaseError::Timeout { ms: limits.timeout_ms() });
        }
    };
    let mut outcome = bounded(execute(&mut connection, sql, params, limits), limits, cancel).await;
    if matches!(outcome, Bounded::Done(Err(DatabaseError::StalePlan(_)))) {
        // The statement was prepared on this connection before the table
        // changed shape (ALTER TABLE under a SELECT *); nothing ran. Forget
        // the connection's prepared statements and run it once more.
        if connection.clear_cached_statements().await.is_ok() {
            outcome = bounded(execute(&mut connection, sql, params, limits), limits, cancel).await;
        }
    }
    match outcome {
        Bounded::Done(Ok((rows, reusable))) => {
            if !reusable {
                connection.close_on_drop();
            }
            Ok(rows)
        }
        Bounded::Done(Err(error)) => {
            if matches!(error, DatabaseError::Connect { .. } | DatabaseError::Transient(_)) {
                connection.close_on_drop();
            }
            Err(error)
        }
        Bounded::Cancelled => {
            stop(pool, backend, connection).await;
            Err(DatabaseError::Cancelled)
        }
        Bounded::TimedOut => {
            stop(pool, backend, connection).await;
            Err(DatabaseError::Timeout { ms: limits.timeout_ms() })
        }
    }
}

/// A connection from the pool, before the deadline.
///
/// sqlx's pool retries a refused connection until its own acquire timeout,
/// which would turn "nothing listens there" into a bare timeout. So when no
/// connection comes within [`PROBE_AFTER`], one direct attempt runs beside
/// the pool's, only to report at once why connecting fails. A healthy pool
/// answers well before that, so the probe costs nothing in normal running.
async fn acquire(
    pool: &PgPool,
    target: &str,
    limits: &Limits,
    cancel: &CancellationToken,
) -> Result<PoolConnection<Postgres>, DatabaseError> {
    let probe = async {
        tokio::time::sleep(PROBE_AFTER).await;
        match pool.connect_options().connect().await {
            Ok(connection) => {
                let _ = connection.close().await;
                std::future::pending::<sqlx::Error>().await
            }
            Err(error) => error,
        }
    };
    tokio::select! {
        acquired = pool.acquire() => acquired.map_err(|e| connect_error(e, target)),
        error = probe => Err(connect_error(error, target)),
        () = cancel.cancelled() => Err(DatabaseError::Cancelled),
        () = tokio::time::sleep_until(limits.deadline) => {
            Err(DatabaseError::ConnectTimeout { target: target.to_string(), ms: limits.timeout_ms() })
        }
    }
}

/// How long the pool may take to hand out a connection before a direct
/// attempt finds out whether connecting works at all.
const PROBE_AFTER: Duration = Duration::from_millis(500);

/// Sets the server-side deadline for the statement to what is left of the
/// step's timeout and learns the backend's process id (for a cancel), in
/// one round trip.
async fn prepare_session(connection: &mut PgConnection, limits: &Limits) -> Result<i32, DatabaseError> {
    let setup = format!("SET statement_timeout = {}; SELECT pg_backend_pid()", limits.remaining().as_millis().max(1));
    let rows =
        (&mut *connection).fetch_all(sqlx::raw_sql(&setup)).await.map_err(|e| statement_error(e, &setup, limits))?;
    rows.first()
        .and_then(|row| row.try_get::<i32, _>(0).ok())
        .ok_or_else(|| DatabaseError::Statement("PostgreSQL did not report its backend process id".into()))
}

/// Stops a statement the step no longer waits for: the connection is
/// closed rather than returned to the pool, and the server is asked, over a
/// connection of its own (the pool may be full), to cancel what that
/// backend runs. Closing alone is not enough: a backend notices a closed
/// socket only when it next writes, so `pg_sleep` or a long scan would run
/// on until `statement_timeout`. The step waits for the cancel, briefly, so
/// it has reached the server even when the process exits right after.
async fn stop(pool: &PgPool, backend: i32, mut connection: PoolConnection<Postgres>) {
    connection.close_on_drop();
    drop(connection);
    let options = pool.connect_options();
    let cancelled = tokio::time::timeout(STOP_WAIT, async {
        let mut other = options.connect().await?;
        let result = (&mut other).execute(sqlx::query("SELECT pg_cancel_backend($1)").bind(backend)).await;
        let _ = other.close().await;
        result
    })
    .await;
    match cancelled {
        Ok(Ok(_)) => tracing::debug!(backend, "asked PostgreSQL to cancel a stopped statement"),
        Ok(Err(error)) => tracing::warn!(backend, %error, "could not cancel a stopped statement on the server"),
        Err(_) => tracing::warn!(backend, "no answer to the cancel of a stopped statement within 2 s"),
    }
}

/// How long a stopped step waits for the server to take its cancel.
const STOP_WAIT: Duration = Duration::from_secs(2);

/// Prepares, binds and runs the statement and reads its rows. The flag says
/// whether the connection can go back to the pool: a read abandoned at the
/// row cap leaves rows in flight, so that connection is closed instead.
async fn execute(
    connection: &mut PgConnection,
    sql: &str,
    params: &[Value],
    limits: &Limits,
) -> Result<(Rows, bool), DatabaseError> {
    let prepared = (&mut *connection).prepare_with(sql, &[]).await.map_err(|e| statement_error(e, sql, limits))?;
    let types: Vec<PgTypeInfo> = match prepared.parameters() {
        Some(Either::Left(types)) => types.to_vec(),
        _ => Vec::new(),
    };
    if types.len() != params.len() {
        return Err(DatabaseError::Invalid(format!(
            "the statement takes {} parameter{} but params holds {}",
            types.len(),
            if types.len() == 1 { "" } else { "s" },
            params.len()
        )));
    }
    let mut arguments = PgArguments::default();
    for (index, (value, ty)) in params.iter().zip(&types).enumerate() {
        arguments.add(Param { value, ty }).map_err(|e| {
            DatabaseError::Value(format!("params[{index}] (${}, of type {}): {e}", index + 1, ty.name().to_lowercase()))
        })?;
    }
    let mut stream = (&mut *connection).fetch_many(sqlx::query_with(sql, arguments));
    let mut rows = Rows::default();
    while let Some(item) = stream.try_next().await.map_err(|e| statement_error(e, sql, limits))? {
        match item {
            Either::Left(done) => rows.rows_affected += done.rows_affected(),
            Either::Right(row) if rows.rows.len() < limits.max_rows => rows.rows.push(row_json(&row)?),
            Either::Right(_) => {
                rows.truncated = true;
                if limits.read_only {
                    return Ok((Rows { rows_affected: 0, ..rows }, false));
                }
                // A write is read to its end, so it completes and reports
                // how many rows it changed; its extra rows are dropped.
            }
        }
    }
    if limits.read_only {
        // PostgreSQL counts the rows a SELECT returned; nothing was changed.
        rows.rows_affected = 0;
    }
    Ok((rows, true))
}

fn row_json(row: &PgRow) -> Result<Value, DatabaseError> {
    let mut object = Map::new();
    for (index, column) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(index).map_err(|e| DatabaseError::Value(e.to_string()))?;
        let value = decode(column.type_info(), raw).map_err(|e| {
            DatabaseError::Value(format!(
                "column {:?} ({}): {e}",
                column.name(),
                column.type_info().name().to_lowercase()
            ))
        })?;
        object.insert(column.name().to_string(), value);
    }
    Ok(Value::Object(object))
}

/// Why connecting failed, in the step's terms: a refused login or a missing
/// database needs the credential fixed; anything else may pass on a retry.
pub(super) fn connect_error(error: sqlx::Error, target: &str) -> DatabaseError {
    let target = target.to_string();
    match &error {
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default().to_string();
            let reason = format!("{} (SQLSTATE {code})", db.message());
            if code.starts_with("28") || code == "3D000" {
                DatabaseError::Invalid(format!("the database at {target} refused the connection: {reason}"))
            } else {
                DatabaseError::Connect { target, reason }
            }
        }
        sqlx::Error::Configuration(reason) => {
            DatabaseError::Invalid(format!("the database URL {target} is not valid: {reason}"))
        }
        sqlx::Error::PoolTimedOut => {
            DatabaseError::Connect { target, reason: "no connection became free in time".into() }
        }
        _ => DatabaseError::Connect { target, reason: error.to_string() },
    }
}

/// The database's own message, with its SQLSTATE and, where it points into
/// the statement, the line and column.
fn statement_error(error: sqlx::Error, sql: &str, limits: &Limits) -> DatabaseError {
    let db = match &error {
        sqlx::Error::Database(db) => db,
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => {
            return DatabaseError::Connect {
                target: "PostgreSQL".into(),
                reason: format!("the connection broke during the statement: {error}"),
            }
        }
        _ => return DatabaseError::Statement(format!("PostgreSQL: {error}")),
    };
    let code = db.code().unwrap_or_default().to_string();
    let Some(pg) = db.try_downcast_ref::<PgDatabaseError>() else {
        return DatabaseError::Statement(format!("PostgreSQL: {} (SQLSTATE {code})", db.message()));
    };
    // 57014 is a cancelled query; the only canceller here is statement_timeout
    // (a cancel the step sends itself happens after it stopped waiting).
    if code == "57014" {
        return DatabaseError::Timeout { ms: limits.timeout_ms() };
    }
    let mut message = format!("PostgreSQL: {} (SQLSTATE {code})", pg.message());
    if code == "0A000" && pg.message().starts_with("cached plan must not change result type") {
        return DatabaseError::StalePlan(message);
    }
    match pg.position() {
        Some(PgErrorPosition::Original(position)) => {
            let (line, column) = line_and_column(sql, position);
            let _ = write!(message, " at character {position} (line {line}, column {column})");
        }
        Some(PgErrorPosition::Internal { position, query }) => {
            let _ = write!(message, " at character {position} of the internal query {query:?}");
        }
        None => {}
    }
    if let Some(detail) = pg.detail() {
        let _ = write!(message, "; {detail}");
    }
    if let Some(hint) = pg.hint() {
        let _ = write!(message, "; hint: {hint}");
    }
    // Serialization failures, deadlocks, lock timeouts and a server going
    // down pass on a retry; the rest is the statement's to fix.
    let transient = matches!(code.as_str(), "40001" | "40P01" | "55P03" | "53300" | "57P01" | "57P02" | "57P03")
        || code.starts_with("08");
    if transient {
        DatabaseError::Transient(message)
    } else {
        DatabaseError::Statement(message)
    }
}

/// Line and column (from 1) of a 1-based character position.
pub(super) fn line_and_column(sql: &str, position: usize) -> (usize, usize) {
    let (mut line, mut column) = (1, 1);
    for c in sql.chars().take(position.saturating_sub(1)) {
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

// Type oids of the built-in types handled here (pg_type.dat).
const BOOL: u32 = 16;
const BYTEA: u32 = 17;
const CHAR: u32 = 18;
const NAME: u32 = 19;
const INT8: u32 = 20;
const INT2: u32 = 21;
const INT4: u32 = 23;
const TEXT: u32 = 25;
const OID: u32 = 26;
const JSON: u32 = 114;
const XML: u32 = 142;
const FLOAT4: u32 = 700;
const FLOAT8: u32 = 701;
const UNKNOWN: u32 = 705;
const BPCHAR: u32 = 1042;
const VARCHAR: u32 = 1043;
const DATE: u32 = 1082;
const TIME: u32 = 1083;
const TIMESTAMP: u32 = 1114;
const TIMESTAMPTZ: u32 = 1184;
const INTERVAL: u32 = 1186;
const TIMETZ: u32 = 1266;
const NUMERIC: u32 = 1700;
const VOID: u32 = 2278;
const UUID: u32 = 2950;
const JSONB: u32 = 3802;

/// The type's kind (array, enum, domain …). Types read from a prepared
/// statement are always resolved; a bare oid declaration (as in the unit
/// tests) has no kind, and sqlx panics when asked for one.
fn kind_of(ty: &PgTypeInfo) -> Option<&PgTypeKind> {
    (ty.name() != "?").then(|| ty.kind())
}

fn oid_of(ty: &PgTypeInfo) -> u32 {
    ty.oid().map(|oid| oid.0).unwrap_or(0)
}

/// Types whose binary form is their text: the character types, enums and
/// the citext extension.
fn is_textual(ty: &PgTypeInfo) -> bool {
    matches!(oid_of(ty), TEXT | VARCHAR | BPCHAR | NAME | UNKNOWN | XML)
        || matches!(kind_of(ty), Some(PgTypeKind::Enum(_)))
        || ty.name().eq_ignore_ascii_case("citext")
}

fn unsupported(ty: &PgTypeInfo) -> String {
    let name = ty.name().to_lowercase();
    format!("{name} has no JSON form here; cast it in the SQL (…::text, or to_json(…))")
}

/// One column value as JSON. Integers, floats and booleans are JSON numbers
/// and booleans; `numeric` is a **string**, because a JSON number read as a
/// double would silently lose digits of an exact decimal (12345678901234567.89);
/// `bytea` is base64; `json`/`jsonb` are the JSON they hold; timestamps,
/// dates and times are RFC 3339 text (`timestamptz` in UTC with `Z`,
/// `timestamp` without an offset, as stored); `interval` is an ISO 8601
/// duration; arrays are JSON arrays.
pub(super) fn decode(ty: &PgTypeInfo, value: PgValueRef<'_>) -> Result<Value, String> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let format = value.format();
    let bytes = value.as_bytes().map_err(|e| e.to_string())?;
    match format {
        PgValueFormat::Binary => binary(ty, bytes),
        PgValueFormat::Text => text(ty, bytes),
    }
}

/// A value PostgreSQL sent as text (simple queries do).
fn text(ty: &PgTypeInfo, bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    Ok(match oid_of(ty) {
        BOOL => Value::Bool(text == "t"),
        INT2 | INT4 | INT8 | OID => text.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(text.into())),
        FLOAT4 | FLOAT8 => text.parse::<f64>().map(float).unwrap_or_else(|_| Value::String(text.into())),
        JSON | JSONB => serde_json::from_str(text).map_err(|e| e.to_string())?,
        _ => Value::String(text.into()),
    })
}

fn binary(ty: &PgTypeInfo, bytes: &[u8]) -> Result<Value, String> {
    match kind_of(ty) {
        Some(PgTypeKind::Domain(base)) => return binary(base, bytes),
        Some(PgTypeKind::Array(element)) => return array(element, bytes),
        Some(PgTypeKind::Composite(_) | PgTypeKind::Range(_)) => return Err(unsupported(ty)),
        _ => {}
    }
    if is_textual(ty) {
        return utf8(bytes).map(Value::String);
    }
    let mut reader = Reader(bytes);
    Ok(match oid_of(ty) {
        BOOL => Value::Bool(reader.take(1)?[0] != 0),
        INT2 => Value::from(reader.i16()?),
        INT4 => Value::from(reader.i32()?),
        INT8 => Value::from(reader.i64()?),
        OID => Value::from(reader.i32()? as u32),
        FLOAT4 => float(f32::from_bits(reader.i32()? as u32) as f64),
        FLOAT8 => float(f64::from_bits(reader.i64()? as u64)),
        CHAR => Value::String(utf8(bytes)?),
        BYTEA => base64(bytes),
        JSON => serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?,
        JSONB => match bytes.split_first() {
            Some((1, json)) => serde_json::from_slice(json).map_err(|e| format!("not JSON: {e}"))?,
            _ => return Err("unknown jsonb format version".into()),
        },
        UUID => Value::String(uuid_text(reader.take(16)?)),
        NUMERIC => Value::String(numeric_text(bytes)?),
        DATE => Value::String(date_text(reader.i32()?)),
        TIME => Value::String(time_text(reader.i64()?)),
        TIMETZ => {
            let time = time_text(reader.i64()?);
            // Stored as seconds *west* of UTC.
            let east = -reader.i32()?;
            let (sign, east) = if east < 0 { ('-', -east) } else { ('+', east) };
            Value::String(format!("{time}{sign}{:02}:{:02}", east / 3600, east % 3600 / 60))
        }
        TIMESTAMP => Value::String(timestamp_text(reader.i64()?, "")),
        TIMESTAMPTZ => Value::String(timestamp_text(reader.i64()?, "Z")),
        INTERVAL => {
            let micros = reader.i64()?;
            let days = reader.i32()?;
            let months = reader.i32()?;
            Value::String(interval_text(micros, days, months))
        }
        VOID => Value::Null,
        _ => return Err(unsupported(ty)),
    })
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| e.to_string())
}

/// Reads big-endian fields of a binary value.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("the value is shorter than its type".into());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn i16(&mut self) -> Result<i16, String> {
        Ok(i16::from_be_bytes(self.take(2)?.try_into().expect("2 bytes")))
    }
    fn i32(&mut self) -> Result<i32, String> {
        Ok(i32::from_be_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    fn i64(&mut self) -> Result<i64, String> {
        Ok(i64::from_be_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }
}

/// An array in PostgreSQL's binary form: dimensions, then each element
/// with its length (-1 for NULL). Several dimensions nest JSON arrays.
fn array(element: &PgTypeInfo, bytes: &[u8]) -> Result<Value, String> {
    let mut reader = Reader(bytes);
    let dimensions = reader.i32()?;
    let _has_nulls = reader.i32()?;
    let _element_oid = reader.i32()?;
    if !(0..=6).contains(&dimensions) {
        return Err(format!("an array of {dimensions} dimensions"));
    }
    let mut lengths = Vec::new();
    for _ in 0..dimensions {
        lengths.push(reader.i32()?.max(0) as usize);
        let _lower_bound = reader.i32()?;
    }
    if lengths.is_empty() {
        return Ok(Value::Array(Vec::new()));
    }
    fn level(element: &PgTypeInfo, lengths: &[usize], reader: &mut Reader<'_>) -> Result<Value, String> {
        let mut items = Vec::with_capacity(lengths[0]);
        for _ in 0..lengths[0] {
            if lengths.len() > 1 {
                items.push(level(element, &lengths[1..], reader)?);
                continue;
            }
            let length = reader.i32()?;
            if length < 0 {
                items.push(Value::Null);
            } else {
                items.push(binary(element, reader.take(length as usize)?)?);
            }
        }
        Ok(Value::Array(items))
    }
    level(element, &lengths, &mut reader)
}

fn uuid_text(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// `numeric` in binary: digit count, weight (of the first base-10000
/// digit), sign, display scale, then the base-10000 digits.
pub(super) fn numeric_text(bytes: &[u8]) -> Result<String, String> {
    let mut reader = Reader(bytes);
    let count = reader.i16()?.max(0) as usize;
    let weight = reader.i16()? as i32;
    let sign = reader.i16()? as u16;
    let scale = reader.i16()?.max(0) as usize;
    match sign {
        0xC000 => return Ok("NaN".into()),
        0xD000 => return Ok("Infinity".into()),
        0xF000 => return Ok("-Infinity".into()),
        _ => {}
    }
    let mut digits = Vec::with_capacity(count);
    for _ in 0..count {
        digits.push(reader.i16()?);
    }
    let digit = |index: i32| -> i16 { usize::try_from(index).ok().and_then(|i| digits.get(i).copied()).unwrap_or(0) };
    let mut text = String::new();
    if sign == 0x4000 {
        text.push('-');
    }
    if weight < 0 {
        text.push('0');
    } else {
        for index in 0..=weight {
            if index == 0 {
                let _ = write!(text, "{}", digit(index));
            } else {
                let _ = write!(text, "{:04}", digit(index));
            }
        }
    }
    if scale > 0 {
        let mut fraction = String::new();
        let groups = scale.div_ceil(4) as i32;
        for group in 1..=groups {
            let _ = write!(fraction, "{:04}", digit(weight + group));
        }
        fraction.truncate(scale);
        text.push('.');
        text.push_str(&fraction);
    }
    Ok(text)
}

/// A decimal in text (`-12.50`, `1e3`, `NaN`) as PostgreSQL's binary `numeric`.
pub(super) fn numeric_binary(text: &str) -> Result<Vec<u8>, String> {
    let header = |count: i16, weight: i16, sign: u16, scale: i16| {
        let mut out = Vec::new();
        out.extend_from_slice(&count.to_be_bytes());
        out.extend_from_slice(&weight.to_be_bytes());
        out.extend_from_slice(&sign.to_be_bytes());
        out.extend_from_slice(&scale.to_be_bytes());
        out
    };
    let text = text.trim();
    match text.to_ascii_lowercase().as_str() {
        "nan" => return Ok(header(0, 0, 0xC000, 0)),
        "infinity" | "+infinity" | "inf" => return Ok(header(0, 0, 0xD000, 0)),
        "-infinity" | "-inf" => return Ok(header(0, 0, 0xF000, 0)),
        _ => {}
    }
    let not_a_number = || format!("{text:?} is not a decimal number");
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], rest[at + 1..].parse::<i64>().map_err(|_| not_a_number())?),
        None => (rest, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.len() + fraction.len() == 0 || !all_digits(whole) || !all_digits(fraction) || exponent.abs() > 1000 {
        return Err(not_a_number());
    }
    let digits = format!("{whole}{fraction}");
    // The decimal point sits after `point` of `digits`.
    let point = whole.len() as i64 + exponent;
    let (whole, fraction) = if point <= 0 {
        (String::new(), format!("{}{digits}", "0".repeat((-point) as usize)))
    } else if point as usize >= digits.len() {
        (format!("{digits}{}", "0".repeat(point as usize - digits.len())), String::new())
    } else {
        (digits[..point as usize].to_string(), digits[point as usize..].to_string())
    };
    let scale = fraction.len();
    let whole = whole.trim_start_matches('0');
    let whole = format!("{}{whole}", "0".repeat((4 - whole.len() % 4) % 4));
    let fraction = format!("{fraction}{}", "0".repeat((4 - fraction.len() % 4) % 4));
    let mut groups: Vec<i16> = whole
        .as_bytes()
        .chunks(4)
        .chain(fraction.as_bytes().chunks(4))
        .map(|chunk| std::str::from_utf8(chunk).expect("digits").parse::<i16>().expect("four digits"))
        .collect();
    let mut weight = (whole.len() / 4) as i64 - 1;
    while groups.first() == Some(&0) {
        groups.remove(0);
        weight -= 1;
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        return Ok(header(0, 0, 0, scale as i16));
    }
    let mut out = header(groups.len() as i16, weight as i16, if negative { 0x4000 } else { 0 }, scale as i16);
    for group in groups {
        out.extend_from_slice(&group.to_be_bytes());
    }
    Ok(out)
}

fn midnight() -> NaiveTime {
    NaiveTime::from_hms_opt(0, 0, 0).expect("valid time")
}

fn epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date").and_hms_opt(0, 0, 0).expect("valid time")
}

fn date_text(days: i32) -> String {
    match days {
        i32::MAX => "infinity".into(),
        i32::MIN => "-infinity".into(),
        _ => epoch().date().checked_add_signed(TimeDelta::days(days as i64)).map(|d| d.to_string()).unwrap_or_default(),
    }
}

fn time_text(micros: i64) -> String {
    let time = midnight() + TimeDelta::microseconds(micros);
    time.format("%H:%M:%S%.f").to_string()
}

fn timestamp_text(micros: i64, zone: &str) -> String {
    match micros {
        i64::MAX => "infinity".into(),
        i64::MIN => "-infinity".into(),
        _ => match epoch().checked_add_signed(TimeDelta::microseconds(micros)) {
            Some(at) => format!("{}{zone}", at.format("%Y-%m-%dT%H:%M:%S%.f")),
            None => micros.to_string(),
        },
    }
}

/// An interval as an ISO 8601 duration (`P1Y2M3DT4H5M6.5S`; `PT0S` when empty).
pub(super) fn interval_text(micros: i64, days: i32, months: i32) -> String {
    if micros == 0 && days == 0 && months == 0 {
        return "PT0S".into();
    }
    let mut text = String::from("P");
    let (years, months) = (months / 12, months % 12);
    for (amount, unit) in [(years as i64, 'Y'), (months as i64, 'M'), (days as i64, 'D')] {
        if amount != 0 {
            let _ = write!(text, "{amount}{unit}");
        }
    }
    if micros != 0 {
        text.push('T');
        let hours = micros / 3_600_000_000;
        let minutes = micros % 3_600_000_000 / 60_000_000;
        let rest = micros % 60_000_000;
        if hours != 0 {
            let _ = write!(text, "{hours}H");
        }
        if minutes != 0 {
            let _ = write!(text, "{minutes}M");
        }
        if rest != 0 {
            let sign = if rest < 0 { "-" } else { "" };
            let (seconds, fraction) = (rest.abs() / 1_000_000, rest.abs() % 1_000_000);
            if fraction == 0 {
                let _ = write!(text, "{sign}{seconds}S");
            } else {
                let fraction = format!("{fraction:06}");
                let _ = write!(text, "{sign}{seconds}.{}S", fraction.trim_end_matches('0'));
            }
        }
    }
    text
}

/// One JSON parameter, encoded as the type PostgreSQL inferred for it.
struct Param<'a> {
    value: &'a Value,
    ty: &'a PgTypeInfo,
}

impl Type<Postgres> for Param<'_> {
    /// Never used: [`Encode::produces`] names each parameter's real type.
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(Oid(UNKNOWN))
    }
}

impl Encode<'_, Postgres> for Param<'_> {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        if self.value.is_null() {
            return Ok(IsNull::Yes);
        }
        let bytes = encode(self.value, self.ty)?;
        buf.extend_from_slice(&bytes);
        Ok(IsNull::No)
    }

    fn produces(&self) -> Option<PgTypeInfo> {
        Some(self.ty.clone())
    }
}

/// A non-null JSON value in the binary form of `ty`. Strings are read the
/// way PostgreSQL reads a literal of that type (so `"42"` binds to an
/// integer and `"2024-05-01T09:30:00Z"` to a timestamptz); lists and
/// objects bound to a text or json parameter are their JSON text.
pub(super) fn encode(value: &Value, ty: &PgTypeInfo) -> Result<Vec<u8>, String> {
    match kind_of(ty) {
        Some(PgTypeKind::Domain(base)) => return encode(value, base),
        Some(PgTypeKind::Array(element)) => return encode_array(value, element),
        _ => {}
    }
    if is_textual(ty) {
        return Ok(match value {
            Value::String(text) => text.as_bytes().to_vec(),
            other => other.to_string().into_bytes(),
        });
    }
    let text = value.as_str();
    let wrong = || {
        let name = ty.name().to_lowercase();
        format!("{value} cannot be read as {name}")
    };
    Ok(match oid_of(ty) {
        BOOL => {
            let flag = match value {
                Value::Bool(flag) => *flag,
                Value::Number(n) if n.as_i64() == Some(0) || n.as_i64() == Some(1) => n.as_i64() == Some(1),
                Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                    "t" | "true" | "yes" | "on" | "1" => true,
                    "f" | "false" | "no" | "off" | "0" => false,
                    _ => return Err(wrong()),
                },
                _ => return Err(wrong()),
            };
            vec![u8::from(flag)]
        }
        INT2 => i16::try_from(integer(value).ok_or_else(wrong)?).map_err(|_| wrong())?.to_be_bytes().to_vec(),
        INT4 => i32::try_from(integer(value).ok_or_else(wrong)?).map_err(|_| wrong())?.to_be_bytes().to_vec(),
        INT8 => integer(value).ok_or_else(wrong)?.to_be_bytes().to_vec(),
        OID => u32::try_from(integer(value).ok_or_else(wrong)?).map_err(|_| wrong())?.to_be_bytes().to_vec(),
        FLOAT4 => (real(value).ok_or_else(wrong)? as f32).to_be_bytes().to_vec(),
        FLOAT8 => real(value).ok_or_else(wrong)?.to_be_bytes().to_vec(),
        NUMERIC => match value {
            Value::Number(n) => numeric_binary(&n.to_string())?,
            Value::String(s) => numeric_binary(s)?,
            _ => return Err(wrong()),
        },
        JSON => value.to_string().into_bytes(),
        JSONB => {
            let mut out = vec![1];
            out.extend_from_slice(value.to_string().as_bytes());
            out
        }
        BYTEA => {
            use base64::Engine as _;
            let text = text.ok_or_else(|| format!("{value} is not base64 text"))?;
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|e| format!("bytea parameters are base64 text: {e}"))?
        }
        UUID => {
            let hex: String = text.ok_or_else(wrong)?.chars().filter(|c| *c != '-' && *c != '{' && *c != '}').collect();
            if hex.len() != 32 {
                return Err(wrong());
            }
            (0..16)
                .map(|i| u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).map_err(|_| wrong()))
                .collect::<Result<_, _>>()?
        }
        DATE => {
            let text = text.ok_or_else(wrong)?.trim();
            let days = match text {
                "infinity" => i32::MAX,
                "-infinity" => i32::MIN,
                _ => {
                    let day =
                        NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d").map_err(|_| wrong())?;
                    (day - epoch().date()).num_days() as i32
                }
            };
            days.to_be_bytes().to_vec()
        }
        TIME => {
            let text = text.ok_or_else(wrong)?.trim();
            let time = NaiveTime::parse_from_str(text, "%H:%M:%S%.f")
                .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
                .map_err(|_| wrong())?;
            (time - midnight()).num_microseconds().unwrap_or(0).to_be_bytes().to_vec()
        }
        TIMESTAMP | TIMESTAMPTZ => {
            let text = text.ok_or_else(wrong)?.trim();
            let micros = match text {
                "infinity" => i64::MAX,
                "-infinity" => i64::MIN,
                _ => {
                    let at = parse_timestamp(text, oid_of(ty) == TIMESTAMPTZ).ok_or_else(wrong)?;
                    (at - epoch()).num_microseconds().ok_or_else(wrong)?
                }
            };
            micros.to_be_bytes().to_vec()
        }
        _ => {
            return Err(format!(
                "{} parameters cannot be bound from JSON; cast the parameter to text in the SQL ($n::text::{})",
                ty.name().to_lowercase(),
                ty.name().to_lowercase()
            ))
        }
    })
}

/// A timestamp string as a UTC (for timestamptz) or wall-clock (for
/// timestamp) date-time: RFC 3339 with `T` or a space, with or without an
/// offset, or a bare date. Without an offset a timestamptz is taken as UTC;
/// a timestamp ignores an offset, as PostgreSQL does with a literal.
fn parse_timestamp(text: &str, with_zone: bool) -> Option<NaiveDateTime> {
    let normal: String = text.chars().enumerate().map(|(i, c)| if i == 10 && c == ' ' { 'T' } else { c }).collect();
    if let Ok(at) = DateTime::parse_from_rfc3339(&normal) {
        return Some(if with_zone { at.naive_utc() } else { at.naive_local() });
    }
    NaiveDateTime::parse_from_str(&normal, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(&normal, "%Y-%m-%dT%H:%M"))
        .ok()
        .or_else(|| NaiveDate::parse_from_str(&normal, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))
}

fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => {
            n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18).map(|f| f as i64))
        }
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn real(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.trim() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            other => other.parse().ok(),
        },
        _ => None,
    }
}

/// A JSON list as a one-dimensional PostgreSQL array of `element`.
fn encode_array(value: &Value, element: &PgTypeInfo) -> Result<Vec<u8>, String> {
    let Value::Array(items) = value else {
        return Err(format!("{value} is not a list, and the parameter is an array"));
    };
    let element_oid = oid_of(element);
    let mut out = Vec::new();
    out.extend_from_slice(&1i32.to_be_bytes());
    out.extend_from_slice(&i32::from(items.iter().any(Value::is_null)).to_be_bytes());
    out.extend_from_slice(&element_oid.to_be_bytes());
    out.extend_from_slice(&(items.len() as i32).to_be_bytes());
    out.extend_from_slice(&1i32.to_be_bytes());
    for (index, item) in items.iter().enumerate() {
        if item.is_null() {
            out.extend_from_slice(&(-1i32).to_be_bytes());
            continue;
        }
        let bytes = encode(item, element).map_err(|e| format!("item {index}: {e}"))?;
        out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
        out.extend_from_slice(&bytes);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(oid: u32) -> PgTypeInfo {
        PgTypeInfo::with_oid(Oid(oid))
    }

    #[test]
    fn numeric_round_trips_through_the_binary_form_without_losing_digits() {
        for (written, read) in [
            ("0", "0"),
            ("12.50", "12.50"),
            ("-12345678901234567.89", "-12345678901234567.89"),
            ("0.0001", "0.0001"),
            ("100000000", "100000000"),
            ("1e3", "1000"),
            ("1.5E-3", "0.0015"),
            ("-0.000", "0.000"),
            ("NaN", "NaN"),
            ("-Infinity", "-Infinity"),
        ] {
            let bytes = numeric_binary(written).unwrap();
            assert_eq!(numeric_text(&bytes).unwrap(), read, "{written} in binary and back");
        }
        assert!(numeric_binary("12a").is_err(), "not a number");
        assert!(numeric_binary("").is_err(), "empty");
    }

    #[test]
    fn json_parameters_take_the_type_the_server_inferred() {
        assert_eq!(encode(&Value::from(42), &info(INT4)).unwrap(), 42i32.to_be_bytes());
        assert_eq!(
            encode(&Value::from("42"), &info(INT8)).unwrap(),
            42i64.to_be_bytes(),
            "a numeric string binds to an integer"
        );
        assert!(encode(&Value::from(1.5), &info(INT4)).is_err(), "1.5 is no integer");
        assert!(encode(&Value::from(3_000_000_000i64), &info(INT4)).is_err(), "out of int4's range");
        assert_eq!(encode(&Value::from(true), &info(BOOL)).unwrap(), [1u8]);
        assert_eq!(
            encode(&serde_json::json!({"a": [1]}), &info(TEXT)).unwrap(),
            br#"{"a":[1]}"#,
            "objects bind as JSON text"
        );
        assert_eq!(
            encode(&serde_json::json!("x"), &info(JSONB)).unwrap(),
            b"\x01\"x\"",
            "a json parameter gets the value as JSON"
        );
        let at = encode(&Value::from("2000-01-01T01:00:00+01:00"), &info(TIMESTAMPTZ)).unwrap();
        assert_eq!(at, 0i64.to_be_bytes(), "an offset is applied for timestamptz");
        let wall = encode(&Value::from("2000-01-01 01:00:00"), &info(TIMESTAMP)).unwrap();
        assert_eq!(wall, 3_600_000_000i64.to_be_bytes());
        assert_eq!(encode(&Value::from("2000-01-02"), &info(DATE)).unwrap(), 1i32.to_be_bytes());
        let uuid = encode(&Value::from("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), &info(UUID)).unwrap();
        assert_eq!(uuid_text(&uuid), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        let interval = <sqlx::postgres::types::PgInterval as Type<Postgres>>::type_info();
        let refused = encode(&Value::from("1 day"), &interval).unwrap_err();
        assert!(refused.contains("::text::interval"), "{refused}");
        let ints = <Vec<i32> as Type<Postgres>>::type_info();
        let array = encode(&serde_json::json!([7, null]), &ints).unwrap();
        let read = binary(&ints, &array).unwrap();
        assert_eq!(read, serde_json::json!([7, null]), "a list binds as an array and reads back");
    }

    #[test]
    fn dates_times_and_intervals_read_as_rfc_3339_and_iso_8601() {
        assert_eq!(timestamp_text(0, "Z"), "2000-01-01T00:00:00Z");
        assert_eq!(timestamp_text(1_500_000, ""), "2000-01-01T00:00:01.500");
        assert_eq!(timestamp_text(i64::MAX, "Z"), "infinity");
        assert_eq!(date_text(-1), "1999-12-31");
        assert_eq!(time_text(3_723_000_000), "01:02:03");
        assert_eq!(interval_text(0, 0, 0), "PT0S");
        assert_eq!(interval_text(3_723_500_000, 3, 14), "P1Y2M3DT1H2M3.5S");
        assert_eq!(interval_text(-500_000, 0, 0), "PT-0.5S");
        assert_eq!(line_and_column("SELECT\n  * FORM pets", 12), (2, 5));
    }
}
