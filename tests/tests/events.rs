//! Custom Events through the real `hookline serve`: `POST /events/{name}`,
//! Emit Event chains, the loop limit, the events credential and a `kill -9`
//! while emitted runs are under way.

use std::time::{Duration, Instant};

use hookline_tests::{add_credential, hook_flow, live, transform, Hookline};
use reqwest::blocking::Client;
use serde_json::{json, Value};

/// A data key as HOOKLINE_MASTER_KEY takes it, so the vault needs no keychain.
const MASTER_KEY: &str = "5e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff7";

fn listening(id: &str, event: &str, actions: Vec<Value>) -> Value {
    let mut steps = vec![json!({"id": "stp_on", "component": "event", "name": "On event", "config": {"name": event}})];
    let mut edges = vec![];
    let mut previous = "stp_on".to_string();
    for action in actions {
        let next = action["id"].as_str().unwrap().to_string();
        edges.push(json!({"from": previous, "to": next}));
        previous = next;
        steps.push(action);
    }
    json!({"schemaVersion": 1, "id": id, "name": id, "steps": steps, "edges": edges})
}

fn emit(id: &str, event: &str, payload: &str) -> Value {
    json!({"id": id, "component": "emit_event", "name": id,
           "inputs": {"name": {"value": event}, "payload": {"expr": payload}}})
}

fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

/// The flow's executions, newest first, once `count` of them have ended.
fn ended(hookline: &Hookline, flow: &str, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let listed = hookline.run(&["executions", "list", "--flow", flow, "--json"]).ok().json();
        let all = listed.as_array().unwrap().clone();
        let done = all.iter().filter(|e| e["status"] == "succeeded" || e["status"] == "failed").count();
        if done >= count || Instant::now() > deadline {
            return all;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn show(hookline: &Hookline, id: &str) -> Value {
    hookline.run(&["executions", "show", id]).ok().json()
}

#[test]
fn a_posted_event_starts_every_started_listener_and_none_that_is_stopped() {
    let hookline = Hookline::new();
    live(
        &hookline,
        &[
            listening("flw_mail", "order.created", vec![transform("stp_t", "payload.orderId")]),
            listening("flw_stock", "order.created", vec![transform("stp_t", "payload.total")]),
            listening("flw_other", "order.paid", vec![transform("stp_t", "payload")]),
        ],
    );
    live(&hookline, &[listening("flw_off", "order.created", vec![transform("stp_t", "payload")])]);
    hookline.run(&["flows", "stop", "flw_off"]).ok();
    let server = hookline.serve(&[]);
    let client = client();

    let response = client
        .post(format!("{}/events/order.created", server.url))
        .json(&json!({"orderId": 1042, "total": 99.5}))
        .send()
        .unwrap();
    assert_eq!(response.status(), 202);
    let answer: Value = response.json().unwrap();
    assert_eq!(answer["name"], "order.created");
    assert_eq!(answer["executions"].as_array().unwrap().len(), 2, "{answer}");

    let mail = ended(&hookline, "flw_mail", 1);
    let run = show(&hookline, mail[0]["id"].as_str().unwrap());
    assert_eq!((run["trigger"].as_str(), run["output"].as_i64()), (Some("event"), Some(1042)), "{run}");
    assert_eq!(
        run["input"],
        json!({"name": "order.created", "payload": {"orderId": 1042, "total": 99.5},
               "emittedBy": {"source": "listener", "depth": 1}})
    );
    assert_eq!(ended(&hookline, "flw_stock", 1)[0]["status"], "succeeded");
    for quiet in ["flw_other", "flw_off"] {
        let listed = hookline.run(&["executions", "list", "--flow", quiet, "--json"]).ok().json();
        assert_eq!(listed, json!([]), "{quiet} does not listen, or is stopped");
    }

    let get = client.get(format!("{}/events/order.created", server.url)).send().unwrap();
    assert_eq!(get.status(), 405);
    let page = client
        .post(format!("{}/events/order.created", server.url))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .json(&json!({}))
        .send()
        .unwrap();
    assert_eq!(page.status(), 403, "a web page cannot emit events");
    let bad = client.post(format!("{}/events/has%20space", server.url)).json(&json!({})).send().unwrap();
    assert_eq!(bad.status(), 422);
}

#[test]
fn emit_event_steps_chain_flows_and_a_loop_stops_at_the_depth_limit() {
    let hookline = Hookline::new();
    live(
        &hookline,
        &[
            hook_flow("flw_a", json!({"slug": "a"}), vec![emit("stp_emit", "a.done", "{'n': body.n}")]),
            listening("flw_b", "a.done", vec![emit("stp_emit", "b.done", "{'n': payload.n + 1}")]),
            listening("flw_c", "b.done", vec![transform("stp_t", "payload.n * 10")]),
            listening("flw_loop", "loop", vec![emit("stp_again", "loop", "payload")]),
        ],
    );
    let server = hookline.serve(&[]);
    let client = client();

    let a: Value =
        client.post(format!("{}/hook/a?wait=true", server.url)).json(&json!({"n": 4})).send().unwrap().json().unwrap();
    assert_eq!(a["output"]["name"], "a.done", "{a}");
    assert_eq!(a["output"]["delivered"], 1, "{a}");
    let c = ended(&hookline, "flw_c", 1);
    let c = show(&hookline, c[0]["id"].as_str().unwrap());
    assert_eq!(c["output"], json!(50), "A → B → C carried the payload: {c}");
    assert_eq!(c["input"]["emittedBy"]["depth"], 2, "{c}");
    assert_eq!(c["input"]["emittedBy"]["flowId"], "flw_b", "{c}");

    let response = client.post(format!("{}/events/loop", server.url)).json(&json!({"x": 1})).send().unwrap();
    assert_eq!(response.status(), 202);
    let runs = ended(&hookline, "flw_loop", 8);
    std::thread::sleep(Duration::from_millis(500));
    let runs_after = hookline.run(&["executions", "list", "--flow", "flw_loop", "--json"]).ok().json();
    assert_eq!(runs_after.as_array().unwrap().len(), 8, "eight hops, then no more: {runs:?}");
    let last = show(&hookline, runs_after[0]["id"].as_str().unwrap());
    assert_eq!(last["status"], "failed", "{last}");
    assert!(last["error"].as_str().unwrap().contains("over the limit of 8"), "{last}");
}

#[test]
fn the_events_credential_guards_posted_events() {
    let hookline = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    add_credential(&hookline, "emitter", "bearer", &[], "token=events-token-1\n");
    live(&hookline, &[listening("flw_l", "ping", vec![transform("stp_t", "payload")])]);
    hookline.run(&["settings", "events-credential", "emitter"]).ok();
    let missing = hookline.run(&["settings", "events-credential", "nope"]);
    assert_eq!(missing.code, Some(2), "an unknown credential is refused: {}", missing.stderr);
    let server = hookline.serve(&[]);
    let client = client();
    let url = format!("{}/events/ping", server.url);

    let refused = client.post(&url).json(&json!({})).send().unwrap();
    assert_eq!(refused.status(), 401);
    let wrong = client.post(&url).bearer_auth("guess").json(&json!({})).send().unwrap();
    assert_eq!(wrong.status(), 401);
    let admitted = client.post(&url).bearer_auth("events-token-1").json(&json!({"p": 1})).send().unwrap();
    assert_eq!(admitted.status(), 202);
    assert_eq!(ended(&hookline, "flw_l", 1).len(), 1, "only the admitted event ran a flow");
}

#[test]
fn runs_an_emit_started_survive_kill_9_and_the_emit_is_not_repeated() {
    let hookline = Hookline::new();
    let wait = json!({"id": "stp_wait", "component": "delay", "name": "Wait", "inputs": {"ms": {"value": 1500}}});
    live(
        &hookline,
        &[
            hook_flow("flw_src", json!({"slug": "src"}), vec![emit("stp_emit", "slow", "body")]),
            listening("flw_slow", "slow", vec![wait, transform("stp_t", "payload.k")]),
        ],
    );
    let mut server = hookline.serve(&[]);
    let client = client();
    let src: Value = client
        .post(format!("{}/hook/src?wait=true", server.url))
        .json(&json!({"k": "v"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(src["status"], "succeeded", "the emit step ended once its runs were committed: {src}");
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    let _restarted = hookline.serve(&[]);
    let slow = ended(&hookline, "flw_slow", 1);
    assert_eq!(slow.len(), 1, "started once: {slow:?}");
    assert_eq!(show(&hookline, slow[0]["id"].as_str().unwrap())["output"], "v");
}
