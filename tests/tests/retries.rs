//! Retries, error handling and side effects that are not repeated blindly,
//! tried against real local HTTP servers: flows run by the `hookline`
//! binary call a server that fails on cue, and a `hookline serve` is killed
//! while a POST is in flight.

use std::time::{Duration, Instant};

use hookline_tests::{client, hook_flow, json_of, live, wait_for_end, Answer, Hookline, Recorder};
use serde_json::{json, Value};

/// A manual flow of one HTTP Request step that POSTs to `url`, with `extra`
/// merged into the step (a `retry`, `continueOnError`), then `after` steps.
fn posting(id: &str, url: &str, extra: Value, after: Vec<Value>) -> Value {
    let mut call = json!({"id": "stp_call", "component": "http_request", "name": "Call",
                          "inputs": {"method": {"value": "POST"}, "url": {"value": url}, "body": {"value": {"n": 1}}}});
    for (key, value) in extra.as_object().unwrap() {
        call[key] = value.clone();
    }
    let mut steps = vec![json!({"id": "stp_start", "component": "manual", "name": "Start"}), call];
    let mut edges = vec![json!({"from": "stp_start", "to": "stp_call"})];
    let mut previous = "stp_call".to_string();
    for step in after {
        let next = step["id"].as_str().unwrap().to_string();
        edges.push(json!({"from": previous, "to": next}));
        previous = next;
        steps.push(step);
    }
    json!({"schemaVersion": 1, "id": id, "name": id, "steps": steps, "edges": edges})
}

/// Runs the flow's draft once; the execution and whether it succeeded.
fn run(hookline: &Hookline, flow: &Value) -> (Value, bool) {
    hookline.import(flow);
    let run = hookline.run(&["run", flow["id"].as_str().unwrap(), "--draft"]);
    (run.json(), run.code == Some(0))
}

fn quick_retries(max_attempts: u32) -> Value {
    json!({"retry": {"maxAttempts": max_attempts, "backoffMs": 20, "maxBackoffMs": 200}})
}

#[test]
fn a_step_that_gets_503_twice_succeeds_on_its_third_attempt_with_every_attempt_recorded() {
    let hookline = Hookline::new();
    let target = Recorder::scripted(vec![
        Answer::new(503, json!({"error": "busy"})),
        Answer::new(503, json!({"error": "still busy"})),
        Answer::new(200, json!({"id": 7})),
    ]);
    let (execution, ok) =
        run(&hookline, &posting("flw_flaky", &format!("{}/pets", target.url), quick_retries(5), vec![]));
    assert!(ok, "{execution}");
    let step = &execution["steps"][1];
    assert_eq!(step["status"], "succeeded");
    assert_eq!(step["output"]["body"]["id"], 7);
    let attempts = step["attempts"].as_array().expect("the attempts are recorded");
    assert_eq!(attempts.len(), 3, "{step}");
    for (attempt, status) in attempts[..2].iter().zip(["503", "503"]) {
        assert!(attempt["error"].as_str().unwrap().contains(status), "{attempt}");
        assert!(attempt["waitedMs"].as_i64().unwrap() >= 10, "it waited before the next: {attempt}");
        assert!(attempt["startedAt"].is_string() && attempt["durationMs"].is_i64(), "{attempt}");
    }
    assert!(attempts[2]["error"].is_null() && attempts[2]["waitedMs"].is_null(), "{}", attempts[2]);

    let received = target.received();
    assert_eq!(received.len(), 3, "three requests reached the server");
    let keys: Vec<_> = received.iter().map(|r| r.header("idempotency-key").map(str::to_string)).collect();
    let expected = format!("{}.stp_call", execution["id"].as_str().unwrap());
    assert!(keys.iter().all(|key| key.as_deref() == Some(expected.as_str())), "one key for every attempt: {keys:?}");
    assert!(received[1].at - received[0].at >= Duration::from_millis(10), "the retry waited");
}

#[test]
fn a_4xx_is_not_retried_and_a_step_without_a_policy_is_tried_once() {
    let hookline = Hookline::new();
    let refused = Recorder::scripted(vec![Answer::new(400, json!({"error": "bad pet"})), Answer::new(200, json!({}))]);
    let (execution, ok) = run(&hookline, &posting("flw_bad", &refused.url, quick_retries(5), vec![]));
    assert!(!ok, "{execution}");
    assert_eq!(refused.received().len(), 1, "a 400 is sent once");
    assert!(execution["steps"][1]["attempts"].is_null(), "one attempt lists none: {execution}");

    let down = Recorder::scripted(vec![Answer::new(503, json!({})), Answer::new(200, json!({}))]);
    let (execution, ok) = run(&hookline, &posting("flw_once", &down.url, json!({}), vec![]));
    assert!(!ok, "{execution}");
    assert_eq!(down.received().len(), 1, "without a retry policy a step is tried once");

    // Every attempt fails: the error says how many were made.
    let broken = Recorder::scripted(vec![Answer::new(500, json!({}))]);
    let (execution, ok) = run(&hookline, &posting("flw_broken", &broken.url, quick_retries(3), vec![]));
    assert!(!ok);
    assert_eq!(broken.received().len(), 3);
    assert!(execution["error"].as_str().unwrap().contains("after 3 attempts"), "{execution}");
    assert_eq!(execution["steps"][1]["attempts"].as_array().unwrap().len(), 3);

    // A refused connection is a passing failure too.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/x", closed.local_addr().unwrap());
    drop(closed);
    let (execution, ok) = run(&hookline, &posting("flw_closed", &url, quick_retries(2), vec![]));
    assert!(!ok);
    assert!(execution["error"].as_str().unwrap().contains("could not connect"), "{execution}");
    assert_eq!(execution["steps"][1]["attempts"].as_array().unwrap().len(), 2, "{execution}");
}

#[test]
fn a_retry_after_from_the_service_is_honoured() {
    let hookline = Hookline::new();
    let target = Recorder::scripted(vec![
        Answer::new(429, json!({"error": "slow down"})).header("retry-after", "1"),
        Answer::new(200, json!({"ok": true})),
    ]);
    let policy = json!({"retry": {"maxAttempts": 3, "backoffMs": 10, "maxBackoffMs": 5000}});
    let (execution, ok) = run(&hookline, &posting("flw_limited", &target.url, policy, vec![]));
    assert!(ok, "{execution}");
    let received = target.received();
    assert_eq!(received.len(), 2);
    assert!(received[1].at - received[0].at >= Duration::from_secs(1), "it waited the second the service asked for");
    assert!(execution["steps"][1]["attempts"][0]["waitedMs"].as_i64().unwrap() >= 1000, "{execution}");

    // A service asking for longer than the policy's cap is not retried.
    let later = Recorder::scripted(vec![Answer::new(503, json!({})).header("retry-after", "120")]);
    let started = Instant::now();
    let (execution, ok) = run(&hookline, &posting("flw_later", &later.url, quick_retries(3), vec![]));
    assert!(!ok);
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(later.received().len(), 1);
    assert!(execution["error"].as_str().unwrap().contains("asked to wait 120 s"), "{execution}");
}

#[test]
fn continue_on_error_lets_the_flow_go_on_with_the_failure_as_the_steps_output() {
    let hookline = Hookline::new();
    let target = Recorder::scripted(vec![Answer::new(409, json!({"error": "taken"}))]);
    let report = json!({"id": "stp_report", "component": "transform", "name": "Report",
                        "inputs": {"value": {"expr": "{'failed': $steps.stp_call.error.message, 'status': $steps.stp_call.error.output.status}"}}});
    let flow = posting("flw_goes_on", &target.url, json!({"continueOnError": true}), vec![report]);
    let (execution, ok) = run(&hookline, &flow);
    assert!(ok, "the execution succeeds: {execution}");
    assert_eq!(execution["status"], "succeeded");
    assert_eq!(execution["steps"][1]["status"], "failed", "the step itself is marked failed");
    let output = &execution["output"];
    assert_eq!(output["status"], 409, "{execution}");
    assert!(output["failed"].as_str().unwrap().contains("409"), "{execution}");
}

#[test]
fn a_bad_retry_policy_is_refused_with_the_step_and_field_named() {
    let hookline = Hookline::new();
    // A draft with a problem is kept on import, but does not run.
    let refused = |flow: &Value| {
        hookline.import(flow);
        let run = hookline.run(&["run", flow["id"].as_str().unwrap(), "--draft"]);
        assert_ne!(run.code, Some(0), "{}", run.stdout);
        format!("{}{}", run.stdout, run.stderr)
    };
    let zero = posting("flw_policy", "http://127.0.0.1:9/x", json!({"retry": {"maxAttempts": 0}}), vec![]);
    let message = refused(&zero);
    assert!(
        message.contains("steps[1].retry") && message.contains("maxAttempts must be between 1 and 10"),
        "{message}"
    );

    let mut on_trigger = posting("flw_policy_2", "http://127.0.0.1:9/x", json!({}), vec![]);
    on_trigger["steps"][0]["retry"] = json!({"maxAttempts": 2});
    let message = refused(&on_trigger);
    assert!(message.contains("steps[0].retry") && message.contains("only actions are retried"), "{message}");

    let mut typo = posting("flw_policy_3", "http://127.0.0.1:9/x", json!({}), vec![]);
    typo["steps"][1]["retry"] = json!({"maxAttempts": 2, "on": ["503"]});
    let imported = hookline.run(&["flows", "import", &hookline.file("typo.json", &typo.to_string())]);
    assert_ne!(imported.code, Some(0), "an unknown failure kind is refused: {}", imported.stdout);
    assert!(imported.stderr.contains("503"), "the bad value is named: {}", imported.stderr);
}

#[test]
fn a_post_in_flight_when_the_process_is_killed_is_sent_again_once_with_the_same_key() {
    let hookline = Hookline::new();
    // The first request is held long enough to kill the process under it.
    let target = Recorder::scripted(vec![
        Answer::new(201, json!({"id": 1})).after(Duration::from_secs(30)),
        Answer::new(201, json!({"id": 1})),
    ]);
    let flow = hook_flow(
        "flw_charge",
        json!({"methods": ["POST"], "slug": "charge"}),
        vec![json!({"id": "stp_call", "component": "http_request", "name": "Charge",
                    "inputs": {"method": {"value": "POST"}, "url": {"value": format!("{}/charges", target.url)},
                               "body": {"expr": "$trigger.body"}}})],
    );
    live(&hookline, &[flow]);
    let mut server = hookline.serve(&[]);
    let client = client();
    let accepted =
        json_of(client.post(format!("{}/hook/charge", server.url)).json(&json!({"amount": 5})).send().unwrap());
    let id = accepted["executionId"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    while target.received().is_empty() {
        assert!(Instant::now() < deadline, "the POST did not go out");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = server.child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-KILL", &pid]).status().unwrap().success());
    let _ = server.child.wait();

    let server = hookline.serve(&[]);
    let execution = wait_for_end(&client, &format!("{}/executions/{id}", server.url));
    assert_eq!(execution["status"], "succeeded", "{execution}");
    let step = &execution["steps"][1];
    assert_eq!(step["resumed"], true, "the run log says the step ran again after a restart: {step}");

    let received = target.received();
    assert!(received.len() <= 2, "at most two requests: {}", received.len());
    let key = format!("{id}.stp_call");
    for request in &received {
        assert_eq!(request.header("idempotency-key"), Some(key.as_str()), "the same key both times");
        assert_eq!(request.json(), json!({"amount": 5}));
    }
}
