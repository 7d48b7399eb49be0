//! The webhook listener through real HTTP: `hookline serve` as a child process
//! on 127.0.0.1 port 0, hit by a real client.

use std::time::{Duration, Instant};

use hookline_tests::{hook_flow, live, transform, Hookline, Recorder, Server};
use reqwest::blocking::Client;
use serde_json::{json, Value};

fn delay(id: &str, ms: u64) -> Value {
    json!({"id": id, "component": "delay", "name": id, "inputs": {"ms": {"value": ms}}})
}

fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

fn json_of(response: reqwest::blocking::Response) -> Value {
    let text = response.text().unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("a JSON body ({e}): {text:?}"))
}

fn wait_for_end(client: &Client, status_url: &str) -> Value {
    wait_for_end_within(client, status_url, 20)
}

fn error_code(response: reqwest::blocking::Response) -> String {
    json_of(response)["error"]["code"].as_str().unwrap().to_string()
}

#[test]
fn an_async_hook_answers_202_after_commit_and_the_execution_runs_the_latest_version() {
    let petstore = Recorder::start(200, json!({"id": 7}));
    let hookline = Hookline::new();
    let flow = hook_flow(
        "flw_pets",
        json!({"methods": ["POST"], "slug": "pets"}),
        vec![json!({"id": "stp_create", "component": "http_request", "name": "Create",
                    "inputs": {"method": {"value": "POST"}, "url": {"value": format!("{}/pet", petstore.url)},
                               "body.name": {"expr": "$trigger.body.petname"}}})],
    );
    live(&hookline, &[flow]);
    let server = hookline.serve(&[]);
    let client = client();

    let response = client.post(format!("{}/hook/pets", server.url)).json(&json!({"petname": "Gromit"})).send().unwrap();
    assert_eq!(response.status(), 202);
    let accepted = json_of(response);
    let id = accepted["executionId"].as_str().unwrap();
    let status_url = accepted["statusUrl"].as_str().unwrap();
    assert!(status_url.ends_with(&format!("/executions/{id}")), "{status_url}");

    let execution = wait_for_end(&client, status_url);
    assert_eq!(execution["status"], "succeeded", "{execution}");
    assert_eq!(execution["version"], 1);
    assert_eq!(execution["trigger"], "webhook");
    for field in ["createdAt", "startedAt", "finishedAt", "durationMs"] {
        assert!(!execution[field].is_null(), "{field} is reported: {execution}");
    }
    let step = &execution["steps"][1];
    assert_eq!((step["status"].as_str(), step["output"]["body"]["id"].as_i64()), (Some("succeeded"), Some(7)));
    assert!(step["startedAt"].is_string() && step["durationMs"].is_i64(), "{step}");
    assert_eq!(petstore.received()[0].json(), json!({"name": "Gromit"}));

    let by_id = client.post(format!("{}/hook/flw_pets", server.url)).json(&json!({})).send().unwrap();
    assert_eq!(by_id.status(), 202, "the flow id works as well as the slug");
    let missing = client.get(format!("{}/executions/exe_nope", server.url)).send().unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(error_code(missing), "execution_not_found");
    assert!(server.lines().iter().any(|l| l.starts_with("POST /hook/pets 202")), "one log line per request");
}

#[test]
fn sync_hooks_answer_with_the_execution_a_respond_reply_or_the_failure() {
    let hookline = Hookline::new();
    live(
        &hookline,
        &[
            hook_flow(
                "flw_echo",
                json!({"methods": ["POST", "PUT"], "slug": "echo"}),
                vec![transform("stp_echo", "{'got': body, 'q': query, 'type': $trigger.headers.'content-type'}")],
            ),
            hook_flow(
                "flw_reply",
                json!({"slug": "reply", "respond": "sync"}),
                vec![json!({"id": "stp_reply", "component": "respond", "name": "Reply", "inputs": {
                    "status": {"value": 201}, "headers": {"value": {"x-hookline": "yes"}},
                    "body.greeting": {"expr": "'Hello ' & body.name"}}})],
            ),
            hook_flow(
                "flw_fail",
                json!({"slug": "fail", "respond": "sync"}),
                vec![json!({"id": "stp_call", "component": "http_request", "name": "Call",
                            "inputs": {"url": {"value": "http://127.0.0.1:9/down"}}})],
            ),
            hook_flow(
                "flw_slow",
                json!({"slug": "slow", "respond": "sync", "timeoutMs": 200}),
                vec![delay("stp_wait", 1500)],
            ),
        ],
    );
    let server = hookline.serve(&[]);
    let client = client();

    let reply = client.post(format!("{}/hook/echo?wait&x=1", server.url)).json(&json!({"a": [1, 2]})).send().unwrap();
    assert_eq!(reply.status(), 200);
    let body = json_of(reply);
    assert_eq!(body["status"], "succeeded");
    assert_eq!(body["output"], json!({"got": {"a": [1, 2]}, "q": {"wait": "", "x": "1"}, "type": "application/json"}));
    assert!(body["executionId"].is_string() && body["input"]["method"] == "POST" && body["steps"].is_array(), "{body}");

    let form = client
        .put(format!("{}/hook/echo?wait", server.url))
        .form(&[("a", "1"), ("a", "2"), ("b", "x y")])
        .send()
        .unwrap();
    assert_eq!(json_of(form)["output"]["got"], json!({"a": ["1", "2"], "b": "x y"}), "forms are decoded");
    let text = client
        .post(format!("{}/hook/echo?wait", server.url))
        .header("content-type", "text/plain")
        .body("plain words")
        .send()
        .unwrap();
    assert_eq!(json_of(text)["output"]["got"], "plain words", "text is kept as text");
    let binary = client
        .post(format!("{}/hook/echo?wait", server.url))
        .header("content-type", "application/octet-stream")
        .body(vec![0xff, 0x00, 0x10])
        .send()
        .unwrap();
    assert_eq!(json_of(binary)["output"]["got"], "/wAQ", "binary is base64");

    let built = client.post(format!("{}/hook/reply", server.url)).json(&json!({"name": "Ada"})).send().unwrap();
    assert_eq!(built.status(), 201, "the Respond step chose the status");
    assert_eq!(built.headers()["x-hookline"], "yes");
    assert_eq!(json_of(built), json!({"greeting": "Hello Ada"}));

    let forced = client.post(format!("{}/hook/reply?async", server.url)).json(&json!({"name": "Ada"})).send().unwrap();
    assert_eq!(forced.status(), 202, "?async forces async on a sync hook");

    let failed = client.post(format!("{}/hook/fail", server.url)).send().unwrap();
    assert_eq!(failed.status(), 500);
    let failed = json_of(failed);
    assert_eq!((failed["status"].as_str(), failed["failedStep"].as_str()), (Some("failed"), Some("stp_call")));
    assert!(failed["error"].as_str().unwrap().contains("could not connect"), "{failed}");

    let slow = client.post(format!("{}/hook/slow", server.url)).send().unwrap();
    assert_eq!(slow.status(), 504);
    let slow = json_of(slow);
    assert!(slow["executionId"].is_string(), "a timeout names the execution: {slow}");
    assert_eq!(slow["error"]["code"], "sync_timeout");
    let finished = wait_for_end(&client, slow["statusUrl"].as_str().unwrap());
    assert_eq!(finished["status"], "succeeded", "the execution goes on after the timeout");
}

#[test]
fn bad_requests_get_json_errors_and_create_no_execution() {
    let hookline = Hookline::new();
    live(&hookline, &[hook_flow("flw_echo", json!({"slug": "echo"}), vec![transform("stp_echo", "body")])]);
    let stopped = hook_flow("flw_stopped", json!({"slug": "stopped"}), vec![transform("stp_echo", "body")]);
    live(&hookline, &[stopped]);
    hookline.run(&["flows", "stop", "stopped"]).ok();
    hookline.import(&hook_flow("flw_draft", json!({"slug": "draft"}), vec![transform("stp_echo", "body")]));
    let server = hookline.serve(&["--body-limit", "1024"]);
    let client = client();
    let url = |path: &str| format!("{}{path}", server.url);

    let bad = client
        .post(url("/hook/echo"))
        .header("content-type", "application/json")
        .body("{\"a\": \n  [1,")
        .send()
        .unwrap();
    assert_eq!(bad.status(), 400);
    let message = json_of(bad)["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("line 2 column"), "line and column named: {message}");

    let big =
        client.post(url("/hook/echo")).header("content-type", "text/plain").body("x".repeat(2048)).send().unwrap();
    assert_eq!(big.status(), 413);
    assert_eq!(error_code(big), "payload_too_large");

    let unknown = client.post(url("/hook/nope")).send().unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(error_code(unknown), "flow_not_found");
    for key in ["stopped", "draft"] {
        let response = client.post(url(&format!("/hook/{key}"))).send().unwrap();
        assert_eq!(response.status(), 404, "{key}");
        assert_eq!(error_code(response), "flow_not_started", "{key}");
    }
    let wrong_method = client.delete(url("/hook/echo")).send().unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert_eq!(wrong_method.headers()["allow"], "POST");
    assert_eq!(error_code(wrong_method), "method_not_allowed");

    let executions = hookline.run(&["executions", "list", "--json"]).ok().json();
    assert_eq!(executions, json!([]), "no rejected request created an execution");
}

#[test]
fn a_full_queue_answers_503_with_retry_after() {
    let hookline = Hookline::new();
    live(&hookline, &[hook_flow("flw_slow", json!({"slug": "slow"}), vec![delay("stp_wait", 2000)])]);
    let server = hookline.serve(&["--queue-bound", "1", "--concurrency", "1"]);
    let client = client();
    let statuses: Vec<(u16, Option<String>)> = (0..4)
        .map(|_| {
            let response = client.post(format!("{}/hook/slow", server.url)).send().unwrap();
            let retry = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
            (response.status().as_u16(), retry)
        })
        .collect();
    let overloaded: Vec<_> = statuses.iter().filter(|(s, _)| *s == 503).collect();
    assert!(!overloaded.is_empty(), "one running and one queued fill the queue: {statuses:?}");
    assert!(overloaded.iter().all(|(_, retry)| retry.as_deref() == Some("1")), "{statuses:?}");
    assert_eq!(statuses.iter().filter(|(s, _)| *s == 202).count(), 2, "{statuses:?}");
}

fn stop_with(server: &mut Server, signal: &str) {
    let pid = server.child.id().to_string();
    assert!(std::process::Command::new("kill").args([signal, &pid]).status().unwrap().success());
}

#[test]
fn sigterm_during_a_sync_request_still_answers_it() {
    let hookline = Hookline::new();
    live(
        &hookline,
        &[hook_flow("flw_slow", json!({"slug": "slow", "respond": "sync"}), vec![delay("stp_wait", 1000)])],
    );
    let mut server = hookline.serve(&[]);
    let url = format!("{}/hook/slow", server.url);
    let request = std::thread::spawn(move || client().post(url).send().map(|r| r.status().as_u16()));
    std::thread::sleep(Duration::from_millis(300));
    stop_with(&mut server, "-TERM");
    assert_eq!(request.join().unwrap().expect("answered"), 200, "the in-flight sync request completes");
    let exit = server.child.wait().unwrap();
    assert!(exit.success(), "a graceful stop exits 0: {exit:?}");
}

#[test]
fn every_accepted_request_survives_kill_9_and_finishes_once_after_restart() {
    let hookline = Hookline::new();
    live(
        &hookline,
        &[hook_flow(
            "flw_work",
            json!({"slug": "work"}),
            vec![delay("stp_wait", 150), transform("stp_done", "body.n")],
        )],
    );
    let mut server = hookline.serve(&["--concurrency", "4"]);
    let url = format!("{}/hook/work", server.url);

    // A few hundred concurrent requests; the server is killed while they arrive.
    let workers: Vec<_> = (0..8)
        .map(|worker| {
            let url = url.clone();
            std::thread::spawn(move || {
                let client = Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
                let mut accepted = Vec::new();
                for i in 0..40 {
                    let n = worker * 1000 + i;
                    if let Ok(response) = client.post(&url).json(&json!({"n": n})).send() {
                        if response.status() == 202 {
                            if let Ok(body) = response.json::<Value>() {
                                accepted.push((body["executionId"].as_str().unwrap().to_string(), n));
                            }
                        }
                    }
                }
                accepted
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(400));
    stop_with(&mut server, "-KILL");
    let _ = server.child.wait();
    let accepted: Vec<(String, i64)> = workers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    assert!(accepted.len() >= 20, "enough requests were accepted before the kill: {}", accepted.len());

    let restarted = hookline.serve(&["--concurrency", "16"]);
    let recovered = restarted.lines().into_iter().find(|l| l.starts_with("recovered ")).expect("recovery is reported");
    let count: usize = recovered.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(count > 0, "some executions were unfinished at the kill: {recovered}");

    let client = client();
    for (id, n) in &accepted {
        let execution = wait_for_end(&client, &format!("{}/executions/{id}", restarted.url));
        assert_eq!(execution["status"], "succeeded", "{execution}");
        assert_eq!(execution["output"], json!(n), "the execution finished with its own input");
        let ids: Vec<&str> =
            execution["steps"].as_array().unwrap().iter().map(|s| s["stepId"].as_str().unwrap()).collect();
        assert_eq!(ids, ["stp_hook", "stp_wait", "stp_done"], "each step is recorded once");
    }
    let all = hookline.run(&["executions", "list", "--all", "--json"]).ok().json();
    let all = all.as_array().unwrap();
    assert!(all.iter().all(|e| e["status"] == "succeeded"), "nothing is left unfinished");
    let accepted_ids: std::collections::BTreeSet<&str> = accepted.iter().map(|(id, _)| id.as_str()).collect();
    let stored_ids: std::collections::BTreeSet<&str> = all.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert!(accepted_ids.is_subset(&stored_ids), "every 2xx has its execution");
    assert!(
        stored_ids.len() <= accepted_ids.len() + 8,
        "at most the requests in flight at the kill (one per client) were stored without their 2xx reaching the client"
    );
}

#[test]
fn an_execution_stored_for_a_client_that_hung_up_still_runs() {
    let hookline = Hookline::new();
    live(&hookline, &[hook_flow("flw_work", json!({"slug": "work"}), vec![transform("stp_done", "body.n")])]);
    let server = hookline.serve(&[]);
    let url = format!("{}/hook/work", server.url);

    // Clients that give up after a millisecond hang up while their request is
    // being committed; whatever was stored must still run, without a restart.
    let workers: Vec<_> = (0..8)
        .map(|worker| {
            let url = url.clone();
            std::thread::spawn(move || {
                let client = Client::builder().timeout(Duration::from_millis(1)).build().unwrap();
                for n in 0..50 {
                    let _ = client.post(&url).json(&json!({"n": worker * 100 + n})).send();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let all = hookline.run(&["executions", "list", "--all", "--json"]).ok().json();
        let all = all.as_array().unwrap();
        let unfinished: Vec<&Value> = all.iter().filter(|e| e["status"] != "succeeded").collect();
        if unfinished.is_empty() {
            assert!(!all.is_empty(), "some requests were stored before their clients hung up");
            break;
        }
        assert!(Instant::now() < deadline, "{} stored execution(s) never ran: {:?}", unfinished.len(), unfinished[0]);
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn every_request_is_kept_in_the_inbox_with_its_raw_bytes_and_secrets_masked() {
    let hookline = Hookline::new();
    live(&hookline, &[hook_flow("flw_echo", json!({"slug": "echo"}), vec![transform("stp_echo", "body")])]);
    let server = hookline.serve(&[]);
    let client = client();
    let raw_body = vec![0xff, 0x00, b'a', b'\n'];
    let accepted = client
        .post(format!("{}/hook/echo?x=1", server.url))
        .header("authorization", "Bearer s3cret")
        .header("x-hub-signature-256", "sha256=abc")
        .header("content-type", "application/octet-stream")
        .body(raw_body.clone())
        .send()
        .unwrap();
    assert_eq!(accepted.status(), 202);
    let execution_id = json_of(accepted)["executionId"].as_str().unwrap().to_string();
    let invalid = client
        .post(format!("{}/hook/echo", server.url))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .unwrap();
    assert_eq!(invalid.status(), 400);
    assert_eq!(client.delete(format!("{}/hook/echo", server.url)).send().unwrap().status(), 405);
    assert_eq!(client.post(format!("{}/hook/nope", server.url)).body("hi").send().unwrap().status(), 404);

    let inbox = hookline.run(&["inbox", "list", "echo", "--json"]).ok().json();
    let reasons: Vec<Value> = inbox.as_array().unwrap().iter().map(|e| e["reason"].clone()).collect();
    assert_eq!(
        reasons,
        [json!("method_not_allowed"), json!("invalid_json"), Value::Null],
        "newest first, each with its reason"
    );
    let kept = &inbox[2];
    assert_eq!(kept["executionId"], execution_id.as_str(), "the accepted request links its execution");
    assert_eq!((kept["status"].as_u64(), kept["query"].as_str()), (Some(202), Some("x=1")));
    assert_eq!(kept["headers"]["authorization"], "••••••", "credentials are masked");
    assert_eq!(kept["headers"]["x-hub-signature-256"], "••••••", "signatures are masked");
    assert_eq!((kept["bodyEncoding"].as_str(), kept["body"].as_str()), (Some("base64"), Some("/wBhCg==")));
    assert!(!inbox.to_string().contains("s3cret"), "the secret never appears");
    assert_eq!(inbox[1]["status"], 400);

    let raw = std::process::Command::new(hookline_tests::binary())
        .arg("--data-dir")
        .arg(hookline.data_dir())
        .args(["inbox", "show", kept["id"].as_str().unwrap(), "--raw"])
        .output()
        .unwrap();
    assert_eq!(raw.stdout, raw_body, "--raw prints the body byte for byte");

    let unknown = hookline.run(&["inbox", "list", "nope", "--json"]).ok().json();
    assert_eq!(unknown[0]["reason"], "flow_not_found", "requests to unknown hooks are kept under the name used");
    assert_eq!(unknown[0]["body"], "hi");
}

#[test]
fn a_repeated_idempotency_key_answers_the_original_execution_and_runs_nothing_again() {
    let target = Recorder::start(200, json!({}));
    let hookline = Hookline::new();
    let flow = hook_flow(
        "flw_once",
        json!({"slug": "once"}),
        vec![json!({"id": "stp_call", "component": "http_request", "name": "Call",
                    "inputs": {"method": {"value": "POST"}, "url": {"value": format!("{}/x", target.url)}, "body": {"expr": "body"}}})],
    );
    live(&hookline, &[flow]);
    let server = hookline.serve(&[]);
    let client = client();
    let send = |header: &str, value: &str| {
        let response = client
            .post(format!("{}/hook/once", server.url))
            .header(header, value)
            .json(&json!({"v": value}))
            .send()
            .unwrap();
        (response.status().as_u16(), json_of(response))
    };

    let (first_status, first) = send("idempotency-key", "k1");
    assert_eq!(first_status, 202);
    let (again_status, again) = send("idempotency-key", "k1");
    assert_eq!(again_status, 200);
    assert_eq!(again["executionId"], first["executionId"], "the original execution is named");
    assert_eq!(again["duplicate"], true);
    let (_, standard) = send("webhook-id", "msg_1");
    let (_, standard_again) = send("webhook-id", "msg_1");
    assert_eq!(standard_again["executionId"], standard["executionId"], "Standard Webhooks ids dedupe as well");
    assert_ne!(standard["executionId"], first["executionId"]);

    for accepted in [&first, &standard] {
        assert_eq!(wait_for_end(&client, accepted["statusUrl"].as_str().unwrap())["status"], "succeeded");
    }
    assert_eq!(target.received().len(), 2, "each key ran once");
    let executions = hookline.run(&["executions", "list", "--json"]).ok().json();
    assert_eq!(executions.as_array().unwrap().len(), 2);
}

#[test]
fn a_test_request_becomes_the_trigger_sample_without_running_the_flow() {
    use std::io::{BufRead, BufReader, Read};
    let hookline = Hookline::new();
    // Samples are captured while designing; this flow is published and its
    // draft unchanged, which a capture must not alter.
    hookline.import(&hook_flow("flw_design", json!({"slug": "design"}), vec![transform("stp_echo", "body")]));
    hookline.run(&["flows", "publish", "design"]).ok();
    let server = hookline.serve(&[]);
    let mut capture = std::process::Command::new(hookline_tests::binary())
        .arg("--data-dir")
        .arg(hookline.data_dir())
        .args(["capture", "design", "--timeout", "20"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut waiting = String::new();
    BufReader::new(capture.stderr.take().unwrap()).read_line(&mut waiting).unwrap();
    assert!(waiting.starts_with("waiting up to 20 s"), "{waiting}");

    let client = client();
    let bad = client
        .post(format!("{}/hook-test/design", server.url))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .unwrap();
    assert_eq!(bad.status(), 400, "a malformed test request is refused and not captured");
    let response = client
        .post(format!("{}/hook-test/design?src=postman", server.url))
        .header("authorization", "Bearer s3cret")
        .json(&json!({"petname": "Gromit"}))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(json_of(response)["stepId"], "stp_hook");

    let mut printed = String::new();
    capture.stdout.take().unwrap().read_to_string(&mut printed).unwrap();
    assert!(capture.wait().unwrap().success());
    let sample: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(sample["body"], json!({"petname": "Gromit"}));
    assert_eq!(sample["query"], json!({"src": "postman"}));
    assert_eq!(sample["headers"]["authorization"], "••••••", "a sample never keeps a credential");

    let draft: Value = serde_json::from_str(&hookline.run(&["flows", "show", "design"]).ok().stdout).unwrap();
    assert_eq!(draft["steps"][0].get("sample"), None, "a capture does not touch the draft");
    let flows = hookline.run(&["flows", "list", "--json"]).ok().json();
    assert_eq!(flows[0]["draftChanged"], false, "a capture does not mark the flow as changed: {flows}");
    let exported: Value = serde_json::from_str(&hookline.run(&["flows", "export", "design"]).ok().stdout).unwrap();
    assert_eq!(exported["steps"][0].get("sample"), None, "an export carries no sample unless asked");
    let with: Value =
        serde_json::from_str(&hookline.run(&["flows", "export", "design", "--with-samples"]).ok().stdout).unwrap();
    assert_eq!(with["steps"][0]["sample"], sample, "--with-samples carries the current sample");
    let version: Value =
        serde_json::from_str(&hookline.run(&["flows", "show", "design", "--version", "1"]).ok().stdout).unwrap();
    assert_eq!(version["steps"][0].get("sample"), None, "no published version carries a sample");
    assert_eq!(hookline.run(&["executions", "list", "--json"]).ok().json(), json!([]), "nothing ran");

    let timeout = hookline.run(&["capture", "design", "--timeout", "1"]);
    assert_eq!(timeout.code, Some(2));
    assert!(timeout.stderr.contains("no test request reached /hook-test/flw_design within 1 s"), "{}", timeout.stderr);
}

#[test]
fn a_second_server_on_the_same_data_dir_never_runs_what_the_first_runs_and_takes_over_after_kill_9() {
    let recorder = Recorder::start(200, json!({"ok": true}));
    let hookline = Hookline::new();
    let call = json!({"id": "stp_call", "component": "http_request", "name": "Call",
                      "inputs": {"method": {"value": "POST"}, "url": {"value": format!("{}/ran", recorder.url)},
                                 "body.n": {"expr": "body.n"}}});
    // Each run waits 3 s before its only side effect, so the first server is
    // surely still waiting when it is killed: nothing it started has called out.
    live(&hookline, &[hook_flow("flw_shared", json!({"slug": "shared"}), vec![delay("stp_wait", 3000), call])]);
    let mut first = hookline.serve(&["--concurrency", "2"]);
    let client = client();
    let mut accepted = Vec::new();
    for n in 0..10 {
        let response = client.post(format!("{}/hook/shared", first.url)).json(&json!({"n": n})).send().unwrap();
        assert_eq!(response.status(), 202);
        accepted.push(json_of(response)["executionId"].as_str().unwrap().to_string());
    }

    let second = hookline.serve(&["--concurrency", "16"]);
    let recovered = second.lines().into_iter().find(|l| l.starts_with("recovered ")).expect("recovery is reported");
    assert_eq!(
        recovered, "recovered 0 unfinished execution(s)",
        "the executions the first server runs or queues are its own while it lives"
    );
    std::thread::sleep(Duration::from_millis(500));
    stop_with(&mut first, "-KILL");
    let _ = first.child.wait();

    for id in &accepted {
        let execution = wait_for_end_within(&client, &format!("{}/executions/{id}", second.url), 60);
        assert_eq!(execution["status"], "succeeded", "the second server finished what the first left: {execution}");
    }
    let mut calls: Vec<i64> = recorder.received().iter().map(|r| r.json()["n"].as_i64().unwrap()).collect();
    calls.sort_unstable();
    assert_eq!(calls, (0..10).collect::<Vec<_>>(), "each execution called out exactly once");
}

#[test]
fn a_slug_changed_in_the_draft_moves_the_live_hook_only_when_published() {
    let hookline = Hookline::new();
    let mut flow = hook_flow("flw_move", json!({"slug": "before"}), vec![transform("stp_t", "body.n")]);
    live(&hookline, &[flow.clone()]);
    let server = hookline.serve(&[]);
    let client = client();
    let post = |key: &str| client.post(format!("{}/hook/{key}", server.url)).json(&json!({"n": 1})).send().unwrap();
    assert_eq!(post("before").status(), 202, "the published slug answers");

    flow["steps"][0]["config"]["slug"] = json!("after");
    hookline.import(&flow);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(post("before").status(), 202, "saving a new slug in the draft leaves the live hook where it is");
    let early = post("after");
    assert_eq!(early.status(), 404, "the draft's slug is no hook yet");
    let message = json_of(early)["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("draft") && message.contains("published"), "the answer says why: {message}");

    hookline.run(&["flows", "publish", "flw_move"]).ok();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(post("after").status(), 202, "publishing moves the hook to the new slug");
    let gone = post("before");
    assert_eq!(gone.status(), 404, "and the old slug is free");
    assert_eq!(error_code(gone), "flow_not_found");
}

#[test]
fn wait_and_async_flags_read_true_false_one_zero_and_no_value() {
    let hookline = Hookline::new();
    live(&hookline, &[hook_flow("flw_flags", json!({"slug": "flags"}), vec![transform("stp_t", "body.n")])]);
    let server = hookline.serve(&[]);
    let client = client();
    let status = |query: &str| {
        client.post(format!("{}/hook/flags{query}", server.url)).json(&json!({"n": 1})).send().unwrap().status()
    };
    for (query, expected) in [
        ("", 202),
        ("?wait", 200),
        ("?wait=true", 200),
        ("?wait=1", 200),
        ("?wait=false", 202),
        ("?wait=0", 202),
        ("?async=0", 200),
        ("?wait&async", 202),
    ] {
        assert_eq!(status(query), expected, "{query:?}");
    }
}

fn wait_for_end_within(client: &Client, status_url: &str, seconds: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        let execution = json_of(client.get(status_url).send().unwrap());
        if ["succeeded", "failed", "cancelled"].contains(&execution["status"].as_str().unwrap_or("")) {
            return execution;
        }
        assert!(Instant::now() < deadline, "the execution did not finish: {execution}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn finished_executions_beyond_the_kept_count_go_with_their_requests_and_the_newest_stay() {
    let hookline = Hookline::new();
    live(&hookline, &[hook_flow("flw_kept", json!({"slug": "kept"}), vec![transform("stp_t", "body.n")])]);
    let client = client();
    let mut server = hookline.serve(&[]);
    let mut ids = Vec::new();
    for n in 0..5 {
        let response =
            client.post(format!("{}/hook/kept?wait=true", server.url)).json(&json!({"n": n})).send().unwrap();
        assert_eq!(response.status(), 200);
        ids.push(json_of(response)["executionId"].as_str().unwrap().to_string());
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    // The next server prunes as it starts: the two newest stay.
    let _server = hookline.serve(&["--keep-executions", "2"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let kept = loop {
        let listed = hookline.run(&["executions", "list", "--flow", "kept", "--json"]).ok().json();
        let kept: Vec<String> =
            listed.as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_string()).collect();
        if kept.len() == 2 || Instant::now() > deadline {
            break kept;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(kept, [ids[4].clone(), ids[3].clone()], "the newest two, newest first");
    let inbox = hookline.run(&["inbox", "list", "kept", "--json"]).ok().json();
    let runs: Vec<&str> = inbox.as_array().unwrap().iter().filter_map(|e| e["executionId"].as_str()).collect();
    assert_eq!(runs, [ids[4].as_str(), ids[3].as_str()], "an execution's request goes with it");
    let gone = hookline.run(&["executions", "show", &ids[0]]);
    assert_ne!(gone.code, Some(0), "a pruned execution is gone: {}", gone.stdout);
}

#[test]
fn health_and_readiness_answer_for_load_balancers() {
    let hookline = Hookline::new();
    let server = hookline.serve(&[]);
    let client = client();
    let health = client.get(format!("{}/healthz", server.url)).send().unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(json_of(health), json!({"status": "ok"}));
    let ready = client.get(format!("{}/readyz", server.url)).send().unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(json_of(ready), json!({"ready": true, "database": "ok"}));
}
