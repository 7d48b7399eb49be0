//! What a Database step's SQL text is, read without a database: how many
//! statements it holds, whether it controls a transaction, and whether it
//! may change the database. A small lexer is enough for that: it knows
//! where strings, quoted names and comments start and end, so a keyword
//! inside `'…'`, `"…"`, `$tag$…$tag$` or a comment never counts.

/// One lexical token that matters here: a bare word (uppercased) or a
/// punctuation character. Literals, quoted names, numbers and comments are
/// left out.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Punct(char),
}

/// The tokens of `sql`, split into statements at top-level semicolons.
/// Empty statements (stray or trailing `;`) are dropped.
fn statements(sql: &str) -> Vec<Vec<Token>> {
    let mut statements = Vec::new();
    let mut current: Vec<Token> = Vec::new();
    // Inside `CREATE TRIGGER … BEGIN …; …; END` (SQLite) or a
    // `BEGIN ATOMIC … END` body (PostgreSQL) a semicolon ends an inner
    // statement, not the outer one; CASE … END nests inside such bodies.
    let mut body_depth = 0usize;
    for token in tokens(sql) {
        match &token {
            Token::Punct(';') if body_depth == 0 => {
                if !current.is_empty() {
                    statements.push(std::mem::take(&mut current));
                }
                continue;
            }
            Token::Word(word) if current.first() == Some(&Token::Word("CREATE".into())) => match word.as_str() {
                "BEGIN" | "CASE" => body_depth += 1,
                "END" => body_depth = body_depth.saturating_sub(1),
                _ => {}
            },
            _ => {}
        }
        current.push(token);
    }
    if !current.is_empty() {
        statements.push(current);
    }
    statements
}

fn tokens(sql: &str) -> Vec<Token> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let skip_quoted = |i: usize, close: char| -> usize {
        // Past the closing quote; a doubled quote is an escaped one.
        let mut j = i + 1;
        while j < chars.len() {
            if chars[j] == close {
                if chars.get(j + 1) == Some(&close) {
                    j += 2;
                    continue;
                }
                return j + 1;
            }
            j += 1;
        }
        chars.len()
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && next == Some('-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            // PostgreSQL nests block comments; SQLite does not, but a nested
            // opener inside a SQLite comment is rare enough to read the same way.
            let mut depth = 0usize;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if (c == 'E' || c == 'e') && next == Some('\'') {
            // PostgreSQL escape string: backslash escapes the next character.
            let mut j = i + 2;
            while j < chars.len() {
                match chars[j] {
                    '\\' => j += 2,
                    '\'' if chars.get(j + 1) == Some(&'\'') => j += 2,
                    '\'' => break,
                    _ => j += 1,
                }
            }
            i = j + 1;
        } else if c == '\'' || c == '"' || c == '`' {
            i = skip_quoted(i, c);
        } else if c == '[' {
            // SQLite's bracketed identifier; in PostgreSQL `[` only appears in
            // array subscripts, which hold no keyword that matters here.
            i = skip_quoted(i, ']');
        } else if c == '$' && next.is_some_and(|n| n == '$' || n.is_alphabetic() || n == '_') {
            // A dollar-quoted string $tag$…$tag$ (PostgreSQL).
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '$' && (chars[j].is_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if chars.get(j) != Some(&'$') {
                i = j;
                continue;
            }
            let tag: String = chars[i..=j].iter().collect();
            let rest: String = chars[j + 1..].iter().collect();
            i = match rest.find(&tag) {
                Some(end) => j + 1 + rest[..end].chars().count() + tag.chars().count(),
                None => chars.len(),
            };
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$') {
                i += 1;
            }
            out.push(Token::Word(chars[start..i].iter().collect::<String>().to_uppercase()));
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '.' || chars[i] == '_') {
                i += 1;
            }
        } else {
            out.push(Token::Punct(c));
            i += 1;
        }
    }
    out
}

/// Statements that open, end or mark a transaction. A step's statement
/// runs on a pooled connection in its own implicit transaction; one left
/// open would hold locks and leak into the next run that gets the connection.
const TRANSACTION_CONTROL: [&str; 8] = ["BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"];

/// Checks that `sql` is one statement a step may run; the error says why not.
pub(super) fn check(sql: &str) -> Result<(), String> {
    let statements = statements(sql);
    match statements.len() {
        0 => return Err("sql holds no statement".into()),
        1 => {}
        n => {
            return Err(format!(
                "sql holds {n} statements; a Database step runs one (use one step per statement, or a CTE: WITH … INSERT …)"
            ))
        }
    }
    let words = words(&statements[0]);
    let first = words.first().map(String::as_str).unwrap_or_default();
    let prepared_transaction = first == "PREPARE" && words.get(1).is_some_and(|w| w == "TRANSACTION");
    if TRANSACTION_CONTROL.contains(&first) || prepared_transaction {
        return Err(format!(
            "{first} is transaction control, which a Database step does not run: each step's statement commits on its own"
        ));
    }
    Ok(())
}

fn words(statement: &[Token]) -> Vec<String> {
    statement
        .iter()
        .filter_map(|t| match t {
            Token::Word(w) => Some(w.clone()),
            Token::Punct(_) => None,
        })
        .collect()
}

/// Whether running `sql` may change the database. Only statements known to
/// read answer `false`: SELECT, WITH … SELECT, VALUES, TABLE, SHOW, EXPLAIN
/// without ANALYZE, and SQLite's reading PRAGMAs; anything else, anything
/// unparsable and more than one statement count as writes. A SELECT that
/// calls a function known to act (nextval, pg_terminate_backend, …) writes
/// too; a user-defined function that writes cannot be seen from here.
pub(super) fn writes(sql: &str) -> bool {
    let statements = statements(sql);
    match statements.as_slice() {
        [statement] => !reads(statement),
        _ => true,
    }
}

/// Words that, anywhere in a query, make it change something: a
/// data-modifying CTE (`WITH d AS (DELETE …) SELECT …`), `SELECT … INTO
/// new_table`, or row locks taken by `FOR UPDATE`/`FOR SHARE`.
const WRITING_WORDS: [&str; 6] = ["INSERT", "UPDATE", "DELETE", "MERGE", "INTO", "SHARE"];

/// Built-in functions that act when a query merely calls them.
const ACTING_FUNCTIONS: [&str; 24] = [
    "NEXTVAL",
    "SETVAL",
    "SET_CONFIG",
    "PG_NOTIFY",
    "PG_TERMINATE_BACKEND",
    "PG_CANCEL_BACKEND",
    "PG_ADVISORY_LOCK",
    "PG_ADVISORY_XACT_LOCK",
    "PG_TRY_ADVISORY_LOCK",
    "PG_TRY_ADVISORY_XACT_LOCK",
    "PG_RELOAD_CONF",
    "PG_ROTATE_LOGFILE",
    "PG_SWITCH_WAL",
    "PG_CREATE_RESTORE_POINT",
    "PG_CREATE_LOGICAL_REPLICATION_SLOT",
    "PG_CREATE_PHYSICAL_REPLICATION_SLOT",
    "PG_DROP_REPLICATION_SLOT",
    "LO_IMPORT",
    "LO_EXPORT",
    "LO_UNLINK",
    "LO_CREATE",
    "DBLINK",
    "DBLINK_EXEC",
    "LOAD_EXTENSION",
];

/// SQLite PRAGMAs that only report (when given no `= value`).
const READING_PRAGMAS: [&str; 24] = [
    "APPLICATION_ID",
    "COLLATION_LIST",
    "COMPILE_OPTIONS",
    "DATABASE_LIST",
    "DATA_VERSION",
    "ENCODING",
    "FOREIGN_KEYS",
    "FOREIGN_KEY_CHECK",
    "FOREIGN_KEY_LIST",
    "FREELIST_COUNT",
    "FUNCTION_LIST",
    "INDEX_INFO",
    "INDEX_LIST",
    "INDEX_XINFO",
    "INTEGRITY_CHECK",
    "MODULE_LIST",
    "PAGE_COUNT",
    "PAGE_SIZE",
    "PRAGMA_LIST",
    "QUICK_CHECK",
    "SCHEMA_VERSION",
    "TABLE_INFO",
    "TABLE_LIST",
    "TABLE_XINFO",
];

fn reads(statement: &[Token]) -> bool {
    // A query may open with parentheses: (SELECT …) UNION (SELECT …).
    let start = statement.iter().position(|t| *t != Token::Punct('(')).unwrap_or(statement.len());
    let statement = &statement[start..];
    let Some(Token::Word(first)) = statement.first() else { return false };
    match first.as_str() {
        "SELECT" | "WITH" => query_reads(statement),
        "VALUES" | "TABLE" | "SHOW" => true,
        "EXPLAIN" => {
            // EXPLAIN ANALYZE runs the statement it explains.
            let analyzes = statement.iter().any(|t| matches!(t, Token::Word(w) if w == "ANALYZE" || w == "ANALYSE"));
            if !analyzes {
                return true;
            }
            // The explained statement starts at its first keyword, after
            // EXPLAIN's own options (ANALYZE, VERBOSE, (ANALYZE, BUFFERS) …).
            let explained = statement.iter().skip(1).position(|t| {
                matches!(t, Token::Word(w) if matches!(w.as_str(),
                    "SELECT" | "WITH" | "VALUES" | "TABLE" | "INSERT" | "UPDATE" | "DELETE" | "MERGE"
                    | "CREATE" | "DECLARE" | "EXECUTE" | "REFRESH"))
            });
            explained.is_some_and(|i| reads(&statement[i + 1..]))
        }
        "PRAGMA" => {
            if statement.contains(&Token::Punct('=')) {
                return false;
            }
            // PRAGMA [schema.]name[(argument)]
            let name = match statement.get(2) {
                Some(Token::Punct('.')) => statement.get(3),
                _ => statement.get(1),
            };
            matches!(name, Some(Token::Word(name)) if READING_PRAGMAS.contains(&name.as_str()))
        }
        _ => false,
    }
}

fn query_reads(statement: &[Token]) -> bool {
    for (i, token) in statement.iter().enumerate() {
        let Token::Word(word) = token else { continue };
        if WRITING_WORDS.contains(&word.as_str()) {
            return false;
        }
        if ACTING_FUNCTIONS.contains(&word.as_str()) && statement.get(i + 1) == Some(&Token::Punct('(')) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_queries_read_and_everything_else_writes() {
        for sql in [
            "SELECT * FROM pets WHERE id = $1",
            "  select name from pets -- DELETE in a comment\n",
            "WITH young AS (SELECT * FROM pets WHERE age < 2) SELECT count(*) FROM young",
            "(SELECT 1) UNION (SELECT 2)",
            "VALUES (1), (2)",
            "TABLE pets",
            "SHOW server_version",
            "EXPLAIN SELECT * FROM pets",
            "EXPLAIN QUERY PLAN SELECT * FROM pets",
            "EXPLAIN ANALYZE SELECT * FROM pets",
            "EXPLAIN (ANALYZE, BUFFERS) SELECT 1",
            "PRAGMA table_info(pets)",
            "PRAGMA main.table_info(pets)",
            "PRAGMA integrity_check",
            "SELECT 'insert into x; delete from y' AS text",
            "SELECT \"update\" FROM t",
            "SELECT $body$ DELETE FROM pets $body$",
            "SELECT replace(name, 'a', 'b') FROM pets;",
            "SELECT deleted_at, updated_by FROM pets",
        ] {
            assert!(!writes(sql), "{sql:?} only reads, so Retrieve sample need not ask");
        }
        for sql in [
            "INSERT INTO pets (name) VALUES ($1)",
            "update pets set name = 'x'",
            "DELETE FROM pets",
            "CREATE TABLE t (id int)",
            "DROP TABLE pets",
            "WITH gone AS (DELETE FROM pets RETURNING *) SELECT count(*) FROM gone",
            "SELECT * INTO copy FROM pets",
            "SELECT * FROM pets FOR UPDATE",
            "SELECT nextval('pets_id_seq')",
            "SELECT pg_terminate_backend(42)",
            "EXPLAIN ANALYZE DELETE FROM pets",
            "EXPLAIN (ANALYZE) UPDATE pets SET name = 'x'",
            "PRAGMA user_version = 3",
            "PRAGMA wal_checkpoint(TRUNCATE)",
            "PRAGMA optimize",
            "SELECT 1; DELETE FROM pets",
            "VACUUM",
            "CALL do_things()",
            "COPY pets TO '/tmp/x'",
            "REPLACE INTO pets VALUES (1)",
            "",
            "-- only a comment",
        ] {
            assert!(writes(sql), "{sql:?} may change the database, so Retrieve sample must ask first");
        }
    }

    #[test]
    fn one_statement_is_accepted_and_several_or_transaction_control_refused() {
        for sql in [
            "SELECT 1",
            "SELECT 1;",
            "SELECT 1; -- trailing comment",
            "INSERT INTO t VALUES ('a;b')",
            "CREATE TRIGGER t AFTER INSERT ON pets BEGIN UPDATE n SET c = c + 1; INSERT INTO log VALUES (CASE WHEN 1 THEN 'a' END); END;",
            "DO $$ BEGIN PERFORM 1; END $$",
            "SELECT E'it\\'s; fine'",
        ] {
            assert_eq!(check(sql), Ok(()), "{sql:?} is one statement");
        }
        let several = check("INSERT INTO t VALUES (1); DROP TABLE t").unwrap_err();
        assert!(several.contains("2 statements"), "{several}");
        assert!(check("  ;; ").unwrap_err().contains("no statement"));
        for sql in [
            "BEGIN",
            "begin transaction",
            "COMMIT",
            "ROLLBACK",
            "SAVEPOINT a",
            "START TRANSACTION",
            "END",
            "PREPARE TRANSACTION 'x'",
        ] {
            let refused = check(sql).unwrap_err();
            assert!(refused.contains("transaction control"), "{sql:?}: {refused}");
        }
    }
}
