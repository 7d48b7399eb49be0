//! `hookline migrate` and `hookline migrate-data` through the real binary:
//! the schema applied once and then reported up to date, on a real
//! PostgreSQL server (crates/testdb) and on the data dir's SQLite file; and
//! a data dir the binary filled (a published flow, runs, a hook request, a
//! credential) copied into PostgreSQL, where every command then reads the
//! same flows, runs, requests and vault.

use hookline_tests::{add_credential, client, Hookline, Recorder};
use serde_json::{json, Value};

/// A data key as HOOKLINE_MASTER_KEY takes it, so the vault needs no keychain.
const MASTER_KEY: &str = "5e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff7";

fn postgres() -> &'static hookline_tests::postgres::Postgres {
    hookline_tests::postgres::shared()
}

#[test]
fn migrate_applies_the_postgres_schema_once_then_says_it_is_up_to_date() {
    let url = postgres().fresh_database();
    let hookline = Hookline::new();
    // Migrations are numbered from 1 with no gaps, so the newest number is their count.
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/store/migrations-postgres"))
        .expect("the PostgreSQL migrations")
        .count();
    let first = hookline.run(&["--database-url", &url, "migrate"]).ok();
    let applied = format!("applied {migrations} migrations, schema version {migrations}");
    assert!(first.stdout.contains(&applied), "{applied}: {}", first.stdout);
    assert!(first.stdout.contains("postgres://hookline:***@"), "it names the database: {}", first.stdout);
    let second = hookline.run(&["--database-url", &url, "migrate"]).ok();
    let current = format!("up to date, schema version {migrations}");
    assert!(second.stdout.contains(&current), "a second run applies nothing: {}", second.stdout);
    for output in [&first.stdout, &first.stderr, &second.stdout, &second.stderr] {
        assert!(!output.contains(postgres().password()), "the password never shows: {output}");
    }
}

#[test]
fn migrate_without_a_database_url_migrates_the_data_dirs_sqlite_file() {
    let hookline = Hookline::new();
    let first = hookline.run(&["migrate"]).ok();
    let database = hookline.data_dir().join("hookline.db");
    assert!(first.stdout.contains(&format!("sqlite://{}", database.display())), "{}", first.stdout);
    assert!(first.stdout.contains("migrations, schema version"), "{}", first.stdout);
    let second = hookline.run(&["migrate"]).ok();
    assert!(second.stdout.contains("up to date"), "{}", second.stdout);
}

#[test]
fn an_unreachable_database_is_a_clear_error_without_the_password() {
    let hookline = Hookline::new();
    let run = hookline.run(&["--database-url", "postgres://hookline:hunter2@127.0.0.1:1/hookline", "migrate"]);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("postgres://hookline:***@127.0.0.1:1/hookline"),
        "it names the database: {}",
        run.stderr
    );
    assert!(!format!("{}{}", run.stdout, run.stderr).contains("hunter2"), "{}", run.stderr);

    hookline.run(&["migrate"]).ok();
    let copy = hookline.run(&["migrate-data", "--to", "postgres://hookline:hunter2@127.0.0.1:1/hookline"]);
    assert_eq!(copy.code, Some(2), "{}{}", copy.stdout, copy.stderr);
    assert!(
        copy.stderr.contains("cannot open the database postgres://hookline:***@127.0.0.1:1/hookline"),
        "{}",
        copy.stderr
    );
    assert!(!format!("{}{}", copy.stdout, copy.stderr).contains("hunter2"), "{}", copy.stderr);
}

/// The pets example, calling `url` instead of the demo pet store.
fn pets_flow(url: &str) -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/pets.flow.json")).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc["steps"][1]["inputs"]["url"] = json!({"value": format!("{url}/pet")});
    doc
}

#[test]
fn migrate_data_copies_a_data_dir_into_postgres_where_every_command_reads_the_same() {
    let petstore = Recorder::start(200, json!({"id": 1, "name": "Gromit", "status": "Sold"}));
    let hookline = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    assert_eq!(hookline.import(&pets_flow(&petstore.url)), "flw_pets");
    hookline.run(&["flows", "publish", "pets"]).ok();
    hookline.run(&["flows", "start", "pets"]).ok();
    let run = hookline.run(&["run", "pets"]).ok().json();
    assert_eq!(run["status"], "succeeded", "{run}");
    // Spacing and characters JSON would not keep: the inbox keeps the bytes.
    let body = "{ \"petname\":\"Wallace \u{2014} \u{fc}\",   \"petstatus\": \"available\" }\n";
    {
        let server = hookline.serve(&[]);
        let answer = client()
            .post(format!("{}/hook/pets?wait", server.url))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .unwrap();
        let status = answer.status();
        assert_eq!(status, 200, "the hook ran: {}", answer.text().unwrap_or_default());
    }
    add_credential(&hookline, "petstore", "api_key", &["in=header", "name=api_key"], "key=petstore-key-42\n");

    let read = |args: &[&str], url: Option<&str>| {
        let mut all: Vec<&str> = url.map(|url| vec!["--database-url", url]).unwrap_or_default();
        all.extend(args);
        hookline.run(&all).ok().stdout
    };
    let flows = read(&["flows", "list", "--json"], None);
    let executions = read(&["executions", "list", "--json"], None);
    let listed: Vec<Value> = serde_json::from_str(&executions).unwrap();
    assert_eq!(listed.len(), 2, "a manual run and a hook's: {executions}");
    let inbox: Vec<Value> = serde_json::from_str(&read(&["inbox", "list", "pets", "--json"], None)).unwrap();
    let request = inbox[0]["id"].as_str().unwrap().to_string();
    let credentials = read(&["vault", "list", "--json"], None);

    let url = postgres().fresh_database();
    let from = format!("sqlite://{}", hookline.data_dir().join("hookline.db").display());
    let copy = hookline.run(&["migrate-data", "--from", &from, "--to", &url]).ok();
    let rows = |table: &str| -> Option<u64> {
        copy.stdout.lines().find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some(table)).then(|| words.next().and_then(|n| n.parse().ok())).flatten()
        })
    };
    assert_eq!(rows("flows"), Some(1), "{}", copy.stdout);
    assert_eq!(rows("flow_versions"), Some(1), "{}", copy.stdout);
    assert_eq!(rows("executions"), Some(2), "{}", copy.stdout);
    assert_eq!(rows("credentials"), Some(1), "{}", copy.stdout);
    assert!(rows("step_runs").is_some_and(|n| n >= 4), "{}", copy.stdout);
    assert!(rows("inbox").is_some_and(|n| n >= 1), "{}", copy.stdout);
    assert!(copy.stdout.contains("into postgres://hookline:***@"), "{}", copy.stdout);
    assert!(!copy.stdout.contains(postgres().password()), "{}", copy.stdout);

    let on_postgres = Some(url.as_str());
    assert_eq!(read(&["flows", "list", "--json"], on_postgres), flows, "the same flows, started, at the same version");
    assert_eq!(read(&["executions", "list", "--json"], on_postgres), executions, "the same run log");
    let raw = hookline.run(&["--database-url", &url, "inbox", "show", &request, "--raw"]).ok();
    assert_eq!(raw.stdout, body, "the request's body, byte for byte");
    assert_eq!(read(&["vault", "list", "--json"], on_postgres), credentials, "the same credentials");
    let vault: Value = serde_json::from_str(&read(&["vault", "status", "--json"], on_postgres)).unwrap();
    assert_eq!(vault["ready"], true, "the same data key opens the copied vault: {vault}");

    let again = hookline.run(&["migrate-data", "--from", &from, "--to", &url]);
    assert_eq!(again.code, Some(2), "a target holding data is refused: {}", again.stdout);
    assert!(again.stderr.contains("already holds data") && again.stderr.contains("flows"), "{}", again.stderr);
    assert_eq!(read(&["executions", "list", "--json"], on_postgres), executions, "and left as it was");
}

#[test]
fn migrate_data_refuses_a_source_that_does_not_exist() {
    let hookline = Hookline::new();
    let url = postgres().fresh_database();
    let missing = hookline.data_dir().join("nothing.db");
    let run = hookline.run(&["migrate-data", "--from", &format!("sqlite://{}", missing.display()), "--to", &url]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("there is no database at"), "{}", run.stderr);
    assert!(!missing.exists(), "a mistyped path is not created");
}
