//! The hook panel's tooling (M9.1) for every way into a hook (M4.10), through
//! the real `hookline serve --ui`: each route's ready curl command run in a
//! real shell, each request of the exported Postman collection sent as
//! Postman would, and every status the routes really answer found in the
//! OpenAPI document.

use std::process::Command;
use std::time::{Duration, Instant};

use hookline_tests::{add_credential, hook_flow, live, transform, Hookline, Server};
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::{json, Value};

/// The API key the `orders` hook is guarded by; no tooling output may hold it.
const KEY: &str = "orders-secret-7f2";
/// The listener's body limit in these tests, small enough for a refused body to fit in the socket buffers.
const BODY_LIMIT: usize = 16 * 1024;

/// A data key as `HOOKLINE_MASTER_KEY` takes it, so the vault needs no keychain.
const MASTER_KEY: &str = "5d0c1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9001a2b3c4d5";

fn hookline() -> Hookline {
    Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY)
}

struct Browser {
    _ui: tempfile::TempDir,
    server: Server,
    token: String,
    client: Client,
}

impl Browser {
    fn start(hookline: &Hookline) -> Browser {
        let ui = tempfile::tempdir().unwrap();
        std::fs::write(ui.path().join("index.html"), "<!doctype html><title>Hookline</title>").unwrap();
        // A small body limit lets the "too large" probe stay inside the socket buffers: with the
        // default 10 MiB, the listener answers 413 before the client has written the body, and
        // the client sometimes sees a broken pipe instead of the answer.
        let limit = BODY_LIMIT.to_string();
        let server = hookline.serve(&["--ui", "--ui-dir", ui.path().to_str().unwrap(), "--body-limit", &limit]);
        let token = wait_for_line(&server, "designer: ")
            .split_once("?token=")
            .map(|(_, token)| token.to_string())
            .expect("the printed URL carries the token");
        Browser { _ui: ui, server, token, client: Client::builder().timeout(Duration::from_secs(30)).build().unwrap() }
    }

    /// Calls the operation `op` as the designer does, failing the test on an error.
    fn ok(&self, op: &str, args: Value) -> Value {
        let response = self
            .client
            .post(format!("{}/api/{op}", self.server.url))
            .bearer_auth(&self.token)
            .json(&args)
            .send()
            .unwrap();
        let status = response.status();
        let body = json_of(response);
        assert!(status.is_success(), "{op} answered {status}: {body}");
        body
    }
}

fn wait_for_line(server: &Server, prefix: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match server.log.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix(prefix) {
                    return rest.to_string();
                }
            }
            Err(_) => panic!("the server never printed a line starting with {prefix:?}"),
        }
    }
}

fn json_of(response: Response) -> Value {
    let text = response.text().unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:?}"))
}

/// A hook guarded by an API key in a header, with a slug, two methods,
/// parameters (one a caller may set) and a sample; and an open hook with
/// neither slug nor parameters.
fn start(hookline: &Hookline) -> Browser {
    add_credential(hookline, "orders-key", "api_key", &["in=header"], &format!("key={KEY}\n"));
    let mut orders = hook_flow(
        "flw_orders",
        json!({"slug": "orders", "methods": ["POST", "PUT"]}),
        vec![transform("stp_t", "{'item': body.item, 'limit': $params.limit, 'mode': $params.mode}")],
    );
    orders["name"] = json!("Orders");
    orders["steps"][0]["credential"] = json!("orders-key");
    orders["steps"][0]["sample"] = json!({"body": {"item": "tea", "qty": 2}});
    orders["parameters"] = json!([
        {"name": "limit", "type": "integer", "default": 10, "overridable": true},
        {"name": "mode", "type": "string", "default": "safe"}
    ]);
    let plain = hook_flow("flw_plain", json!({}), vec![transform("stp_t", "body")]);
    live(hookline, &[orders, plain]);
    Browser::start(hookline)
}

/// Runs a curl command in a real shell with `env` set; answers the status
/// and the JSON body (`curl -i` prints the status line and headers first).
fn run_curl(command: &str, env: &[(&str, &str)]) -> (u16, Value) {
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("{command} --silent --show-error --max-time 30"))
        .env_remove("HOOKLINE_HOOK_KEY")
        .env_remove("HOOKLINE_FLOW_TOKEN")
        .envs(env.iter().copied())
        .output()
        .expect("sh runs");
    let text = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
    assert!(output.status.success(), "{command}: {}{text}", String::from_utf8_lossy(&output.stderr));
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn route<'a>(hook: &'a Value, kind: &str) -> &'a Value {
    hook["routes"].as_array().unwrap().iter().find(|r| r["kind"] == kind).unwrap_or_else(|| panic!("no {kind} route"))
}

fn wait_for_activity(browser: &Browser, status_url: &str, token: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let response = browser.client.get(status_url).bearer_auth(token).send().unwrap();
        assert_eq!(response.status(), 200, "the activity is read with the flow's token");
        let activity = json_of(response);
        if activity["status"] != "inProgress" {
            return activity;
        }
        assert!(Instant::now() < deadline, "the activity did not end: {activity}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn every_route_the_hook_panel_lists_runs_its_curl_command_against_the_listener() {
    let hookline = hookline();
    let browser = start(&hookline);
    let base = browser.server.url.clone();
    let hook = browser.ok("hooks", json!({"flow": "flw_orders"}));
    let kinds: Vec<&str> = hook["routes"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["hook", "cells", "boomerang", "cloudomation"], "Hookline's own first: {hook}");
    let urls: Vec<&str> = hook["routes"].as_array().unwrap().iter().map(|r| r["url"].as_str().unwrap()).collect();
    assert_eq!(
        urls,
        [
            format!("{base}/hook/orders"),
            format!("{base}/a/scheduler/hooks/orders"),
            format!("{base}/webhook/payload"),
            format!("{base}/api/webhook/local/orders"),
        ],
        "the live slug under the listener's own address"
    );
    assert_eq!(hook["curl"], route(&hook, "hook")["curl"], "the panel's command is the hook route's");
    assert_eq!(route(&hook, "cloudomation")["methods"], json!(["GET", "POST"]));
    assert_eq!(route(&hook, "boomerang")["statusUrl"], format!("{base}/webhook/status/{{activityId}}"));
    assert!(!hook.to_string().contains(KEY), "no secret reaches the panel: {hook}");
    for kind in ["hook", "cells", "cloudomation"] {
        let variables = &route(&hook, kind)["variables"];
        assert_eq!(variables[0]["name"], "HOOKLINE_HOOK_KEY", "{kind} reads the key from the environment");
        assert!(variables[0]["description"].as_str().unwrap().contains("orders-key"), "{variables}");
    }
    assert!(
        route(&hook, "cloudomation")["curl"].as_str().unwrap().contains(r#"{"key":"'"$HOOKLINE_HOOK_KEY"'""#),
        "Cloudomation's key travels in the JSON payload: {}",
        route(&hook, "cloudomation")["curl"]
    );
    assert!(route(&hook, "cells")["curl"].as_str().unwrap().contains(r#""JobParameters":{"limit":10}"#), "{hook}");

    let made = browser.ok("createFlowToken", json!({"flow": "flw_orders"}));
    let token = made["token"].as_str().unwrap();
    let env = [("HOOKLINE_HOOK_KEY", KEY), ("HOOKLINE_FLOW_TOKEN", token)];
    let curl = |kind: &str| route(&hook, kind)["curl"].as_str().unwrap().to_string();

    let (status, body) = run_curl(&curl("hook"), &[]);
    assert_eq!(status, 401, "without the key the hook refuses: {body}");
    let (status, body) = run_curl(&curl("hook"), &env);
    assert_eq!(status, 202, "{body}");
    let (status, body) = run_curl(&curl("cells"), &env);
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["TaskID"], body["executionId"], "Cells' answer: {body}");
    let (status, body) = run_curl(&curl("cloudomation"), &env);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "succeeded", "Cloudomation waits for the flow: {body}");
    assert_eq!(body["output_value"], json!({"item": "tea", "limit": 10, "mode": "safe"}));
    assert_eq!(body["input_value"]["body"], json!({"item": "tea", "qty": 2}), "the key left the payload: {body}");
    let (status, body) = run_curl(&curl("boomerang"), &env);
    assert_eq!(status, 200, "{body}");
    let activity_id = body["activityId"].as_str().expect("Boomerang's answer names the activity").to_string();
    let status_url = route(&hook, "boomerang")["statusUrl"].as_str().unwrap().replace("{activityId}", &activity_id);
    let activity = wait_for_activity(&browser, &status_url, token);
    assert_eq!(activity["status"], "completed", "{activity}");
    assert_eq!(activity["steps"][0]["outputs"]["item"], "tea", "the sample went through the flow: {activity}");

    // An open hook without a slug: Cells names it by id; Cloudomation has no URL for it.
    let plain = browser.ok("hooks", json!({"flow": "flw_plain"}));
    let kinds: Vec<&str> = plain["routes"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["hook", "cells", "boomerang"], "{plain}");
    assert_eq!(route(&plain, "cells")["url"], format!("{base}/a/scheduler/hooks/flw_plain"));
    assert_eq!(route(&plain, "cells")["variables"], json!([]), "an open hook needs no secret");
    let (status, body) = run_curl(route(&plain, "cells")["curl"].as_str().unwrap(), &[]);
    assert_eq!(status, 202, "{body}");
}

/// Sends one request of a Postman collection as Postman does, with the
/// collection's variables filled in.
fn send_postman(client: &Client, item: &Value, variables: &[(&str, String)]) -> Response {
    let fill = |text: &str| {
        variables.iter().fold(text.to_string(), |text, (name, value)| text.replace(&format!("{{{{{name}}}}}"), value))
    };
    let request = &item["request"];
    let method = reqwest::Method::from_bytes(request["method"].as_str().unwrap().as_bytes()).unwrap();
    let mut builder: RequestBuilder = client.request(method, fill(request["url"]["raw"].as_str().unwrap()));
    for header in request["header"].as_array().unwrap() {
        builder = builder.header(header["key"].as_str().unwrap(), fill(header["value"].as_str().unwrap()));
    }
    if request["auth"]["type"] == "basic" {
        let field = |key: &str| {
            let fields = request["auth"]["basic"].as_array().unwrap();
            fill(fields.iter().find(|f| f["key"] == key).unwrap()["value"].as_str().unwrap())
        };
        builder = builder.basic_auth(field("username"), Some(field("password")));
    }
    if let Some(raw) = request["body"]["raw"].as_str() {
        builder = builder.body(fill(raw));
    }
    builder.send().unwrap()
}

#[test]
fn the_postman_collection_has_a_request_per_route_and_each_one_is_answered() {
    let hookline = hookline();
    let browser = start(&hookline);
    let collection = browser.ok("postmanCollection", json!({"flow": "flw_orders"}));
    assert!(!collection.to_string().contains(KEY), "no secret in the collection");
    let names: Vec<&str> = collection["item"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "POST Orders",
            "PUT Orders",
            "Pydio Cells: POST /a/scheduler/hooks/orders",
            "Boomerang Flow: POST /webhook/payload",
            "Boomerang Flow: activity status",
            "Cloudomation: POST /api/webhook/local/orders",
            "Send sample (capture, runs nothing)",
        ]
    );
    let declared: Vec<&str> =
        collection["variable"].as_array().unwrap().iter().map(|v| v["key"].as_str().unwrap()).collect();
    assert_eq!(declared, ["flowToken", "hookKey", "activityId"], "the variables the requests read are declared");
    let start_script = collection["item"][3]["event"][0]["script"]["exec"][0].as_str().unwrap();
    assert!(start_script.contains("pm.collectionVariables.set('activityId'"), "{start_script}");

    let made = browser.ok("createFlowToken", json!({"flow": "orders"}));
    let mut variables = vec![("hookKey", KEY.to_string()), ("flowToken", made["token"].as_str().unwrap().to_string())];
    let mut answered = Vec::new();
    for item in collection["item"].as_array().unwrap() {
        let name = item["name"].as_str().unwrap();
        let response = send_postman(&browser.client, item, &variables);
        let status = response.status().as_u16();
        let body = json_of(response);
        if name == "Boomerang Flow: POST /webhook/payload" {
            // What the request's test script keeps for the status request.
            variables.push(("activityId", body["activityId"].as_str().unwrap().to_string()));
        }
        if name == "Boomerang Flow: activity status" {
            assert_eq!(body["workflowId"], "flw_orders", "the activity of this flow: {body}");
        }
        answered.push((name.to_string(), status, body["error"]["code"].as_str().map(str::to_string)));
    }
    let statuses: Vec<(u16, Option<&str>)> = answered.iter().map(|(_, s, c)| (*s, c.as_deref())).collect();
    assert_eq!(
        statuses,
        [
            (202, None),
            (202, None),
            (202, None),
            (200, None),
            (200, None),
            (200, None),
            // The capture URL takes a request only while the designer waits for one.
            (409, Some("not_capturing")),
        ],
        "each request reached its route and was admitted: {answered:?}"
    );
}

/// A request and the operation of the OpenAPI document it calls.
struct Probe {
    path: &'static str,
    method: &'static str,
    status: u16,
    what: &'static str,
}

#[test]
fn the_openapi_document_lists_every_status_the_routes_really_answer() {
    let hookline = hookline();
    let browser = start(&hookline);
    let base = browser.server.url.clone();
    let document = browser.ok("openApi", json!({}));
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/hook/orders",
        "/a/scheduler/hooks/orders",
        "/api/webhook/local/orders",
        "/hook/flw_plain",
        "/a/scheduler/hooks/flw_plain",
        "/webhook/payload",
        "/webhook/status/{activityId}",
    ] {
        assert!(paths.contains_key(path), "{path} is documented: {:?}", paths.keys().collect::<Vec<_>>());
    }
    assert!(!paths.contains_key("/api/webhook/local/flw_plain"), "Cloudomation needs a slug");
    let cells = &document["paths"]["/a/scheduler/hooks/orders"]["post"];
    assert_eq!(
        cells["requestBody"]["content"]["application/json"]["schema"]["properties"]["JobParameters"]["properties"],
        json!({"limit": {"type": "integer", "default": 10}}),
        "only the parameter a caller may set, typed"
    );

    let token = browser.ok("createFlowToken", json!({"flow": "flw_orders"}))["token"].as_str().unwrap().to_string();
    let client = &browser.client;
    let url = |path: &str| format!("{base}{path}");
    let status = |response: Response| response.status().as_u16();
    let keyed = |builder: RequestBuilder| builder.header("X-API-Key", KEY);
    let mut probes = Vec::new();
    let mut probe = |path: &'static str, method: &'static str, what: &'static str, status: u16| {
        probes.push(Probe { path, method, status, what });
    };

    let hook = "/hook/orders";
    probe(hook, "post", "accepted", status(keyed(client.post(url(hook))).json(&json!({"a": 1})).send().unwrap()));
    probe(hook, "post", "no key", status(client.post(url(hook)).json(&json!({})).send().unwrap()));
    probe(
        hook,
        "put",
        "bad JSON",
        status(keyed(client.put(url(hook))).header("content-type", "application/json").body("{").send().unwrap()),
    );

    let cells = "/a/scheduler/hooks/orders";
    let envelope = json!({"JobParameters": {"limit": 3}, "TaskID": "order-task-1"});
    probe(cells, "post", "accepted", status(keyed(client.post(url(cells))).json(&envelope).send().unwrap()));
    probe(cells, "post", "TaskID taken", status(keyed(client.post(url(cells))).json(&envelope).send().unwrap()));
    let locked = json!({"JobParameters": {"mode": "fast"}});
    probe(cells, "post", "locked parameter", status(keyed(client.post(url(cells))).json(&locked).send().unwrap()));
    probe(cells, "post", "no key", status(client.post(url(cells)).json(&json!({})).send().unwrap()));
    let once = || keyed(client.post(url(cells))).header("idempotency-key", "order-once").json(&json!({}));
    probe(cells, "post", "first delivery", status(once().send().unwrap()));
    probe(cells, "post", "repeated delivery", status(once().send().unwrap()));
    probe(
        cells,
        "post",
        "foreign host",
        status(keyed(client.post(url(cells))).header("host", "evil.example").json(&json!({})).send().unwrap()),
    );
    let paths_sent = json!({"Paths": ["/etc/passwd"]});
    probe(
        cells,
        "post",
        "path outside the folders",
        status(keyed(client.post(url(cells))).json(&paths_sent).send().unwrap()),
    );
    let too_large = vec![b' '; BODY_LIMIT + 1];
    probe(cells, "post", "too large", status(keyed(client.post(url(cells))).body(too_large).send().unwrap()));

    let cloudomation = "/api/webhook/local/orders";
    let with_key = format!("{}?key={KEY}", url(cloudomation));
    probe(cloudomation, "get", "key in the query", status(client.get(&with_key).send().unwrap()));
    probe(
        cloudomation,
        "post",
        "key in the payload",
        status(client.post(url(cloudomation)).json(&json!({"key": KEY})).send().unwrap()),
    );
    probe(cloudomation, "post", "async", status(client.post(format!("{with_key}&async")).send().unwrap()));
    probe(cloudomation, "post", "no key", status(client.post(url(cloudomation)).json(&json!({})).send().unwrap()));

    let payload = "/webhook/payload";
    let started = client.post(url(payload)).json(&json!({"token": token, "item": "cake"})).send().unwrap();
    probe(payload, "post", "accepted", started.status().as_u16());
    let activity = json_of(started)["activityId"].as_str().unwrap().to_string();
    probe(
        payload,
        "post",
        "wrong token",
        status(client.post(url(payload)).json(&json!({"token": "hlw_0"})).send().unwrap()),
    );
    let payload_with_task = json!({"token": token, "TaskID": "order-task-1"});
    probe(payload, "post", "TaskID taken", status(client.post(url(payload)).json(&payload_with_task).send().unwrap()));

    let activity_path = "/webhook/status/{activityId}";
    let activity_url = url(&format!("/webhook/status/{activity}"));
    probe(
        activity_path,
        "get",
        "known activity",
        status(client.get(&activity_url).bearer_auth(&token).send().unwrap()),
    );
    probe(
        activity_path,
        "post",
        "token in the body",
        status(client.post(&activity_url).json(&json!({"token": token})).send().unwrap()),
    );
    probe(activity_path, "get", "wrong token", status(client.get(&activity_url).bearer_auth("hlw_0").send().unwrap()));
    probe(
        activity_path,
        "get",
        "unknown activity",
        status(client.get(url("/webhook/status/exe_none")).bearer_auth(&token).send().unwrap()),
    );

    // The methods a route does not take; then the flow stopped.
    probe(hook, "post", "a method the hook does not take", status(keyed(client.delete(url(hook))).send().unwrap()));
    probe(cells, "post", "a method Cells does not take", status(keyed(client.put(url(cells))).send().unwrap()));
    probe(
        payload,
        "post",
        "a method Boomerang does not take",
        status(client.put(url(payload)).json(&json!({"token": token})).send().unwrap()),
    );
    probe(cloudomation, "post", "a method Cloudomation does not take", status(client.put(&with_key).send().unwrap()));
    hookline.run(&["flows", "stop", "flw_orders"]).ok();
    std::thread::sleep(Duration::from_millis(300)); // the intake's resolved-hook cache lives 250 ms
    probe(hook, "post", "stopped", status(keyed(client.post(url(hook))).json(&json!({})).send().unwrap()));
    probe(cells, "post", "stopped", status(keyed(client.post(url(cells))).json(&json!({})).send().unwrap()));
    probe(
        cloudomation,
        "post",
        "stopped",
        status(client.post(url(cloudomation)).json(&json!({"key": KEY})).send().unwrap()),
    );
    probe(payload, "post", "stopped", status(client.post(url(payload)).json(&json!({"token": token})).send().unwrap()));

    let mut seen = std::collections::BTreeSet::new();
    for Probe { path, method, status, what } in &probes {
        let responses = &document["paths"][*path][*method]["responses"];
        assert!(
            responses.get(status.to_string()).is_some(),
            "{method} {path} answered {status} ({what}), which the document does not list: {responses}"
        );
        seen.insert(*status);
    }
    // The probes cover every kind of answer, so a route answering something
    // new shows up here first.
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [200, 202, 400, 401, 403, 404, 405, 409, 413, 421],
        "the probes cover every status class the routes answer"
    );
}

#[test]
fn a_token_is_made_once_then_only_rotated() {
    let hookline = hookline();
    let browser = start(&hookline);
    assert_eq!(browser.ok("flowToken", json!({"flow": "orders"}))["present"], false);
    let first = browser.ok("createFlowToken", json!({"flow": "orders"}));
    let info = browser.ok("flowToken", json!({"flow": "orders"}));
    assert_eq!((info["present"].clone(), info["createdAt"].clone()), (json!(true), first["createdAt"].clone()));
    assert!(info.get("token").is_none(), "the token is never answered again: {info}");
    let hook = browser.ok("hooks", json!({"flow": "orders"}));
    assert!(!hook.to_string().contains(first["token"].as_str().unwrap()), "the panel never shows it either");

    let refused = browser
        .client
        .post(format!("{}/api/createFlowToken", browser.server.url))
        .bearer_auth(&browser.token)
        .json(&json!({"flow": "orders"}))
        .send()
        .unwrap();
    assert_eq!(refused.status(), 409, "a second token needs rotate");
    let rotated = browser.ok("createFlowToken", json!({"flow": "orders", "rotate": true}));
    assert_ne!(rotated["token"], first["token"]);
    let start = |token: &Value| {
        browser.client.post(rotated["payloadUrl"].as_str().unwrap()).json(&json!({"token": token})).send()
    };
    assert_eq!(start(&first["token"]).unwrap().status(), 401, "the old token stopped working");
    assert_eq!(start(&rotated["token"]).unwrap().status(), 200, "the new one works");
}
