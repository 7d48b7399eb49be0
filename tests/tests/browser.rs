//! Browser mode through real HTTP: `hookline serve --ui` as a child process,
//! its token-guarded `/api`, its event stream and the page it serves.

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use hookline_tests::{hook_flow, transform, Hookline, Server};
use reqwest::blocking::{Client, Response};
use serde_json::{json, Value};

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
        let server = hookline.serve(&["--ui", "--ui-dir", ui.path().to_str().unwrap()]);
        let token = wait_for_line(&server, "designer: ")
            .split_once("?token=")
            .map(|(_, token)| token.to_string())
            .expect("the printed URL carries the token");
        Browser { _ui: ui, server, token, client: Client::builder().timeout(Duration::from_secs(30)).build().unwrap() }
    }

    fn call(&self, op: &str, args: Value) -> Response {
        self.client.post(format!("{}/api/{op}", self.server.url)).bearer_auth(&self.token).json(&args).send().unwrap()
    }

    /// Calls `op` and returns its result, failing the test on an error.
    fn ok(&self, op: &str, args: Value) -> Value {
        let response = self.call(op, args);
        let status = response.status();
        let body = json_of(response);
        assert!(status.is_success(), "{op} answered {status}: {body}");
        body
    }
}

fn wait_for_line(server: &Server, prefix: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let wait = deadline.saturating_duration_since(Instant::now());
        match server.log.recv_timeout(wait) {
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
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("a JSON body ({e}): {text:?}"))
}

#[test]
fn the_api_answers_401_without_the_printed_token() {
    let hookline = Hookline::new();
    let browser = Browser::start(&hookline);
    let url = format!("{}/api/listFlows", browser.server.url);
    let response = browser.client.post(&url).send().unwrap();
    assert_eq!(response.status(), 401, "no token, no API");
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(json_of(response)["code"], "unauthorized", "the error has a stable code");
    let wrong = browser.client.post(&url).bearer_auth("0".repeat(48)).send().unwrap();
    assert_eq!(wrong.status(), 401, "a wrong token is refused");
    let events = browser.client.get(format!("{}/api/events", browser.server.url)).send().unwrap();
    assert_eq!(events.status(), 401, "the event stream is guarded too");
    assert_eq!(browser.ok("listFlows", json!({})), json!([]), "the printed token opens the API");
}

#[test]
fn the_page_is_served_at_any_path_with_a_strict_content_security_policy() {
    let hookline = Hookline::new();
    let browser = Browser::start(&hookline);
    for path in ["/", "/flows/flw_x"] {
        let response = browser.client.get(format!("{}{path}", browser.server.url)).send().unwrap();
        assert_eq!(response.status(), 200, "{path} serves the page without a token");
        let csp = response.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("default-src 'self'") && csp.contains("object-src 'none'"), "{csp}");
        assert!(response.text().unwrap().contains("<title>Hookline</title>"), "{path} is the designer's page");
    }
}

#[test]
fn a_flow_is_designed_published_started_and_called_through_the_api() {
    let hookline = Hookline::new();
    let browser = Browser::start(&hookline);
    let created = browser.ok("createFlow", json!({"name": "Echo"}));
    let flow_id = created["flowId"].as_str().unwrap().to_string();
    assert!(created["problems"].as_array().is_some_and(|p| !p.is_empty()), "an empty flow cannot publish yet");

    let refused = browser.call("publish", json!({"flow": flow_id}));
    assert_eq!(refused.status(), 422, "an invalid draft is refused");
    let refused = json_of(refused);
    assert_eq!(refused["code"], "invalid_flow");
    assert!(!refused["problems"].as_array().unwrap().is_empty(), "with the problems to click on: {refused}");

    let mut document =
        hook_flow(&flow_id, json!({"methods": ["POST"], "slug": "echo"}), vec![transform("stp_t", "body.n * 2")]);
    document["name"] = json!("Echo");
    document["steps"][0]["sample"] = json!({"body": {"n": 21}});
    assert_eq!(browser.ok("saveDraft", json!({"document": document}))["problems"], json!([]));
    assert_eq!(browser.ok("publish", json!({"flow": "echo"}))["version"], 1);
    assert_eq!(browser.ok("start", json!({"flow": "echo"}))["live"], true);

    let hook = browser.ok("hooks", json!({"flow": flow_id}));
    assert_eq!(hook["url"], format!("{}/hook/echo", browser.server.url), "the hook URL names this listener");
    assert!(hook["curl"].as_str().unwrap().contains(r#"--data '{"n":21}'"#), "curl sends the sample: {hook}");
    let accepted = browser.client.post(hook["url"].as_str().unwrap()).json(&json!({"n": 4})).send().unwrap();
    assert_eq!(accepted.status(), 202);

    let deadline = Instant::now() + Duration::from_secs(20);
    let execution = loop {
        let list = browser.ok("listExecutions", json!({"flow": flow_id}));
        if list[0]["status"] == "succeeded" {
            break browser.ok("getExecution", json!({"id": list[0]["id"]}));
        }
        assert!(Instant::now() < deadline, "the execution did not succeed: {list}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(execution["output"], 8, "the hook's body went through the published flow");

    let inbox = browser.ok("listInbox", json!({"flow": flow_id}));
    assert_eq!(inbox.as_array().map(Vec::len), Some(1), "the request is in the flow's inbox: {inbox}");
    let from_inbox = json!({"kind": "inbox", "id": inbox[0]["id"]});
    let sample = browser.ok("generateSample", json!({"flow": flow_id, "step": "stp_hook", "from": from_inbox}));
    assert_eq!(sample["value"]["body"], json!({"n": 4}), "a received request becomes a sample: {sample}");

    let postman = browser.ok("postmanCollection", json!({"flow": flow_id}));
    assert!(postman["info"]["schema"].as_str().unwrap().contains("v2.1.0"), "a v2.1 collection");
    assert_eq!(postman["item"][0]["request"]["url"]["raw"], hook["url"], "Postman calls the live hook");
    let openapi = browser.ok("openApi", json!({}));
    assert_eq!(openapi["servers"][0]["url"], browser.server.url.as_str());
    assert!(openapi["paths"]["/hook/echo"]["post"].is_object(), "the live hook is documented: {openapi}");
}

#[test]
fn flows_are_renamed_duplicated_and_deleted() {
    let hookline = Hookline::new();
    let browser = Browser::start(&hookline);
    let document = hook_flow("flw_pets", json!({"methods": ["POST"], "slug": "pets"}), vec![]);
    browser.ok("saveDraft", json!({"document": document}));
    browser.ok("renameFlow", json!({"flow": "pets", "name": "Pets", "description": "from the shop"}));
    let copy = browser.ok("duplicateFlow", json!({"flow": "pets"}));
    let copy_id = copy["flowId"].as_str().unwrap();
    let copied = browser.ok("getFlow", json!({"flow": copy_id}));
    assert_eq!(copied["name"], "Pets (copy)");
    assert_eq!(copied["slug"], "pets-2", "a copy cannot share the hook slug");
    assert_eq!(copied["description"], "from the shop");

    browser.ok("deleteFlow", json!({"flow": "pets"}));
    let names: Vec<Value> =
        browser.ok("listFlows", json!({})).as_array().unwrap().iter().map(|f| f["name"].clone()).collect();
    assert_eq!(names, [json!("Pets (copy)")], "only the copy is left");
    let missing = browser.call("getFlow", json!({"flow": "flw_pets"}));
    assert_eq!(missing.status(), 404);
    assert_eq!(json_of(missing)["code"], "flow_not_found");
}

#[test]
fn bad_requests_get_a_clear_error() {
    let hookline = Hookline::new();
    let browser = Browser::start(&hookline);
    let unknown = browser.call("dropEverything", json!({}));
    assert_eq!(unknown.status(), 422);
    assert!(json_of(unknown)["message"].as_str().unwrap().contains("dropEverything"));
    let not_json = browser
        .client
        .post(format!("{}/api/getFlow", browser.server.url))
        .bearer_auth(&browser.token)
        .body("{flow:")
        .send()
        .unwrap();
    assert_eq!(not_json.status(), 422);
    assert!(json_of(not_json)["message"].as_str().unwrap().contains("not JSON"));
    let check = browser.ok("checkExpression", json!({"expr": "$trigger.body.("}));
    assert_eq!(check["ok"], false, "a syntax error is reported: {check}");
    assert!(check["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[test]
fn the_event_stream_tells_the_page_what_changed() {
    let hookline = Hookline::new();
    let browser = Browser::start(&hookline);
    let stream =
        Client::new().get(format!("{}/api/events?token={}", browser.server.url, browser.token)).send().unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let (sender, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let Some(data) = line.strip_prefix("data: ") {
                if sender.send(data.to_string()).is_err() {
                    break;
                }
            }
        }
    });
    // The subscription starts with the response; a created flow follows it.
    std::thread::sleep(Duration::from_millis(100));
    let flow_id = browser.ok("createFlow", json!({"name": "Watched"}))["flowId"].as_str().unwrap().to_string();
    let event: Value =
        serde_json::from_str(&received.recv_timeout(Duration::from_secs(10)).expect("an event")).unwrap();
    assert_eq!(event, json!({"type": "flowChanged", "flowId": flow_id}));
}

#[test]
fn serving_the_ui_without_a_build_says_how_to_build_it() {
    let hookline = Hookline::new();
    let empty = tempfile::tempdir().unwrap();
    let run = hookline.run(&["serve", "--listen", "127.0.0.1:0", "--ui", "--ui-dir", empty.path().to_str().unwrap()]);
    assert_ne!(run.code, Some(0), "serve refuses to start without the designer");
    assert!(run.stderr.contains("not built") && run.stderr.contains("npm"), "{}", run.stderr);
}

#[test]
fn a_new_listener_address_from_browser_mode_applies_at_the_next_start() {
    let hookline = Hookline::new();
    let browser = Browser::start(&hookline);
    let settings = browser.ok("setListenAddress", json!({"address": "127.0.0.1:18999"}));
    assert_eq!(settings["listenAddress"], "127.0.0.1:18999");
    assert_eq!(settings["listener"]["running"], true, "the page's own server keeps running");
    assert_eq!(settings["listener"]["restartNeeded"], true, "and the page says a restart applies it");
    let bad = browser.call("setListenAddress", json!({"address": "localhost"}));
    assert_eq!(bad.status(), 422, "an address without a port is refused");
    assert_eq!(browser.ok("settings", json!({}))["listenAddress"], "127.0.0.1:18999", "nothing was lost");
}

#[test]
fn a_sample_request_to_the_test_url_becomes_the_triggers_sample_and_a_wait_can_be_cancelled() {
    let hookline = Hookline::new();
    let browser = Browser::start(&hookline);
    let document = hook_flow("flw_pets", json!({"methods": ["POST"], "slug": "pets"}), vec![]);
    browser.ok("saveDraft", json!({"document": document}));

    // The wait runs on its own thread, as a second browser tab would.
    let (base, token) = (browser.server.url.clone(), browser.token.clone());
    let capture = move |args: Value| {
        let client = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        json_of(client.post(format!("{base}/api/captureSample")).bearer_auth(&token).json(&args).send().unwrap())
    };
    std::thread::scope(|scope| {
        let waiting = scope.spawn(|| capture(json!({"flow": "pets", "timeoutMs": 20_000})));
        std::thread::sleep(Duration::from_millis(300));
        let test_url = browser.ok("hooks", json!({"flow": "pets"}))["testUrl"].as_str().unwrap().to_string();
        let sent =
            browser.client.post(&test_url).json(&json!({"petname": "Gromit", "petstatus": "Sold"})).send().unwrap();
        assert!(sent.status().is_success(), "the test URL takes the request: {}", sent.status());
        let sample = waiting.join().unwrap();
        assert_eq!(sample["source"], "captured");
        assert_eq!(sample["current"], true);
        assert_eq!(
            sample["value"]["body"],
            json!({"petname": "Gromit", "petstatus": "Sold"}),
            "the request is the sample"
        );
    });
    assert_eq!(browser.ok("listExecutions", json!({"flow": "pets"})), json!([]), "nothing ran");

    std::thread::scope(|scope| {
        let waiting = scope.spawn(|| capture(json!({"flow": "pets"})));
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(browser.ok("cancelCapture", json!({"flow": "pets"})), true, "a wait was there to cancel");
        assert_eq!(waiting.join().unwrap()["code"], "cancelled", "the waiting call ends at once");
    });
}
