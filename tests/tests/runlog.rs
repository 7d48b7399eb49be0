//! The run log on the command line: `hookline executions list` filters by
//! trigger, status and time, searches ids, and pages with `--before`;
//! `hookline storage` shows what the database holds and prunes it.

use hookline_tests::{transform, Hookline};
use serde_json::{json, Value};

fn ids(list: &Value) -> Vec<String> {
    list.as_array().expect("a list").iter().map(|e| e["id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn executions_list_filters_searches_and_pages_through_every_run_once() {
    let hookline = Hookline::new();
    hookline.import(&json!({
        "schemaVersion": 1, "id": "flw_log", "name": "Log",
        "steps": [{"id": "stp_start", "component": "manual", "name": "Start"}, transform("stp_t", "1 + 1")],
        "edges": [{"from": "stp_start", "to": "stp_t"}]
    }));
    let mut ran = vec![];
    for _ in 0..5 {
        ran.push(hookline.run(&["run", "flw_log", "--draft"]).ok().json()["id"].as_str().unwrap().to_string());
    }
    ran.reverse(); // newest first, as listed

    let list = |args: &[&str]| {
        let mut all = vec!["executions", "list", "--json"];
        all.extend_from_slice(args);
        hookline.run(&all).ok().json()
    };
    assert_eq!(ids(&list(&["--trigger", "manual", "--status", "succeeded", "--since", "1h"])), ran);
    assert_eq!(ids(&list(&["--trigger", "webhook"])), Vec::<String>::new());
    assert_eq!(ids(&list(&["--until", "2000-01-01"])), Vec::<String>::new());
    assert_eq!(ids(&list(&["--search", &ran[2][4..]])), [ran[2].clone()]);

    // Pages of two, each continuing after the last id of the one before.
    let mut seen = vec![];
    let mut before: Option<String> = None;
    loop {
        let mut args = vec!["executions", "list", "--limit", "2"];
        if let Some(id) = &before {
            args.extend(["--before", id.as_str()]);
        }
        let page = hookline.run(&args).ok();
        let rows: Vec<String> =
            page.stdout.lines().skip(1).filter_map(|l| l.split_whitespace().next()).map(str::to_string).collect();
        if rows.is_empty() || page.stdout.starts_with("no executions") {
            break;
        }
        match page.stderr.lines().find_map(|line| line.strip_prefix("more: add --before ")) {
            Some(next) => {
                assert_eq!(Some(next), rows.last().map(String::as_str));
                before = Some(next.to_string());
            }
            None => before = None,
        }
        seen.extend(rows);
        if before.is_none() {
            break;
        }
    }
    assert_eq!(seen, ran, "every run once, newest first");
    let all = hookline.run(&["executions", "list", "--all", "--json"]).ok().json();
    assert_eq!(ids(&all), ran, "--all reads every page");
    let both = hookline.run(&["executions", "list", "--all", "--limit", "5"]);
    assert_eq!(both.code, Some(2), "--all takes no --limit: {}", both.stderr);

    // Bad input is named, with the forms that work.
    let bad = hookline.run(&["executions", "list", "--since", "yesterday"]);
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(bad.stderr.contains("--since") || bad.stderr.contains("since \"yesterday\""), "{}", bad.stderr);
    let gone = hookline.run(&["executions", "list", "--before", "exe_gone"]);
    assert_eq!(gone.code, Some(2));
    assert!(gone.stderr.contains("exe_gone"), "{}", gone.stderr);
    let bad_trigger = hookline.run(&["executions", "list", "--trigger", "cron"]);
    assert!(bad_trigger.stderr.contains("webhook, manual, schedule or event"), "{}", bad_trigger.stderr);
}

#[test]
fn storage_prune_keeps_the_newest_executions_and_gives_their_room_back_to_the_disk() {
    let hookline = Hookline::new();
    hookline.import(&json!({
        "schemaVersion": 1, "id": "flw_big", "name": "Big",
        "steps": [{"id": "stp_start", "component": "manual", "name": "Start"}, transform("stp_t", "$count(items)")],
        "edges": [{"from": "stp_start", "to": "stp_t"}]
    }));
    // Ten runs of a 300 KB input each: about 3 MB in the database.
    let items: Vec<String> = (0..3000).map(|n| format!("item {n:05} {}", "x".repeat(90))).collect();
    let input = hookline.file("big.json", &json!({"items": items}).to_string());
    for _ in 0..10 {
        hookline.run(&["run", "flw_big", "--draft", "--input", &input]).ok();
    }
    let status = hookline.run(&["storage", "status", "--json"]).ok().json();
    let rows = |status: &Value, table: &str| {
        status["rows"].as_array().unwrap().iter().find(|r| r["table"] == table).unwrap()["rows"].as_u64().unwrap()
    };
    assert_eq!(rows(&status, "executions"), 10);
    assert_eq!(status["lastPrune"], Value::Null);
    let size_before = status["databaseBytes"].as_u64().unwrap();
    assert!(size_before > 2_000_000, "{status}");

    let newest = ids(&hookline.run(&["executions", "list", "--json", "--limit", "2"]).ok().json());
    let report = hookline.run(&["storage", "prune", "--keep-executions", "2", "--json"]).ok().json();
    assert!(report["deleted"].as_u64().unwrap() >= 8, "eight executions and their step runs: {report}");
    assert!(report["freedBytes"].as_u64().unwrap() > 1_000_000, "{report}");

    let status = hookline.run(&["storage", "status", "--json"]).ok().json();
    assert_eq!(rows(&status, "executions"), 2);
    assert_eq!(ids(&hookline.run(&["executions", "list", "--json"]).ok().json()), newest, "the newest two stay");
    assert!(status["databaseBytes"].as_u64().unwrap() < size_before / 2, "the file shrank: {status}");
    assert!(status["walBytes"].as_u64().unwrap() < 100_000, "the WAL was emptied: {status}");
    assert_eq!(status["lastPrune"]["deleted"], report["deleted"]);

    let shown = hookline.run(&["storage", "status"]).ok().stdout;
    assert!(shown.contains("executions") && shown.contains("pruned    20"), "{shown}");
}
