//! `hookline executions replay` for real: from the failed step without
//! calling earlier targets again, against a fixed draft, and in bulk.

use hookline_tests::{transform, Answer, Hookline, Recorder};
use serde_json::{json, Value};

fn post(id: &str, url: &str) -> Value {
    json!({"id": id, "component": "http_request", "name": id,
           "inputs": {"method": {"value": "POST"}, "url": {"value": url}, "body": {"expr": "{'order': order}"}}})
}

fn manual_flow(id: &str, actions: Vec<Value>) -> Value {
    let mut steps = vec![json!({"id": "stp_start", "component": "manual", "name": "Start"})];
    let mut edges = vec![];
    let mut previous = "stp_start".to_string();
    for action in actions {
        let next = action["id"].as_str().unwrap().to_string();
        edges.push(json!({"from": previous, "to": next}));
        previous = next;
        steps.push(action);
    }
    json!({"schemaVersion": 1, "id": id, "name": id, "steps": steps, "edges": edges})
}

#[test]
fn a_replay_from_the_failed_step_reuses_earlier_outputs_and_calls_only_the_target_that_failed() {
    let first = Recorder::start(200, json!({"reserved": true}));
    // The second target is down for the first call, then back.
    let second = Recorder::scripted(vec![
        Answer::new(503, json!({"error": "maintenance"})),
        Answer::new(200, json!({"shipped": true})),
    ]);
    let hookline = Hookline::new();
    hookline.import(&manual_flow("flw_ship", vec![post("stp_reserve", &first.url), post("stp_ship", &second.url)]));
    hookline.run(&["flows", "publish", "flw_ship"]).ok();
    let input = hookline.file("order.json", r#"{"order": 42}"#);
    let failed = hookline.run(&["run", "flw_ship", "--input", &input]);
    assert_eq!(failed.code, Some(1), "{}", failed.stderr);
    let original = failed.json();
    assert_eq!(original["failedStep"], "stp_ship");
    assert_eq!((first.received().len(), second.received().len()), (1, 1));

    let replayed = hookline.run(&["executions", "replay", original["id"].as_str().unwrap(), "--from", "failed"]);
    assert_eq!(replayed.code, Some(0), "{}\n{}", replayed.stdout, replayed.stderr);
    assert!(replayed.stdout.contains("succeeded") && replayed.stdout.contains("replayed 1: 1 succeeded"));
    assert_eq!(first.received().len(), 1, "the step that succeeded is not run again");
    assert_eq!(second.received().len(), 2, "the failed step is");
    assert_eq!(second.received()[1].json(), json!({"order": 42}), "with the original input");

    // The new execution names the original and keeps the reused step's output.
    let list = hookline.run(&["executions", "list", "--json"]).ok().json();
    let replay_id = list[0]["id"].as_str().unwrap().to_string();
    assert_eq!(list[0]["replayOf"], original["id"]);
    let replay = hookline.run(&["executions", "show", &replay_id]).ok().json();
    assert_eq!(replay["status"], "succeeded");
    assert_eq!(replay["version"], 1, "the version that ran");
    let reserve = replay["steps"].as_array().unwrap().iter().find(|s| s["stepId"] == "stp_reserve").unwrap();
    assert_eq!(reserve["output"]["body"], json!({"reserved": true}));
    assert_eq!(reserve["startedAt"], original["steps"][1]["startedAt"], "recorded, not run again");
    assert_eq!(replay["steps"][0]["output"], json!({"order": 42}), "the trigger output");

    // What cannot be honoured is refused by name, and nothing runs.
    let again = hookline.run(&["executions", "replay", &replay_id, "--from", "failed"]);
    assert_eq!(again.code, Some(2));
    assert!(again.stderr.contains("did not fail"), "{}", again.stderr);
    let edited = hookline.run(&["executions", "replay", &replay_id, "--from", "failed", "--input", &input]);
    assert!(edited.stderr.contains("from the trigger"), "{}", edited.stderr);
    let unknown = hookline.run(&["executions", "replay", "exe_nope"]);
    assert_eq!(unknown.code, Some(2));
    assert!(unknown.stderr.contains("exe_nope"), "{}", unknown.stderr);
    assert_eq!(second.received().len(), 2);
}

#[test]
fn a_failed_run_succeeds_when_replayed_against_the_fixed_draft_with_an_edited_input() {
    let hookline = Hookline::new();
    let mut flow = manual_flow(
        "flw_total",
        vec![transform("stp_total", "$sum(items.price) > 0 ? $sum(items.price) : $error('no items')")],
    );
    hookline.import(&flow);
    hookline.run(&["flows", "publish", "flw_total"]).ok();
    let empty = hookline.file("empty.json", r#"{"items": []}"#);
    let failed = hookline.run(&["run", "flw_total", "--input", &empty]);
    assert_eq!(failed.code, Some(1));
    let original = failed.json()["id"].as_str().unwrap().to_string();

    // The fix: an empty order totals 0 instead of failing (the array
    // constructor turns "no prices" into an empty list).
    flow["steps"][1] = transform("stp_total", "$sum([items.price])");
    hookline.import(&flow);
    let ran = hookline.run(&["executions", "replay", &original, "--version", "ran"]);
    assert_eq!(ran.code, Some(1), "the published version still fails: {}", ran.stdout);
    let fixed = hookline.run(&["executions", "replay", &original, "--version", "draft", "--json"]);
    assert_eq!(fixed.code, Some(0), "{}", fixed.stderr);
    let replay = &fixed.json()[0];
    assert_eq!(replay["status"], "succeeded");
    assert_eq!(replay["version"], Value::Null, "the draft ran");
    assert_eq!(replay["output"], 0);

    let priced = hookline.file("priced.json", r#"{"items": [{"price": 2.5}, {"price": 4}]}"#);
    let edited =
        hookline.run(&["executions", "replay", &original, "--version", "latest", "--input", &priced, "--json"]);
    assert_eq!(edited.code, Some(0), "{}", edited.stderr);
    assert_eq!(edited.json()[0]["output"], 6.5);
    assert_eq!(edited.json()[0]["input"], json!({"items": [{"price": 2.5}, {"price": 4}]}));
}

#[test]
fn a_hundred_failed_executions_are_replayed_in_bulk_by_filter() {
    let target = Recorder::scripted(vec![Answer::new(500, json!({"error": "down"}))]);
    let hookline = Hookline::new();
    let flow = manual_flow("flw_bulk", vec![post("stp_send", &target.url)]);
    hookline.import(&flow);
    hookline.run(&["flows", "publish", "flw_bulk"]).ok();
    let input = hookline.file("order.json", r#"{"order": 1}"#);
    // A hundred failures, made quickly: each replay of a failure fails too.
    let first = hookline.run(&["run", "flw_bulk", "--input", &input]);
    assert_eq!(first.code, Some(1));
    let mut picked = 1;
    while picked < 100 {
        let batch = (100 - picked).min(picked);
        let out = hookline.run(&["executions", "replay", "--status", "failed", "--limit", &batch.to_string()]);
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        picked += batch;
    }
    let failed = hookline.run(&["executions", "list", "--status", "failed", "--limit", "1000", "--json"]).ok().json();
    assert_eq!(failed.as_array().unwrap().len(), 100);

    // The target is back: every one of them succeeds when replayed.
    let target_back = Recorder::start(200, json!({"ok": true}));
    let mut fixed = flow.clone();
    fixed["steps"][1]["inputs"]["url"] = json!({"value": target_back.url});
    hookline.import(&fixed);
    let bulk = hookline.run(&[
        "executions",
        "replay",
        "--status",
        "failed",
        "--flow",
        "flw_bulk",
        "--limit",
        "100",
        "--version",
        "draft",
    ]);
    assert_eq!(bulk.code, Some(0), "{}", bulk.stderr);
    assert!(bulk.stdout.contains("[100/100]"), "progress per replay: {}", bulk.stdout);
    assert!(bulk.stdout.ends_with("replayed 100: 100 succeeded, 0 failed, 0 not replayed\n"), "{}", bulk.stdout);
    assert_eq!(target_back.received().len(), 100);
    let none = hookline.run(&["executions", "replay"]);
    assert_eq!(none.code, Some(2));
    assert!(none.stderr.contains("--status"), "{}", none.stderr);
}

#[test]
fn an_inbox_request_is_replayed_whether_it_was_accepted_or_refused() {
    let target = Recorder::start(200, json!({"ok": true}));
    let hookline = Hookline::new();
    let mut send = post("stp_send", &target.url);
    send["inputs"]["body"] = json!({"expr": "body"});
    let flow = hookline_tests::hook_flow("flw_inbox", json!({}), vec![send]);
    hookline.import(&flow);
    hookline.run(&["flows", "publish", "flw_inbox"]).ok();
    let server = hookline.serve(&[]);
    let http = hookline_tests::client();
    // Sent before the flow was started: refused, and kept.
    let refused = http.post(format!("{}/hook/flw_inbox", server.url)).json(&json!({"order": 5})).send().unwrap();
    assert!(refused.status().is_client_error(), "{}", refused.status());
    let inbox = hookline.run(&["inbox", "list", "flw_inbox", "--json"]).ok().json();
    let entry = inbox[0]["id"].as_str().unwrap().to_string();
    assert_eq!(inbox[0]["executionId"], Value::Null);

    let replayed = hookline.run(&["inbox", "replay", &entry]);
    assert_eq!(replayed.code, Some(0), "{}", replayed.stderr);
    let execution = replayed.json();
    assert_eq!(execution["status"], "succeeded");
    assert_eq!(execution["trigger"], "webhook");
    assert_eq!(execution["input"]["body"], json!({"order": 5}));
    assert_eq!(target.received()[0].json(), json!({"order": 5}));

    // An accepted request is replayed as a replay of its execution.
    hookline.run(&["flows", "start", "flw_inbox"]).ok();
    // The server sees another process's start within a quarter of a second.
    std::thread::sleep(std::time::Duration::from_millis(400));
    let accepted = hookline_tests::json_of(
        http.post(format!("{}/hook/flw_inbox", server.url)).json(&json!({"order": 6})).send().unwrap(),
    );
    let original = hookline_tests::wait_for_end(&http, accepted["statusUrl"].as_str().unwrap());
    let inbox = hookline.run(&["inbox", "list", "flw_inbox", "--json"]).ok().json();
    let entry = inbox.as_array().unwrap().iter().find(|e| e["executionId"] == original["id"]).unwrap();
    let again = hookline.run(&["inbox", "replay", entry["id"].as_str().unwrap()]).ok().json();
    assert_eq!(again["replayOf"], original["id"]);
    assert_eq!(target.received().len(), 3);
    assert_eq!(target.received()[2].json(), json!({"order": 6}));

    let unknown = hookline.run(&["inbox", "replay", "inb_nope"]);
    assert_eq!(unknown.code, Some(2));
    assert!(unknown.stderr.contains("inb_nope"), "{}", unknown.stderr);
}
