//! Replays, made for real against `hookline serve`: a captured signed
//! delivery sent again (with a fresh `Idempotency-Key`, as an attacker
//! would) runs nothing twice, while a new delivery from the same sender runs.

use std::time::Duration;

use hookline_tests::{hook_flow, live, transform, Hookline};
use reqwest::blocking::Client;
use serde_json::{json, Value};

const MASTER_KEY: &str = "8f1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff0";

fn add(hookline: &Hookline, name: &str, preset: &str, secret: &str) {
    let preset = format!("preset={preset}");
    let mut args = vec!["vault", "add", name, "--kind", "hmac", "--set", preset.as_str()];
    if preset == "preset=generic" {
        args.extend(["--set", "header=X-Signature"]);
    }
    hookline.run_with_input(&args, &format!("secret={secret}\n")).ok();
}

fn guarded(slug: &str, credential: &str) -> Value {
    let mut flow = hook_flow(&format!("flw_{slug}"), json!({"slug": slug}), vec![transform("stp_echo", "body")]);
    flow["steps"][0]["credential"] = json!(credential);
    flow
}

/// The headers `hookline sign` puts on a request to `flow` with `body`.
fn signed(hookline: &Hookline, flow: &str, body: &str, url: &str) -> Vec<(String, String)> {
    let file = hookline.file(&format!("{flow}-body.json"), body);
    let command = hookline.run(&["sign", flow, "--body", &file, "--url", url]).ok().stdout;
    command
        .split(" -H '")
        .skip(1)
        .map(|part| part.split('\'').next().unwrap())
        .filter_map(|header| header.split_once(": "))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

struct Answer {
    status: u16,
    body: Value,
}

fn send(client: &Client, url: &str, headers: &[(String, String)], extra: &[(&str, &str)], body: &str) -> Answer {
    let mut request = client.post(url).body(body.to_string());
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = request.send().unwrap();
    let status = response.status().as_u16();
    Answer { status, body: response.json().unwrap_or(Value::Null) }
}

fn executions(hookline: &Hookline, flow: &str) -> usize {
    hookline.run(&["executions", "list", "--flow", flow, "--json"]).ok().json().as_array().unwrap().len()
}

#[test]
fn a_signed_delivery_is_known_by_its_own_id_and_an_unsigned_key_cannot_replace_it() {
    let hookline = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    add(&hookline, "standard", "standard-webhooks", "whsec_Y2FuYXJ5LXN0YW5kYXJkLXNlY3JldA==");
    add(&hookline, "github", "github", "canary-github-secret");
    add(&hookline, "stripe", "stripe", "whsec_canarystripesecret");
    add(&hookline, "generic", "generic", "canary-generic-secret");
    let flows: Vec<Value> =
        ["standard", "github", "stripe", "generic"].iter().map(|name| guarded(name, name)).collect();
    live(&hookline, &flows);
    let server = hookline.serve(&[]);
    let client = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let hook = |slug: &str| format!("{}/hook/{slug}", server.url);

    // Standard Webhooks: the signed webhook-id is the key.
    let body = r#"{"type":"invoice.paid","n":1}"#;
    let headers = signed(&hookline, "standard", body, &server.url);
    let first = send(&client, &hook("standard"), &headers, &[("idempotency-key", "a")], body);
    assert_eq!(first.status, 202, "{}", first.body);
    let replay = send(&client, &hook("standard"), &headers, &[("idempotency-key", "fresh-b")], body);
    assert_eq!((replay.status, &replay.body["duplicate"]), (200, &json!(true)), "{}", replay.body);
    assert_eq!(replay.body["executionId"], first.body["executionId"], "it names the original execution");
    let next = signed(&hookline, "standard", body, &server.url);
    assert_ne!(next, headers, "a new delivery has a new webhook-id");
    assert_eq!(send(&client, &hook("standard"), &next, &[], body).status, 202, "a new delivery runs");

    // GitHub: X-GitHub-Delivery is the key, whatever Idempotency-Key says.
    let body = r#"{"action":"opened","number":7}"#;
    let headers = signed(&hookline, "github", body, &server.url);
    let delivery = |id: &'static str, key: &'static str| [("x-github-delivery", id), ("idempotency-key", key)];
    assert_eq!(send(&client, &hook("github"), &headers, &delivery("d-1", "a"), body).status, 202);
    let replay = send(&client, &hook("github"), &headers, &delivery("d-1", "fresh-b"), body);
    assert_eq!((replay.status, &replay.body["duplicate"]), (200, &json!(true)), "{}", replay.body);
    assert_eq!(send(&client, &hook("github"), &headers, &delivery("d-2", "a"), body).status, 202, "redelivered");

    // Stripe: the signed event id is the key, across Stripe's own retries
    // (each signed again with a new timestamp).
    let body = r#"{"id":"evt_1","type":"charge.succeeded"}"#;
    let headers = signed(&hookline, "stripe", body, &server.url);
    assert_eq!(send(&client, &hook("stripe"), &headers, &[("idempotency-key", "a")], body).status, 202);
    std::thread::sleep(Duration::from_millis(1100));
    let retried = signed(&hookline, "stripe", body, &server.url);
    assert_ne!(retried, headers, "signed again at another second");
    let replay = send(&client, &hook("stripe"), &retried, &[("idempotency-key", "fresh-b")], body);
    assert_eq!((replay.status, &replay.body["duplicate"]), (200, &json!(true)), "{}", replay.body);
    let other = r#"{"id":"evt_2","type":"charge.succeeded"}"#;
    let headers = signed(&hookline, "stripe", other, &server.url);
    assert_eq!(send(&client, &hook("stripe"), &headers, &[], other).status, 202, "another event runs");

    // A generic signature has no id of its own: the caller's key is used.
    let body = r#"{"n":1}"#;
    let headers = signed(&hookline, "generic", body, &server.url);
    assert_eq!(send(&client, &hook("generic"), &headers, &[("idempotency-key", "k-1")], body).status, 202);
    let again = send(&client, &hook("generic"), &headers, &[("idempotency-key", "k-1")], body);
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(send(&client, &hook("generic"), &headers, &[("idempotency-key", "k-2")], body).status, 202);

    for (flow, ran) in [("standard", 2), ("github", 2), ("stripe", 2), ("generic", 2)] {
        assert_eq!(executions(&hookline, flow), ran, "{flow}: replays ran nothing");
    }
}
