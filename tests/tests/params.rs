//! Flow parameters and the Manual trigger's run form through the real
//! `hookline` binary: `hookline run --param`, a webhook caller's
//! `JobParameters` over real HTTP, and the values a run resumed after
//! `kill -9` uses.

use std::time::{Duration, Instant};

use hookline_tests::{hook_flow, live, transform, Hookline};
use reqwest::blocking::Client;
use serde_json::{json, Value};

fn parameters() -> Value {
    json!([
        {"name": "limit", "type": "integer", "default": 10, "overridable": true},
        {"name": "mode", "type": "string", "default": "safe"},
        {"name": "region", "type": "string", "required": true, "overridable": true, "default": "EU"}
    ])
}

fn manual_flow() -> Value {
    json!({
        "schemaVersion": 1, "id": "flw_form", "name": "Form",
        "parameters": parameters(),
        "steps": [
            {"id": "stp_start", "component": "manual", "name": "Start", "config": {"parameters": [
                {"name": "who", "type": "string", "required": true},
                {"name": "copies", "type": "integer", "default": 1}
            ]}},
            transform("stp_t", "{'who': params.who, 'copies': params.copies, 'limit': $params.limit, 'mode': $params.mode}")
        ],
        "edges": [{"from": "stp_start", "to": "stp_t"}]
    })
}

fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

#[test]
fn a_manual_run_checks_its_form_and_parameters_by_type_and_records_the_values() {
    let hookline = Hookline::new();
    live(&hookline, &[manual_flow()]);

    let run = hookline.run(&["run", "flw_form", "--param", "who=007", "--param", "limit=25"]).ok().json();
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["output"], json!({"who": "007", "copies": 1, "limit": 25, "mode": "safe"}), "text for a string");
    assert_eq!(run["params"], json!({"limit": 25, "mode": "safe", "region": "EU"}), "the values it ran with");
    let shown = hookline.run(&["executions", "show", run["id"].as_str().unwrap()]).ok().json();
    assert_eq!(shown["params"], run["params"], "the run log keeps them");
    assert_eq!(shown["input"], json!({"params": {"who": "007", "copies": 1}}), "the form is the trigger's output");

    for (args, message) in [
        (
            vec!["--param", "who=Ada", "--param", "limit=many"],
            "parameter \"limit\" must be an integer, not the text \"many\"",
        ),
        (vec!["--param", "who=Ada", "--param", "mode=fast"], "parameter \"mode\" may not be set by a caller"),
        (vec!["--param", "who=Ada", "--param", "limt=3"], "the flow has no parameter \"limt\""),
        (vec!["--param", "copies=2"], "parameter \"who\" is required and has no value"),
        (vec!["--param", "who=Ada", "--param", "copies=2.5"], "parameter \"copies\" must be an integer"),
    ] {
        let mut all = vec!["run", "flw_form"];
        all.extend(args);
        let refused = hookline.run(&all);
        assert_eq!(refused.code, Some(2), "{all:?}: {}", refused.stderr);
        assert!(refused.stderr.contains(message), "{all:?}: {}", refused.stderr);
    }
    let listed = hookline.run(&["executions", "list", "--flow", "flw_form", "--json"]).ok().json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "a refused run stores nothing");
}

#[test]
fn a_webhook_caller_sets_overridable_parameters_in_job_parameters_and_bad_ones_are_refused_by_name() {
    let hookline = Hookline::new();
    let mut flow = hook_flow("flw_cells", json!({"slug": "cells"}), vec![transform("stp_t", "$params")]);
    flow["parameters"] = parameters();
    live(&hookline, &[flow]);
    let server = hookline.serve(&[]);
    let client = client();
    let url = format!("{}/hook/cells?wait=true", server.url);

    let response = client.post(&url).json(&json!({"JobParameters": {"limit": 500, "region": "US"}})).send().unwrap();
    assert_eq!(response.status(), 200);
    let execution: Value = response.json().unwrap();
    assert_eq!(execution["output"], json!({"limit": 500, "mode": "safe", "region": "US"}), "{execution}");
    let plain = client.post(&url).json(&json!({"order": 1})).send().unwrap().json::<Value>().unwrap();
    assert_eq!(plain["output"], json!({"limit": 10, "mode": "safe", "region": "EU"}), "defaults without JobParameters");

    for (body, code, named) in [
        (json!({"JobParameters": {"mode": "fast"}}), "parameter_not_overridable", "\"mode\""),
        (json!({"JobParameters": {"color": "red"}}), "unknown_parameter", "\"color\""),
        (json!({"JobParameters": {"limit": "lots"}}), "invalid_parameter", "\"limit\""),
        (json!({"JobParameters": ["limit", 3]}), "invalid_envelope", "JobParameters must be an object"),
    ] {
        let response = client.post(&url).json(&body).send().unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = response.json().unwrap();
        assert_eq!(error["error"]["code"], code, "{error}");
        assert!(error["error"]["message"].as_str().unwrap().contains(named), "{error}");
    }
    let listed = hookline.run(&["executions", "list", "--flow", "cells", "--json"]).ok().json();
    assert_eq!(listed.as_array().unwrap().len(), 2, "refused requests run nothing");
    let inbox = hookline.run(&["inbox", "list", "cells", "--json"]).ok().json();
    let mut reasons: Vec<&str> = inbox.as_array().unwrap().iter().filter_map(|e| e["reason"].as_str()).collect();
    reasons.sort();
    assert_eq!(
        reasons,
        ["invalid_envelope", "invalid_parameter", "parameter_not_overridable", "unknown_parameter"],
        "each refusal is kept with its reason: {inbox}"
    );
}

#[test]
fn a_run_resumed_after_kill_9_uses_the_parameter_values_it_was_accepted_with() {
    let hookline = Hookline::new();
    let wait = json!({"id": "stp_wait", "component": "delay", "name": "Wait", "inputs": {"ms": {"value": 1500}}});
    let mut flow = hook_flow("flw_slow", json!({"slug": "slow"}), vec![wait, transform("stp_t", "$params.limit")]);
    flow["parameters"] = parameters();
    live(&hookline, &[flow]);
    let mut server = hookline.serve(&[]);
    let client = client();
    let response =
        client.post(format!("{}/hook/slow", server.url)).json(&json!({"JobParameters": {"limit": 77}})).send().unwrap();
    assert_eq!(response.status(), 202);
    let id = response.json::<Value>().unwrap()["executionId"].as_str().unwrap().to_string();
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    let restarted = hookline.serve(&[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let execution = loop {
        let execution: Value = client.get(format!("{}/executions/{id}", restarted.url)).send().unwrap().json().unwrap();
        if execution["status"] == "succeeded" || execution["status"] == "failed" || Instant::now() > deadline {
            break execution;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(execution["status"], "succeeded", "{execution}");
    assert_eq!(execution["output"], json!(77), "not the default 10: {execution}");
}

#[test]
fn cells_paths_are_checked_against_allowed_folders_and_a_task_id_names_the_run() {
    let hookline = Hookline::new();
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(inbox.join("2026")).unwrap();
    std::fs::write(inbox.join("2026/a.csv"), "x").unwrap();
    std::fs::create_dir_all(root.path().join("private")).unwrap();
    std::os::unix::fs::symlink(root.path().join("private"), inbox.join("link")).unwrap();
    let folders = json!({"slug": "files", "allowedFolders": [inbox.to_str().unwrap()]});
    live(&hookline, &[hook_flow("flw_files", folders, vec![transform("stp_t", "$trigger.paths")])]);
    let server = hookline.serve(&[]);
    let client = client();
    let url = format!("{}/hook/files?wait=true", server.url);
    let real = std::fs::canonicalize(&inbox).unwrap();

    let body = json!({"Paths": ["2026/a.csv", format!("{}/2026/./b.csv", inbox.display())], "TaskID": "cells-task-1"});
    let response = client.post(&url).json(&body).send().unwrap();
    assert_eq!(response.status(), 200);
    let execution: Value = response.json().unwrap();
    let expected = json!([real.join("2026/a.csv"), real.join("2026/b.csv")]);
    assert_eq!(execution["output"], expected, "absolute and normalised: {execution}");
    assert_eq!(execution["executionId"], "cells-task-1", "the TaskID is the run's id");
    let followed: Value = client.get(format!("{}/executions/cells-task-1", server.url)).send().unwrap().json().unwrap();
    assert_eq!(followed["status"], "succeeded", "GET /executions/{{TaskID}} answers: {followed}");
    assert_eq!(followed["input"]["paths"], expected, "the resolved paths are kept with the run");

    let again = client.post(&url).json(&json!({"TaskID": "cells-task-1"})).send().unwrap();
    assert_eq!(again.status(), 409);
    let location = again.headers()["location"].to_str().unwrap().to_string();
    assert!(location.ends_with("/executions/cells-task-1"), "{location}");
    let error: Value = again.json().unwrap();
    assert_eq!(error["error"]["code"], "task_id_taken", "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("/executions/cells-task-1"), "{error}");

    for (paths, named) in [
        (json!(["../secret.txt"]), "\"../secret.txt\""),
        (json!(["link/key"]), "\"link/key\""),
        (json!(["/etc/passwd"]), "\"/etc/passwd\""),
    ] {
        let response = client.post(&url).json(&json!({"Paths": paths})).send().unwrap();
        assert_eq!(response.status(), 403, "{paths}");
        let error: Value = response.json().unwrap();
        assert_eq!(error["error"]["code"], "path_not_allowed", "{error}");
        assert!(error["error"]["message"].as_str().unwrap().contains(named), "{error}");
    }
    for body in [json!({"Paths": "2026/a.csv"}), json!({"TaskID": "has space"}), json!({"JobParameters": [1]})] {
        let response = client.post(&url).json(&body).send().unwrap();
        assert_eq!(response.status(), 400, "{body}");
        assert_eq!(response.json::<Value>().unwrap()["error"]["code"], "invalid_envelope", "{body}");
    }
    let listed = hookline.run(&["executions", "list", "--flow", "files", "--json"]).ok().json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "only the accepted request ran");
}
